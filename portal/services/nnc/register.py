"""The NNC register (ISPM 13): record, edit, follow up, search, export and archive notifications of non-compliance.

Every function takes a session and plain values and returns plain values. The `actor` / `viewer` is a
portal.security.scope.Scope, or anything `scope_of` turns into one (the logged-in CurrentUser, an `Actor`).

Who may do what (the guard checks page permissions; the object-level checks ask the scope here):
- read: `nnc.view` within the scope's offices and section; a company-scoped user only the NNCs naming one of
  their companies, never void ones, never the internal notes (`nnc.internal`);
- create and edit every field: `nnc.edit`, while the NNC is open (not closed, not void);
- follow-up (findings, corrective action, guidance) and status changes: see TRANSITIONS (a permission per
  change), only within the scope's section.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import case, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import (Application, ApplicationCommodity, AttachmentBlob, AuditLog, Certificate, Handler, Nnc,
                    NncAttachment, NncStatusChange, Office, Section, ServiceUser, User)
from models.base import utcnow
from portal import audit
from portal.security.permissions import roles_with
from portal.security.scope import Scope, scope_of, system_scope
from portal.services import attachments
from portal.validation import ErrorCollector, Forbidden, InvalidInput, NotFound

FLOWS = ("received", "issued")
CATEGORIES = ("prohibited", "documentation", "pest", "food_safety", "other_sps")
DOCUMENT_PROBLEMS = ("missing", "incomplete", "altered", "invalid", "fraudulent")
ACTIONS = ("detention", "refusal_reexport", "destruction", "treatment", "release_after_sorting", "none")
STATUSES = ("received", "under_investigation", "clarified", "closed", "void")
OPEN_STATUSES = ("received", "under_investigation", "clarified")

# The status workflow: (from, to) → the permission that change needs (portal/security/permissions.py says
# which roles hold it). Anything else is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("received", "under_investigation"): "nnc.follow_up",
    ("under_investigation", "clarified"): "nnc.follow_up",
    ("clarified", "under_investigation"): "nnc.follow_up",      # more to find out
    ("clarified", "closed"): "nnc.close",                       # a supervisor decides the case is finished
    ("closed", "under_investigation"): "nnc.reopen",
    ("received", "void"): "nnc.edit",                           # recorded by mistake, a duplicate…
    ("under_investigation", "void"): "nnc.edit",
    ("clarified", "void"): "nnc.edit",
    ("closed", "void"): "nnc.restore",
    ("void", "received"): "nnc.restore",                        # voided by mistake
}
# What a status needs before an NNC may reach it.
STATUS_REQUIRES = {"clarified": ("investigation_findings",),
                   "closed": ("investigation_findings", "corrective_action")}

# Form fields → the longest text each column holds.
TEXT_LIMITS = {
    "number": 100, "notifying_authority": 200, "notifying_country": 100, "notified_authority": 200,
    "notified_country": 100, "party_name": 200, "party_country": 100, "application_number": 60,
    "certificate_number": 60, "commodity": 200, "scientific_name": 200, "hs_code": 16, "lot_number": 100,
    "container_number": 100, "air_waybill": 60, "point_of_entry": 200, "organism": 200, "description": 4000,
    "investigation_findings": 4000, "corrective_action": 4000, "guidance_given": 4000, "internal_notes": 4000,
    "void_reason": 2000,
}
REQUIRED_TEXT = ("number", "notifying_authority", "notifying_country", "notified_authority", "notified_country",
                 "commodity")
FOLLOW_UP_FIELDS = ("investigation_findings", "corrective_action", "guidance_given")
# Every field an editor sets through the form (status has its own workflow).
EDITABLE_FIELDS = (
    "number", "notice_date", "received_date", "flow", "notifying_authority", "notifying_country",
    "notified_authority", "notified_country", "service_user_id", "party_name", "party_country", "handler_id",
    "application_number", "certificate_number", "section_id", "commodity", "scientific_name", "hs_code",
    "lot_number", "container_number", "air_waybill", "point_of_entry", "category", "subcategory", "organism",
    "description", "action_taken", "investigation_findings", "corrective_action", "guidance_given",
    "internal_notes",
)
# Fields a service user never sees.
INTERNAL_FIELDS = ("internal_notes", "void_reason", "created_by", "updated_by", "created_by_id", "updated_by_id")
EARLIEST_DATE = date(1900, 1, 1)
HS_CODE = re.compile(r"^\d{4}(\.?\d{2}){0,3}$")
PAGE_SIZE = 25
EXPORT_LIMIT = 50_000
SUGGESTION_LIMIT = 20
HOME_AUTHORITY = "Badan Karantina Indonesia (Barantin)"
HOME_COUNTRY = "Indonesia"


@dataclass(frozen=True)
class Actor:
    """Someone acting without a login (the CLI, a job, the demo set-up): same shape as the logged-in user."""

    id: int | None
    username: str
    role: str
    office_id: int
    section_id: int | None = None
    section_code: str | None = None
    service_user_ids: tuple[int, ...] = field(default=())


def system_actor(session: Session, office_code: str, role: str | None = None,
                 username: str = "system") -> Scope | Actor:
    """An actor for scripts: the given office, every right (or a role's, when one is given), no account."""
    office_id = session.scalar(select(Office.id).where(Office.code == office_code))
    if office_id is None:
        raise NotFound(office_code)
    if role is None:
        return system_scope(office_id, username)
    return Actor(id=None, username=username, role=role, office_id=office_id)


# ----------------------------------------------------------------------------------------------------------
# who may see and change what: the scope decides (portal/security/scope.py)


def can_edit(actor) -> bool:
    """Create NNCs and edit every field (`nnc.edit`)."""
    return scope_of(actor).can("nnc.edit")


def _may_see(actor, nnc: Nnc) -> bool:
    scope = scope_of(actor)
    if scope.company_scoped:
        return scope.sees_company(nnc.service_user_id) and nnc.status != "void"
    return scope.can("nnc.view") and scope.sees_office(nnc.office_id) and scope.sees_section(nnc.section_id)


def _may_follow_up(actor, nnc: Nnc) -> bool:
    return scope_of(actor).can("nnc.follow_up") and _may_see(actor, nnc)


def _may_edit(actor, nnc: Nnc) -> bool:
    return can_edit(actor) and _may_see(actor, nnc)


def _scoped(query, viewer):
    """Limit a query on Nnc to what the viewer may see (a company never sees void NNCs)."""
    scope = scope_of(viewer)
    if scope.company_scoped:
        return scope.visible(query, Nnc).where(Nnc.status != "void")
    if not scope.can("nnc.view"):
        return query.where(false())
    return scope.visible(query, Nnc)


def _load(session: Session, nnc_id: int, viewer, *, for_update: bool = False) -> Nnc:
    """The NNC if the viewer may see it. A company-scoped user gets Forbidden for anything not theirs, existing or
    not (so an id tells them nothing)."""
    nnc = session.get(Nnc, nnc_id, with_for_update=for_update) if nnc_id is not None else None
    if nnc is None:
        if scope_of(viewer).company_scoped:
            raise Forbidden(nnc_id)
        raise NotFound(nnc_id)
    if not _may_see(viewer, nnc):
        raise Forbidden(nnc_id)
    return nnc


def counts_against_compliance():
    """The condition the compliance score uses: an NNC counts unless it is void."""
    return Nnc.status != "void"


def allowed_transitions(viewer, status: str, section_id: int | None = None) -> list[str]:
    """The statuses this viewer may move an NNC to from `status` (none outside the viewer's section)."""
    scope = scope_of(viewer)
    if section_id is not None and not scope.sees_section(section_id):
        return []
    return [to for (frm, to), permission in TRANSITIONS.items() if frm == status and scope.can(permission)]


def permissions_for(viewer, nnc: dict) -> dict[str, Any]:
    """What the viewer may do with an NNC already loaded through `nnc_for_viewer`."""
    scope = scope_of(viewer)
    return {
        "edit": scope.can("nnc.edit") and nnc["status"] in OPEN_STATUSES,
        "follow_up": scope.can("nnc.follow_up") and scope.sees_section(nnc["section_id"]),
        "transitions": allowed_transitions(viewer, nnc["status"], nnc["section_id"]),
        "internal": scope.can("nnc.internal"),
    }


# ----------------------------------------------------------------------------------------------------------
# reading


def _office_today(session: Session, office_id: int) -> date:
    timezone = session.scalar(select(Office.timezone).where(Office.id == office_id)) or "Asia/Jakarta"
    return datetime.now(ZoneInfo(timezone)).date()


def _names(session: Session, nnc: Nnc) -> dict[str, Any]:
    service_user = session.get(ServiceUser, nnc.service_user_id) if nnc.service_user_id else None
    handler = session.get(Handler, nnc.handler_id) if nnc.handler_id else None
    section = session.get(Section, nnc.section_id)
    office = session.get(Office, nnc.office_id)
    application = session.get(Application, nnc.application_id) if nnc.application_id else None
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(
        [i for i in (nnc.created_by_id, nnc.updated_by_id) if i])))}
    return {
        "service_user_name": service_user.name if service_user else None,
        "service_user_tax_id": service_user.tax_id if service_user else None,
        "handler_name": handler.name if handler else None,
        "section_code": section.code if section else None,
        "office_code": office.code if office else None,
        "office_timezone": office.timezone if office else "Asia/Jakarta",
        "application_found": application is not None,
        "created_by": users[nnc.created_by_id].username if nnc.created_by_id in users else None,
        "updated_by": users[nnc.updated_by_id].username if nnc.updated_by_id in users else None,
    }


