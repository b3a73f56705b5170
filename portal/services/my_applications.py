"""A service user's own applications: the one company-access check, the paged list, one application's page.

`require_company_access` is the only gate to an application's data for the portal: every page, callback,
document and survey of the service users' portal goes through it.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from models import (Application, ApplicationCommodity, Bill, Certificate, CertificateForm, Handler, QuarantineAction,
                    Section, ServiceUser, StageEvent)
from models.base import utcnow
from models.service_portal import CorrectionRequest, SurveyInvitation
from portal.domain import stages
from portal.domain.periods import day_bounds
from portal.domain.stages import ENDED_STAGES, MAIN_PATH, PROBLEM_STAGES
from portal.services.applications import commodity_clause
from portal.security.scope import scope_of
from portal.services.service_user_links import linked_ids
from portal.services.text_search import contains
from portal.settings import DEFAULT_TIMEZONE
from portal.validation import Forbidden, InvalidInput, NotFound
from portal.view_cache import cached

PAGE_SIZE = 10
STATUSES = ("in_progress", "completed", "problem")
# The stages the list's stage filter offers, in the order a consignment meets them.
STAGE_FILTERS = MAIN_PATH + ("released",) + PROBLEM_STAGES
MAX_SEARCH = 100
# How each stage reads to a service user, as Bootstrap's colour of its badge: done (success), something to do (a bill
# to pay, a draft to check), a problem (danger); the rest is on its way. One home for the portal's pages and the
# offline copies the phone app keeps (portal/web/pwa.py), whose badges were all grey. The officers' list colours the
# same stages by the station's view instead (layouts/applications.py STAGE_TONE: a detention a warning to act on,
# a release informative); the service user reads a detention as bad news and a release as one to watch.
STAGE_TONES = {"handed_over": "success", "certified": "success", "detained": "danger", "refused": "danger",
               "destroyed": "danger", "released": "warning", "draft_certificate": "info", "billed": "warning",
               "paid": "primary"}


def stage_tone(stage: str | None) -> str:
    return STAGE_TONES.get(stage or "", "secondary")


def _is_service_user(viewer) -> bool:
    """Whether the viewer's records are limited to their own companies (portal.security.scope)."""
    return scope_of(viewer).company_scoped


def company_ids(session: Session, viewer) -> tuple[int, ...]:
    """The companies a service-user account may see, read from the database on every call."""
    return linked_ids(session, viewer.id) if _is_service_user(viewer) else ()


def require_company_access(session: Session, viewer, application_id: int) -> Application:
    """The application, if `viewer` may see it; Forbidden otherwise (also when it does not exist, for a
    service user, so changing an id in the address tells nothing).

    Service users: only applications of a linked company. Officers with applications.view: their office
    (admins every office), coordinators only their section.
    """
    application = session.get(Application, application_id) if isinstance(application_id, int) else None
    if _is_service_user(viewer):
        if application is None or application.deleted_at is not None or \
                application.service_user_id not in company_ids(session, viewer):
            raise Forbidden(application_id)
        return application
    scope = scope_of(viewer)
    if not scope.can("applications.view"):
        raise Forbidden(application_id)
    if application is None:
        raise NotFound(application_id)
    if not scope.sees_office(application.office_id):
        raise Forbidden(application_id)
    if scope.section_scoped and not scope.sees_section(application.section_id) and not scope.sees_section(
            session.scalar(select(Section.code).where(Section.id == application.section_id))):
        raise Forbidden(application_id)
    return application


def owns_application(session: Session, viewer, application_id: int | None) -> bool:
    """Whether the application is one of the viewer's companies' (a link to its page would open), never raising."""
    if not isinstance(application_id, int):
        return False
    try:
        require_company_access(session, viewer, application_id)
    except (Forbidden, NotFound):
        return False
    return True


def companies(session: Session, viewer) -> list[dict[str, Any]]:
    """The linked companies, for the company filter."""
    ids = company_ids(session, viewer)
    if not ids:
        return []
    return [{"id": c.id, "name": c.name, "tax_id": c.tax_id}
            for c in session.scalars(select(ServiceUser).where(ServiceUser.id.in_(ids)).order_by(ServiceUser.name))]


