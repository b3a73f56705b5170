"""Compliance ranking at national scale: service call vs hand-written SQL vs pandas, rollup refresh, worker memory.

    .venv/bin/python benchmarks/ranking.py [--applications 1000000] [--calls 30] [--keep]

Creates a PostgreSQL database (QCORNER_BENCH_PG, default postgres@127.0.0.1:5432), fills it with set-based SQL
(≈ 50 offices, 50,000 service users, 1,000,000 applications, ≈ 7.8 million stage events, 3P actions and NNCs),
builds the rollups, measures, prints, and drops the database (unless --keep).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The server and its scratch databases (re-exported: kpi.py, capacity.py and proof/ take them from here).
from benchmarks.common import ADMIN_DSN, URL_PREFIX, admin, create_database, drop_database  # noqa: E402,F401

OFFICES = 50
SERVICE_USERS = 50_000  # 1,000 per office
HANDLERS_PER_OFFICE = 100


def generate(engine, applications: int) -> dict:
    """Set-based generation: every table filled by INSERT … SELECT generate_series, foreign-key triggers off."""
    from sqlalchemy import text

    per_office = SERVICE_USERS // OFFICES
    steps = [
        "SET session_replication_role = replica",
        "INSERT INTO offices (code, name, timezone, active) SELECT 'B' || lpad(g::text, 3, '0'), 'Balai ' || g, "
        f"'Asia/Jakarta', true FROM generate_series(1, {OFFICES - 1}) g",
        "CREATE TEMP TABLE bo AS SELECT id, (row_number() OVER (ORDER BY id) - 1)::int AS idx FROM offices",
        "INSERT INTO commodities (code, name, section_id) SELECT 'C' || g, 'Komoditas ' || g, "
        "CASE WHEN g <= 20 THEN (SELECT id FROM sections WHERE code = 'plant') "
        "ELSE (SELECT id FROM sections WHERE code = 'animal') END FROM generate_series(1, 40) g",
        "CREATE TEMP TABLE bc AS SELECT id, section_id, (row_number() OVER (PARTITION BY section_id ORDER BY id) - 1)::int "
        "AS idx FROM commodities",
        # One company per generated NPWP, keyed as portal/domain/npwp.py keys a 15-digit one (0 + its digits).
        f"INSERT INTO companies (npwp, name, created_at, version) SELECT '0' || lpad(g::text, 15, '0'), "
        f"'PT Uji ' || g, now(), 1 FROM generate_series(1, {SERVICE_USERS}) g",
        f"INSERT INTO service_users (source_id, office_id, name, tax_id, company_id, blocked, synced_at) SELECT g, "
        f"bo.id, 'PT Uji ' || g, lpad(g::text, 15, '0'), c.id, false, now() FROM generate_series(1, {SERVICE_USERS}) g "
        f"JOIN bo ON bo.idx = (g - 1) % {OFFICES} JOIN companies c ON c.npwp = '0' || lpad(g::text, 15, '0')",
        "CREATE TEMP TABLE bsu AS SELECT id, office_id, (row_number() OVER (PARTITION BY office_id ORDER BY id) - 1)::int "
        "AS j FROM service_users",
        "CREATE INDEX ON bsu (office_id, j)",
        f"INSERT INTO handlers (source_id, office_id, name, synced_at) SELECT g, bo.id, 'PPJK Uji ' || g, now() "
        f"FROM generate_series(1, {OFFICES * HANDLERS_PER_OFFICE}) g JOIN bo ON bo.idx = (g - 1) % {OFFICES}",
        "CREATE TEMP TABLE bh AS SELECT id, office_id, (row_number() OVER (PARTITION BY office_id ORDER BY id) - 1)::int "
        "AS j FROM handlers",
        "CREATE INDEX ON bh (office_id, j)",
        # A handful of service users make most applications: j = floor(n · u³).
        f"""INSERT INTO applications (source_id, number, office_id, service_user_id, handler_id, section_id, direction,
               submitted_at, current_stage, current_stage_at, completed_at, completion_stage, synced_at)
            SELECT x.g, 'B.' || x.g, s.office_id, s.id, h.id,
                   CASE WHEN x.r1 < 0.6 THEN (SELECT id FROM sections WHERE code = 'plant')
                        ELSE (SELECT id FROM sections WHERE code = 'animal') END,
                   CASE WHEN x.r2 < 0.55 THEN 'export' WHEN x.r2 < 0.85 THEN 'import'
                        WHEN x.r2 < 0.93 THEN 'domestic_out' ELSE 'domestic_in' END,
                   x.sub, CASE WHEN x.r3 < 0.97 THEN 'handed_over' ELSE 'inspected' END, x.sub,
                   CASE WHEN x.r3 < 0.97 THEN x.sub + interval '20 hours' END,
                   CASE WHEN x.r3 < 0.97 THEN 'handed_over' END, now()
            FROM (SELECT g, random() r1, random() r2, random() r3, floor({per_office} * power(random(), 3))::int j,
                         g % {OFFICES} o, now() - random() * interval '730 days' sub
                  FROM generate_series(1, {applications}) g) x
            JOIN bo ON bo.idx = x.o JOIN bsu s ON s.office_id = bo.id AND s.j = x.j
            JOIN bh h ON h.office_id = bo.id AND h.j = (x.j + (x.g % 7 = 0)::int) % {HANDLERS_PER_OFFICE}""",
        """INSERT INTO application_commodities (source_id, application_id, line_no, commodity_id, commodity_name,
               synced_at)
           SELECT a.id, a.id, 1, c.id, 'Komoditas', now() FROM applications a
           JOIN bc c ON c.section_id = a.section_id AND c.idx = (a.service_user_id * 7 + a.id % 3) % 20""",
        """INSERT INTO stage_events (source_id, application_id, stage, occurred_at, synced_at)
           SELECT a.id * 10 + s.i, a.id,
                  (ARRAY['submitted','verified','inspected','draft_certificate','billed','paid','certified',
                         'handed_over'])[s.i], a.submitted_at + s.i * interval '2 hours', now()
           FROM applications a
           CROSS JOIN LATERAL generate_series(1, CASE WHEN a.completed_at IS NULL THEN 3 ELSE 8 END) s(i)""",
        """INSERT INTO quarantine_actions (kind, source_id, application_id, service_user_id, office_id, section_id,
               action_at, reason, synced_at)
           SELECT CASE WHEN r < 0.6 THEN 'detention' WHEN r < 0.9 THEN 'refusal' ELSE 'destruction' END, a.id, a.id,
                  a.service_user_id, a.office_id, a.section_id, a.submitted_at + interval '6 hours', 'uji', now()
           FROM (SELECT a.*, random() r FROM applications a) a WHERE random() < 0.02""",
        """INSERT INTO nncs (office_id, number, notice_date, received_date, flow, notifying_authority,
               notifying_country, notified_authority, notified_country, service_user_id, application_id, section_id,
               commodity, category, action_taken, status, created_at, updated_at)
           SELECT a.office_id, 'NNC-' || a.id, (a.submitted_at + interval '30 days')::date,
                  (a.submitted_at + interval '33 days')::date, 'received', 'GACC', 'China', 'Barantin', 'Indonesia',
                  a.service_user_id, a.id, a.section_id, 'Komoditas', 'pest', 'destruction',
                  CASE WHEN random() < 0.05 THEN 'void' ELSE 'received' END, now(), now()
           FROM applications a WHERE a.direction = 'export' AND random() < 0.005""",
        "SET session_replication_role = DEFAULT",
        "ANALYZE",
    ]
    timings = {}
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        for sql in steps:
            started = time.perf_counter()
            connection.execute(text(sql))
            timings[sql.split()[2] if sql.startswith("INSERT") else sql[:30]] = time.perf_counter() - started
        counts = {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() for table in (
            "offices", "service_users", "handlers", "applications", "application_commodities", "stage_events",
            "quarantine_actions", "nncs")}
    return {"counts": counts, "seconds": round(sum(timings.values()), 1)}


# The exact window's rows of one office (or of every office, `{office_x}` empty): whole months from the rollup, the
# edge days (e1, e2: UTC ranges; NNCs by notice date) from the raw rows; the benchmark's offices all keep Asia/Jakarta.
COUNTED_SQL = """
    SELECT m.service_user_id AS su, m.n, m.d, m.r, m.x, m.k
    FROM compliance_monthly m
    WHERE {office_m} m.month BETWEEN :whole_first AND :whole_last {extra_m}
  UNION ALL
    SELECT a.service_user_id, 1, 0, 0, 0, 0 FROM applications a
    WHERE {office_a} a.deleted_at IS NULL AND a.completed_at IS NOT NULL
      AND ((a.completed_at >= :e1_from AND a.completed_at < :e1_to) OR (a.completed_at >= :e2_from AND a.completed_at < :e2_to))
      {extra_a}
  UNION ALL
    SELECT q.service_user_id, 0, (q.kind = 'detention')::int, (q.kind = 'refusal')::int,
           (q.kind = 'destruction')::int, 0
    FROM quarantine_actions q JOIN applications a ON a.id = q.application_id
    WHERE {office_q} q.deleted_at IS NULL
      AND ((q.action_at >= :e1_from AND q.action_at < :e1_to) OR (q.action_at >= :e2_from AND q.action_at < :e2_to))
      {extra_q}
  UNION ALL
    SELECT nn.service_user_id, 0, 0, 0, 0, 1 FROM nncs nn LEFT JOIN applications a ON a.id = nn.application_id
    WHERE {office_nnc} nn.status <> 'void' AND nn.service_user_id IS NOT NULL
      AND (nn.notice_date BETWEEN :d1_from AND :d1_to OR nn.notice_date BETWEEN :d2_from AND :d2_to) {extra_nnc}"""

# The streak and last violation: the stored ones of the section, or under a direction or commodity filter those of
# the filtered consignments over all history (the last filtered 3P action or NNC, from its local midnight; the filtered
# consignments completed after it).
STORED_STREAKS_SQL = """
streaks AS (
    SELECT agg.su, coalesce(st.clean_streak, 0) AS clean_streak, st.last_violation_at
    FROM agg LEFT JOIN compliance_streaks st ON st.service_user_id = agg.su AND st.section_id = :scope)"""
FILTERED_STREAKS_SQL = """
last_action AS (
    SELECT q.service_user_id AS su, max(q.action_at) AS at
    FROM quarantine_actions q JOIN applications a ON a.id = q.application_id
    WHERE q.office_id = :office AND q.deleted_at IS NULL AND q.service_user_id IN (SELECT su FROM agg) {extra_q}
    GROUP BY q.service_user_id),
