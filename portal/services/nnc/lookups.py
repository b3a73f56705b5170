"""Look-ups for the NNC form: companies, handlers, applications and certificates as the officer types."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import Application, ApplicationCommodity, Handler, Nnc, Section, ServiceUser
from portal.security.scope import scope_of
from portal.services.nnc.rules import SUGGESTION_LIMIT
from portal.services.text_search import contains
from portal.services.nnc.validation import certificate_id, clean_text, spellings


def search_service_users(session: Session, viewer, text: str | None, limit: int = SUGGESTION_LIMIT
                         ) -> list[dict[str, Any]]:
    """Companies of the viewer's office whose name or tax id (NPWP) contains the text; at most `limit`."""
    text = clean_text(text)
    if not text:
        return []
    digits = re.sub(r"\D", "", text)
    conditions = [contains(ServiceUser.name, text), contains(ServiceUser.tax_id, text)]
    if len(digits) >= 4:
        conditions.append(contains(func.replace(func.replace(ServiceUser.tax_id, ".", ""), "-", ""), digits))
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
    text = clean_text(text)
    if not text:
        return []
    query = select(Handler).where(or_(contains(Handler.name, text), contains(func.coalesce(Handler.tax_id, ""), text)),
                                  Handler.deleted_at.is_(None))
    query = scope_of(viewer).visible(query, Handler)
    return [{"id": h.id, "name": h.name, "tax_id": h.tax_id} for h in
            session.scalars(query.order_by(Handler.name).limit(limit))]


def handler_choice(session: Session, handler_id: int | None) -> dict[str, Any] | None:
    handler = session.get(Handler, handler_id) if handler_id else None
    return {"id": handler.id, "name": handler.name, "tax_id": handler.tax_id} if handler else None


def filing_office(session: Session, viewer, nnc_id: Any) -> int | None:
    """The office an NNC form's save files the NNC under: the opened NNC's own (an edit keeps it there, and an admin
    opens any office's), else the viewer's (a new one is the recorder's office's)."""
    if isinstance(nnc_id, int) and not isinstance(nnc_id, bool) and 0 < nnc_id < 2 ** 31:  # an id column's range
        office_id = session.scalar(select(Nnc.office_id).where(Nnc.id == nnc_id))
        if office_id is not None and scope_of(viewer).sees_office(office_id):
            return office_id
    return viewer.office_id


def lookup_application(session: Session, viewer, number: str | None, office_id: int | None) -> dict[str, Any] | None:
    """The synced application with this number at the office the NNC is filed under (`filing_office`), and what the
    form can take from it, or None. What the save links (validation._application): a live one of that office only. A
    PTK deleted in IQFast was offered as "found" and then saved unlinked, and so was an admin's of another office."""
    number = clean_text(number)
    if not number or office_id is None:
        return None
    application = session.scalars(select(Application).where(Application.number.in_(spellings(number)),
                                                            Application.office_id == office_id,
                                                            Application.deleted_at.is_(None)).limit(1)).first()
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
    return certificate_id(session, clean_text(number)) is not None