def nnc_dict(session: Session, nnc: Nnc) -> dict[str, Any]:
    """Every field of an NNC as plain values, with the names behind its references."""
    values = {column.key: getattr(nnc, column.key) for column in Nnc.__table__.columns}
    values.update(_names(session, nnc))
    values["party"] = values["service_user_name"] or values["party_name"]
    values["partner_country"] = nnc.notifying_country if nnc.flow == "received" else nnc.notified_country
    return values


def nnc_for_viewer(session: Session, nnc_id: int, viewer) -> dict[str, Any]:
    """One NNC as the viewer may see it: Forbidden when it is not theirs, internal fields removed for companies."""
    nnc = _load(session, nnc_id, viewer)
    values = nnc_dict(session, nnc)
    if not scope_of(viewer).can("nnc.internal"):
        for key in INTERNAL_FIELDS:
            values.pop(key, None)
    return values


def get_nnc(session: Session, nnc_id: int) -> dict[str, Any]:
    """An NNC with no viewer check: for jobs and tests only, never for a page."""
    nnc = session.get(Nnc, nnc_id)
    if nnc is None:
        raise NotFound(nnc_id)
    return nnc_dict(session, nnc)


def attachments_of(session: Session, nnc_id: int, viewer) -> list[dict[str, Any]]:
    """The files of an NNC the viewer may see, oldest first."""
    _load(session, nnc_id, viewer)
    rows = session.execute(
        select(NncAttachment.id, NncAttachment.filename, NncAttachment.uploaded_at, AttachmentBlob.size,
               AttachmentBlob.mime_type, User.username)
        .join(AttachmentBlob, AttachmentBlob.hash == NncAttachment.blob_hash)
        .outerjoin(User, User.id == NncAttachment.uploaded_by_id)
        .where(NncAttachment.nnc_id == nnc_id).order_by(NncAttachment.uploaded_at, NncAttachment.id))
    return [{"id": r.id, "filename": r.filename, "uploaded_at": r.uploaded_at, "size": r.size,
             "size_label": attachments.size_label(r.size), "mime_type": r.mime_type,
             "uploaded_by": r.username if scope_of(viewer).can("nnc.internal") else None} for r in rows]


