"""Correction requests ("Ajukan koreksi"): a service user reports a mistake in a draft certificate, an officer
answers by linking a newer draft synced from IQFast or with a written reason. Officers' actions are audited."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from models import Application, Certificate, ServiceUser, User
from models.base import utcnow
from models.service_portal import CorrectionRequest
from portal import audit
from portal.security.scope import scope_of
from portal.services import edit_versions
from portal.services.my_applications import (certificate_issued, is_ended, latest_certificate,
                                              require_company_access)
from portal.services.notifications import notify_user
from portal.validation import ErrorCollector, Forbidden, NotFound

FIELDS = ("consignor", "consignee", "conveyance", "origin_destination", "commodity", "scientific_name", "quantity",
          "packaging_marks", "treatment", "additional_declaration", "other")
MAX_TEXT = 1000
# What is wrong needs a few words for the officer to act on ("x" or "?" was taken as a request); what it should
# say may be short ("5", "CIF") but must say something (not "-" or ".").
MIN_PROBLEM = 5
PAGE_SIZE = 20


def _text(errors: ErrorCollector, field: str, value: str | None, minimum: int = 1) -> str:
    value = (value or "").strip()
    if not value:
        errors.add(field, "corrections.error.required")
    elif len(value) > MAX_TEXT:
        errors.add(field, "corrections.error.too_long", max=MAX_TEXT)
    elif not any(character.isalnum() for character in value):
        errors.add(field, "corrections.error.no_words")
    elif len(value) < minimum:
        errors.add(field, "corrections.error.too_short", min=minimum)
    return value


def create_request(session: Session, viewer, application_id: int, field: str | None, problem: str | None,
                   expected: str | None) -> dict[str, Any]:
    """Record a service user's report about the application's latest draft certificate."""
    application = require_company_access(session, viewer, application_id)
    if not scope_of(viewer).company_scoped:  # only the company itself reports a wrong draft
        raise Forbidden(application_id)
    draft = latest_certificate(session, application.id, draft=True)
    errors = ErrorCollector()
    if certificate_issued(session, application.id):  # a page opened before the certificate came still offers the form
        errors.add("certificate", "corrections.error.certificate_issued")
        errors.raise_if_any()
    if is_ended(application):  # refused or destroyed: no certificate will come for a corrected draft to change
        errors.add("certificate", "corrections.error.application_ended")
        errors.raise_if_any()
    if draft is None:
        errors.add("field", "corrections.error.no_draft")
    if field not in FIELDS:
        errors.add("field", "corrections.error.field")
    problem = _text(errors, "problem", problem, MIN_PROBLEM)
    expected = _text(errors, "expected", expected)
    errors.raise_if_any()
    request = CorrectionRequest(application_id=application.id, office_id=application.office_id,
                                certificate_id=draft.id, requested_by_id=viewer.id, field=field, problem=problem,
                                expected=expected, status="open", created_at=utcnow())
    session.add(request)
    session.flush()
    audit.record(session, viewer.id, viewer.username, "correction_requested", "application", application.id,
                 after={"correction_id": request.id, "field": field})
    return _view(request)


def _view(request: CorrectionRequest) -> dict[str, Any]:
    return {"id": request.id, "application_id": request.application_id, "field": request.field,
            "problem": request.problem, "expected": request.expected, "status": request.status,
            "resolution": request.resolution, "resolution_note": request.resolution_note,
            "resolved_certificate_id": request.resolved_certificate_id, "created_at": request.created_at,
            "resolved_at": request.resolved_at}


def _scoped(query, viewer):
    """Requests of the offices the viewer sees."""
    return scope_of(viewer).visible(query, CorrectionRequest)


def open_count(session: Session, viewer) -> int:
    """Open requests the officer's office must answer."""
    return session.scalar(_scoped(select(func.count()).select_from(CorrectionRequest)
                                  .where(CorrectionRequest.status == "open"), viewer)) or 0


