"""The inspection queue at a busy station against a plain paged list of the same applications, in one run.

    .venv/bin/python benchmarks/targeting_queue.py [--applications 110000] [--days 365] [--calls 30] [--keep]

Creates a PostgreSQL database (benchmarks/common.py), builds with the tests' bulk builder
(tests/support/heavy_data.py) a station-year of Soekarno-Hatta: 110,000 applications over 365 days (≈ 300 new ones a
day), each with every stage event, commodity line, 3P record, bill and certificate
the builder writes, and one targeting decision per application (level, draw, rate, ~12 % with a risk flag),
decided three minutes after submission.

Measured, median and p95 of --calls, for today's first page (office time zone), as an operator of the office:
- queue: portal.services.targeting.queue.queue_page plus shaping the rows for the grid (callbacks/targeting_queue
  grid_row) — what the queue page's callback does per request;
- plain list: portal.services.applications.search_applications for the same day (submitted today) plus its
  grid_row (callbacks/applications) — the applications page's callback for the same applications.
Aim (issue #18): queue ≤ 2× the plain list. Also the queue with a flag filter and with a search.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from benchmarks.common import create_database, drop_database  # noqa: E402

UTC = timezone.utc
TZ = "Asia/Jakarta"
FLAGS = ("new_company", "new_commodity", "new_country", "handler_flagged", "recent_nnc", "quantity_outlier")
RATES = {"tightened": 1.0, "normal": 0.25, "reduced": 0.05}


def build(url: str, applications: int, days: int) -> dict:
    """The station's applications and one decision each; returns the counts."""
    from sqlalchemy import insert, select

    from models import Application
    from models.targeting import TargetingDecision
    from portal.db import Database
    from portal.migrate import upgrade
    from support.heavy_data import build_heavy_company

    upgrade(url)
    database = Database(url)
    rng = random.Random(18)
    with database.session() as s:
        # One company (the builder's tax id is fixed): the queue's work does not depend on how many there are.
        build_heavy_company(s, applications=applications, handlers=60, days=days, nncs=2)
        rows = []
        for app_id, office_id, section_id, service_user_id, source_id, submitted in s.execute(select(
                Application.id, Application.office_id, Application.section_id, Application.service_user_id,
                Application.source_id, Application.submitted_at)):
            level = rng.choices(tuple(RATES), (15, 45, 40))[0]
            draw = rng.random()
            flags = [{"code": rng.choice(FLAGS), "evidence": {"bench": True}}] if rng.random() < 0.12 else []
            rows.append({"application_id": app_id, "office_id": office_id, "section_id": section_id,
                         "service_user_id": service_user_id, "iqfast_id": source_id, "level": level,
                         "rate": RATES[level], "draw": draw, "random_selected": draw < RATES[level], "flags": flags,
                         "selected": draw < RATES[level] or bool(flags), "key_version": 1, "settings_version": 0,
                         "level_basis": {"bench": True}, "decided_at": submitted + timedelta(minutes=3)})
        for start in range(0, len(rows), 5000):
            s.execute(insert(TargetingDecision), rows[start:start + 5000])
        s.commit()
        s.execute(__import__("sqlalchemy").text("ANALYZE"))
        s.commit()
    database.dispose()
    return {"applications": len(rows)}


def timed(function, calls: int) -> tuple[float, float, object]:
    """Median and p95 milliseconds of `calls` calls (after one warm-up), and the last result."""
    result = function()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))], result


def measure(url: str, calls: int) -> dict:
    from types import SimpleNamespace

    from callbacks import applications as applications_page, targeting_queue as queue_callbacks
    from portal.db import Database
    from portal.domain.periods import today_in
    from portal.security.scope import scope_of
    from portal.services import applications
    from portal.services.targeting import queue
    from portal.services.users import office_id_by_code

    database = Database(url)
    today = today_in(TZ)
    with database.session() as s:
        office = office_id_by_code(s, "0300")
        operator = scope_of(SimpleNamespace(id=1, username="bench", role="operator", office_id=office,
                                            section_code=None, section_id=None))
        reach = applications.reach(operator)

        def queue_call(**filters):
            def call():
                result = queue.queue_page(s, operator, filters, 0, tz=TZ)
                return result, [queue_callbacks.grid_row(row, TZ) for row in result["rows"]]
            return call

        def plain():
            result = applications.search_applications(s, {"date_from": today, "date_to": today}, 0, None, tz=TZ,
                                                      **reach)
            return result, [applications_page.grid_row(row, TZ) for row in result["rows"]]

        figures = {}
        figures["plain"] = timed(plain, calls)
        figures["queue"] = timed(queue_call(), calls)
        figures["queue_flag"] = timed(queue_call(flag="recent_nnc"), calls)
        figures["queue_search"] = timed(queue_call(search="0300.T"), calls)  # part of the plant numbers
    database.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=110_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database", help="reuse a database built by an earlier --keep run")
    options = parser.parse_args()
    name, url = create_database("qcorner_bench_queue", options.database)
    try:
        if not options.database:
            started = time.perf_counter()
            print(f"built {build(url, options.applications, options.days)} in {time.perf_counter() - started:.0f} s")
        figures = measure(url, options.calls)
        plain_total = figures["plain"][2][0]["total"]
        queue_result = figures["queue"][2][0]
        print(f"today: {plain_total} applications submitted, {queue_result['total']} decided "
              f"({queue_result['selected']} selected); first page of each")
        for key, label in (("plain", "plain paged list (applications)"), ("queue", "queue"),
                           ("queue_flag", "queue, flag filter"), ("queue_search", "queue, search")):
            median, p95, _ = figures[key]
            print(f"{label:34s} median {median:7.1f} ms   p95 {p95:7.1f} ms")
        ratio = figures["queue"][0] / figures["plain"][0]
        print(f"queue ÷ plain list (median): {ratio:.2f}×  (aim ≤ 2×: {'met' if ratio <= 2 else 'NOT met'})")
    finally:
        if options.keep or options.database:
            print(f"database kept: {name}")
        else:
            drop_database(name)


if __name__ == "__main__":
    main()