def attachment_for_download(session: Session, viewer, attachment_id: int) -> dict[str, Any]:
    """The file behind an attachment id, if the viewer may see its NNC; each download is audited."""
    link = session.get(NncAttachment, attachment_id)
    if link is None:
        if scope_of(viewer).company_scoped:
            raise Forbidden(attachment_id)
        raise NotFound(attachment_id)
    nnc = _load(session, link.nnc_id, viewer)
    blob = attachments.fetch(session, link.blob_hash)
    audit.record(session, getattr(viewer, "id", None), getattr(viewer, "username", None),
                 "nnc_attachment_downloaded", "nnc", nnc.id,
                 after={"attachment_id": link.id, "filename": link.filename})
    return {"filename": link.filename, "mime_type": blob.mime_type, "content": blob.content, "size": blob.size,
            "nnc_id": nnc.id}


def history(session: Session, nnc_id: int, viewer) -> dict[str, list[dict[str, Any]]]:
    """Status changes and every audited change of an NNC, newest first (a service user: statuses only).

    In the audited values, service_user_id and handler_id become names and section_id the section's code.
    """
    _load(session, nnc_id, viewer)
    officer = scope_of(viewer).can("nnc.internal")
    statuses = [{"at": s.at, "username": s.username if officer else None, "from_status": s.from_status,
                 "to_status": s.to_status, "note": s.note if officer else None}
                for s in session.scalars(select(NncStatusChange).where(NncStatusChange.nnc_id == nnc_id)
                                         .order_by(NncStatusChange.at.desc(), NncStatusChange.id.desc()))]
    changes = []
    if officer:
        changes = [{"at": a.at, "username": a.username, "action": a.action, "before": dict(a.before or {}),
                    "after": dict(a.after or {})}
                   for a in session.scalars(select(AuditLog).where(AuditLog.object_type == "nnc",
                                                                   AuditLog.object_id == str(nnc_id))
                                            .order_by(AuditLog.at.desc(), AuditLog.id.desc()))]
        _name_references(session, changes)
    return {"statuses": statuses, "changes": changes}


def _name_references(session: Session, changes: list[dict]) -> None:
    """Audited ids read as names: service user and handler by name, section by its code."""
    wanted: dict[str, set[int]] = {"service_user_id": set(), "handler_id": set(), "section_id": set()}
    for change in changes:
        for values in (change["before"], change["after"]):
            for key in wanted:
                if isinstance(values.get(key), int):
                    wanted[key].add(values[key])
    names = {
        "service_user_id": dict(session.execute(select(ServiceUser.id, ServiceUser.name)
                                                .where(ServiceUser.id.in_(wanted["service_user_id"]))).all()),
        "handler_id": dict(session.execute(select(Handler.id, Handler.name)
                                           .where(Handler.id.in_(wanted["handler_id"]))).all()),
        "section_id": dict(session.execute(select(Section.id, Section.code)
                                           .where(Section.id.in_(wanted["section_id"]))).all()),
    }
    for change in changes:
        for values in (change["before"], change["after"]):
            for key, found in names.items():
                if isinstance(values.get(key), int):
                    values[key] = found.get(values[key], values[key])


# ----------------------------------------------------------------------------------------------------------
# validation


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _as_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never an id: reported as unknown


def parse_date(value: Any) -> date | None:
    """A date from a date, an ISO text (2026-03-05) or the Indonesian way (05/03/2026, 05-03-2026)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Trim texts, empty → None, ids → int; unknown keys dropped."""
    cleaned: dict[str, Any] = {}
    for key in EDITABLE_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key in ("service_user_id", "handler_id", "section_id"):
            cleaned[key] = _as_int(value)
        elif key in ("notice_date", "received_date"):
            cleaned[key] = value if value not in ("",) else None
        else:
            cleaned[key] = _text(value)
    if cleaned.get("number"):
        cleaned["number"] = re.sub(r"\s+", " ", cleaned["number"])
    if cleaned.get("hs_code"):
        cleaned["hs_code"] = cleaned["hs_code"].replace(" ", "")
    return cleaned


def _number_owner(session: Session, office_id: int, number: str, exclude_id: int | None) -> Nnc | None:
    query = select(Nnc).where(Nnc.office_id == office_id, func.lower(Nnc.number) == number.lower())
    if exclude_id is not None:
        query = query.where(Nnc.id != exclude_id)
    return session.scalars(query.limit(1)).first()


def _number_taken(errors: ErrorCollector, owner: Nnc) -> None:
    errors.add("number", "nnc.error.number_taken", id=owner.id, number=owner.number,
               date=owner.notice_date.strftime("%d/%m/%Y"))


