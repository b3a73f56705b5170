"""The traceability dossier (dokumen penelusuran) of one company over a period, as plain values (DOMAIN: "One
company across stations"): identity and NPWP, the score's working per office (the profile's own `explanation`, so
the numbers are the profile's), every 3P action and NNC with its evidence, guidance, complaints linked to it and
the handlers used. `gather` reads it for a caller who may open the company's profile; portal/reports/dossier.py draws it, records
the printing here and checks a copy (`verify`).

The content is one JSON-safe dict; its canonical JSON (sorted keys, no spaces, UTF-8) is what the SHA-256 printed on
every page is taken over, and it travels inside the PDF, so a copy can be re-drawn and compared
(portal/reports/dossier.py explains the check).
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (Application, AttachmentBlob, AuditLog, Commodity, Complaint, ComplaintAttachment, Handler, Nnc,
                    NncAttachment, Office, QuarantineAction, Section, ServiceUser)
from models.base import utcnow
from models.targeting import TargetingDecision
from portal import audit
from portal.domain.periods import day_bounds, today_in
from portal.services import companies
from portal.services.compliance import guidance
from portal.services.compliance.filters import check_profile_access, company_reach, resolve_section, window
from portal.services.compliance.profile import checked_choices, explanation
from portal.services.compliance.scoring_settings import current_settings
from portal.services.compliance.sources import _primary_commodity, nnc_consignment_direction
from portal.services.offices import office_zone
from portal.security.scope import scope_of
from portal.validation import ErrorCollector

FORMAT = 1
PERMISSION = "rankings.view"  # the profile's: whoever may open the company's profile may print its dossier
AUDIT_ACTION = "dossier_printed"  # written as a literal below, where the translation check finds it
MAX_PERIOD_DAYS = 3 * 366  # a dossier covers at most three years: longer ones are several documents
HANDLER_CHANGES_LISTED = 300  # beyond this the per-handler table says it (a forwarder changes agents daily)
UTC = timezone.utc


# ------------------------------------------------------------------------------------------------ plain values
def plain(value: Any) -> Any:
    """A value as JSON keeps it, the same way every time: dates as ISO days, times as ISO UTC, Decimals as floats."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def canonical(content: dict) -> bytes:
    """The content's one byte form: sorted keys, no spaces, UTF-8 (what the hash is taken over)."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


# ------------------------------------------------------------------------------------------------ the period
def period(session: Session, office_id: int, period_from: Any = None, period_to: Any = None,
           today: date | None = None) -> tuple[date, date]:
    """(first day, last day) of the dossier: the profile's default window (the last 12 months through today in
    the office's zone) unless both ends are given; problems reported together (InvalidInput)."""
    errors = ErrorCollector()
    parsed = {}
    for field, value in (("period_from", period_from), ("period_to", period_to)):
        if value in (None, ""):
            parsed[field] = None
        elif isinstance(value, date):
            parsed[field] = value
        else:
            try:
                parsed[field] = date.fromisoformat(str(value).strip()[:10])
            except ValueError:
                errors.add(field, "dossier.error.date")
                parsed[field] = None
    errors.raise_if_any()
    today = today or today_in(office_zone(session, office_id))
    first, last = parsed["period_from"], parsed["period_to"]
    if first is None or last is None:
        default_first, default_last = window(today, current_settings(session)[1])
        first, last = first or default_first, last or min(default_last, today)
    if first > last:
        errors.add("period_to", "dossier.error.order")
    elif (last - first).days >= MAX_PERIOD_DAYS:
        errors.add("period_to", "dossier.error.long", days=MAX_PERIOD_DAYS)
    errors.raise_if_any()
    return first, last


# ------------------------------------------------------------------------------------------------ the records
NO_CHOICE = {"direction": None, "commodity_id": None}


def _of_chosen(query, chosen: dict, direction, application_id):
    """The query narrowed, in the database, to the consignments of the `chosen` direction and primary commodity
    (the profile's: as its score, timeline and chart count them), given the row's direction and application id."""
    if chosen.get("direction") is not None:
        query = query.where(direction == chosen["direction"])
    if chosen.get("commodity_id") is not None:
        query = query.where(_primary_commodity(application_id) == chosen["commodity_id"])
    return query


