"""One company across offices at national scale: the national ranking against one office's, the profile with the
company's other offices against without.

    .venv/bin/python benchmarks/national.py [--applications 1000000] [--offices 50] [--shared 200] [--calls 5]
        [--keep | --database NAME]

Creates a PostgreSQL database (QCORNER_BENCH_PG, default postgres@127.0.0.1:5432) and fills it with the load
proof's generator (`benchmarks/ranking.py: generate`: 50 offices, 1,000 service users each, 1,000,000
applications, 3P actions and NNCs); then the `--shared` busiest service users of every office are made one company
across all offices (the same company as the record of the same rank at the first office: the busiest exporters ship
through every station), and the rollups are built. Measured, each the median of `--calls` calls, straight on the
services (no view cache: the cost of a data change):
- the time to store every section's national ranking (refresh_national: what a sync's refresh adds);
- the ranking of the busiest office (0300) per section, and the national ranking of the same section (stored rows;
  a searched page sorted by name; computed live from the snapshots, as before the stored rows);
- the profile of the busiest shared company at 0300, without and with its record at every other office.
Prints the figures and the two ratios (targets: ≤ 3× and ≤ 1.5×) and drops the database (unless --keep).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import ranking as ranking_bench  # noqa: E402 - the load proof's data generator
from benchmarks.common import create_database, drop_database  # noqa: E402

SHARE_SQL = """
WITH ranked AS (
    SELECT id, office_id, company_id,
           row_number() OVER (PARTITION BY office_id ORDER BY id) - 1 AS j FROM service_users),
first AS (
    SELECT j, company_id FROM ranked WHERE office_id = (SELECT min(id) FROM offices))
UPDATE service_users s SET company_id = f.company_id
FROM ranked r JOIN first f ON f.j = r.j
WHERE s.id = r.id AND r.j < :shared AND s.company_id <> f.company_id
"""


TOUCH_SQL = """
WITH latest AS (
    SELECT a.id FROM applications a JOIN offices o ON o.id = a.office_id
    WHERE o.code = :office AND a.deleted_at IS NULL ORDER BY a.submitted_at DESC LIMIT :touched)
UPDATE applications a SET synced_at = now() FROM latest WHERE a.id = latest.id
"""
DETAIN_SQL = """
INSERT INTO quarantine_actions (kind, source_id, action_at, application_id, service_user_id, office_id, section_id,
                                synced_at)
SELECT 'detention', 900000000 + a.id, a.completed_at - interval '1 hour', a.id, a.service_user_id, a.office_id,
       a.section_id, now()