def _validate(session: Session, office_id: int, values: dict[str, Any], errors: ErrorCollector,
              today: date, exclude_id: int | None = None) -> dict[str, Any]:
    """Check a complete set of NNC fields; returns them with dates parsed and references resolved."""
    for key in REQUIRED_TEXT:
        if not values.get(key):
            errors.add(key, "nnc.error.required")
    for key, limit in TEXT_LIMITS.items():
        if values.get(key) and len(values[key]) > limit:
            errors.add(key, "nnc.error.too_long", max=limit)

    dates = {}
    for key in ("notice_date", "received_date"):
        try:
            dates[key] = parse_date(values.get(key))
        except ValueError:
            errors.add(key, "nnc.error.date_invalid")
            continue
        if dates[key] is None:
            errors.add(key, "nnc.error.required")
        elif dates[key] < EARLIEST_DATE:  # year 0001 is a typo, and the compliance months cannot be computed for it
            errors.add(key, "nnc.error.date_invalid")
        elif dates[key] > today:
            errors.add(key, "nnc.error.date_future", today=today.strftime("%d/%m/%Y"))
    notice, received = dates.get("notice_date"), dates.get("received_date")
    if notice and received and received < notice:
        errors.add("received_date", "nnc.error.received_before_notice")
    values.update({k: v for k, v in dates.items()})

    if values.get("number") and "number" not in errors.errors:
        owner = _number_owner(session, office_id, values["number"], exclude_id)
        if owner is not None:
            _number_taken(errors, owner)

    if values.get("flow") not in FLOWS:
        errors.add("flow", "nnc.error.flow")
    if values.get("category") not in CATEGORIES:
        errors.add("category", "nnc.error.category")
    if values.get("category") == "documentation":
        if values.get("subcategory") not in DOCUMENT_PROBLEMS:
            errors.add("subcategory", "nnc.error.subcategory")
    else:
        values["subcategory"] = None
    if values.get("category") == "pest" and not values.get("organism"):
        errors.add("organism", "nnc.error.organism_required")
    if values.get("action_taken") not in ACTIONS:
        errors.add("action_taken", "nnc.error.action")
    if values.get("hs_code") and not HS_CODE.match(values["hs_code"]):
        errors.add("hs_code", "nnc.error.hs_code")

    section_id = values.get("section_id")
    if section_id is None:
        errors.add("section_id", "nnc.error.required")
    elif session.scalar(select(Section.id).where(Section.id == section_id, Section.active)) is None:
        errors.add("section_id", "nnc.error.section")

    service_user_id, party_name = values.get("service_user_id"), values.get("party_name")
    if service_user_id is not None:
        company = session.get(ServiceUser, service_user_id) if service_user_id > 0 else None
        if company is None or company.office_id != office_id:
            errors.add("service_user_id", "nnc.error.service_user_unknown")
        if party_name:
            errors.add("party_name", "nnc.error.party_and_service_user")
        else:
            values["party_country"] = None
    elif party_name:
        if not values.get("party_country"):
            errors.add("party_country", "nnc.error.party_country_required")
    else:
        errors.add("service_user_id", "nnc.error.party_required")
    handler_id = values.get("handler_id")
    if handler_id is not None and (handler_id <= 0 or session.get(Handler, handler_id) is None):
        errors.add("handler_id", "nnc.error.handler_unknown")

    values["application_id"] = _application_id(session, values.get("application_number"))
    values["certificate_id"] = _certificate_id(session, values.get("certificate_number"), values["application_id"])
    return values


def _spellings(number: str) -> set[str]:
    """A number as typed and in capitals: exact matches keep the look-up on the index."""
    return {number, number.upper()}


def _application_id(session: Session, number: str | None) -> int | None:
    if not number:
        return None
    return session.scalar(select(Application.id).where(Application.number.in_(_spellings(number))).limit(1))


def _certificate_id(session: Session, number: str | None, application_id: int | None = None) -> int | None:
    """The certificate with this number: the related application's first, then any (final before draft)."""
    if not number:
        return None
    query = select(Certificate.id).where(Certificate.number.in_(_spellings(number)))
    order = (Certificate.is_draft, Certificate.issued_at.desc())
    if application_id is not None:
        found = session.scalar(query.where(Certificate.application_id == application_id).order_by(*order).limit(1))
        if found is not None:
            return found
    return session.scalar(query.order_by(*order).limit(1))


def _check_files(files: Sequence[tuple[str, bytes]], errors: ErrorCollector) -> None:
    for filename, content in files:
        found = attachments.problem(filename, content)
        if found is not None:
            errors.add("attachments", found[0], **found[1])
            return


def _check_status_needs(values: dict[str, Any], status: str, errors: ErrorCollector) -> None:
    for key in STATUS_REQUIRES.get(status, ()):
        if not values.get(key):
            errors.add(key, f"nnc.error.required_for_{status}")


# ----------------------------------------------------------------------------------------------------------
# writing


def _audit_view(values: dict[str, Any]) -> dict[str, Any]:
    """The recorded fields as JSON-safe values, for the audit log."""
    view = {}
    for key in EDITABLE_FIELDS + ("status", "void_reason"):
        if key in values:
            value = values[key]
            view[key] = value.isoformat() if isinstance(value, (date, datetime)) else value
    return view


def _snapshot(nnc: Nnc) -> dict[str, Any]:
    return {key: getattr(nnc, key) for key in EDITABLE_FIELDS + ("status", "void_reason", "application_id")}


def _flush_new(session: Session, nnc: Nnc, office_id: int) -> None:
    """Insert, turning a number taken meanwhile by another user into the same message as the form check."""
    try:
        with session.begin_nested():
            session.add(nnc)
            session.flush()
    except IntegrityError:
        errors = ErrorCollector()
        owner = _number_owner(session, office_id, nnc.number, None)
        if owner is not None:
            _number_taken(errors, owner)
        else:
            errors.add("number", "nnc.error.save_failed")
        raise InvalidInput(errors.errors) from None