def list_requests(session: Session, viewer, status: str | None = "open", page: int = 0,
                  page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """Requests of the officer's office (admins: every office), oldest open first."""
    answerer = aliased(User)
    query = _scoped(select(CorrectionRequest, Application.number, ServiceUser.name, answerer.username)
                    .join(Application, Application.id == CorrectionRequest.application_id)
                    .join(ServiceUser, ServiceUser.id == Application.service_user_id)
                    .outerjoin(answerer, answerer.id == CorrectionRequest.resolved_by_id), viewer)
    if status:
        query = query.where(CorrectionRequest.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = CorrectionRequest.created_at.asc() if status == "open" else CorrectionRequest.created_at.desc()
    rows = session.execute(query.order_by(order, CorrectionRequest.id).offset(max(page, 0) * page_size)
                           .limit(page_size)).all()
    return {"total": total, "page": page, "page_size": page_size,
            "rows": [{**_view(r), "number": number, "company": company, "resolved_by": answered_by}
                     for r, number, company, answered_by in rows]}


def request_summary(session: Session, viewer, request_id: int) -> dict[str, Any]:
    """What the answer dialog names: the request's application, company, part and the value asked for."""
    request = _request_for_officer(session, viewer, request_id)
    number, company = session.execute(
        select(Application.number, ServiceUser.name).join(ServiceUser, ServiceUser.id == Application.service_user_id)
        .where(Application.id == request.application_id)).one()
    return {**_view(request), "number": number, "company": company}


def _request_for_officer(session: Session, viewer, request_id: int) -> CorrectionRequest:
    request = session.get(CorrectionRequest, request_id)
    if request is None:
        raise NotFound(request_id)
    if not scope_of(viewer).sees_office(request.office_id):
        raise Forbidden(request_id)
    return request


def newer_drafts(session: Session, viewer, request_id: int) -> list[dict[str, Any]]:
    """Certificates of the same application synced after the request: the candidates that answer it."""
    request = _request_for_officer(session, viewer, request_id)
    rows = session.scalars(select(Certificate).where(Certificate.application_id == request.application_id,
                                                     Certificate.issued_at > request.created_at,
                                                     Certificate.deleted_at.is_(None))
                           .order_by(Certificate.issued_at.desc()))
    return [{"id": c.id, "form_code": c.form_code, "number": c.number, "is_draft": c.is_draft,
             "issued_at": c.issued_at} for c in rows]


# The fields of the answer form, to say what changed under a stale one (edit_versions).
ANSWER_FIELDS = ("status", "resolution", "resolution_note")


def answer_values(request: CorrectionRequest) -> dict[str, Any]:
    """The request's values by field of the answer form."""
    return {name: getattr(request, name) for name in ANSWER_FIELDS}


def opened_request(session: Session, viewer, request_id: int) -> dict[str, Any]:
    """What the answer form keeps when it opens a request: its version and values (edit_versions)."""
    request = _request_for_officer(session, viewer, request_id)
    return edit_versions.opened(request.version, answer_values(request))


def resolve(session: Session, viewer, request_id: int, *, certificate_id: int | None = None,
            reason: str | None = None, expected_version: int | None = None,
            opened: dict[str, Any] | None = None) -> dict[str, Any]:
    """Answer a request with a newer draft or a written reason; the service user is notified.

    Answered meanwhile by someone else, from a form opened before (`expected_version`, `opened`): StaleEdit, which
    says who answered and how."""
    request = _request_for_officer(session, viewer, request_id)
    errors = ErrorCollector()
    if request.status != "open" and edit_versions.is_current(request.version, expected_version):
        errors.add("reason", "corrections.error.closed")
    reason = (reason or "").strip()
    if certificate_id:
        if certificate_id not in {c["id"] for c in newer_drafts(session, viewer, request_id)}:
            errors.add("certificate_id", "corrections.error.not_newer")
    elif not reason:
        errors.add("reason", "corrections.error.answer_required")
    if len(reason) > MAX_TEXT:
        errors.add("reason", "corrections.error.too_long", max=MAX_TEXT)
    errors.raise_if_any()
    edit_versions.claim(session, request, expected_version, opened, answer_values, "correction_request")
    before = {"status": request.status}
    request.status = "resolved"
    request.resolution = "new_draft" if certificate_id else "reason"
    request.resolved_certificate_id = certificate_id or None
    request.resolution_note = reason or None
    request.resolved_by_id, request.resolved_at = viewer.id, utcnow()
    audit.record(session, viewer.id, viewer.username, "correction_resolved", "correction_request", request.id,
                 before=before, after={"status": "resolved", "resolution": request.resolution,
                                       "certificate_id": request.resolved_certificate_id,
                                       "note": request.resolution_note})
    if request.requested_by_id:
        notify_user(session, request.requested_by_id, request.application_id, f"correction_{request.id}",
                    "correction_answered", {"answer": reason or "", "resolution": request.resolution})
    return _view(request)