last_nnc AS (
    SELECT nn.service_user_id AS su, max(nn.notice_date) AS day
    FROM nncs nn LEFT JOIN applications a ON a.id = nn.application_id
    WHERE nn.office_id = :office AND nn.status <> 'void' AND nn.service_user_id IN (SELECT su FROM agg) {extra_nnc}
    GROUP BY nn.service_user_id),
last_violation AS (
    SELECT agg.su, greatest(la.at, ln.day::timestamp AT TIME ZONE :tz) AS at
    FROM agg LEFT JOIN last_action la ON la.su = agg.su LEFT JOIN last_nnc ln ON ln.su = agg.su),
streaks AS (
    SELECT lv.su, count(a.id) AS clean_streak, lv.at AS last_violation_at
    FROM last_violation lv LEFT JOIN applications a
      ON a.service_user_id = lv.su AND a.office_id = :office AND a.completed_at IS NOT NULL AND a.deleted_at IS NULL
         AND (lv.at IS NULL OR a.completed_at > lv.at) {extra_a}
    GROUP BY lv.su, lv.at)"""

# The domain rule (portal.domain.compliance) in one statement: V weighted, p0 from the office when its window holds
# p0_min consignments, else from every office (read only then), else the fallback; the score 100·(1 − min(1, p)) to
# 0.1 half up, exactly (integer division of exact numerics, as the model rounds its Fraction); the tier in the order
# A, D, B, C; ranked by score, consignments, then name (code-point order, as Python sorts); the tier counts; a page.
FLOOR_SQL = """
WITH agg AS (
    SELECT su, sum(n) AS n, sum(d) AS d, sum(r) AS r, sum(x) AS x, sum(k) AS k,
           sum(:wd * d + :wr * r + :wx * x + :wk * k) AS v
    FROM ({office_counted}) c GROUP BY su),