FROM applications a JOIN offices o ON o.id = a.office_id
WHERE o.code = :office AND a.completed_at IS NOT NULL AND a.deleted_at IS NULL
ORDER BY a.submitted_at DESC LIMIT :detained
"""


def sync_refresh(database, touched: int = 1000, detained: int = 5, office: str = "0300") -> dict:
    """What a sync run's refresh costs at this scale: the latest `touched` applications of one office marked written
    by a sync (their companies' rollups, snapshots and national rows are brought current) and `detained` of them
    given a detention (so the counts, the office's and the national rate move), then after_sync.refresh_rollups
    timed, wall and CPU (this process's and its PostgreSQL backend's, read from /proc), and a full store of the
    national rankings timed after it (what each sync paid before the store was incremental). The stored rows after
    the refresh are compared with the full store's."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import select, text

    from benchmarks.sync_throughput import backend_cpu
    from models.compliance import ComplianceNationalScore
    from portal.services.compliance import national
    from portal.services.sync import after_sync

    def stored(session):
        n = ComplianceNationalScore
        return sorted(tuple(row) for row in session.execute(select(*n.__table__.columns)))

    def measured(session, work):
        pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        started, cpu, server = time.perf_counter(), time.process_time(), backend_cpu([pid])
        answer = work()
        return (time.perf_counter() - started, time.process_time() - cpu, backend_cpu([pid]) - server), answer

    with database.session() as session:
        since = datetime.now(timezone.utc) - timedelta(seconds=1)
        session.execute(text(TOUCH_SQL), {"office": office, "touched": touched})
        session.execute(text(DETAIN_SQL), {"office": office, "detained": detained})
        (wall, ours, server), result = measured(session, lambda: after_sync.refresh_rollups(session, since))
        incremental = stored(session)
        (full_wall, full_ours, full_server), _ = measured(session, lambda: national.refresh_national(session))
        same = stored(session) == incremental
        session.rollback()  # the kept database stays as it was
    return {"result": result, "wall": wall, "cpu": ours + server, "cpu_ours": ours, "cpu_server": server,
            "full_store_wall": full_wall, "full_store_cpu": full_ours + full_server, "same_as_full_store": same}


def timed(function, calls: int) -> tuple[float, object]:
    """Median seconds of `calls` calls, and the last answer."""
    seconds, answer = [], None
    for _ in range(calls):
        started = time.perf_counter()
        answer = function()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--offices", type=int, default=50, help="offices (1,000 service users each)")
    parser.add_argument("--shared", type=int, default=200, help="busiest service users of each office made one "
                                                                 "company across every office")
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database", help="measure a database a --keep run left (kept again), not a new one")
    args = parser.parse_args()
    ranking_bench.OFFICES, ranking_bench.SERVICE_USERS = args.offices, args.offices * 1000

    from sqlalchemy import func, select, text

    from models import Application, Office, ServiceUser
    from portal import view_cache
    from benchmarks.common import view_cache_server
    from portal.db import Database
    from portal.migrate import upgrade
    from portal.services.compliance import national, profile as compliance_profile, ranking, rollup

    name, url = create_database("qcorner_bench_national", args.database)
    database = None
    try:
        upgrade(url)
        database = Database(url)
        if not args.database:
            started = time.perf_counter()
            generated = ranking_bench.generate(database.engine, args.applications)
            with database.engine.begin() as connection:
                shared = connection.execute(text(SHARE_SQL), {"shared": args.shared}).rowcount
            print(f"generated in {time.perf_counter() - started:.0f} s: {generated['counts']}; {shared:,} records "
                  f"joined to a company at another office", flush=True)
            started = time.perf_counter()
            with database.session() as session:
                rollup.recompute_all(session)
            print(f"rollups in {time.perf_counter() - started:.0f} s", flush=True)
        # What storing the national rankings adds to every sync's refresh (after_sync.refresh_rollups).
        with database.session() as session:
            stored, _ = timed(lambda: national.refresh_national(session), 1)
            session.commit()
        print(f"national rankings stored (every section) in {stored:.1f} s", flush=True)

        with database.session() as session:
            office_id = session.scalar(select(Office.id).where(Office.code == "0300"))
            busiest = session.execute(
                select(ServiceUser.id, func.count(Application.id)).join(Application,
                                                                      Application.service_user_id == ServiceUser.id)
                .where(ServiceUser.office_id == office_id)
                .where(ServiceUser.company_id.in_(select(ServiceUser.company_id).group_by(ServiceUser.company_id)
                                                  .having(func.count() > 1)))
                .group_by(ServiceUser.id).order_by(func.count(Application.id).desc()).limit(1)).one()
            results = {}
            for section in ("plant", "animal"):
                filters = {"section": section}
                one, office_answer = timed(lambda: ranking.ranking(session, office_id=office_id, section_scope=None,
                                                                   filters=filters), args.calls)
                every, national_answer = timed(lambda: national.national_ranking(session, section_scope=None,
                                                                                 filters=filters), args.calls)
                assert national_answer["stored"], "the stored national rows were not current"
                searched, _ = timed(lambda: national.national_ranking(session, section_scope=None, filters=filters,
                                                                      search="pt", sort="name", page=3),
                                    args.calls)
                live, live_answer = timed(lambda: national.national_ranking(session, section_scope=None,
                                                                            filters=filters, stored=False),
                                          args.calls)
                assert live_answer["rows"] == national_answer["rows"], "stored and live national rows differ"
                cache_server = view_cache_server()

                def cached(service, **kwargs):
                    with cache_server.app_context():
                        return view_cache.cached(session, service, **kwargs)

                cached(national.national_ranking, section_scope=None, filters=filters)  # the first reader's
                again, _ = timed(lambda: cached(national.national_ranking, section_scope=None, filters=filters),
                                 args.calls)
                results[section] = (one, every, office_answer["total"], national_answer["total"])
                print(f"ranking {section}: one office {one * 1000:.0f} ms ({office_answer['total']:,} companies), "
                      f"national {every * 1000:.0f} ms ({national_answer['total']:,} companies): "
                      f"{every / one:.2f}×; searched, by name, page 4: {searched * 1000:.0f} ms "
                      f"({searched / one:.2f}×); computed live from the snapshots {live * 1000:.0f} ms "
                      f"({live / one:.2f}×); national from the view cache {again * 1000:.1f} ms", flush=True)

            def plain_profile():
                return compliance_profile.profile(session, busiest[0], office_id=office_id, section_scope=None)

            def with_others():
                return plain_profile(), national.other_offices(session, busiest[0], office_id=office_id,
                                                               section_scope=None)

            without, _ = timed(plain_profile, args.calls)
            both, (_profile, others) = timed(with_others, args.calls)
            print(f"profile of the busiest shared company ({busiest[1]:,} applications at 0300, "
                  f"{len(others)} other offices): {without * 1000:.0f} ms without, {both * 1000:.0f} ms with its "
                  f"other offices: {both / without:.2f}×", flush=True)
    finally:
        if database is not None:
            database.engine.dispose()
        if not (args.keep or args.database):
            drop_database(name)


if __name__ == "__main__":
    main()