def _attach(session: Session, actor, nnc: Nnc, files: Sequence[tuple[str, bytes]]) -> list[dict]:
    added = []
    for filename, content in files:
        key = attachments.store(session, filename, content, field="attachments")
        if session.scalar(select(NncAttachment.id).where(NncAttachment.nnc_id == nnc.id,
                                                         NncAttachment.blob_hash == key)) is not None:
            continue  # the same file twice on one NNC is kept once
        name = attachments.clean_filename(filename)
        link = NncAttachment(nnc_id=nnc.id, blob_hash=key, filename=name, uploaded_by_id=getattr(actor, "id", None),
                             uploaded_at=utcnow())
        session.add(link)
        session.flush()
        audit.record(session, getattr(actor, "id", None), getattr(actor, "username", None), "nnc_attachment_added",
                     "nnc", nnc.id, after={"attachment_id": link.id, "filename": name, "sha256": key,
                                           "size": len(content)})
        added.append({"id": link.id, "filename": name})
    return added


def create_nnc(session: Session, actor, data: dict[str, Any], files: Sequence[tuple[str, bytes]] = (),
               *, status: str | None = None, void_reason: str | None = None, today: date | None = None,
               errors: ErrorCollector | None = None, notify: bool = True, via: str | None = None,
               refresh: bool = True) -> dict[str, Any]:
    """Record a new NNC in the actor's office after checking every field; nothing is written if any is wrong.

    `status` lets an import load a historical NNC in its final state (void needs `void_reason`);
    `errors` may carry problems the caller already found (an import's unknown codes), reported together;
    `notify=False` skips `on_nnc_recorded` (historical records); `via` is noted in the audit entry;
    `refresh=False` leaves the compliance rollups to the caller (an import refreshes once for all its rows).
    """
    if not can_edit(actor):
        raise Forbidden("nnc.create")
    errors = errors or ErrorCollector()
    office_id = actor.office_id
    values = _validate(session, office_id, _clean(data), errors, today or _office_today(session, office_id))
    status = status or "received"
    void_reason = _text(void_reason)
    if status not in STATUSES:
        errors.add("status", "nnc.error.status")
    elif status == "void" and not void_reason:
        errors.add("void_reason", "nnc.error.void_reason_required")
    else:
        _check_status_needs(values, status, errors)
    _check_files(files, errors)
    errors.raise_if_any()

    now = utcnow()
    nnc = Nnc(office_id=office_id, status=status, void_reason=void_reason if status == "void" else None,
              created_by_id=getattr(actor, "id", None), created_at=now, updated_by_id=getattr(actor, "id", None),
              updated_at=now, **{k: values.get(k) for k in EDITABLE_FIELDS},
              application_id=values["application_id"], certificate_id=values["certificate_id"])
    _flush_new(session, nnc, office_id)
    session.add(NncStatusChange(nnc_id=nnc.id, at=now, user_id=getattr(actor, "id", None),
                                username=getattr(actor, "username", None), from_status=None, to_status=status,
                                note=void_reason if status == "void" else None))
    audit.record(session, getattr(actor, "id", None), getattr(actor, "username", None), "nnc_created", "nnc", nnc.id,
                 after={**{k: v for k, v in _audit_view(_snapshot(nnc)).items() if v is not None},
                        **({"via": via} if via else {})})
    _attach(session, actor, nnc, files)
    if refresh and status != "void":
        refresh_compliance(session, [nnc.service_user_id], nnc.notice_date)
    if notify and status != "void":
        on_nnc_recorded(session, nnc.id)
    return nnc_dict(session, nnc)


def update_nnc(session: Session, actor, nnc_id: int, data: dict[str, Any],
               files: Sequence[tuple[str, bytes]] = (), *, today: date | None = None) -> dict[str, Any]:
    """Change the fields of an open NNC (admin, operator) and add files; audited with before and after."""
    nnc = _load(session, nnc_id, actor, for_update=True)
    if not _may_edit(actor, nnc):
        raise Forbidden(nnc_id)
    if nnc.status not in OPEN_STATUSES:
        errors = ErrorCollector()
        errors.add("status", "nnc.error.not_editable", status=nnc.status)
        raise InvalidInput(errors.errors)
    before = _snapshot(nnc)
    merged = {**before, **_clean(data)}
    errors = ErrorCollector()
    values = _validate(session, nnc.office_id, merged, errors, today or _office_today(session, nnc.office_id),
                       exclude_id=nnc.id)
    _check_status_needs(values, nnc.status, errors)
    _check_files(files, errors)
    errors.raise_if_any()

    for key in EDITABLE_FIELDS:
        setattr(nnc, key, values.get(key))
    nnc.application_id, nnc.certificate_id = values["application_id"], values["certificate_id"]
    old, new = audit.changed_fields(_audit_view(before), _audit_view(_snapshot(nnc)))
    added = _attach(session, actor, nnc, files)
    if new or added:
        nnc.updated_by_id, nnc.updated_at = getattr(actor, "id", None), utcnow()
    if new:
        audit.record(session, getattr(actor, "id", None), getattr(actor, "username", None), "nnc_updated", "nnc",
                     nnc.id, before=old, after=new)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        errors = ErrorCollector()
        errors.add("number", "nnc.error.save_failed")
        raise InvalidInput(errors.errors) from None
    if any(before[k] != getattr(nnc, k) for k in COUNTED_FIELDS):  # an open NNC counts: keep the score right
        refresh_compliance(session, [before["service_user_id"], nnc.service_user_id],
                           min(d for d in (before["notice_date"], nnc.notice_date) if d))
    return nnc_dict(session, nnc)