office AS (SELECT coalesce(sum(v), 0) AS v0, coalesce(sum(n), 0) AS n0 FROM agg),
every_office AS (
    SELECT coalesce(sum(:wd * d + :wr * r + :wx * x + :wk * k), 0) AS v0, coalesce(sum(n), 0) AS n0
    FROM ({all_counted}) c),
prior AS (  -- every_office is read only in the branches taken below p0_min (a lazy CTE scan)
    SELECT CASE WHEN o.n0 >= :p0_min THEN 'office' ELSE (
               SELECT CASE WHEN e.n0 >= :p0_min THEN 'all_offices' ELSE 'setting' END FROM every_office e) END AS source,
           CASE WHEN o.n0 >= :p0_min THEN o.v0 ELSE (
               SELECT CASE WHEN e.n0 >= :p0_min THEN e.v0 ELSE :fallback END FROM every_office e) END AS pv,
           CASE WHEN o.n0 >= :p0_min THEN o.n0 ELSE (
               SELECT CASE WHEN e.n0 >= :p0_min THEN e.n0 ELSE 1 END FROM every_office e) END AS pn
    FROM office o),
scored AS (
    SELECT agg.*, CASE WHEN f.num <= 0 THEN 0 ELSE div(2000 * f.num + f.den, 2 * f.den) END / 10.0 AS score
    FROM agg CROSS JOIN prior p
    CROSS JOIN LATERAL (SELECT (agg.n + :m) * p.pn - agg.v * p.pn - :m * p.pv AS num, (agg.n + :m) * p.pn AS den) f),
{streaks},
tiered AS (
    SELECT s.*, st.clean_streak, st.last_violation_at, l.months_since,
           CASE WHEN st.clean_streak >= :a_streak AND (l.months_since IS NULL OR l.months_since >= :a_months)
                     AND s.n >= :a_n THEN 'A'
                WHEN s.d + s.r + s.x + s.k >= :d_records OR s.score < :d_below THEN 'D'
                WHEN s.score >= :b_min THEN 'B' ELSE 'C' END AS tier,
           CASE WHEN st.clean_streak < :to_normal THEN 'tightened' WHEN st.clean_streak < :to_reduced THEN 'normal'
                ELSE 'reduced' END AS intervention
    FROM scored s JOIN streaks st ON st.su = s.su
    CROSS JOIN LATERAL (SELECT (st.last_violation_at AT TIME ZONE :tz)::date AS day) lv
    CROSS JOIN LATERAL (SELECT CASE WHEN lv.day IS NOT NULL THEN  -- greatest() would turn NULL (none) into 0
                                   greatest(0, (extract(year FROM :as_of) - extract(year FROM lv.day)) * 12
                                               + extract(month FROM :as_of) - extract(month FROM lv.day)
                                               - (extract(day FROM :as_of) < extract(day FROM lv.day))::int)::int
                               END AS months_since) l)
