"""Guidance (pembinaan) for service users who comply poorly: recording it, and whether it worked.

"Worked" (DOMAIN): the weighted violation rate per 100 consignments in the 6 months after the guidance date
against the 6 months before it, counted from the raw records of that one service user (a small query).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Application, Nnc, QuarantineAction, Section, ServiceUser
from models.compliance import GUIDANCE_KINDS, GuidanceRecord
from portal import audit
from portal.domain import compliance as model
from portal.domain.periods import add_months, local_midnight, today_in
from portal.services.compliance.filters import check_profile_access
from portal.services.compliance.ranking import ranking
from portal.services.compliance.scoring_settings import current_settings
from portal.services.offices import office_zone
from portal.validation import ErrorCollector, Forbidden, NotFound

EFFECT_MONTHS = 6
MAX_NOTES = 2000


def records_for(session: Session, service_user_id: int, section_id: int | None = None) -> list[dict[str, Any]]:
    """The guidance given to one service user, newest first (a coordinator: their section's and general)."""
    g = GuidanceRecord
    query = (select(g, Section.code).outerjoin(Section, Section.id == g.section_id)
             .where(g.service_user_id == service_user_id).order_by(g.given_on.desc(), g.id.desc()))
    if section_id is not None:
        query = query.where((g.section_id == section_id) | g.section_id.is_(None))
    return [{"id": r.id, "given_on": r.given_on, "kind": r.kind, "notes": r.notes, "officer_name": r.officer_name,
             "section": code, "recorded_by": r.recorded_by, "created_at": r.created_at}
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
    given_on = None
    raw_date = _text(values.get("given_on"))
    if not raw_date:
        errors.add("given_on", "guidance.error.date_required")
    else:
        try:
            given_on = date.fromisoformat(raw_date[:10])
        except ValueError:
            errors.add("given_on", "guidance.error.date")
        else:
            if given_on > today:
                errors.add("given_on", "guidance.error.date_future")
            elif given_on < date(2000, 1, 1):
                errors.add("given_on", "guidance.error.date")
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
                            recorded_by=actor_username)
    session.add(record)
    session.flush()
    audit.record(session, actor_id, actor_username, "guidance_recorded", "guidance", record.id, None,
                 {"service_user_id": service_user_id, "given_on": given_on.isoformat(), "kind": kind,
                  "section": section_code, "officer_name": officer, "notes": notes})
    return {"id": record.id}


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
                                                       Nnc.status != "void", Nnc.notice_date >= start,
                                                       Nnc.notice_date < end)
    if section_id is not None:
        apps, acts = apps.where(a.section_id == section_id), acts.where(q.section_id == section_id)
        nncs = nncs.where(Nnc.section_id == section_id)
    kinds = dict(session.execute(acts).all())
    return (int(session.scalar(apps) or 0), int(kinds.get("detention", 0)), int(kinds.get("refusal", 0)),
            int(kinds.get("destruction", 0)), int(session.scalar(nncs) or 0))


def effect(session: Session, service_user_id: int, given_on: date, *, section_id: int | None, tz: str,
           settings: model.ScoringSettings, today: date) -> dict[str, Any]:
    """Weighted violations per 100 consignments in the 6 months before the guidance date and the 6 after."""
    before_start = add_months(given_on, -EFFECT_MONTHS)
    after_end = add_months(given_on, EFFECT_MONTHS)

    def side(start, end):
        n, d, r, x, k = _counts(session, service_user_id, section_id, start, end, tz)
        v = model.weighted_violations(d, r, x, k, settings)
        return {"from": start, "to": end - timedelta(days=1), "n": n, "V": float(v), "records": d + r + x + k,
                "rate_per_100": None if n == 0 else round(100 * float(v) / n, 2)}

    before, after = side(before_start, given_on), side(given_on, after_end)
    complete = after_end <= today
    if before["rate_per_100"] is None or after["rate_per_100"] is None:
        verdict = "not_enough_data"
    elif after["rate_per_100"] < before["rate_per_100"]:
        verdict = "improved"
    elif after["rate_per_100"] > before["rate_per_100"]:
        verdict = "worse"
    else:
        verdict = "unchanged"
    return {"before": before, "after": after, "after_complete": complete, "verdict": verdict,
            "change_per_100": None if verdict == "not_enough_data" else round(
                after["rate_per_100"] - before["rate_per_100"], 2)}


def guidance_list(session: Session, *, office_id: int, section_scope: str | None,
                  filters: dict[str, Any] | None = None, as_of: date | None = None) -> dict[str, Any]:
    """Tier-D service users (those who need guidance), each with its latest guidance and whether it worked."""
    result = ranking(session, office_id=office_id, section_scope=section_scope,
                                filters={**(filters or {}), "tier": "D"}, as_of=as_of, sort="score_asc",
                                page_size=None)
    version, settings = current_settings(session)
    section_id = result["filters"]["section_id"]
    tz, today = result["timezone"], result["as_of"]
    ids = [row["service_user_id"] for row in result["rows"]]
    latest: dict[int, GuidanceRecord] = {}
    if ids:
        g = GuidanceRecord
        query = select(g).where(g.service_user_id.in_(ids)).order_by(g.service_user_id, g.given_on, g.id)
        if section_id is not None:
            query = query.where((g.section_id == section_id) | g.section_id.is_(None))
        for record in session.scalars(query):
            latest[record.service_user_id] = record
    for row in result["rows"]:
        record = latest.get(row["service_user_id"])
        row["last_guidance"] = None if record is None else {
            "id": record.id, "given_on": record.given_on, "kind": record.kind, "officer_name": record.officer_name,
            "effect": effect(session, record.service_user_id, record.given_on, section_id=section_id, tz=tz,
                             settings=settings, today=today)}
    return result


def recent_records(session: Session, *, office_id: int, section_scope: str | None, limit: int = 100,
                   as_of: date | None = None) -> list[dict[str, Any]]:
    """The latest guidance records of the office (a coordinator: their section's), with their effect."""
    g = GuidanceRecord
    query = (select(g, ServiceUser.name, Section.code).join(ServiceUser, ServiceUser.id == g.service_user_id)
             .outerjoin(Section, Section.id == g.section_id).where(g.office_id == office_id)
             .order_by(g.given_on.desc(), g.id.desc()).limit(limit))
    section_id = None
    if section_scope is not None:
        section_id = session.scalar(select(Section.id).where(Section.code == section_scope))
        query = query.where(g.section_id == section_id)
    tz = office_zone(session, office_id)
    today = as_of or today_in(tz)
    _version, settings = current_settings(session)
    return [{"id": r.id, "service_user_id": r.service_user_id, "name": name, "given_on": r.given_on,
             "kind": r.kind, "notes": r.notes, "officer_name": r.officer_name, "section": code,
             "effect": effect(session, r.service_user_id, r.given_on, section_id=r.section_id, tz=tz,
                              settings=settings, today=today)}
            for r, name, code in session.execute(query)]