def _actions(session: Session, service_user_id: int, office_id: int, section_id: int | None, start, end,
             chosen: dict = NO_CHOICE):
    q = QuarantineAction
    query = (select(q, Application.number, Section.code).join(Application, Application.id == q.application_id)
             .join(Section, Section.id == q.section_id)
             .where(q.service_user_id == service_user_id, q.office_id == office_id, q.deleted_at.is_(None),
                    q.action_at >= start, q.action_at < end).order_by(q.action_at, q.id))
    if section_id is not None:
        query = query.where(q.section_id == section_id)
    query = _of_chosen(query, chosen, Application.direction, Application.id)
    return [{"kind": a.kind, "number": a.number, "at": a.action_at, "section": code, "application": number,
             "reason": a.reason, "outcome": a.outcome, "method": a.method, "follow_up": a.follow_up,
             "ended_at": a.ended_at} for a, number, code in session.execute(query)]


def _attachments(session: Session, link_model, owner_column, owner_ids: list[int]) -> dict[int, list[dict]]:
    """owner id → its attachments (name, SHA-256 of the content, size), in the order they were added."""
    if not owner_ids:
        return {}
    found: dict[int, list[dict]] = {}
    rows = session.execute(select(owner_column, link_model.filename, link_model.blob_hash, AttachmentBlob.size)
                           .join(AttachmentBlob, AttachmentBlob.hash == link_model.blob_hash)
                           .where(owner_column.in_(owner_ids)).order_by(owner_column, link_model.id))
    for owner, filename, blob_hash, size in rows:
        found.setdefault(owner, []).append({"filename": filename, "sha256": blob_hash, "size": size})
    return found


def _nncs(session: Session, service_user_id: int, office_id: int, section_id: int | None, first, last,
          chosen: dict = NO_CHOICE):
    """Every NNC naming the company with a notice date in the period, void ones too (marked: they do not count);
    of the `chosen` consignments by its application's direction, else its flow's, as the score counts an NNC."""
    query = (select(Nnc, Section.code, Application.number).join(Section, Section.id == Nnc.section_id)
             .outerjoin(Application, Application.id == Nnc.application_id)
             .where(Nnc.service_user_id == service_user_id, Nnc.office_id == office_id,
                    Nnc.notice_date >= first, Nnc.notice_date <= last).order_by(Nnc.notice_date, Nnc.id))
    if section_id is not None:
        query = query.where(Nnc.section_id == section_id)
    query = _of_chosen(query, chosen, nnc_consignment_direction(Nnc, Application), Nnc.application_id)
    rows = session.execute(query).all()
    evidence = _attachments(session, NncAttachment, NncAttachment.nnc_id, [n.id for n, _code, _number in rows])
    return [{"number": n.number, "notice_date": n.notice_date, "received_date": n.received_date, "flow": n.flow,
             "section": code, "status": n.status, "category": n.category, "action_taken": n.action_taken,
             "commodity": n.commodity, "partner_country": n.partner_country,
             "application": number or n.application_number, "evidence": evidence.get(n.id, [])}
            for n, code, number in rows]


def _complaints(session: Session, service_user_id: int, office_id: int, start, end):
    c = Complaint
    rows = session.scalars(select(c).where(c.service_user_id == service_user_id, c.office_id == office_id,
                                           c.received_at >= start, c.received_at < end)
                           .order_by(c.received_at, c.id)).all()
    evidence = _attachments(session, ComplaintAttachment, ComplaintAttachment.complaint_id, [r.id for r in rows])
    return [{"tracking_code": r.tracking_code, "received_at": r.received_at, "channel": r.channel,
             "category": r.category, "subject": r.subject, "status": r.status, "answered_at": r.answered_at,
             "evidence": evidence.get(r.id, [])} for r in rows]


def _guidance(session: Session, service_user_id: int, section_id: int | None, first, last):
    return [{"given_on": g["given_on"], "kind": g["kind"], "status": g["status"], "section": g["section"],
             "officer": g["officer_name"], "notes": g["notes"]}
            for g in reversed(guidance.records_for(session, service_user_id, section_id=section_id))
            if first <= g["given_on"] <= last]