SELECT t.su, s.name, s.tax_id, t.n, t.d, t.r, t.x, t.k, t.v, t.score, t.tier, t.clean_streak, t.last_violation_at,
       t.months_since, t.intervention,
       row_number() OVER (ORDER BY t.score DESC, t.n DESC, s.name COLLATE "C") AS rank,
       count(*) FILTER (WHERE t.tier = 'A') OVER () AS a_count, count(*) FILTER (WHERE t.tier = 'B') OVER () AS b_count,
       count(*) FILTER (WHERE t.tier = 'C') OVER () AS c_count, count(*) FILTER (WHERE t.tier = 'D') OVER () AS d_count,
       p.source, p.pv, p.pn
FROM tiered t JOIN service_users s ON s.id = t.su CROSS JOIN prior p
ORDER BY rank
LIMIT 50
"""


def _exact(value):
    """A setting as an exact numeric parameter."""
    from decimal import Decimal

    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def floor_query(session, office_id, section_id, first, last, settings, as_of, direction=None, commodity_id=None,
                tz="Asia/Jakarta"):
    """The best hand-written SQL for the service's first page: the same counts, p0, score, tier, streaks, order."""
    from datetime import datetime, time as clock, timedelta, timezone

    from sqlalchemy import text

    from portal.domain.periods import split_months

    whole, edges = split_months(first, last)
    never = (date(2100, 1, 2), date(2100, 1, 1))  # an empty range
    whole = whole or never
    edges = (edges + [never, never])[:2]
    wib = timezone(timedelta(hours=7))

    def moment(day):
        return datetime.combine(day, clock(0), wib)

    s = settings
    params = {"office": office_id, "whole_first": whole[0], "whole_last": whole[1], "scope": section_id or 0,
              "tz": tz, "as_of": as_of, "wd": _exact(s.weight_detention), "wr": _exact(s.weight_refusal),
              "wx": _exact(s.weight_destruction), "wk": _exact(s.weight_nnc), "m": _exact(s.prior_m),
              "p0_min": max(int(s.p0_min_consignments), 1), "fallback": _exact(s.p0_fallback),
              "a_streak": s.tier_a_min_clean_streak, "a_months": s.tier_a_clean_months, "a_n": s.tier_a_min_n,
              "d_records": s.tier_d_min_violation_records, "d_below": _exact(s.tier_d_score_below),
              "b_min": _exact(s.tier_b_min_score), "to_normal": s.normal_after_clean,
              "to_reduced": s.normal_after_clean + s.reduced_after_more_clean}
    for i, (start, end) in enumerate(edges, start=1):
        params.update({f"e{i}_from": moment(start), f"e{i}_to": moment(end + timedelta(days=1)),
                       f"d{i}_from": start, f"d{i}_to": end})
    primary = ("(SELECT c.commodity_id FROM application_commodities c WHERE c.application_id = {app} "
               "AND c.deleted_at IS NULL ORDER BY c.line_no LIMIT 1)")
    extra = {"m": "", "a": "", "q": "", "nnc": ""}
    if section_id:
        for part, column in (("m", "m"), ("a", "a"), ("q", "q"), ("nnc", "nn")):
            extra[part] += f" AND {column}.section_id = :section"
        params["section"] = section_id
    if direction:
        extra["m"] += " AND m.direction = :direction"
        extra["a"] += " AND a.direction = :direction"
        extra["q"] += " AND a.direction = :direction"
        extra["nnc"] += (" AND coalesce(a.direction, CASE WHEN nn.flow = 'received' THEN 'export' ELSE 'import' END)"
                         " = :direction")
        params["direction"] = direction
    if commodity_id:
        extra["m"] += " AND m.commodity_id = :commodity"
        extra["a"] += " AND " + primary.format(app="a.id") + " = :commodity"
        extra["q"] += " AND " + primary.format(app="a.id") + " = :commodity"
        extra["nnc"] += " AND " + primary.format(app="nn.application_id") + " = :commodity"
        params["commodity"] = commodity_id
    extras = {f"extra_{k}": v for k, v in extra.items()}
    office = {f"office_{k}": f"{column}.office_id = :office AND"
              for k, column in (("m", "m"), ("a", "a"), ("q", "q"), ("nnc", "nn"))}
    streaks = FILTERED_STREAKS_SQL if direction or commodity_id else STORED_STREAKS_SQL
    sql = FLOOR_SQL.format(office_counted=COUNTED_SQL.format(**office, **extras),
                           all_counted=COUNTED_SQL.format(**{k: "" for k in office}, **extras),
                           streaks=streaks.format(**extras))
    return session.execute(text(sql), params).all()