def record_follow_up(session: Session, actor, nnc_id: int, data: dict[str, Any] | None = None,
                     to_status: str | None = None, note: str | None = None) -> dict[str, Any]:
    """Record investigation findings, corrective action and guidance, and/or move the NNC along its workflow.

    Coordinators only in their own section; the status change must be in TRANSITIONS for the actor's role;
    void needs a reason (`note`). Audited with before and after; every status change is kept in its history.
    """
    nnc = _load(session, nnc_id, actor, for_update=True)
    if not _may_follow_up(actor, nnc):
        raise Forbidden(nnc_id)
    errors = ErrorCollector()
    changes = {key: _text(value) for key, value in (data or {}).items() if key in FOLLOW_UP_FIELDS}
    note = _text(note)
    to_status = to_status or None
    if to_status == nnc.status:
        to_status = None
    if to_status is not None:
        if to_status not in STATUSES:
            errors.add("status", "nnc.error.status")
        elif (nnc.status, to_status) not in TRANSITIONS \
                or not scope_of(actor).can(TRANSITIONS[(nnc.status, to_status)]):
            errors.add("status", "nnc.error.transition", from_status=nnc.status, to_status=to_status)
        elif to_status == "void" and not note:
            errors.add("note", "nnc.error.void_reason_required")
    target = to_status or nnc.status
    really_changed = {k: v for k, v in changes.items() if v != getattr(nnc, k)}
    if really_changed and nnc.status not in OPEN_STATUSES and target not in OPEN_STATUSES:
        errors.add("status", "nnc.error.not_editable", status=nnc.status)
    for key, limit in TEXT_LIMITS.items():
        if changes.get(key) and len(changes[key]) > limit:
            errors.add(key, "nnc.error.too_long", max=limit)
    if note and len(note) > TEXT_LIMITS["void_reason"]:
        errors.add("note", "nnc.error.too_long", max=TEXT_LIMITS["void_reason"])
    if to_status is not None and "status" not in errors.errors:
        _check_status_needs({**_snapshot(nnc), **changes}, to_status, errors)
    errors.raise_if_any()

    actor_id, username = getattr(actor, "id", None), getattr(actor, "username", None)
    before = {key: getattr(nnc, key) for key in FOLLOW_UP_FIELDS}
    for key, value in changes.items():
        setattr(nnc, key, value)
    old, new = audit.changed_fields(before, {key: getattr(nnc, key) for key in FOLLOW_UP_FIELDS})
    if new:
        audit.record(session, actor_id, username, "nnc_follow_up", "nnc", nnc.id, before=old, after=new)
    if to_status is not None:
        from_status = nnc.status
        session.add(NncStatusChange(nnc_id=nnc.id, at=utcnow(), user_id=actor_id, username=username,
                                    from_status=from_status, to_status=to_status, note=note))
        nnc.status = to_status
        before_status = {"status": from_status}
        after_status: dict[str, Any] = {"status": to_status}
        if note:
            after_status["note"] = note
        if to_status == "void":
            before_status["void_reason"], after_status["void_reason"] = nnc.void_reason, note
            nnc.void_reason = note
        elif from_status == "void":
            before_status["void_reason"], after_status["void_reason"] = nnc.void_reason, None
            nnc.void_reason = None
        audit.record(session, actor_id, username, "nnc_status_changed", "nnc", nnc.id, before=before_status,
                     after=after_status)
    if new or to_status is not None:
        nnc.updated_by_id, nnc.updated_at = actor_id, utcnow()
    session.flush()
    if to_status is not None and "void" in (to_status, before_status["status"]):
        refresh_compliance(session, [nnc.service_user_id], nnc.notice_date)  # it stops (or starts again) counting
    return nnc_dict(session, nnc)


def change_status(session: Session, actor, nnc_id: int, to_status: str, note: str | None = None) -> dict[str, Any]:
    """Move an NNC along its workflow (see TRANSITIONS); void needs a reason in `note`."""
    if not to_status:
        errors = ErrorCollector()
        errors.add("status", "nnc.error.status")
        raise InvalidInput(errors.errors)
    return record_follow_up(session, actor, nnc_id, {}, to_status, note)


def add_attachments(session: Session, actor, nnc_id: int, files: Sequence[tuple[str, bytes]]) -> list[dict]:
    """Attach files to an open NNC (admin, operator); refused whole if any file is not acceptable."""
    nnc = _load(session, nnc_id, actor, for_update=True)
    if not _may_edit(actor, nnc):
        raise Forbidden(nnc_id)
    errors = ErrorCollector()
    if nnc.status not in OPEN_STATUSES:
        errors.add("attachments", "nnc.error.not_editable", status=nnc.status)
    _check_files(files, errors)
    errors.raise_if_any()
    added = _attach(session, actor, nnc, files)
    if added:
        nnc.updated_by_id, nnc.updated_at = getattr(actor, "id", None), utcnow()
    return added


# Fields whose change moves an NNC in the compliance rollups (who it names, when, which section, which direction).
COUNTED_FIELDS = ("service_user_id", "notice_date", "section_id", "application_id", "flow")


def refresh_compliance(session: Session, service_user_ids: Iterable[int | None], since: date | None = None) -> None:
    """Bring the compliance rollups of the companies an NNC change touched up to date, in this transaction."""
    ids = sorted({i for i in service_user_ids if i})
    if not ids:
        return
    from portal.services.compliance import rollup as compliance_rollup

    compliance_rollup.refresh_rollups(session, service_user_ids=ids,
                                      since=since.replace(day=1) if since else None)


def on_nnc_recorded(session: Session, nnc_id: int) -> None:
    """Tell the company a new NNC names, on each of its accounts' channels, in the caller's transaction.

    Called once for every new NNC recorded through the form (never for a void one, never for an import).
    The message says what happened and what the company must do; internal notes never go out.
    """
    from models import ServiceUserLink, User
    from portal.services import notifications

    record = session.get(Nnc, nnc_id)
    if record is None or record.service_user_id is None or record.status == "void":
        return None
    accounts = session.scalars(select(ServiceUserLink.user_id).join(User, User.id == ServiceUserLink.user_id)
                               .where(ServiceUserLink.service_user_id == record.service_user_id,
                                      User.active.is_(True), User.role.in_(roles_with("my.view")))).all()
    params = {"nnc_id": record.id, "nnc_number": record.number, "country": record.notifying_country or "",
              "commodity": record.commodity or "", "category": record.category}
    for user_id in accounts:
        notifications.notify_user(session, user_id, record.application_id, f"nnc_{record.id}", "nnc", params)
    return None