def _handlers(session: Session, service_user_id: int, office_id: int, section_id: int | None, start, end,
              chosen: dict = NO_CHOICE):
    """The handlers of the company's applications submitted in the period: per handler its first and last use and
    how many, in the order the company came to them; and each change from one handler to the next."""
    a = Application
    query = (select(a.handler_id, Handler.name, a.submitted_at, a.number).outerjoin(Handler, Handler.id == a.handler_id)
             .where(a.service_user_id == service_user_id, a.office_id == office_id, a.deleted_at.is_(None),
                    a.submitted_at >= start, a.submitted_at < end).order_by(a.submitted_at, a.id))
    if section_id is not None:
        query = query.where(a.section_id == section_id)
    query = _of_chosen(query, chosen, a.direction, a.id)
    per_handler: dict[Any, dict] = {}
    changes, previous, count = [], None, 0
    for handler_id, name, submitted, number in session.execute(query):
        count += 1
        entry = per_handler.setdefault(handler_id, {"name": name, "first": submitted, "applications": 0})
        entry["last"] = submitted
        entry["applications"] += 1
        if count > 1 and handler_id != previous[0]:
            changes.append({"at": submitted, "application": number, "from": previous[1], "to": name})
        previous = (handler_id, name)
    return {"handlers": list(per_handler.values()), "changes_total": len(changes),
            "changes": changes[:HANDLER_CHANGES_LISTED], "applications": count}


def _targeting(session: Session, service_user_id: int, office_id: int, section_id: int | None, start, end,
               chosen: dict = NO_CHOICE):
    """The inspection decisions (issue 18) of the company's applications decided in the period, per level: how many,
    how many selected, by the draw and by a risk flag alone; and how often each risk flag was raised."""
    d = TargetingDecision
    query = select(d.level, d.selected, d.random_selected, d.flags).where(
        d.service_user_id == service_user_id, d.office_id == office_id, d.decided_at >= start, d.decided_at < end)
    if section_id is not None:
        query = query.where(d.section_id == section_id)
    if chosen.get("direction") is not None:  # a decision keeps no direction: its application's
        query = query.join(Application, Application.id == d.application_id)
    query = _of_chosen(query, chosen, Application.direction, d.application_id)
    levels: dict[str, dict[str, int]] = {}
    flags: dict[str, int] = {}
    for level, selected, by_draw, raised in session.execute(query):
        row = levels.setdefault(level, {"level": level, "decisions": 0, "selected": 0, "by_draw": 0, "by_flag": 0})
        row["decisions"] += 1
        row["selected"] += int(bool(selected))
        row["by_draw"] += int(bool(by_draw))
        row["by_flag"] += int(bool(selected) and not by_draw)
        for flag in raised or []:
            code = flag.get("code") if isinstance(flag, dict) else str(flag)
            flags[code] = flags.get(code, 0) + 1
    order = {"tightened": 0, "normal": 1, "reduced": 2}
    return {"levels": sorted(levels.values(), key=lambda r: (order.get(r["level"], 9), r["level"])),
            "flags": [{"code": code, "count": count} for code, count in sorted(flags.items())]}


def office_record(session: Session, service_user_id: int, *, office_id: int, section_id: int | None,
                  first: date, last: date, as_of: date, custom_period: bool = False,
                  chosen: dict = NO_CHOICE) -> dict[str, Any]:
    """One office's part of the dossier: the score's working (the profile's explanation at `as_of`: over the
    default window, or over the dossier's own period when it is another — as the profile scored for that period
    shows it) and the records of the period. With a `chosen` direction or primary commodity, the working and the
    records of consignments (3P actions, NNCs, handlers, targeting) are those of the chosen ones, as the profile
    scored for them reads; guidance and complaints, given to the company and not to a consignment, stay whole."""
    office = session.get(Office, office_id)
    tz = office_zone(session, office_id)
    start, end = day_bounds(first, last, tz)
    period_of_score = {"period_from": first, "period_to": last} if custom_period else {}
    working = explanation(session, service_user_id, office_id=office_id, section_id=section_id, as_of=as_of,
                          **period_of_score, **chosen)
    working["custom_period"] = custom_period
    working = {k: v for k, v in working.items() if k not in ("events", "timezone")}  # all events are listed below
    return {
        "office": {"code": office.code, "name": office.name, "timezone": tz},
        "service_user_id": service_user_id,
        "working": working,
        "actions": _actions(session, service_user_id, office_id, section_id, start, end, chosen),
        "nncs": _nncs(session, service_user_id, office_id, section_id, first, last, chosen),
        "guidance": _guidance(session, service_user_id, section_id, first, last),
        "complaints": _complaints(session, service_user_id, office_id, start, end) if section_id is None else [],
        "handlers": _handlers(session, service_user_id, office_id, section_id, start, end, chosen),
        "targeting": _targeting(session, service_user_id, office_id, section_id, start, end, chosen),
    }