PAGE_KEYS = ("service_user_id", "name", "tax_id", "consignments", "detentions", "refusals", "destructions", "nncs",
             "weighted_violations", "score", "tier", "clean_streak", "last_violation_at",
             "months_since_last_violation", "intervention", "rank")


def same_page(answer: dict, floor_rows) -> tuple[bool, str]:
    """Whether the service's first page is the hand-written SQL's, row by row and column by column, with the same
    p0 (and its source) and tier counts; else where they first part."""
    from fractions import Fraction

    theirs = [dict(zip(PAGE_KEYS, (r.su, r.name, r.tax_id, r.n, r.d, r.r, r.x, r.k, float(r.v), float(r.score),
                                   r.tier, r.clean_streak, r.last_violation_at, r.months_since, r.intervention,
                                   r.rank))) for r in floor_rows]
    mine = [{key: row[key] for key in PAGE_KEYS} for row in answer["rows"]]
    if floor_rows:
        top = floor_rows[0]
        prior = (top.source, float(Fraction(top.pv) / Fraction(top.pn)))
        counts = dict(zip("ABCD", (top.a_count, top.b_count, top.c_count, top.d_count)))
        if prior != (answer["p0_source"], answer["p0"]):
            return False, f"p0: service {answer['p0']} ({answer['p0_source']}), SQL {prior[1]} ({prior[0]})"
        if counts != answer["tier_counts"]:
            return False, f"tier counts: service {answer['tier_counts']}, SQL {counts}"
    if len(mine) != len(theirs):
        return False, f"rows: service {len(mine)}, SQL {len(theirs)}"
    for index, (a, b) in enumerate(zip(mine, theirs)):
        if a != b:
            return False, f"row {index}: service {a} vs SQL {b}"
    return True, ""


def pandas_naive(engine, office_id, section_id, first_day, last_day, direction=None, commodity_id=None):
    """Load the window's raw events into pandas and aggregate there (what not to do)."""
    import pandas as pd

    base = {"office": office_id, "section": section_id, "first": first_day, "last": last_day}
    extra = " AND a.direction = %(direction)s" if direction else ""
    if direction:
        base["direction"] = direction
    with engine.connect() as connection:
        raw = connection  # a SQLAlchemy connection: pandas reads through it
        apps = pd.read_sql(
            "SELECT a.id, a.service_user_id, a.completed_at, c.commodity_id FROM applications a "
            "JOIN application_commodities c ON c.application_id = a.id AND c.line_no = 1 "
            "WHERE a.office_id = %(office)s AND a.section_id = %(section)s AND a.deleted_at IS NULL "
            "AND a.completed_at >= %(first)s AND a.completed_at < %(last)s" + extra, raw, params=base)
        events = pd.read_sql(
            "SELECT e.application_id, e.stage, e.occurred_at FROM stage_events e JOIN applications a "
            "ON a.id = e.application_id WHERE a.office_id = %(office)s AND a.section_id = %(section)s "
            "AND e.occurred_at >= %(first)s AND e.occurred_at < %(last)s" + extra, raw, params=base)
        actions = pd.read_sql(
            "SELECT q.service_user_id, q.kind, q.application_id FROM quarantine_actions q JOIN applications a "
            "ON a.id = q.application_id WHERE q.office_id = %(office)s AND q.section_id = %(section)s "
            "AND q.deleted_at IS NULL AND q.action_at >= %(first)s AND q.action_at < %(last)s" + extra, raw,
            params=base)
        nncs = pd.read_sql(
            "SELECT service_user_id FROM nncs WHERE office_id = %(office)s AND section_id = %(section)s "
            "AND status <> 'void' AND notice_date >= %(first)s AND notice_date < %(last)s", raw, params=base)
    if commodity_id:
        apps = apps[apps.commodity_id == commodity_id]
    completed = events[events.stage == "handed_over"].merge(apps[["id", "service_user_id"]], left_on="application_id",
                                                            right_on="id")
    n = completed.groupby("service_user_id").size().rename("n")
    kinds = actions.pivot_table(index="service_user_id", columns="kind", aggfunc="size", fill_value=0)
    k = nncs.groupby("service_user_id").size().rename("k")
    table = pd.concat([n, kinds, k], axis=1).fillna(0)
    for column in ("detention", "refusal", "destruction"):
        if column not in table:
            table[column] = 0
    table["v"] = table.detention + 2 * table.refusal + 3 * table.destruction + 3 * table.k
    p0 = table.v.sum() / max(table.n.sum(), 1)
    table["score"] = (100 * (1 - ((table.v + 20 * p0) / (table.n + 20)).clip(upper=1))).round(1)
    return table.sort_values(["score", "n"], ascending=False).head(50)


