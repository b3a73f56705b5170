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

from datetime import date, datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Nnc, NncAttachment, NncStatusChange, ServiceUserLink, User
from models.base import utcnow
from models.nnc import VOID
from portal import audit
from portal.security.permissions import roles_with
from portal.security.scope import scope_of
from portal.services import attachments, edit_versions, notifications
from portal.services.compliance import rollup as compliance_rollup
from portal.services.nnc.detail import nnc_dict, office_today
from portal.services.nnc.rules import (EDITABLE_FIELDS, FOLLOW_UP_FIELDS, OPEN_STATUSES, STATUSES, TEXT_LIMITS,
                                       TRANSITIONS, can_edit, load, may_edit, may_follow_up)
from portal.services.nnc.validation import (check_files, check_status_needs, clean, clean_text, number_owner,
                                            number_taken, validate)
from portal.validation import ErrorCollector, Forbidden, InvalidInput


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


def _form_values(nnc: Nnc) -> dict[str, Any]:
    """The NNC's values by field of the edit form, to say what changed under a stale form."""
    return {key: getattr(nnc, key) for key in EDITABLE_FIELDS}


def _follow_up_values(nnc: Nnc) -> dict[str, Any]:
    """The NNC's values by field of the follow-up panel (its status too)."""
    return {key: getattr(nnc, key) for key in FOLLOW_UP_FIELDS + ("status",)}


def _flush_new(session: Session, nnc: Nnc, office_id: int) -> None:
    """Insert, turning a number taken meanwhile by another user into the same message as the form check."""
    try:
        with session.begin_nested():
            session.add(nnc)
            session.flush()
    except IntegrityError:
        errors = ErrorCollector()
        owner = number_owner(session, office_id, nnc.number, None)
        if owner is not None:
            number_taken(errors, owner)
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
               refresh: bool = True, zone: str | None = None) -> dict[str, Any]:
    """Record a new NNC in the actor's office after checking every field; nothing is written if any is wrong.

    `status` lets an import load a historical NNC in its final state (void needs `void_reason`);
    `errors` may carry problems the caller already found (an import's unknown codes), reported together;
    `notify=False` skips `on_nnc_recorded` (historical records); `via` is noted in the audit entry;
    `refresh=False` leaves the compliance rollups to the caller (an import refreshes once for all its rows);
    `zone`: the office's time zone, read once by a caller writing many (an import).
    """
    if not can_edit(actor):
        raise Forbidden("nnc.create")
    errors = errors or ErrorCollector()
    office_id = actor.office_id
    values = validate(session, office_id, clean(data), errors, today or office_today(session, office_id), zone=zone)
    status = status or "received"
    void_reason = clean_text(void_reason)
    if status not in STATUSES:
        errors.add("status", "nnc.error.status")
    elif status == "void" and not void_reason:
        errors.add("void_reason", "nnc.error.void_reason_required")
    else:
        check_status_needs(values, status, errors)
    check_files(files, errors)
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
    if refresh and nnc.counts_against_compliance:
        refresh_compliance(session, [nnc.service_user_id], nnc.notice_date)
    if notify and nnc.counts_against_compliance:
        on_nnc_recorded(session, nnc.id)
    return nnc_dict(session, nnc)