def other_offices(session: Session, found: ServiceUser) -> list[Any]:
    """The same company's records at the other offices (matched by NPWP: portal.services.companies), one per
    office: each office's officers score on their own evidence, so each is read against its own office."""
    return [record for record in companies.records_of(session, companies.company_of(session, found.id))
            if record.office_id != found.office_id]


def gather(session: Session, viewer, service_user_id: int, period_from: Any = None, period_to: Any = None,
           *, section: Any = None, direction: Any = None, commodity_id: Any = None,
           now: datetime | None = None) -> dict[str, Any]:
    """The dossier's content for a viewer who may open the company's profile (NotFound / Forbidden as the profile
    refuses), as JSON-safe plain values. `section`, `direction`, `commodity_id`: the profile's, checked as the
    profile checks them (InvalidInput: an unknown section or direction, a commodity of no section the viewer sees;
    Forbidden: another section than a coordinator's own); None or "all": every one (a coordinator's: their own)."""
    scope = scope_of(viewer)
    scope.require(PERMISSION)
    reach = company_reach(session, scope, int(service_user_id))
    found, _scope_section = check_profile_access(session, int(service_user_id), **reach)
    section_code, section_id = resolve_section(session, section if isinstance(section, str) else None,
                                               reach["section_scope"])
    now = now or utcnow()
    tz = office_zone(session, found.office_id)
    today = today_in(tz, now)
    first, last = period(session, found.office_id, period_from, period_to, today=today)
    chosen = checked_choices(session, direction, commodity_id, reach["section_scope"])
    # Scored as of today, as the profile scored for the same period is: the months since the last violation (and so
    # tier A) counted to the period's end read tier B where the profile read A.
    as_of = today
    # A period other than the score's window is scored over its own days, as a profile scored for that period reads
    # (a dossier of 15 Sep – 20 Oct printed the 12 months ending 20 Oct under "the profile's figures").
    default_first, default_last = window(today, current_settings(session)[1])
    custom = (first, last) != (default_first, min(default_last, today))
    offices = [office_record(session, found.id, office_id=found.office_id, section_id=section_id, first=first,
                             last=last, as_of=as_of, custom_period=custom, chosen=chosen)]
    for record in other_offices(session, found):
        offices.append(office_record(session, record.service_user_id, office_id=record.office_id, section_id=section_id,
                                     first=first, last=last, as_of=as_of, custom_period=custom, chosen=chosen))
    printer = getattr(viewer, "full_name", None) or scope.username
    return plain({
        "format": FORMAT, "language": "id",
        "company": {"name": found.name, "tax_id": found.tax_id, "address": found.address, "city": found.city,
                    "business_type": found.business_type, "registered_at": found.registered_at},
        "section": section_code, "period": {"from": first, "to": last}, "score_as_of": as_of,
        # The consignments it covers, the profile's direction and commodity (None: every one). The drawing names them
        # only when the keys are there: a copy printed before the dossier followed them is redrawn as it was printed.
        "direction": chosen["direction"], "commodity_id": chosen["commodity_id"],
        "commodity": session.scalar(select(Commodity.name).where(Commodity.id == chosen["commodity_id"]))
        if chosen["commodity_id"] is not None else None,
        "printed_by": {"username": scope.username, "name": printer}, "printed_at": now,
        "timezone": tz, "offices": offices,
    })


def record_printing(session: Session, viewer, service_user_id: int, digest: str, content: dict, pages: int) -> None:
    """The audit row of one printing (in the caller's transaction): it carries the hash, so `verify` can tell which
    printing a copy comes from."""
    scope = scope_of(viewer)
    audit.record(session, scope.user_id, scope.username, "dossier_printed", "dossier", digest,
                 after={"service_user_id": int(service_user_id), "period_from": content["period"]["from"],
                        "period_to": content["period"]["to"], "pages": pages, "section": content["section"],
                        "direction": content.get("direction"), "commodity": content.get("commodity")})


def printing_of(session: Session, digest: str) -> dict[str, Any] | None:
    """Who printed the dossier with this hash, and when (from the audit log); None when this installation never
    printed it."""
    row = session.scalar(select(AuditLog).where(AuditLog.action == AUDIT_ACTION, AuditLog.object_type == "dossier",
                                                AuditLog.object_id == digest).order_by(AuditLog.id).limit(1))
    if row is None:
        return None
    return {"username": row.username, "at": row.at, **(row.after or {})}
