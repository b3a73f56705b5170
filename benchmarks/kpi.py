"""KPI panel at national scale: the panel's server time vs hand-written SQL vs pandas, and the rollup build.

    .venv/bin/python benchmarks/kpi.py [--applications 1000000] [--calls 30] [--keep]

Creates a PostgreSQL database (same server settings as benchmarks/ranking.py), fills it with that benchmark's
set-based generator (`ranking.generate`: ≈ 50 offices, 1,000,000 applications over two years, ≈ 7.8 million
stage events, 3P records, NNCs), then, also set-based: gives the head's office (0300) the volume of the
biggest station (the applications of ten other offices ≈ 110,000 a year), varies each application's stage
times, and adds what the panel reads and the ranking does not: bills, final certificates, survey answers.
Builds the KPI rollups (`qcorner kpi rebuild`), measures, prints, and drops the database (unless --keep).

Measured for a one-month and a one-year period, each against its previous period:
- the panel's server time: portal.services.kpi.panel.panel (every figure of both periods) plus drawing the cards,
  the chart and the stage table — what the page's callback does;
- its heaviest figure (exact submitted→certified median and P90) three ways: the panel's own query on the
  rollup, the best hand-written SQL on the raw tables (index range on applications, certified event by the
  (application, time) index, percentile_cont), and pandas over the rows loaded from the database.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from benchmarks.common import create_database, drop_database, view_cache_server  # noqa: E402
from ranking import generate, timed  # noqa: E402  (the shared generator)

EXTRA_STEPS = [
    # The biggest station: ten more offices' applications (and their 3P records and NNCs) move to office 0300.
    """CREATE TEMP TABLE moved AS SELECT id FROM offices WHERE code <> '0300' ORDER BY id LIMIT 10""",
    """UPDATE applications SET office_id = (SELECT id FROM offices WHERE code = '0300')
       WHERE office_id IN (SELECT id FROM moved)""",
    """UPDATE quarantine_actions SET office_id = (SELECT id FROM offices WHERE code = '0300')
       WHERE office_id IN (SELECT id FROM moved)""",
    """UPDATE nncs SET office_id = (SELECT id FROM offices WHERE code = '0300'), number = number || '-m'
       WHERE office_id IN (SELECT id FROM moved)""",
    # Stage times vary per application (× 0.3 … 3.0 of the generator's 2 hours a stage), order kept.
    """UPDATE stage_events e SET occurred_at = a.submitted_at + (e.occurred_at - a.submitted_at)
           * (0.3 + (a.id * 7919 % 1000) / 370.0)
       FROM applications a WHERE a.id = e.application_id
         AND a.office_id = (SELECT id FROM offices WHERE code = '0300')""",
    """UPDATE applications a SET completed_at = e.occurred_at FROM stage_events e
       WHERE e.application_id = a.id AND e.stage = 'handed_over'
         AND a.office_id = (SELECT id FROM offices WHERE code = '0300')""",
    # One bill and one final certificate per certified application (the generator writes neither).
    """INSERT INTO bills (source_id, application_id, amount, issued_at, paid, paid_at, synced_at)
       SELECT e.application_id, e.application_id, 50000 + (e.application_id % 40) * 25000, e.occurred_at,
              p.occurred_at IS NOT NULL, p.occurred_at, now()
       FROM stage_events e LEFT JOIN stage_events p ON p.application_id = e.application_id AND p.stage = 'paid'
       WHERE e.stage = 'billed'""",
    """INSERT INTO certificates (source_id, application_id, form_code, is_draft, issued_at, synced_at)
       SELECT application_id, application_id, 'KT-1', false, occurred_at, now() FROM stage_events
       WHERE stage = 'certified'""",
    # Survey answers: one handover in twenty at office 0300 is answered.
    """INSERT INTO survey_responses (office_id, section_id, submitted_on, element_1, element_2, element_3,
           element_4, element_5, element_6, element_7, element_8, element_9)
       SELECT a.office_id, a.section_id, (a.completed_at AT TIME ZONE 'Asia/Jakarta')::date,
              3 + (a.id % 2), 3 + (a.id % 3 = 0)::int, 2 + (a.id % 3), 4, 3, 3 + (a.id % 5 = 0)::int, 4, 3, 3
       FROM applications a JOIN offices o ON o.id = a.office_id
       WHERE o.code = '0300' AND a.completion_stage = 'handed_over' AND a.id % 20 = 0""",
    "ANALYZE",
]

FLOOR_SQL = """
SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM c.at - a.submitted_at) / 3600.0)
FROM applications a
CROSS JOIN LATERAL (SELECT min(e.occurred_at) AS at FROM stage_events e
                    WHERE e.application_id = a.id AND e.stage = 'certified') c