BACKENDS: list[int] = []  # the PostgreSQL backend the timed calls run on (set once the session has a connection)


def timed(function, calls: int) -> dict:
    """Wall time per call (median, p95) and the mean CPU per call: this process's and the PostgreSQL backend's,
    which a loaded machine stretches far less than wall time."""
    from benchmarks.sync_throughput import backend_cpu

    samples = []
    cpu_started, backend_started = time.process_time(), backend_cpu(BACKENDS)
    for _ in range(calls):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu_started + backend_cpu(BACKENDS) - backend_started) * 1000 / calls
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return {"median_ms": statistics.median(samples), "p95_ms": p95, "calls": calls, "cpu_ms": cpu_ms}


def add_events(session, office_ids, count_apps: int) -> list[int]:
    """A sync-like batch: `count_apps` new completed applications with 8 stage events each, a few 3P records.
    (Source ids follow the largest one: g numbers every service user, so a clock-based offset collided.)"""
    from sqlalchemy import text

    touched = session.execute(text(f"""
        WITH picked AS (
            SELECT s.id, s.office_id, row_number() OVER () AS g FROM service_users s
            WHERE s.office_id = ANY(:offices) ORDER BY random() LIMIT {count_apps}),
        inserted AS (
            INSERT INTO applications (source_id, number, office_id, service_user_id, section_id, direction,
                submitted_at, current_stage, completed_at, completion_stage, synced_at)
            SELECT (SELECT max(source_id) FROM applications) + g, 'NEW.' || g || '.' || random(),
                   office_id, id, (SELECT id FROM sections WHERE code = 'plant'), 'export', now() - interval '1 day',
                   'handed_over', now() - interval '2 hours', 'handed_over', now()
            FROM picked RETURNING id, service_user_id, office_id, section_id, submitted_at)
        , events AS (
            INSERT INTO stage_events (source_id, application_id, stage, occurred_at, synced_at)
            SELECT 9000000000 + i.id * 10 + s.i, i.id, 'stage' || s.i, i.submitted_at + s.i * interval '1 hour', now()
            FROM inserted i CROSS JOIN generate_series(1, 8) s(i) RETURNING application_id)
        , acts AS (
            INSERT INTO quarantine_actions (kind, source_id, application_id, service_user_id, office_id, section_id,
                action_at, synced_at)
            SELECT 'detention', 900000000 + i.id, i.id, i.service_user_id, i.office_id, i.section_id,
                   i.submitted_at + interval '3 hours', now() FROM inserted i WHERE random() < 0.05
            RETURNING id)
        SELECT DISTINCT service_user_id FROM inserted"""), {"offices": list(office_ids)}).scalars().all()
    return list(touched)