def update_nnc(session: Session, actor, nnc_id: int, data: dict[str, Any],
               files: Sequence[tuple[str, bytes]] = (), *, today: date | None = None,
               expected_version: int | None = None, opened: dict[str, Any] | None = None) -> dict[str, Any]:
    """Change the fields of an open NNC (admin, operator) and add files; audited with before and after.

    `expected_version` and `opened` are the version and values the form opened: a save over a newer version is
    refused with StaleEdit (portal/services/edit_versions.py)."""
    nnc = load(session, nnc_id, actor, for_update=True)
    if not may_edit(actor, nnc):
        raise Forbidden(nnc_id)
    if nnc.status not in OPEN_STATUSES:
        errors = ErrorCollector()
        errors.add("status", "nnc.error.not_editable", status=nnc.status)
        raise InvalidInput(errors.errors)
    before = _snapshot(nnc)
    merged = {**before, **clean(data)}
    errors = ErrorCollector()
    values = validate(session, nnc.office_id, merged, errors, today or office_today(session, nnc.office_id),
                       exclude_id=nnc.id, kept_link=(nnc.application_number, nnc.flow, nnc.notice_date))
    check_status_needs(values, nnc.status, errors)
    check_files(files, errors)
    errors.raise_if_any()

    if any(values.get(key) != before[key] for key in EDITABLE_FIELDS + ("application_id",)) \
            or values["certificate_id"] != nnc.certificate_id:
        edit_versions.claim(session, nnc, expected_version, opened, _form_values, "nnc")
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
                     to_status: str | None = None, note: str | None = None, *,
                     expected_version: int | None = None, opened: dict[str, Any] | None = None) -> dict[str, Any]:
    """Record investigation findings, corrective action and guidance, and/or move the NNC along its workflow.

    Coordinators only in their own section; the status change must be in TRANSITIONS for the actor's role;
    void needs a reason (`note`). Audited with before and after; every status change is kept in its history.
    A save over a newer version than the form opened (`expected_version`, `opened`) is refused (StaleEdit).
    """
    nnc = load(session, nnc_id, actor, for_update=True)
    if not may_follow_up(actor, nnc):
        raise Forbidden(nnc_id)
    errors = ErrorCollector()
    changes = {key: clean_text(value) for key, value in (data or {}).items() if key in FOLLOW_UP_FIELDS}
    note = clean_text(note)
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
    elif note:
        # The note is a status change's (kept in its history): without one it would be dropped while the save said
        # "saved". Said beside it, with the typed note kept, so it goes with a new status or into the findings.
        errors.add("note", "nnc.error.note_without_status")
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
        check_status_needs({**_snapshot(nnc), **changes}, to_status, errors)
    errors.raise_if_any()

    if really_changed or to_status is not None:
        edit_versions.claim(session, nnc, expected_version, opened, _follow_up_values, "nnc")
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
    if to_status is not None and VOID in (to_status, before_status["status"]):
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
    nnc = load(session, nnc_id, actor, for_update=True)
    if not may_edit(actor, nnc):
        raise Forbidden(nnc_id)
    errors = ErrorCollector()
    if nnc.status not in OPEN_STATUSES:
        errors.add("attachments", "nnc.error.not_editable", status=nnc.status)
    check_files(files, errors)
    errors.raise_if_any()
    added = _attach(session, actor, nnc, files)
    if added:
        nnc.updated_by_id, nnc.updated_at = getattr(actor, "id", None), utcnow()
    return added


# Fields whose change moves an NNC in the compliance rollups (who it names, when, which section, which direction).
COUNTED_FIELDS = ("service_user_id", "notice_date", "section_id", "application_id", "flow")


def refresh_compliance(session: Session, service_user_ids: Iterable[int | None], since: date | None = None) -> None:
    """Bring the compliance rollups, scores, tier history, handler flags and KPI tier counts of the companies an
    NNC change touched up to date, in this transaction (DOMAIN: current after each NNC change)."""
    ids = sorted({i for i in service_user_ids if i})
    if not ids:
        return
    compliance_rollup.refresh_rollups(session, service_user_ids=ids,
                                      since=since.replace(day=1) if since else None, scores=True)


def on_nnc_recorded(session: Session, nnc_id: int) -> None:
    """Tell the company a new NNC names, on each of its accounts' channels, in the caller's transaction.

    Called once for every new NNC recorded through the form (never for a void one, never for an import).
    The message says what happened and what the company must do; internal notes never go out.
    """
    record = session.get(Nnc, nnc_id)
    if record is None or record.service_user_id is None or not record.counts_against_compliance:
        return None
    accounts = session.scalars(select(ServiceUserLink.user_id).join(User, User.id == ServiceUserLink.user_id)
                               .where(ServiceUserLink.service_user_id == record.service_user_id,
                                      User.active.is_(True), User.role.in_(roles_with("my.view")))).all()
    # The other country of the notice: who notified us of a received NNC, whom we notified of an issued one (the
    # message says "from" or "to" by the flow; "from Indonesia" told an importer nothing).
    params = {"nnc_id": record.id, "nnc_number": record.number, "country": record.partner_country or "",
              "flow": record.flow, "commodity": record.commodity or "", "category": record.category}
    for user_id in accounts:
        notifications.notify_user(session, user_id, record.application_id, f"nnc_{record.id}", "nnc", params)
    return None
