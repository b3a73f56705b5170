"""The demo under load (issue #17): half the people on the KPI panel (the head), half on the rankings (the plant
coordinator), each as `locustfile.py` drives them, against `make run` with the demo's own accounts.

    .venv-load/bin/locust -f benchmarks/load/demo_mix.py --headless -u 20 -r 5 -t 2m \
        --host http://127.0.0.1:8050 --csv /tmp/demo20
    DEMO_MIX=head .venv-load/bin/locust -f benchmarks/load/demo_mix.py --headless -u 1 -t 1m …   # one person alone

Everyone logs in with the demo accounts (`head`, `coordinator_plant`, password `qcorner-demo` or LOAD_PASSWORD):
several sessions of one account, as several browsers. DEMO_MIX=head or DEMO_MIX=coordinator keeps only one of the
two, for the single-person figures the mix is compared with.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The module, not its classes: locust runs every User class it finds in this file's namespace.
import locustfile as base  # noqa: E402

ONLY = os.environ.get("DEMO_MIX", "")


class KpiHead(base.Head):
    """Mostly the KPI panel (its period presets and section), now and then the rankings and survey results."""
    weight = 1
    abstract = ONLY == "coordinator"


class RankingCoordinator(base.CoordinatorPlant):
    """Mostly the rankings (tier, direction, sort, paging, a company's profile), then the other lists."""
    weight = 1
    abstract = ONLY == "head"
