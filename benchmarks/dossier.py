"""The traceability dossier of the busiest company over 12 months against its profile page, in one run.

    .venv/bin/python benchmarks/dossier.py [--tries 3] [--keep]

Creates a PostgreSQL database (benchmarks/common.py), builds the heaviest company of the page benchmark with the
tests' bulk builder (tests/support/heavy_data.py: 5,000 applications and 108 handlers over a year, its 3P actions
and NNCs) and computes the scores. Then, median of --tries, each cold (no view cache):
- the profile page's server work: the profile (score, working, events) and everything its reader opens — the
  monthly chart, the first page of the timeline and of the handlers, the tier history and the guidance;
- the dossier: gathering the content for the default 12 months, drawing the PDF (compressed, as downloaded) and
  writing the audit row, as the download route does;
- `verify` of that PDF (it draws the dossier again).
Aim (issue #19): the dossier within 10× the profile page.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from benchmarks.common import create_database, drop_database  # noqa: E402

AIM = 10.0


class Officer:
    """An enforcement officer of the office, shaped like the logged-in user the route passes."""

    def __init__(self, office_id: int):
        self.id, self.username, self.full_name, self.role = None, "bench_enforcement", "Bench Enforcement", "enforcement"
        self.office_id, self.section_id, self.section_code, self.service_user_ids = office_id, None, None, ()


def build(url: str) -> tuple[int, int]:
    from support.heavy_data import build_heavy_company
    from portal.db import Database
    from portal.migrate import upgrade
    from portal.services import users
    from portal.services.compliance.rollup import recompute_all

    upgrade(url)
    database = Database(url)
    with database.session() as s:
        heavy = build_heavy_company(s, applications=5000, handlers=108)
        company_id, office_id = heavy.id, users.office_id_by_code(s, "0300")
    with database.session() as s:
        recompute_all(s)
    database.dispose()
    return company_id, office_id


def profile_page(session, company_id: int, office_id: int) -> None:
    """What opening the profile and each of its sections asks of the server (callbacks/profile.py)."""
    from portal.services.compliance import profile

    reach = {"office_id": office_id, "section_scope": None}
    profile.profile(session, company_id, **reach, section=None)
    for name in ("monthly", "timeline", "handlers", "tier_history", "guidance"):
        profile.profile_section(session, company_id, name, **reach, section=None)


def timed(function, tries: int) -> float:
    spent = []
    for _ in range(tries):
        start = time.perf_counter()
        function()
        spent.append((time.perf_counter() - start) * 1000)
    return statistics.median(spent)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tries", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    from portal.db import Database
    from portal.reports import dossier

    name, url = create_database("qcorner_bench_dossier")
    try:
        company_id, office_id = build(url)
        database = Database(url)
        officer = Officer(office_id)
        printed: dict = {}

        def profile_once():
            with database.session() as s:
                profile_page(s, company_id, office_id)

        def dossier_once():
            with database.session() as s:
                printed.update(dossier.printed(s, officer, company_id))

        def verify_once():
            with database.session() as s:
                assert dossier.verify(printed["pdf"], s)["ok"]

        profile_once()  # warm the connection pool and the imports, as a running server has them
        profile_ms = timed(profile_once, args.tries)
        dossier_ms = timed(dossier_once, args.tries)
        verify_ms = timed(verify_once, args.tries)
        content = printed["content"]["offices"][0]
        ratio = dossier_ms / profile_ms
        print(f"busiest company: {content['working']['n']} consignments in the window, "
              f"{len(content['actions'])} 3P actions, {len(content['nncs'])} NNCs, "
              f"{len(content['handlers']['handlers'])} handlers, {content['handlers']['changes_total']} handler changes")
        print(f"profile page (all sections)   {profile_ms:8.0f} ms")
        print(f"dossier, 12 months (gather+PDF) {dossier_ms:6.0f} ms   {printed['pages']} pages, "
              f"{len(printed['pdf']) / 1024:.0f} kB")
        print(f"verify (draws it again)         {verify_ms:6.0f} ms")
        print(f"ratio dossier / profile          {ratio:5.1f}×  (aim ≤ {AIM:.0f}×: {'met' if ratio <= AIM else 'MISSED'})")
        database.dispose()
        return 0 if ratio <= AIM else 1
    finally:
        if not args.keep:
            drop_database(name)


if __name__ == "__main__":
    sys.exit(main())