def worker_memory(url: str, calls: int) -> dict:
    """A web worker: the app created, a coordinator logged in, the rankings callback called `calls` times."""
    code = f"""
import json, re, resource, secrets, sys, time
sys.path.insert(0, {str(ROOT)!r})
from portal import create_app
from portal.settings import load_settings
from portal.services import users
settings = load_settings(env="development", database_url={url!r}, secret_key=secrets.token_hex(32))
app = create_app(settings)
db = app.server.extensions["qcorner_db"]
with db.session() as s:
    if users.office_id_by_code(s, "0300") is not None:
        try:
            users.create_user(s, None, {{"username": "bench_coord", "role": "coordinator", "password": "bench-password-123",
                "full_name": "Bench", "office_id": users.office_id_by_code(s, "0300"),
                "section_id": users.section_id_by_code(s, "plant")}})
        except Exception:
            pass
client = app.server.test_client()
body = client.get("/login").get_data(as_text=True)
token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
client.post("/login", data={{"username": "bench_coord", "password": "bench-password-123", "csrf_token": token}})
key = [k for k in app.callback_map if "rankings-grid.rowData" in k][0]
outputs = [dict(zip(("id", "property"), p.split("@")[0].rsplit(".", 1))) for p in key.strip(".").split("...")]
# Every input of the callback, as the page sends them when it opens (the office chooser came with issue #19).
inputs = [{{"id": i, "property": "value", "value": "all"}} for i in ("rankings-section", "rankings-direction",
          "rankings-commodity", "rankings-tier")]
inputs += [{{"id": i, "property": "value", "value": None}} for i in ("rankings-from", "rankings-to")]
inputs += [{{"id": "rankings-sort", "property": "value", "value": "rank"}},
           {{"id": "rankings-search", "property": "value", "value": None}},
           {{"id": "rankings-office", "property": "value", "value": "home"}},
           {{"id": "rankings-prev", "property": "n_clicks", "value": None}},
           {{"id": "rankings-next", "property": "n_clicks", "value": None}}]
samples = []
for _ in range({calls}):
    started = time.perf_counter()
    r = client.post("/_dash-update-component", json={{"output": key, "outputs": outputs, "inputs": inputs,
        "state": [{{"id": "rankings-page", "property": "data", "value": 0}}], "changedPropIds": []}})
    assert r.status_code == 200, r.status_code
    samples.append((time.perf_counter() - started) * 1000)
rss = int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) / 1024
samples.sort()
print(json.dumps({{"rss_mb": rss, "http_median_ms": samples[len(samples) // 2],
                  "http_p95_ms": samples[int(round(0.95 * (len(samples) - 1)))]}}))
"""
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if output.returncode != 0:  # the timings above still stand; say why the worker could not be measured
        return {"error": (output.stderr.strip().splitlines() or ["exit status %d" % output.returncode])[-1]}
    import json

    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--offices", type=int, default=50, help="offices (1,000 service users each)")
    args = parser.parse_args()
    globals().update(OFFICES=args.offices, SERVICE_USERS=args.offices * 1000)

    from sqlalchemy import select, text

    from models import Commodity, Office, Section
    from portal.db import Database
    from portal.migrate import upgrade
    from portal.domain import periods
    from portal.services.compliance import filters as compliance_filters
    from portal.services.compliance import ranking as compliance
    from portal.services.compliance import scoring_settings as compliance_settings
    from portal.services.compliance import rollup as compliance_rollup
    from portal import view_cache
    from benchmarks.common import view_cache_server

    name, url = create_database("qcorner_bench")
    database = None
    try:
        upgrade(url)
        database = Database(url)
        print(f"database {name}: generating {args.applications:,} applications …", flush=True)
        generated = generate(database.engine, args.applications)
        print("generated in", generated["seconds"], "s:", generated["counts"], flush=True)

        started = time.perf_counter()
        with database.session() as session:
            built = compliance_rollup.recompute_all(session)
        build_seconds = time.perf_counter() - started
        print(f"rollups built in {build_seconds:.1f} s: {built['monthly_rows']:,} monthly rows, "
              f"{built['streaks']:,} streaks, {built['scores']:,} scores", flush=True)

        with database.session() as session:
            office_id = session.scalar(select(Office.id).where(Office.code == "0300"))
            plant = session.scalar(select(Section.id).where(Section.code == "plant"))
            commodity = session.scalar(select(Commodity.id).where(Commodity.section_id == plant).order_by(Commodity.id))
            version, scoring = compliance_settings.current_settings(session)
            today = periods.today_in("Asia/Jakarta")  # the offices' day (the service's as_of), not UTC's
            first, last = compliance_filters.window(today, scoring)
            c_from, c_to = periods.add_months(first, -6), periods.add_months(first, 5)
            c_last_day = periods.month_end(c_to)
            monthly_rows_office = session.execute(text(
                "SELECT count(*) FROM compliance_monthly WHERE office_id = :o"), {"o": office_id}).scalar()
            apps_office = session.execute(text(
                "SELECT count(*) FROM applications WHERE office_id = :o"), {"o": office_id}).scalar()

            BACKENDS[:] = [session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()]
            default_filters = {"section": "plant"}
            custom_filters = {"section": "plant", "direction": "export", "commodity_id": commodity,
                              "period_from": c_from.isoformat(), "period_to": c_last_day.isoformat()}

            def service_default():  # the live computation over the rollup (what a filtered view does)
                return compliance.ranking(session, office_id=office_id, section_scope="plant", filters=default_filters,
                                          snapshots=False)

            def service_custom():
                return compliance.ranking(session, office_id=office_id, section_scope="plant", filters=custom_filters)

            # Same answer check: the hand-written SQL's page = the service's first page, every column.
            mine = service_default()
            as_of = mine["as_of"]
            same, parted = same_page(mine, floor_query(session, office_id, plant, first, last, scoring, as_of))
            if not same:
                print(f"default view differs: {parted}", flush=True)
            mine_c = service_custom()
            same_c, parted = same_page(mine_c, floor_query(session, office_id, plant, c_from, c_last_day, scoring,
                                                           as_of, "export", commodity))
            print(f"custom view: p0 {mine_c['p0']:.6f} from {mine_c['p0_source']} (office n {mine_c['office_n']}), "
                  f"{mine_c['ranked']} ranked", flush=True)
            if not same_c:
                print(f"custom view differs: {parted}", flush=True)

            def snapshot_default(in_sql=True):
                return compliance.ranking(session, office_id=office_id, section_scope="plant", filters=default_filters,
                                          snapshots=True, in_sql=in_sql)

            cache_server = view_cache_server()

            def cached_default():
                with cache_server.app_context():
                    return view_cache.cached(session, compliance.ranking, office_id=office_id, section_scope="plant",
                                             filters=default_filters)

            same_live = snapshot_default() == service_default()
            results = {
                "default_service": timed(service_default, args.calls),
                "default_snapshots": timed(snapshot_default, args.calls),
                "default_cached": timed(cached_default, args.calls),
                "default_sql": timed(lambda: floor_query(session, office_id, plant, first, last, scoring, as_of),
                                     args.calls),
                "custom_service": timed(service_custom, args.calls),
                # the default view from the snapshots through the Python rule (the reference; the path before the
                # scoring moved into SQL), in the same run
                "default_snapshots_python": timed(lambda: snapshot_default(in_sql=False), args.calls),
                "custom_sql": timed(lambda: floor_query(session, office_id, plant, c_from, c_last_day, scoring, as_of,
                                                        "export", commodity), args.calls),
            }
        first_day, last_day = first, today
        results["default_pandas"] = timed(lambda: pandas_naive(database.engine, office_id, plant, first_day,
                                                               last_day), 3)
        results["custom_pandas"] = timed(lambda: pandas_naive(database.engine, office_id, plant, c_from,
                                                              c_last_day, "export", commodity), 3)

        refresh = {}
        with database.session() as session:
            all_offices = list(session.scalars(select(Office.id)))
        for label, office_list in (("1,000 events, one office", [office_id]),
                                   (f"1,000 events, all {len(all_offices)} offices", all_offices)):
            with database.session() as session:
                touched = add_events(session, office_list, 125)
            with database.session() as session:
                started = time.perf_counter()
                compliance_rollup.refresh_rollups(session, service_user_ids=touched, since=today.replace(day=1))
                middle = time.perf_counter()
                compliance.refresh_scores(session, service_user_ids=touched)
                refresh[label] = {"seconds": middle - started, "snapshot_seconds": time.perf_counter() - middle,
                                  "service_users": len(touched)}
        worker = worker_memory(url, args.calls)
    finally:
        if database is not None:
            database.dispose()
        if not args.keep:
            drop_database(name)

    print()
    print(f"data: {generated['counts']}")
    print(f"office 0300: {apps_office:,} applications → {monthly_rows_office:,} monthly rollup rows; "
          f"rollup build {build_seconds:.1f} s")
    print(f"same answer as hand-written SQL: default {same}, custom {same_c}; default from the snapshots = from "
          f"the rollup: {same_live}")
    sql_p95 = results["default_sql"]["p95_ms"]
    for label, key in (("from the snapshots", "default_snapshots"), ("from the rollup", "default_service"),
                       ("cached (the page's path)", "default_cached"),
                       ("from the snapshots, Python rule", "default_snapshots_python")):
        r = results[key]
        print(f"default view {label}: median {r['median_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms = "
              f"{r['p95_ms'] / sql_p95:.2f}× the hand-written SQL's p95")
    print("CPU per call (this process + its PostgreSQL backend, mean): " + ", ".join(
        f"{key} {value['cpu_ms']:.1f} ms" for key, value in results.items() if not key.endswith("pandas")))
    for view, service in (("default", "default_snapshots"), ("default", "default_snapshots_python"),
                          ("custom", "custom_service")):
        print(f"  {service} ÷ {view} hand-written SQL in CPU: "
              f"{results[service]['cpu_ms'] / results[view + '_sql']['cpu_ms']:.2f}×")
    print()
    print(f"load average at the end: {open('/proc/loadavg').read().split()[:3]}")
    print(f"{'view':<10}{'service median':>16}{'p95':>10}{'SQL median':>13}{'p95':>10}{'pandas median':>16}"
          f"{'svc/SQL p95':>13}{'pandas/svc':>12}")
    for view in ("default", "custom"):
        s, q, p = results[f"{view}_service"], results[f"{view}_sql"], results[f"{view}_pandas"]
        print(f"{view:<10}{s['median_ms']:>13.1f} ms{s['p95_ms']:>7.1f} ms{q['median_ms']:>10.1f} ms"
              f"{q['p95_ms']:>7.1f} ms{p['median_ms']:>13.0f} ms{s['p95_ms'] / q['p95_ms']:>12.2f}×"
              f"{p['median_ms'] / s['median_ms']:>11.0f}×")
    for label, value in refresh.items():
        print(f"rollup refresh after {label}: {value['seconds'] * 1000:.0f} ms ({value['service_users']} service "
              f"users); their score snapshots: {value['snapshot_seconds'] * 1000:.0f} ms more")
    if "error" in worker:
        print(f"web worker not measured: {worker['error']}")
    else:
        print(f"web worker after {args.calls} rankings callbacks: RSS {worker['rss_mb']:.0f} MB; "
              f"HTTP callback median {worker['http_median_ms']:.1f} ms, p95 {worker['http_p95_ms']:.1f} ms")


if __name__ == "__main__":
    main()