WHERE a.office_id = :office AND a.completed_at >= :lower AND a.completed_at < :upper AND a.deleted_at IS NULL
  AND c.at IS NOT NULL
"""

ROLLUP_SQL = """
SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY service_hours)
FROM kpi_application_times WHERE office_id = :office AND completed_at >= :lower AND completed_at < :upper
"""


def pandas_figures(engine, office_id: int, lower, upper) -> dict:
    """The same figures computed the naive way: load the period's rows into pandas and aggregate there."""
    import pandas as pd

    params = {"office": office_id, "lower": lower, "upper": upper}
    with engine.connect() as connection:
        def load(sql: str):
            return pd.read_sql(sql, connection, params=params)
        apps = load("SELECT id, submitted_at, completed_at, completion_stage, section_id, direction "
                    "FROM applications WHERE office_id = %(office)s AND deleted_at IS NULL "
                    "AND completed_at >= %(lower)s AND completed_at < %(upper)s")
        events = load("SELECT e.application_id, e.stage, e.occurred_at FROM stage_events e "
                      "JOIN applications a ON a.id = e.application_id WHERE a.office_id = %(office)s "
                      "AND a.completed_at >= %(lower)s AND a.completed_at < %(upper)s")
        bills = load("SELECT b.amount, b.issued_at, b.paid, b.paid_at FROM bills b JOIN applications a "
                     "ON a.id = b.application_id WHERE a.office_id = %(office)s "
                     "AND b.issued_at >= %(lower)s AND b.issued_at < %(upper)s")
        certificates = load("SELECT c.id FROM certificates c JOIN applications a ON a.id = c.application_id "
                            "WHERE a.office_id = %(office)s AND NOT c.is_draft "
                            "AND c.issued_at >= %(lower)s AND c.issued_at < %(upper)s")
    first = events.pivot_table(index="application_id", columns="stage", values="occurred_at", aggfunc="min")
    merged = apps.set_index("id").join(first, how="left")
    hours = (merged["certified"] - merged["submitted_at"]).dt.total_seconds() / 3600
    stages = {}
    previous = "submitted"
    for stage in ("verified", "inspected", "draft_certificate", "billed", "paid", "certified", "handed_over"):
        if stage in merged and previous in merged:
            gap = (merged[stage] - merged[previous]).dt.total_seconds() / 3600
            stages[stage] = (gap.quantile(0.5), gap.quantile(0.9))
        previous = stage
    return {"median": hours.quantile(0.5), "p90": hours.quantile(0.9), "completed": len(apps),
            "certificates": len(certificates), "billed": float(bills.amount.sum()),
            "paid": float(bills[bills.paid].amount.sum()), "stages": stages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--database", help="measure an existing benchmark database (kept with --keep)")
    parser.add_argument("--rebuild", action="store_true", help="with --database: rebuild the rollups first")
    args = parser.parse_args()

    from sqlalchemy import text

    from portal.db import Database
    from portal.migrate import upgrade

    name, url = create_database("kpi_bench", existing=args.database)
    database = None
    try:
        upgrade(url)
        database = Database(url)
        if args.database:
            measure(args, database, rebuild=args.rebuild)
            return
        print(f"database {name}: generating {args.applications:,} applications …", flush=True)
        generated = generate(database.engine, args.applications)
        started = time.perf_counter()
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            for sql in EXTRA_STEPS:
                connection.execute(text(sql))
            extra = {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                     for table in ("bills", "certificates", "survey_responses")}
        print(f"generated in {generated['seconds'] + time.perf_counter() - started:.0f} s:",
              {**generated["counts"], **extra}, flush=True)

        measure(args, database, rebuild=True)
    finally:
        if database is not None:
            database.dispose()
        if not args.keep and not args.database:
            drop_database(name)


def measure(args, database, rebuild: bool) -> None:
    from sqlalchemy import select, text

    from callbacks import kpi as kpi_callbacks
    from models import Office
    from portal.domain.periods import day_bounds
    from portal.services.kpi import panel as kpi
    from portal.services.kpi.rollup import rebuild_kpi_rollups, refresh_kpi_rollups
    from portal.services.sync import status as sync_status
    from portal.settings import Settings
    from portal import view_cache

    SYNC_INTERVAL_MINUTES = Settings.model_fields["sync_interval_minutes"].default  # the badge's "late" rule

    build_seconds = None
    if rebuild:
        started = time.perf_counter()
        with database.session() as session:
            built = rebuild_kpi_rollups(session)
        build_seconds = time.perf_counter() - started
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.execute(text("VACUUM ANALYZE kpi_application_times"))
            connection.execute(text("VACUUM ANALYZE kpi_daily"))
            connection.execute(text("VACUUM ANALYZE kpi_daily_facts"))
        print(f"rollups rebuilt in {build_seconds:.1f} s: {built['applications']:,} applications, "
              f"{built['office_days']:,} kpi_daily rows", flush=True)
    with database.session() as session:
        office = session.scalar(select(Office.id).where(Office.code == "0300"))
        per_year = session.execute(text(
            "SELECT count(*) FROM applications WHERE office_id = :o AND completed_at >= now() - interval '365 days'"),
            {"o": office}).scalar()
        touched = [row[0] for row in session.execute(text(
            "SELECT id FROM applications WHERE office_id = :o ORDER BY submitted_at DESC LIMIT 1000"),
            {"o": office})]
    print(f"office 0300: {per_year:,} applications completed in the last 365 days", flush=True)

    started = time.perf_counter()
    with database.session() as session:
        refresh_kpi_rollups(session, touched)
    refresh_ms = (time.perf_counter() - started) * 1000

    today = date.today()
    periods = {"month": kpi.period("last_month", today),
               "year": kpi.period("custom", today, today - timedelta(days=364), today)}
    results = {}
    cache_server = view_cache_server()
    for label, span in periods.items():
        lower, upper = day_bounds(span.start, span.end, "Asia/Jakarta")

        def server(span=span):
            with database.session() as session:
                panel = kpi.panel(session, office, span)
                fresh = sync_status.freshness(session, SYNC_INTERVAL_MINUTES)
            kpi_callbacks.cards(panel, kpi_callbacks.card_links(None, None, None))
            kpi_callbacks.freshness_badge(fresh, panel["period"]["timezone"], True)
            kpi_callbacks.monthly_figure(panel["current"]["monthly"])
            kpi_callbacks.stages_table(panel)
            return panel

        def cached_server(span=span):
            """What callbacks/kpi.py does with the view cache: the drawn panel (cards, chart, stage table, label)
            from the cache (the data has not changed between calls), the age of the last sync read fresh and its
            badge drawn."""
            with cache_server.app_context(), database.session() as session:
                drawn = view_cache.cached(session, kpi_callbacks.drawn_panel, office, span, None, None, today=today,
                                          language="id")
                fresh = sync_status.freshness(session, SYNC_INTERVAL_MINUTES)
            kpi_callbacks.freshness_badge(fresh, drawn["timezone"], True)
            return drawn

        def service_only(span=span):
            with database.session() as session:
                return kpi.panel(session, office, span)

        def rollup_sql(lower=lower, upper=upper):
            with database.engine.connect() as connection:
                return connection.execute(text(ROLLUP_SQL), {"office": office, "lower": lower,
                                                             "upper": upper}).one()

        def floor_sql(lower=lower, upper=upper):
            with database.engine.connect() as connection:
                return connection.execute(text(FLOOR_SQL), {"office": office, "lower": lower,
                                                            "upper": upper}).one()

        def pandas_way(lower=lower, upper=upper):
            return pandas_figures(database.engine, office, lower, upper)

        server()  # warm the caches once, as a running portal would be
        panel = server()
        floor_value = floor_sql()[0]
        pandas_value = pandas_way()
        service = panel["current"]["service_time"]
        agree = (abs(service["median_hours"] - floor_value[0]) < 0.01 and
                 abs(service["p90_hours"] - floor_value[1]) < 0.01 and
                 abs(service["median_hours"] - pandas_value["median"]) < 0.01)
        results[label] = {
            "period": f"{span.start} – {span.end} (vs {span.previous_start} – {span.previous_end})",
            "completed": panel["current"]["applications_completed"],
            "median_h": service["median_hours"], "p90_h": service["p90_hours"], "agree": agree,
            "server": timed(server, args.calls), "cached": timed(cached_server, args.calls),
            "service": timed(service_only, args.calls),
            "rollup_sql": timed(rollup_sql, args.calls), "floor_sql": timed(floor_sql, max(5, args.calls // 3)),
            "pandas": timed(pandas_way, 3),
        }
        print(label, results[label], flush=True)

    print("\n| period | completed | panel server time median / p95 | panel service only median / p95 "
          "| service-time percentiles: panel's rollup query | best hand-written SQL on raw tables | pandas | "
          "pandas ÷ panel (p95) |")
    print("|---|---|---|---|---|---|---|---|")
    for label, r in results.items():
        print(f"| {label}: {r['period']} | {r['completed']:,} | {r['server']['median_ms']:.0f} / "
              f"{r['server']['p95_ms']:.0f} ms | {r['service']['median_ms']:.0f} / {r['service']['p95_ms']:.0f} ms"
              f" | {r['rollup_sql']['median_ms']:.0f} / {r['rollup_sql']['p95_ms']:.0f} ms"
              f" | {r['floor_sql']['median_ms']:.0f} / {r['floor_sql']['p95_ms']:.0f} ms"
              f" | {r['pandas']['median_ms']:.0f} / {r['pandas']['p95_ms']:.0f} ms"
              f" | {r['pandas']['p95_ms'] / r['server']['p95_ms']:.0f}× |")
        print(f"  median {r['median_h']} h, P90 {r['p90_h']} h; panel = hand SQL = pandas: {r['agree']}")
    month, year = results["month"], results["year"]
    print("\n| period | uncached server time median / p95 | cached median / p95 | cached ÷ uncached (p95) |")
    print("|---|---|---|---|")
    for label, r in results.items():
        print(f"| {label} | {r['server']['median_ms']:.1f} / {r['server']['p95_ms']:.1f} ms"
              f" | {r['cached']['median_ms']:.1f} / {r['cached']['p95_ms']:.1f} ms"
              f" | {r['cached']['p95_ms'] / r['server']['p95_ms']:.2f}× |")
    print(f"uncached year ÷ month (p95): {year['server']['p95_ms'] / month['server']['p95_ms']:.2f}×")
    rebuilt = f"{build_seconds:.1f} s" if build_seconds is not None else "not rebuilt in this run"
    print(f"\nrollup rebuild: {rebuilt}; incremental refresh of 1,000 applications: {refresh_ms:.0f} ms")


if __name__ == "__main__":
    main()