# ----------------------------------------------------------------------------------------------------------
# searching, counting, exporting

_PARTNER_COUNTRY = case((Nnc.flow == "received", Nnc.notifying_country), else_=Nnc.notified_country)
SORTABLE = {
    "number": Nnc.number, "notice_date": Nnc.notice_date, "received_date": Nnc.received_date, "flow": Nnc.flow,
    "status": case({status: index for index, status in enumerate(STATUSES)}, value=Nnc.status, else_=99),
    "category": Nnc.category, "commodity": Nnc.commodity, "section": Nnc.section_id,
    "country": _PARTNER_COUNTRY, "party": func.coalesce(ServiceUser.name, Nnc.party_name),
    "action_taken": Nnc.action_taken, "created_at": Nnc.created_at,
}


def _like(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(query, session: Session, viewer, filters: dict[str, Any] | None, *, with_status: bool = True):
    filters = filters or {}
    query = _scoped(query, viewer)
    try:
        date_from = parse_date(filters.get("date_from"))
        date_to = parse_date(filters.get("date_to"))
    except ValueError:
        date_from = date_to = None
    if date_from:
        query = query.where(Nnc.notice_date >= date_from)
    if date_to:
        query = query.where(Nnc.notice_date <= date_to)
    section = filters.get("section")
    if section:
        query = query.where(Nnc.section_id == select(Section.id).where(Section.code == section).scalar_subquery())
    for key, column, allowed in (("flow", Nnc.flow, FLOWS), ("category", Nnc.category, CATEGORIES)):
        if filters.get(key) in allowed:
            query = query.where(column == filters[key])
    if with_status and filters.get("status") in STATUSES:
        query = query.where(Nnc.status == filters["status"])
    if filters.get("country"):
        query = query.where(func.lower(_PARTNER_COUNTRY) == str(filters["country"]).strip().lower())
    service_user_id = _as_int(filters.get("service_user_id"))
    if service_user_id:
        query = query.where(Nnc.service_user_id == service_user_id)
    text = _text(filters.get("text"))
    if text:
        pattern = _like(text)
        columns = (Nnc.number, Nnc.commodity, Nnc.scientific_name, Nnc.party_name, ServiceUser.name, Nnc.organism,
                   Nnc.notifying_authority, Nnc.notified_authority, Nnc.lot_number, Nnc.container_number,
                   Nnc.air_waybill, Nnc.application_number, Nnc.certificate_number, Nnc.hs_code)
        query = query.where(or_(*[func.lower(column).like(pattern, escape="\\") for column in columns]))
    return query


def _base_query(*columns):
    return select(*columns).select_from(Nnc).outerjoin(ServiceUser, ServiceUser.id == Nnc.service_user_id)


def _ordering(sort: Iterable[tuple[str, str]] | None):
    order = []
    for key, direction in sort or ():
        column = SORTABLE.get(key)
        if column is not None:
            order.append(column.desc() if direction == "desc" else column.asc())
    if not order:
        order = [Nnc.notice_date.desc()]
    return order + [Nnc.id.desc()]


_ROW_COLUMNS = (Nnc.id, Nnc.number, Nnc.notice_date, Nnc.received_date, Nnc.flow, Nnc.status, Nnc.category,
                Nnc.subcategory, Nnc.organism, Nnc.section_id, Nnc.commodity, Nnc.action_taken, Nnc.service_user_id,
                Nnc.party_name, Nnc.party_country, Nnc.notifying_country, Nnc.notified_country,
                ServiceUser.name.label("service_user_name"))


def _row(r, section_codes: dict[int, str]) -> dict[str, Any]:
    return {"id": r.id, "number": r.number, "notice_date": r.notice_date, "received_date": r.received_date,
            "flow": r.flow, "status": r.status, "category": r.category, "subcategory": r.subcategory,
            "organism": r.organism, "section_code": section_codes.get(r.section_id), "commodity": r.commodity,
            "action_taken": r.action_taken, "service_user_id": r.service_user_id,
            "party": r.service_user_name or r.party_name,
            "country": r.notifying_country if r.flow == "received" else r.notified_country}


def _section_codes(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Section.id, Section.code)).all())


