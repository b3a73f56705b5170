"""Guidance (pembinaan) for service users who comply poorly: planning it, recording it, and whether it worked.

A guidance is `planned` (a day to come), `done` (given on a day not in the future) or `cancelled` (with a
reason); planned → done, planned → cancelled and done → cancelled, never back to planned.

"Worked" (DOMAIN): the weighted violation rate per 100 consignments in the 6 months after the guidance date
against the 6 months before it, counted from the raw records of that one service user (a small query). Only a
done guidance has an effect, and it is judged only once those 6 months have passed: before that the after side
is a part of a window and a verdict on it would mislead ("18,13 → 0,00 … membaik" the day after a visit).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Integer, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from models import Application, Nnc, QuarantineAction, Section, ServiceUser
from models.base import UTCDateTime, utcnow
from models.compliance import GUIDANCE_KINDS, GuidanceRecord
from portal import audit
from portal.domain import compliance as model
from portal.domain.periods import add_months, local_midnight, today_in
from portal.services.compliance.filters import check_profile_access
from portal.services.compliance.ranking import ranking
from portal.services.compliance.scoring_settings import current_settings
from portal.services import edit_versions
from portal.services.offices import office_zone
from portal.validation import ErrorCollector, Forbidden, NotFound

EFFECT_MONTHS = 6
MAX_NOTES = 2000
MAX_REASON = 300
PAGE_SIZE = 25
# The moves a guidance may make; a cancelled one stays cancelled, a done one never becomes planned again.
TRANSITIONS = {"planned": ("done", "cancelled"), "done": ("cancelled",), "cancelled": ()}


def records_for(session: Session, service_user_id: int, section_id: int | None = None) -> list[dict[str, Any]]:
    """The guidance given to one service user, newest first (a coordinator: their section's and general)."""
    g = GuidanceRecord
    query = (select(g, Section.code).outerjoin(Section, Section.id == g.section_id)
             .where(g.service_user_id == service_user_id).order_by(g.given_on.desc(), g.id.desc()))
    if section_id is not None:
        query = query.where((g.section_id == section_id) | g.section_id.is_(None))
    return [{"id": r.id, "given_on": r.given_on, "kind": r.kind, "notes": r.notes, "officer_name": r.officer_name,
             "section": code, "recorded_by": r.recorded_by, "created_at": r.created_at, "status": r.status,
             "cancel_reason": r.cancel_reason}
            for r, code in session.execute(query)]


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def record_guidance(session: Session, actor_id: int | None, actor_username: str | None, *, office_id: int,
                    section_scope: str | None, values: dict[str, Any], today: date | None = None) -> dict[str, Any]:
    """Record one guidance session; every field checked at once, nothing written on an error; audited."""
    errors = ErrorCollector()
    tz = office_zone(session, office_id)
    today = today or today_in(tz)
    service_user_id = values.get("service_user_id")
    try:
        service_user_id = int(service_user_id)
    except (TypeError, ValueError):
        errors.add("service_user_id", "guidance.error.service_user")
        service_user_id = None
    status = _text(values.get("status")) or None
    if status not in (None, "planned", "done"):
        errors.add("status", "guidance.error.status")
        status = None
    given_on = _date(errors, values.get("given_on"))
    if given_on is not None:
        # No status chosen: the date decides (a day to come is a plan, today or earlier was given).
        status = status or ("planned" if given_on > today else "done")
        if status == "done" and given_on > today:
            errors.add("given_on", "guidance.error.date_future")
        elif status == "planned" and given_on < today:
            errors.add("given_on", "guidance.error.plan_past")
    kind = _text(values.get("kind"))
    if kind not in GUIDANCE_KINDS:
        errors.add("kind", "guidance.error.kind")
    notes = _text(values.get("notes"))
    if not notes:
        errors.add("notes", "guidance.error.notes_required")
    elif len(notes) > MAX_NOTES:
        errors.add("notes", "guidance.error.notes_long", limit=MAX_NOTES)
    officer = _text(values.get("officer_name"))
    if not officer:
        errors.add("officer_name", "guidance.error.officer_required")
    elif len(officer) > 100:
        errors.add("officer_name", "guidance.error.officer_long")
    section_code = _text(values.get("section")) or None
    section_code = None if section_code == "all" else section_code
    if section_scope is not None:
        if section_code not in (None, section_scope):
            raise Forbidden("section")
        section_code = section_scope
    sections = dict(session.execute(select(Section.code, Section.id)).all())
    if section_code is not None and section_code not in sections:
        errors.add("section", "compliance.error.section")
    errors.raise_if_any()
    try:
        check_profile_access(session, service_user_id, office_id=office_id, section_scope=section_scope)
    except NotFound:
        errors.add("service_user_id", "guidance.error.service_user")
        errors.raise_if_any()
    record = GuidanceRecord(office_id=office_id, service_user_id=service_user_id,
                            section_id=sections.get(section_code) if section_code else None, given_on=given_on,
                            kind=kind, notes=notes, officer_name=officer, recorded_by_id=actor_id,
                            recorded_by=actor_username, status=status, version=1)
    session.add(record)
    session.flush()
    audit.record(session, actor_id, actor_username, "guidance_planned" if status == "planned" else "guidance_recorded",
                 "guidance", record.id, None,
                 {"service_user_id": service_user_id, "given_on": given_on.isoformat(), "kind": kind,
                  "section": section_code, "officer_name": officer, "notes": notes, "status": status})
    return {"id": record.id, "status": status}


def _date(errors: ErrorCollector, value: Any) -> date | None:
    """The guidance day typed (ISO), or None with the field's error noted."""
    raw = _text(value)
    if not raw:
        errors.add("given_on", "guidance.error.date_required")
        return None
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        errors.add("given_on", "guidance.error.date")
        return None
    if day < date(2000, 1, 1) or day > date(2100, 12, 31):
        errors.add("given_on", "guidance.error.date")
        return None
    return day


def _own_record(session: Session, guidance_id: Any, *, office_id: int, section_scope: str | None,
                writing: bool = True) -> GuidanceRecord:
    """The guidance record if the actor reaches it: their office, and for a coordinator their section's — or, to
    read, a general one (no section), which the coordinator sees but leaves to whoever gave it."""
    try:
        number = int(guidance_id)
    except (TypeError, ValueError):
        number = 0
    record = session.get(GuidanceRecord, number) if 0 < number < 2 ** 31 else None  # a column of INTEGER
    if record is None or record.office_id != office_id:
        raise NotFound("guidance")
    if section_scope is not None:
        section_id = session.scalar(select(Section.id).where(Section.code == section_scope))
        if record.section_id != section_id and (writing or record.section_id is not None):
            raise Forbidden("section")
    return record


# The fields of the guidance action dialog, to say what changed under a stale one (edit_versions).
ACTION_FIELDS = ("status", "given_on", "cancel_reason")


def action_values(record: GuidanceRecord) -> dict[str, Any]:
    """The record's values by field of the action dialog."""
    return {name: getattr(record, name) for name in ACTION_FIELDS}


def _move(session: Session, record: GuidanceRecord, version: Any, status: str, values: dict[str, Any],
          opened: dict[str, Any] | None = None) -> None:
    """Save the record's new status and values only if nobody saved it since `version` was read (else StaleEdit,
    with what changed since: the shared check of every edit form, portal/services/edit_versions.py).

    One UPDATE … WHERE version = loaded: two people saving at once cannot both pass the check.
    """
    version = edit_versions.expected(version)
    if not edit_versions.is_current(record.version, version):  # before the move's own rule: say what happened
        raise edit_versions.stale(session, opened or {}, action_values(record), "guidance", record.id)
    if status not in TRANSITIONS[record.status]:
        errors = ErrorCollector()
        errors.add("status", "guidance.error.transition")
        errors.raise_if_any()
    edit_versions.claim(session, record, version, opened, action_values, "guidance")
    record.status, record.updated_at = status, utcnow()
    for name, value in values.items():
        setattr(record, name, value)
    session.flush()


def mark_done(session: Session, actor_id: int | None, actor_username: str | None, *, office_id: int,
              section_scope: str | None, guidance_id: Any, version: Any, given_on: Any,
              today: date | None = None, opened: dict[str, Any] | None = None) -> dict[str, Any]:
    """A planned guidance was given: on `given_on`, which may not be in the office's future; audited."""
    record = _own_record(session, guidance_id, office_id=office_id, section_scope=section_scope)
    today = today or today_in(office_zone(session, office_id))
    errors = ErrorCollector()
    day = _date(errors, given_on)
    if day is not None and day > today:
        errors.add("given_on", "guidance.error.done_future")
    errors.raise_if_any()
    before = {"status": record.status, "given_on": record.given_on.isoformat()}
    _move(session, record, version, "done", {"given_on": day}, opened)
    audit.record(session, actor_id, actor_username, "guidance_done", "guidance", record.id, before,
                 {"status": "done", "given_on": day.isoformat()})
    return {"id": record.id, "status": record.status, "version": record.version}


def cancel(session: Session, actor_id: int | None, actor_username: str | None, *, office_id: int,
           section_scope: str | None, guidance_id: Any, version: Any, reason: Any,
           opened: dict[str, Any] | None = None) -> dict[str, Any]:
    """A planned guidance that will not happen (or a done one recorded by mistake), with the reason; audited."""
    record = _own_record(session, guidance_id, office_id=office_id, section_scope=section_scope)
    reason = _text(reason)
    errors = ErrorCollector()
    if not reason:
        errors.add("cancel_reason", "guidance.error.reason_required")
    elif len(reason) > MAX_REASON:
        errors.add("cancel_reason", "guidance.error.reason_long", limit=MAX_REASON)
    errors.raise_if_any()
    before = {"status": record.status}
    _move(session, record, version, "cancelled", {"cancel_reason": reason}, opened)
    audit.record(session, actor_id, actor_username, "guidance_cancelled", "guidance", record.id, before,
                 {"status": "cancelled", "cancel_reason": reason})
    return {"id": record.id, "status": record.status, "version": record.version}


def _counts(session: Session, service_user_id: int, section_id: int | None, start: date, end: date,
            tz: str) -> tuple[int, int, int, int, int]:
    """n, d, r, x, k of one service user for local dates start ≤ day < end, from the raw records."""
    lower, upper = local_midnight(start, tz), local_midnight(end, tz)
    a, q = Application, QuarantineAction
    apps = select(func.count()).select_from(a).where(
        a.service_user_id == service_user_id, a.deleted_at.is_(None), a.completed_at >= lower,
        a.completed_at < upper)
    acts = select(q.kind, func.count()).where(q.service_user_id == service_user_id, q.deleted_at.is_(None),
                                               q.action_at >= lower, q.action_at < upper).group_by(q.kind)
    nncs = select(func.count()).select_from(Nnc).where(Nnc.service_user_id == service_user_id,
                                                       Nnc.counts_against_compliance, Nnc.notice_date >= start,
                                                       Nnc.notice_date < end)
    if section_id is not None:
        apps, acts = apps.where(a.section_id == section_id), acts.where(q.section_id == section_id)
        nncs = nncs.where(Nnc.section_id == section_id)
    kinds = dict(session.execute(acts).all())
    return (int(session.scalar(apps) or 0), int(kinds.get("detention", 0)), int(kinds.get("refusal", 0)),
            int(kinds.get("destruction", 0)), int(session.scalar(nncs) or 0))


def effect(session: Session, service_user_id: int, given_on: date, *, section_id: int | None, tz: str,
           settings: model.ScoringSettings, today: date) -> dict[str, Any]:
    """Weighted violations per 100 consignments in the 6 months before the guidance date and the 6 after.

    Until the 6 months after have passed the verdict is `pending` (with the day it can be judged) and nothing is
    counted: half a window after a visit says nothing about the visit.
    """
    before_start = add_months(given_on, -EFFECT_MONTHS)
    after_end = add_months(given_on, EFFECT_MONTHS)
    if after_end > today:
        return {"verdict": "pending", "judged_from": after_end, "before": None, "after": None,
                "change_per_100": None}

    def side(start, end):
        n, d, r, x, k = _counts(session, service_user_id, section_id, start, end, tz)
        v = model.weighted_violations(d, r, x, k, settings)
        return {"from": start, "to": end - timedelta(days=1), "n": n, "V": float(v), "records": d + r + x + k,
                "rate_per_100": None if n == 0 else round(100 * float(v) / n, 2)}

    return _verdict(side(before_start, given_on), side(given_on, after_end), after_end)


def effects(session: Session, records: list[tuple[Any, int, date, int | None]], *, tz: str,
            settings: model.ScoringSettings, today: date) -> dict[Any, dict[str, Any]]:
    """`effect` of many guidance records at once — (key, service_user_id, given_on, section_id) each — counted in
    one statement: a page of the list asked three counts per company before, ~75 queries a page.

    Each judged record is two windows (before, after); the statement counts, per window, the consignments, the
    quarantine actions by kind and the NNCs of that service user (and section), from the same raw records as
    `_counts`. A record whose 6 months after have not passed is `pending`, counted nothing, as in `effect`."""
    found: dict[Any, dict[str, Any]] = {}
    windows = []
    for key, service_user_id, given_on, section_id in records:
        after_end = add_months(given_on, EFFECT_MONTHS)
        if after_end > today:
            found[key] = {"verdict": "pending", "judged_from": after_end, "before": None, "after": None,
                          "change_per_100": None}
            continue
        for side, start, end in (("before", add_months(given_on, -EFFECT_MONTHS), given_on),
                                 ("after", given_on, after_end)):
            windows.append((len(windows), key, side, service_user_id, section_id, start, end))
    if not windows:
        return found
    w = union_all(*[select(literal(number).label("number"), literal(service_user_id).label("service_user_id"),
                           cast(literal(section_id, Integer), Integer).label("section_id"),  # NULL typed
                           literal(local_midnight(start, tz), UTCDateTime).label("lower"),
                           literal(local_midnight(end, tz), UTCDateTime).label("upper"),
                           literal(start, Date).label("first_day"), literal(end, Date).label("end_day"))
                    for number, _key, _side, service_user_id, section_id, start, end in windows]).cte("windows")
    a, q = Application, QuarantineAction

    def in_section(column):
        return or_(w.c.section_id.is_(None), column == w.c.section_id)

    def actions(kind):
        return (select(func.count()).select_from(q)
                .where(q.service_user_id == w.c.service_user_id, q.deleted_at.is_(None), q.kind == kind,
                       q.action_at >= w.c.lower, q.action_at < w.c.upper, in_section(q.section_id))
                .correlate(w).scalar_subquery())

    statement = select(
        w.c.number,
        select(func.count()).select_from(a).where(
            a.service_user_id == w.c.service_user_id, a.deleted_at.is_(None), a.completed_at >= w.c.lower,
            a.completed_at < w.c.upper, in_section(a.section_id)).correlate(w).scalar_subquery(),
        actions("detention"), actions("refusal"), actions("destruction"),
        select(func.count()).select_from(Nnc).where(
            Nnc.service_user_id == w.c.service_user_id, Nnc.counts_against_compliance, Nnc.notice_date >= w.c.first_day,
            Nnc.notice_date < w.c.end_day, in_section(Nnc.section_id)).correlate(w).scalar_subquery())
    counted = {number: tuple(int(value or 0) for value in values)
               for number, *values in session.execute(statement)}
    sides: dict[Any, dict[str, dict[str, Any]]] = {}
    for number, key, side, _service_user_id, _section_id, start, end in windows:
        n, d, r, x, k = counted.get(number, (0, 0, 0, 0, 0))
        v = model.weighted_violations(d, r, x, k, settings)
        sides.setdefault(key, {})[side] = {
            "from": start, "to": end - timedelta(days=1), "n": n, "V": float(v), "records": d + r + x + k,
            "rate_per_100": None if n == 0 else round(100 * float(v) / n, 2)}
    for key, both in sides.items():  # the after side ends the day the effect could first be judged
        found[key] = _verdict(both["before"], both["after"], both["after"]["to"] + timedelta(days=1))
    return found


def _verdict(before: dict[str, Any], after: dict[str, Any], judged_from: date) -> dict[str, Any]:
    """The effect of a guidance from its two sides' rates."""
    if before["rate_per_100"] is None or after["rate_per_100"] is None:
        verdict = "not_enough_data"
    elif after["rate_per_100"] < before["rate_per_100"]:
        verdict = "improved"
    elif after["rate_per_100"] > before["rate_per_100"]:
        verdict = "worse"
    else:
        verdict = "unchanged"
    return {"before": before, "after": after, "judged_from": judged_from, "verdict": verdict,
            "change_per_100": None if verdict == "not_enough_data" else round(
                after["rate_per_100"] - before["rate_per_100"], 2)}


def guidance_list(session: Session, *, office_id: int, section_scope: str | None,
                  filters: dict[str, Any] | None = None, as_of: date | None = None, page: int = 0,
                  page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """A page of the tier-D service users (those who need guidance), lowest score first, each with its latest done
    guidance and whether it worked, and the next planned one (`rows`, `total`, `page_size`).

    Paged as the ranking pages (an office's tier D can run to hundreds); the page's guidance records come in one
    query and their effects in one more (`effects`), whatever the page's length."""
    result = ranking(session, office_id=office_id, section_scope=section_scope,
                     filters={**(filters or {}), "tier": "D"}, as_of=as_of, sort="score_asc", page=page,
                     page_size=page_size)
    _version, settings = current_settings(session)
    section_id = result["filters"]["section_id"]
    tz, today = result["timezone"], result["as_of"]
    ids = [row["service_user_id"] for row in result["rows"]]
    latest: dict[int, GuidanceRecord] = {}
    planned: dict[int, GuidanceRecord] = {}
    if ids:
        g = GuidanceRecord
        query = (select(g).where(g.service_user_id.in_(ids), g.status.in_(("done", "planned")))
                 .order_by(g.service_user_id, g.given_on, g.id))
        if section_id is not None:
            query = query.where((g.section_id == section_id) | g.section_id.is_(None))
        for record in session.scalars(query):
            if record.status == "done":
                latest[record.service_user_id] = record
            else:
                planned.setdefault(record.service_user_id, record)  # the earliest plan comes next
    judged = effects(session, [(r.id, r.service_user_id, r.given_on, r.section_id) for r in latest.values()],
                     tz=tz, settings=settings, today=today)
    for row in result["rows"]:
        record, plan = latest.get(row["service_user_id"]), planned.get(row["service_user_id"])
        row["last_guidance"] = None if record is None else {
            "id": record.id, "given_on": record.given_on, "kind": record.kind, "officer_name": record.officer_name,
            "effect": judged[record.id]}
        row["planned_guidance"] = None if plan is None else {"id": plan.id, "given_on": plan.given_on,
                                                             "kind": plan.kind}
    return result


def candidates(session: Session, *, office_id: int, section_scope: str | None, text: str | None,
               filters: dict[str, Any] | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The tier-D service users whose name or NPWP contains `text`, at most `limit`: the guidance form's company
    picker searches as the officer types (callbacks.common.register_picker_search) instead of holding the whole
    list."""
    text = (text or "").strip()
    if not text:
        return []
    result = ranking(session, office_id=office_id, section_scope=section_scope,
                     filters={**(filters or {}), "tier": "D"}, sort="score_asc", search=text, page_size=limit)
    return [{"id": row["service_user_id"], "name": row["name"], "tax_id": row.get("tax_id")}
            for row in result["rows"]]


def records_page(session: Session, *, office_id: int, section_scope: str | None, page: int = 0,
                 page_size: int = PAGE_SIZE, as_of: date | None = None) -> dict[str, Any]:
    """One page of the office's guidance records (a coordinator: their section's and the general ones), newest day
    first, with the effect of the done ones; paged in the database (`rows`, `total`, `page_size`)."""
    g = GuidanceRecord
    where = [g.office_id == office_id]
    if section_scope is not None:  # their section's and the general ones, as on the profile
        section_id = session.scalar(select(Section.id).where(Section.code == section_scope))
        where.append((g.section_id == section_id) | g.section_id.is_(None))
    total = session.scalar(select(func.count()).select_from(g).where(*where)) or 0
    query = (select(g, ServiceUser.name, Section.code).join(ServiceUser, ServiceUser.id == g.service_user_id)
             .outerjoin(Section, Section.id == g.section_id).where(*where)
             .order_by(g.given_on.desc(), g.id.desc()).offset(max(page, 0) * page_size).limit(page_size))
    tz = office_zone(session, office_id)
    today = as_of or today_in(tz)
    _version, settings = current_settings(session)
    found = session.execute(query).all()
    judged = effects(session, [(r.id, r.service_user_id, r.given_on, r.section_id) for r, _n, _c in found
                               if r.status == "done"], tz=tz, settings=settings, today=today)
    rows = [{"id": r.id, "service_user_id": r.service_user_id, "name": name, "given_on": r.given_on,
             "kind": r.kind, "notes": r.notes, "officer_name": r.officer_name, "section": code,
             "status": r.status, "cancel_reason": r.cancel_reason, "version": r.version,
             "effect": judged.get(r.id)}
            for r, name, code in found]
    return {"rows": rows, "total": int(total), "page_size": page_size, "timezone": tz, "as_of": today}


def record_detail(session: Session, guidance_id: Any, *, office_id: int, section_scope: str | None) -> dict[str, Any]:
    """One guidance record as its action form loads it, with the version the form sends back and the moves this
    actor may make (none on a general record for a coordinator)."""
    record = _own_record(session, guidance_id, office_id=office_id, section_scope=section_scope, writing=False)
    writable = section_scope is None or record.section_id is not None
    return {"id": record.id, "service_user_id": record.service_user_id,
            "name": session.scalar(select(ServiceUser.name).where(ServiceUser.id == record.service_user_id)),
            "given_on": record.given_on, "kind": record.kind, "notes": record.notes,
            "officer_name": record.officer_name, "status": record.status, "cancel_reason": record.cancel_reason,
            "version": record.version, "moves": TRANSITIONS[record.status] if writable else ()}