def _problem_clause():
    return or_(Application.current_stage.in_(PROBLEM_STAGES),
               exists().where(QuarantineAction.application_id == Application.id,
                              QuarantineAction.deleted_at.is_(None)))


def search_clause(text: str):
    """Application number or a commodity (name, scientific name, HS code) containing `text`, any case."""
    return or_(contains(Application.number, text), commodity_clause(text))


def list_applications(session: Session, viewer, *, service_user_id: int | None = None,
                      date_from: date | None = None, date_to: date | None = None, section: str | None = None,
                      status: str | None = None, stage: str | None = None, search: str | None = None,
                      tz: str = DEFAULT_TIMEZONE, page: int = 0, page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """One page of the viewer's companies' applications, newest first, filtered in the database.

    `search` finds an application by (part of) its number or a commodity; `stage` is the current stage;
    `status` in progress / completed / with a problem. An end date before the start date: InvalidInput.
    """
    if date_from and date_to and date_from > date_to:  # the officers' list's rule and words (applications.clean_filters)
        raise InvalidInput({"date_to": ("applications.error.date_range", {})})
    allowed = company_ids(session, viewer)
    if service_user_id is not None:
        if service_user_id not in allowed:
            raise Forbidden(service_user_id)
        allowed = (service_user_id,)
    if not allowed:
        return {"total": 0, "page": 0, "page_size": page_size, "rows": []}
    filters = {"date_from": date_from, "date_to": date_to, "section": section, "status": status, "stage": stage,
               "search": (search or "").strip()[:MAX_SEARCH], "tz": tz}
    # The total per (companies, filters, data stamp): turning a page does not change it, and counting the busiest
    # company's 5,000 applications on every page turn was the largest PostgreSQL cost of a service user's list.
    total = cached(session, count_matching, allowed, **filters)
    page = max(0, min(page, max(0, (total - 1) // page_size)))
    ids = list(session.scalars(_matching(allowed, **filters)
                               .order_by(Application.submitted_at.desc(), Application.id.desc())
                               .offset(page * page_size).limit(page_size)))
    return {"total": total, "page": page, "page_size": page_size, "rows": _summaries(session, ids)}


def count_matching(session: Session, companies: tuple[int, ...], **filters) -> int:
    """How many of these companies' applications match `filters` (list_applications' total)."""
    return session.scalar(select(func.count()).select_from(_matching(companies, **filters).subquery())) or 0


def _matching(companies: tuple[int, ...], *, date_from: date | None, date_to: date | None, section: str | None,
              status: str | None, stage: str | None, search: str, tz: str):
    """The ids of the companies' live applications matching the filters."""
    query = select(Application.id).where(Application.service_user_id.in_(companies), Application.deleted_at.is_(None))
    if date_from:
        query = query.where(Application.submitted_at >= day_bounds(date_from, date_from, tz)[0])
    if date_to:
        query = query.where(Application.submitted_at < day_bounds(date_to, date_to, tz)[1])
    if section:
        query = query.where(Application.section_id == select(Section.id).where(Section.code == section)
                            .scalar_subquery())
    if status == "in_progress":
        query = query.where(Application.completed_at.is_(None))
    elif status == "completed":
        query = query.where(Application.completed_at.is_not(None))
    elif status == "problem":
        query = query.where(_problem_clause())
    if stage:
        query = query.where(Application.current_stage == stage)
    if search:
        query = query.where(search_clause(search))
    return query


def _summaries(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    problem = select(QuarantineAction.application_id).where(QuarantineAction.application_id.in_(ids),
                                                            QuarantineAction.deleted_at.is_(None))
    with_problem = set(session.scalars(problem))
    first_lines, line_counts = {}, {}
    for application_id, name in session.execute(
            select(ApplicationCommodity.application_id, ApplicationCommodity.commodity_name)
            .where(ApplicationCommodity.application_id.in_(ids), ApplicationCommodity.deleted_at.is_(None))
            .order_by(ApplicationCommodity.application_id, ApplicationCommodity.line_no)):
        first_lines.setdefault(application_id, name)
        line_counts[application_id] = line_counts.get(application_id, 0) + 1
    reached = reached_stages(session, ids)
    rows = session.execute(
        select(Application, ServiceUser.name, Section.code).join(ServiceUser, ServiceUser.id == Application.service_user_id)
        .join(Section, Section.id == Application.section_id).where(Application.id.in_(ids))).all()
    by_id = {a.id: (a, company, section) for a, company, section in rows}
    result = []
    for application_id in ids:
        application, company, section = by_id[application_id]
        steps = progress_steps(application.current_stage, reached.get(application.id, set()),
                               ended=is_ended(application))
        result.append({
            "id": application.id, "number": application.number, "company": company, "section": section,
            "direction": application.direction, "submitted_at": application.submitted_at,
            "current_stage": application.current_stage, "current_stage_at": application.current_stage_at,
            "completed_at": application.completed_at,
            "problem": application.id in with_problem or application.current_stage in PROBLEM_STAGES,
            "commodity": first_lines.get(application.id), "other_lines": max(line_counts.get(application.id, 0) - 1, 0),
            "destination": application.destination_country, "destination_place": application.destination_place,
            "origin": application.origin_country, "origin_place": application.origin_place, "steps": steps,
        })
    return result


def reached_stages(session: Session, ids: list[int]) -> dict[int, set[str]]:
    """The stages each application has really passed, from its stage events: the one answer to "which step has it
    reached", for the list and the page alike. One query for a page of ids (a page is ten rows, each with about ten
    events): guessing from the current stage instead showed a destroyed consignment as inspected when it never was.
    """
    reached: dict[int, set[str]] = {}
    if ids:
        for application_id, stage in session.execute(
                select(StageEvent.application_id, StageEvent.stage).distinct()
                .where(StageEvent.application_id.in_(ids), StageEvent.deleted_at.is_(None))):
            reached.setdefault(application_id, set()).add(stage)
    return reached


def is_ended(application: Application) -> bool:
    """Whether the application stopped without a certificate (refused or destroyed, DOMAIN: certification stages):
    no later step will come."""
    return application.current_stage in ENDED_STAGES or application.completion_stage in ENDED_STAGES


def progress_steps(current: str | None, reached: set[str], ended: bool = False) -> list[dict[str, str]]:
    """The stage progress bar: each main-path step done, current or still to come; 3P shows as a problem.

    An ended application (refused, destroyed) lists only the steps it passed and where it stopped: the steps after
    would never come, and listing them as "to do" promised them."""
    path = stages.path_for(reached)
    passed = stages.passed_count(path, reached)
    steps = []
    for index, stage in enumerate(path):
        if stage == current:
            state = "done" if stage == "handed_over" else "current"  # the last step, reached: nothing left to wait for
        elif index < passed:
            state = "done"
        else:
            state = "todo"
        if state != "todo" or not ended:
            steps.append({"stage": stage, "state": state})
    if current in PROBLEM_STAGES or current == "released":
        steps.append({"stage": current, "state": "problem" if current in PROBLEM_STAGES else "current"})
    return steps


def application_detail(session: Session, viewer, application_id: int) -> dict[str, Any]:
    """Everything the application's page shows, after the company-access check."""
    application = require_company_access(session, viewer, application_id)
    company = session.get(ServiceUser, application.service_user_id)
    handler = session.get(Handler, application.handler_id) if application.handler_id else None
    section = session.scalar(select(Section.code).where(Section.id == application.section_id))
    events = session.scalars(select(StageEvent).where(StageEvent.application_id == application.id,
                                                      StageEvent.deleted_at.is_(None))
                             .order_by(StageEvent.occurred_at, StageEvent.id)).all()
    reached = {e.stage for e in events}  # what reached_stages reads, from the events in hand
    actions = session.scalars(select(QuarantineAction).where(QuarantineAction.application_id == application.id,
                                                             QuarantineAction.deleted_at.is_(None))
                              .order_by(QuarantineAction.action_at)).all()
    commodities = session.scalars(select(ApplicationCommodity).where(
        ApplicationCommodity.application_id == application.id, ApplicationCommodity.deleted_at.is_(None))
        .order_by(ApplicationCommodity.line_no)).all()
    draft = latest_certificate(session, application.id, draft=True)
    final = latest_certificate(session, application.id, draft=False)
    bill = latest_bill(session, application.id)
    invitation = session.scalar(select(SurveyInvitation).where(SurveyInvitation.application_id == application.id))
    corrections = session.scalars(select(CorrectionRequest).where(CorrectionRequest.application_id == application.id)
                                  .order_by(CorrectionRequest.created_at.desc())).all()
    return {
        "id": application.id, "number": application.number, "company": company.name, "company_id": company.id,
        "handler": handler.name if handler else None, "section": section, "direction": application.direction,
        "submitted_at": application.submitted_at, "current_stage": application.current_stage,
        "completed_at": application.completed_at,
        "consignor": application.consignor_name, "consignee": application.consignee_name,
        "origin_place": application.origin_place, "origin_country": application.origin_country,
        "destination_place": application.destination_place, "destination_country": application.destination_country,
        "conveyance": " ".join(x for x in (application.conveyance, application.conveyance_name,
                                           application.voyage_number) if x) or None,
        "steps": progress_steps(application.current_stage, reached, ended=is_ended(application)),
        "ended": is_ended(application), "certificate_issued": certificate_issued(session, application.id, reached),
        "timeline": [{"stage": e.stage, "at": e.occurred_at, "note": e.note} for e in events],
        "actions": [{"kind": a.kind, "at": a.action_at, "reason": a.reason, "outcome": a.outcome} for a in actions],
        "commodities": [{"name": c.commodity_name, "scientific_name": c.scientific_name, "quantity": c.quantity,
                         "unit": c.unit} for c in commodities],
        "documents": {"draft": draft is not None, "bill": bill is not None, "certificate": final is not None},
        "draft_id": draft.id if draft else None,
        "bill": {"amount": bill.amount, "billing_code": bill.billing_code,
                 "paid": bill.paid or "paid" in reached} if bill else None,
        # An expired survey is no longer offered: its button led to "the survey can no longer be filled in".
        "survey": None if invitation is None else {
            "state": invitation.state(utcnow()), "expires_at": invitation.expires_at,
            "responded_at": invitation.responded_at},
        "corrections": [{"id": c.id, "field": c.field, "problem": c.problem, "expected": c.expected,
                         "status": c.status, "resolution": c.resolution, "resolution_note": c.resolution_note,
                         "created_at": c.created_at, "resolved_at": c.resolved_at} for c in corrections],
    }


def certificate_issued(session: Session, application_id: int, reached: set[str] | None = None) -> bool:
    """Whether the application's certificate is issued: its signed certificate synced, or the `certified` stage
    passed. From then on the draft is history: no correction of it can change the certificate."""
    if reached is None:
        reached = reached_stages(session, [application_id]).get(application_id, set())
    return bool({"certified", "handed_over"} & reached) or latest_certificate(session, application_id,
                                                                              draft=False) is not None


def latest_certificate(session: Session, application_id: int, draft: bool) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.application_id == application_id,
                                                    Certificate.is_draft.is_(draft), Certificate.deleted_at.is_(None))
                          .order_by(Certificate.issued_at.desc(), Certificate.id.desc()).limit(1))


def latest_bill(session: Session, application_id: int) -> Bill | None:
    return session.scalar(select(Bill).where(Bill.application_id == application_id, Bill.deleted_at.is_(None))
                          .order_by(Bill.issued_at.desc(), Bill.id.desc()).limit(1))


def form_name(session: Session, code: str, language: str = "id") -> str | None:
    form = session.get(CertificateForm, code)
    if form is None:
        return None
    return form.name_id if language == "id" else form.name_en


def open_surveys(session: Session, viewer, now=None, limit: int = 20) -> dict[str, Any]:
    """Survey invitations of the viewer's companies still waiting for an answer: how many, and the newest
    `limit` of them (the page shows one compact banner with the count, the list folded under it)."""
    ids = company_ids(session, viewer)
    if not ids:
        return {"total": 0, "rows": []}
    waiting = (SurveyInvitation.service_user_id.in_(ids), SurveyInvitation.responded_at.is_(None),
               SurveyInvitation.expires_at > (now or utcnow()))
    total = session.scalar(select(func.count()).select_from(SurveyInvitation).where(*waiting)) or 0
    rows = session.execute(
        select(SurveyInvitation, Application.number).join(Application, Application.id == SurveyInvitation.application_id)
        .where(*waiting).order_by(SurveyInvitation.invited_at.desc()).limit(limit)).all() if total else []
    return {"total": total, "rows": [{"application_id": i.application_id, "number": number,
                                      "invited_at": i.invited_at, "expires_at": i.expires_at} for i, number in rows]}