def search_nncs(session: Session, viewer, filters: dict[str, Any] | None = None,
                sort: Sequence[tuple[str, str]] | None = None, page: int = 0,
                page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """One page of the NNCs the viewer may see, filtered and sorted in the database, with the total."""
    page, page_size = max(int(page or 0), 0), min(max(int(page_size or PAGE_SIZE), 1), 200)
    query = _filtered(_base_query(*_ROW_COLUMNS), session, viewer, filters)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    codes = _section_codes(session)
    rows = session.execute(query.order_by(*_ordering(sort)).offset(page * page_size).limit(page_size))
    return {"total": total or 0, "page": page, "page_size": page_size, "rows": [_row(r, codes) for r in rows]}


def status_counts(session: Session, viewer, filters: dict[str, Any] | None = None) -> dict[str, int]:
    """How many NNCs in each status, under every filter but the status one."""
    query = _filtered(_base_query(Nnc.status, func.count(Nnc.id)), session, viewer, filters, with_status=False)
    counts = dict(session.execute(query.group_by(Nnc.status)).all())
    return {status: counts.get(status, 0) for status in STATUSES}


def countries(session: Session, viewer) -> list[str]:
    """The partner countries among the NNCs the viewer may see, for the filter."""
    query = _scoped(select(_PARTNER_COUNTRY.label("country")).select_from(Nnc), viewer)
    return sorted({c for c in session.scalars(query.distinct()) if c}, key=str.lower)


EXPORT_FIELDS = (
    "id", "number", "notice_date", "received_date", "flow", "notifying_authority", "notifying_country",
    "notified_authority", "notified_country", "service_user_name", "service_user_tax_id", "party_name",
    "party_country", "handler_name", "application_number", "certificate_number", "section_code", "commodity",
    "scientific_name", "hs_code", "lot_number", "container_number", "air_waybill", "point_of_entry", "category",
    "subcategory", "organism", "description", "action_taken", "status", "investigation_findings",
    "corrective_action", "guidance_given", "created_at", "updated_at",
)


def export_nncs(session: Session, viewer, filters: dict[str, Any] | None = None,
                sort: Sequence[tuple[str, str]] | None = None) -> list[dict[str, Any]]:
    """Every NNC that matches the filters (not only one page), with the fields an export carries.

    Internal notes are left out: an exported file travels further than the portal.
    """
    query = _filtered(_base_query(Nnc, ServiceUser.name, ServiceUser.tax_id, Handler.name.label("handler_name"))
                      .outerjoin(Handler, Handler.id == Nnc.handler_id), session, viewer, filters)
    codes = _section_codes(session)
    rows = []
    for nnc, su_name, su_tax_id, handler_name in session.execute(
            query.order_by(*_ordering(sort)).limit(EXPORT_LIMIT)):
        values = {key: getattr(nnc, key) for key in EXPORT_FIELDS if hasattr(nnc, key)}
        values.update({"service_user_name": su_name, "service_user_tax_id": su_tax_id, "handler_name": handler_name,
                       "section_code": codes.get(nnc.section_id)})
        rows.append(values)
    audit.record(session, getattr(viewer, "id", None), getattr(viewer, "username", None), "nnc_exported", "nnc",
                 None, after={"filters": {k: v for k, v in (filters or {}).items() if v not in (None, "", "all")},
                              "rows": len(rows)})
    return rows


# ----------------------------------------------------------------------------------------------------------
# look-ups for the form


def search_service_users(session: Session, viewer, text: str | None, limit: int = SUGGESTION_LIMIT
                         ) -> list[dict[str, Any]]:
    """Companies of the viewer's office whose name or tax id (NPWP) contains the text; at most `limit`."""
    text = _text(text)
    if not text:
        return []
    pattern = _like(text)
    digits = re.sub(r"\D", "", text)
    conditions = [func.lower(ServiceUser.name).like(pattern, escape="\\"),
                  func.lower(ServiceUser.tax_id).like(pattern, escape="\\")]
    if len(digits) >= 4:
        stripped = func.replace(func.replace(ServiceUser.tax_id, ".", ""), "-", "")
        conditions.append(stripped.like(f"%{digits}%"))
    query = scope_of(viewer).visible(select(ServiceUser).where(or_(*conditions), ServiceUser.deleted_at.is_(None)),
                                     ServiceUser)
    return [_company(c) for c in session.scalars(query.order_by(ServiceUser.name).limit(limit))]


def _company(company: ServiceUser) -> dict[str, Any]:
    return {"id": company.id, "name": company.name, "tax_id": company.tax_id, "city": company.city}


def service_user_choice(session: Session, service_user_id: int | None) -> dict[str, Any] | None:
    """The chosen company as the form shows it (so a selection keeps its label)."""
    company = session.get(ServiceUser, service_user_id) if service_user_id else None
    return _company(company) if company else None


def search_handlers(session: Session, viewer, text: str | None, limit: int = SUGGESTION_LIMIT
                    ) -> list[dict[str, Any]]:
    """Handlers (PPJK) of the viewer's office whose name or tax id contains the text."""
    text = _text(text)
    if not text:
        return []
    pattern = _like(text)
    query = select(Handler).where(or_(func.lower(Handler.name).like(pattern, escape="\\"),
                                      func.lower(func.coalesce(Handler.tax_id, "")).like(pattern, escape="\\")),
                                  Handler.deleted_at.is_(None))
    query = scope_of(viewer).visible(query, Handler)
    return [{"id": h.id, "name": h.name, "tax_id": h.tax_id} for h in
            session.scalars(query.order_by(Handler.name).limit(limit))]


def handler_choice(session: Session, handler_id: int | None) -> dict[str, Any] | None:
    handler = session.get(Handler, handler_id) if handler_id else None
    return {"id": handler.id, "name": handler.name, "tax_id": handler.tax_id} if handler else None


def lookup_application(session: Session, viewer, number: str | None) -> dict[str, Any] | None:
    """The synced application with this number (and what the form can take from it), or None."""
    number = _text(number)
    if not number:
        return None
    application = session.scalars(select(Application).where(Application.number.in_(_spellings(number)))
                                  .limit(1)).first()
    if application is None or not scope_of(viewer).sees_office(application.office_id):
        return None
    company = session.get(ServiceUser, application.service_user_id)
    line = session.scalars(select(ApplicationCommodity).where(ApplicationCommodity.application_id == application.id)
                           .order_by(ApplicationCommodity.line_no).limit(1)).first()
    section = session.get(Section, application.section_id)
    return {"id": application.id, "number": application.number, "service_user_id": application.service_user_id,
            "service_user_name": company.name if company else None, "handler_id": application.handler_id,
            "section_id": application.section_id, "section_code": section.code if section else None,
            "direction": application.direction, "commodity": line.commodity_name if line else None,
            "scientific_name": line.scientific_name if line else None, "hs_code": line.hs_code if line else None,
            "submitted_at": application.submitted_at}


def lookup_certificate(session: Session, number: str | None) -> bool:
    """Whether a synced certificate carries this number."""
    return _certificate_id(session, _text(number)) is not None
