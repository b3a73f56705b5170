"""Keep the KPI panel's rollups (models/kpi.py) in step with the synced certification data.

    refresh_kpi_rollups(session, application_ids=[...])  # after a sync batch: only those applications
    refresh_kpi_rollups(session)                          # everything again (`qcorner kpi rebuild`)

Both run set-based SQL (INSERT … SELECT), the same statements for one application or five million; the
caller commits. An application's old contribution to `kpi_daily` is taken back through `kpi_daily_facts`,
so the refresh needs no idea of what changed in the source — a new stage, a paid bill, a deleted record.
Days are calendar days in the office's time zone.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from models.kpi import TIMED_STAGES

CHUNK = 500
METRICS = ("submitted", "completed", "handed_over", "certificates", "billed", "paid", "detentions", "refusals",
           "destructions")
_STAGE_COLUMNS = ("verified", "inspected", "treated", "draft_certificate", "billed", "paid", "certified",
                  "handed_over")
# Each timed stage and the stage its time is measured from (SQL over the per-application stage times).
_STAGE_FROM = {"verified": "s.submitted_at", "inspected": "s.t_verified", "treated": "s.t_inspected",
               "draft_certificate": "COALESCE(s.t_treated, s.t_inspected)", "billed": "s.t_draft_certificate",
               "paid": "s.t_billed", "certified": "s.t_paid", "handed_over": "s.t_certified"}
assert tuple(_STAGE_FROM) == TIMED_STAGES


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _hours(session: Session, later: str, earlier: str) -> str:
    if _is_postgresql(session):
        return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600.0)"
    # Whole seconds, so 2 h is exactly 2.0 (julianday's fractions are not) and a 2-hour SLA holds at 2 h.
    return f"((CAST(strftime('%s', {later}) AS INTEGER) - CAST(strftime('%s', {earlier}) AS INTEGER)) / 3600.0)"


def _local_day(session: Session, column: str) -> str:
    """The office-local calendar day of a UTC time column; `o` is the offices row."""
    if _is_postgresql(session):
        return f"CAST(({column} AT TIME ZONE o.timezone) AS DATE)"
    # SQLite has no time zones. Indonesia's zones keep a fixed offset (no daylight saving), so one offset per zone.
    zones = [row[0] for row in session.execute(text("SELECT DISTINCT timezone FROM offices"))]
    cases = " ".join(f"WHEN '{zone}' THEN {_offset_minutes(zone)}" for zone in zones if _safe(zone))
    offset = f"(CASE o.timezone {cases} ELSE 0 END)" if cases else "0"
    return f"date({column}, printf('%+d minutes', {offset}))"


def _offset_minutes(zone: str) -> int:
    offset = datetime.now(timezone.utc).astimezone(ZoneInfo(zone)).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


def _safe(zone: str) -> bool:
    return bool(zone) and all(ch.isalnum() or ch in "/_-+" for ch in zone)


# When an application counts as completed: never before it was submitted. A source record completed before it was
# submitted counted as completed on days it was not yet submitted, and the in-progress card (submitted − completed)
# read −1 there; its service-time and certificate cards counted it in another period than each other.
COMPLETED_MOMENT = "CASE WHEN a.completed_at < a.submitted_at THEN a.submitted_at ELSE a.completed_at END"


def _times_insert(session: Session, where: str) -> str:
    stage_minima = ",\n".join(
        f"MIN(CASE WHEN e.stage = '{stage}' THEN e.occurred_at END) AS t_{stage}" for stage in _STAGE_COLUMNS)
    stage_hours = ",\n".join(f"{_hours(session, f's.t_{stage}', earlier)}" for stage, earlier in _STAGE_FROM.items())
    columns = ", ".join(f"h_{stage}" for stage in TIMED_STAGES)
    return f"""
        INSERT INTO kpi_application_times (application_id, office_id, section_id, direction, submitted_at,
            completed_at, completion_stage, certified_at, service_hours, {columns})
        SELECT s.id, s.office_id, s.section_id, s.direction, s.submitted_at, s.completed_at, s.completion_stage,
               s.t_certified, {_hours(session, 's.t_certified', 's.submitted_at')},
               {stage_hours}
        FROM (SELECT a.id, a.office_id, a.section_id, a.direction, a.submitted_at,
                     {COMPLETED_MOMENT} AS completed_at, a.completion_stage, {stage_minima}
              FROM applications a
              LEFT JOIN stage_events e ON e.application_id = a.id AND e.deleted_at IS NULL
              WHERE a.deleted_at IS NULL {where}
              GROUP BY a.id, a.office_id, a.section_id, a.direction, a.submitted_at, a.completed_at,
                       a.completion_stage) s
        ORDER BY s.office_id, s.completed_at
    """


def _facts_insert(session: Session, where: str) -> str:
    """Every dated contribution of each application, summed per (application, local day)."""

    def row(moment: str, named: bool = False, **values) -> str:
        items = [("moment", moment)] + [(metric, str(values.get(metric, 0))) for metric in METRICS]
        return ", ".join(f"{value} AS {name}" if named else value for name, value in items)

    kinds = {"detentions": _case("q.kind", "detention"), "refusals": _case("q.kind", "refusal"),
             "destructions": _case("q.kind", "destruction")}
    parts = [
        # The first SELECT names the union's columns.
        f"SELECT a.id AS application_id, {row('a.submitted_at', True, submitted=1)} FROM applications a "
        f"WHERE a.deleted_at IS NULL {where}",
        f"SELECT a.id, {row(COMPLETED_MOMENT, completed=1, handed_over=_case('a.completion_stage', 'handed_over'))} "
        f"FROM applications a WHERE a.deleted_at IS NULL AND a.completed_at IS NOT NULL {where}",
        f"SELECT a.id, {row('c.issued_at', certificates=1)} FROM certificates c "
        f"JOIN applications a ON a.id = c.application_id "
        f"WHERE c.deleted_at IS NULL AND c.is_draft = {_false(session)} AND a.deleted_at IS NULL {where}",
        f"SELECT a.id, {row('b.issued_at', billed='b.amount')} FROM bills b "
        f"JOIN applications a ON a.id = b.application_id WHERE b.deleted_at IS NULL AND a.deleted_at IS NULL {where}",
        f"SELECT a.id, {row('b.paid_at', paid='b.amount')} FROM bills b "
        f"JOIN applications a ON a.id = b.application_id "
        f"WHERE b.deleted_at IS NULL AND b.paid = {_true(session)} AND b.paid_at IS NOT NULL "
        f"AND a.deleted_at IS NULL {where}",
        f"SELECT a.id, {row('q.action_at', **kinds)} "
        f"FROM quarantine_actions q JOIN applications a ON a.id = q.application_id "
        f"WHERE q.deleted_at IS NULL AND a.deleted_at IS NULL {where}",
    ]
    day = _local_day(session, "u.moment")
    sums = ", ".join(f"SUM(u.{metric})" for metric in METRICS)
    return f"""
        INSERT INTO kpi_daily_facts (application_id, day, office_id, section_id, direction, {", ".join(METRICS)})
        SELECT u.application_id, {day}, a.office_id, a.section_id, a.direction, {sums}
        FROM ({" UNION ALL ".join(parts)}) u
        JOIN applications a ON a.id = u.application_id
        JOIN offices o ON o.id = a.office_id
        GROUP BY u.application_id, {day}, a.office_id, a.section_id, a.direction
    """


def _case(column: str, value: str) -> str:
    return f"(CASE WHEN {column} = '{value}' THEN 1 ELSE 0 END)"


def _true(session: Session) -> str:
    return "TRUE" if _is_postgresql(session) else "1"


def _false(session: Session) -> str:
    return "FALSE" if _is_postgresql(session) else "0"


def _daily_insert(where: str) -> str:
    sums = ", ".join(f"SUM({metric})" for metric in METRICS)
    return f"""
        INSERT INTO kpi_daily (office_id, day, section_id, direction, {", ".join(METRICS)})
        SELECT office_id, day, section_id, direction, {sums} FROM kpi_daily_facts
        WHERE 1 = 1 {where}
        GROUP BY office_id, day, section_id, direction
    """


def _chunks(values: Sequence[int], size: int = CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


def refresh_kpi_rollups(session: Session, application_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Bring the KPI rollups up to date for these applications (all of them when None); the caller commits.

    Call it after a sync batch with the ids of the applications whose application row, stage events, bills,
    certificates or 3P records it wrote or deleted. Returns how many applications and office-days it refreshed.
    """
    if application_ids is None:
        return rebuild_kpi_rollups(session)
    ids = sorted({int(i) for i in application_ids})
    touched_days: set[tuple[int, object]] = set()
    for chunk in _chunks(ids):
        params = {"ids": chunk}
        where = "AND a.id IN :ids"
        expanding = [bindparam("ids", expanding=True)]
        old = session.execute(text("SELECT DISTINCT office_id, day FROM kpi_daily_facts "
                                   "WHERE application_id IN :ids").bindparams(*expanding), params).all()
        session.execute(text("DELETE FROM kpi_daily_facts WHERE application_id IN :ids").bindparams(*expanding),
                        params)
        session.execute(text("DELETE FROM kpi_application_times WHERE application_id IN :ids")
                        .bindparams(*expanding), params)
        session.execute(text(_facts_insert(session, where)).bindparams(*expanding), params)
        session.execute(text(_times_insert(session, where)).bindparams(*expanding), params)
        new = session.execute(text("SELECT DISTINCT office_id, day FROM kpi_daily_facts "
                                   "WHERE application_id IN :ids").bindparams(*expanding), params).all()
        touched_days |= {(office, day) for office, day in old + new}
    by_office: dict[int, list] = {}
    for office, day in touched_days:
        by_office.setdefault(office, []).append(day)
    for office, days in by_office.items():
        for day_chunk in _chunks(sorted(days, key=str)):
            params = {"office": office, "days": day_chunk}
            expanding = [bindparam("days", expanding=True)]
            session.execute(text("DELETE FROM kpi_daily WHERE office_id = :office AND day IN :days")
                            .bindparams(*expanding), params)
            session.execute(text(_daily_insert("AND office_id = :office AND day IN :days")).bindparams(*expanding),
                            params)
    session.flush()
    return {"applications": len(ids), "office_days": len(touched_days)}


def rebuild_kpi_rollups(session: Session) -> dict[str, int]:
    """Empty the three rollup tables and build them again from the synced data; the caller commits.

    Rows go in ordered by (office, completion time), so a period's rows sit together on disk: a month or a
    year of one office is read from a few contiguous pages.
    """
    for table in ("kpi_daily", "kpi_daily_facts", "kpi_application_times"):
        session.execute(text(f"DELETE FROM {table}"))
    session.execute(text(_facts_insert(session, "")))
    session.execute(text(_times_insert(session, "")))
    session.execute(text(_daily_insert("")))
    session.flush()
    applications = session.execute(text("SELECT COUNT(*) FROM kpi_application_times")).scalar_one()
    days = session.execute(text("SELECT COUNT(*) FROM kpi_daily")).scalar_one()
    return {"applications": applications, "office_days": days}
