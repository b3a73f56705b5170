"""Reading one NNC: its fields as plain values, attachments, and the history of its changes."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (Application, AttachmentBlob, AuditLog, Handler, Nnc, NncAttachment, NncStatusChange, Office,
                    Section, ServiceUser, User)
from portal import audit
from portal.domain.periods import today_in
from portal.security.scope import scope_of
from portal.services import attachments
from portal.services.nnc.rules import INTERNAL_FIELDS, load
from portal.services.offices import office_zone, zone_of
from portal.validation import Forbidden, NotFound


def office_today(session: Session, office_id: int) -> date:
    """Today at the NNC's office (a notice cannot be dated after it)."""
    return today_in(office_zone(session, office_id))


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
        "office_timezone": zone_of(office),
        "application_found": application is not None,
        "created_by": users[nnc.created_by_id].username if nnc.created_by_id in users else None,
        "updated_by": users[nnc.updated_by_id].username if nnc.updated_by_id in users else None,
    }


def nnc_dict(session: Session, nnc: Nnc) -> dict[str, Any]:
    """Every field of an NNC as plain values, with the names behind its references."""
    values = {column.key: getattr(nnc, column.key) for column in Nnc.__table__.columns}
    values.update(_names(session, nnc))
    values["party"] = values["service_user_name"] or values["party_name"]
    values["partner_country"] = nnc.partner_country
    return values


def nnc_for_viewer(session: Session, nnc_id: int, viewer) -> dict[str, Any]:
    """One NNC as the viewer may see it: Forbidden when it is not theirs, internal fields removed for companies."""
    nnc = load(session, nnc_id, viewer)
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
    load(session, nnc_id, viewer)
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
    nnc = load(session, link.nnc_id, viewer)
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
    load(session, nnc_id, viewer)
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
