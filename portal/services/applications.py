"""Applications (PTK) for officers: search a page of them, and everything about one of them.

Who sees what is decided here, in the queries, not in the page: a coordinator's section scope and an
officer's office are conditions of every query, so an application outside them is never even loaded
into a row, and records deleted at the source are hidden from everyone but admins.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from models import (Application, ApplicationCommodity, Bill, Certificate, CertificateForm, Handler,
                    QuarantineAction, Section, ServiceUser, StageEvent)
from models.application import DIRECTIONS, STAGES
from portal.domain import stages
from portal.domain.periods import day_bounds
from portal.security.scope import Scope, scope_of
from portal.services.text_search import contains, starts_with
from portal.settings import DEFAULT_TIMEZONE
from portal.validation import ErrorCollector, InvalidInput, NotFound, OutsideSection

PAGE_SIZE = 50
MAX_TEXT = 100
# The happy path the progress bar measures; "treated" counts only for applications that were treated.

# Sort keys the page offers → ORDER BY in the database (the id breaks ties so pages never overlap).
SORTS = {
    "submitted_desc": (Application.submitted_at.desc(), Application.id.desc()),
    "submitted_asc": (Application.submitted_at.asc(), Application.id.asc()),
    "number": (Application.number.asc(), Application.id.asc()),
    "service_user": (ServiceUser.name.asc(), Application.submitted_at.desc(), Application.id.desc()),
    "stage_changed_desc": (Application.current_stage_at.desc().nulls_last(), Application.id.desc()),
    "completed_desc": (Application.completed_at.desc().nulls_last(), Application.id.desc()),
}
DEFAULT_SORT = "submitted_desc"
# Which date the from/to period filters: the submission (the default) or the completion, the one the KPI panel counts
# an application's period by (portal/services/kpi: its day in the office's zone), so a card's link lists its figure.
DATE_COLUMNS = {"submitted": Application.submitted_at, "completed": Application.completed_at}
# Not completed by the end of the period's last day (by now when it has none), submitted from its first day when it
# has one: the KPI panel's "applications in progress at the end of the period", whose card leads here.
IN_PROGRESS = "in_progress"
DATES = (*DATE_COLUMNS, IN_PROGRESS)
DEFAULT_DATES = "submitted"
FILTER_KEYS = ("number", "service_user", "handler", "commodity", "stage", "section", "direction", "dates",
               "date_from", "date_to")


def list_is_one_office(scope: Scope) -> bool:
    """Whether the scope's list holds its home office's live applications alone, as the KPI panel counts them (not
    every office's, nor those deleted at the source: an admin's)."""
    scope = scope_of(scope)
    return not scope.every_office and not scope.include_deleted


def reach(scope: Scope) -> dict[str, Any]:
    """The part of the data a scope may see, as keyword arguments for the functions below.

    A scope seeing every office (admins) also sees records deleted at the source; others their own office; a
    section-scoped user only their section (one without a section is Forbidden: nothing rather than everything).
    """
    scope = scope_of(scope)
    scope.require("applications.view")  # a company-scoped user reads its own applications elsewhere (my_applications)
    scope.require_section()
    return {"office_id": None if scope.every_office else scope.office_id,
            "section_scope": scope.section_scope,
            "include_deleted": scope.include_deleted}


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text[:MAX_TEXT] or None


def _date(value: Any, field: str, errors: ErrorCollector) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.add(field, "applications.error.date")
        return None


def clean_filters(filters: dict[str, Any] | None) -> dict[str, Any]:
    """The filters as the query uses them; every problem reported at once (InvalidInput)."""
    filters = filters or {}
    errors = ErrorCollector()
    cleaned: dict[str, Any] = {key: _text(filters.get(key)) for key in
                               ("number", "service_user", "handler", "commodity", "section")}
    stage = _text(filters.get("stage"))
    if stage and stage not in STAGES:
        errors.add("stage", "applications.error.stage")
    direction = _text(filters.get("direction"))
    if direction and direction not in DIRECTIONS:
        errors.add("direction", "applications.error.direction")
    cleaned["stage"], cleaned["direction"] = stage, direction
    dates = _text(filters.get("dates")) or DEFAULT_DATES
    if dates not in DATES:
        errors.add("dates", "applications.error.dates")
    cleaned["dates"] = dates
    cleaned["date_from"] = _date(filters.get("date_from"), "date_from", errors)
    cleaned["date_to"] = _date(filters.get("date_to"), "date_to", errors)
    if cleaned["date_from"] and cleaned["date_to"] and cleaned["date_from"] > cleaned["date_to"]:
        errors.add("date_to", "applications.error.date_range")
    errors.raise_if_any()
    return cleaned


def _tax_id_digits(column):
    """A tax id without its dots, dashes and spaces, so `012345678` finds `01.234.567.8-…`."""
    return func.replace(func.replace(func.replace(column, ".", ""), "-", ""), " ", "")


def _party_condition(name_column, tax_column, text: str):
    conditions = [contains(name_column, text), contains(tax_column, text)]
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 4:
        conditions.append(contains(_tax_id_digits(tax_column), digits))
    return or_(*conditions)


def _scoped(query, *, office_id: int | None, section_scope: str | None, include_deleted: bool):
    """Conditions every officer query carries: office, section scope, records deleted at the source."""
    if office_id is not None:
        query = query.where(Application.office_id == office_id)
    if section_scope is not None:
        query = query.where(Section.code == section_scope)
    if not include_deleted:
        query = query.where(Application.deleted_at.is_(None))
    return query


def commodity_clause(text: str):
    """An application with a commodity line whose name (common or scientific) contains `text`, or whose HS code
    starts with it (any case; % and _ taken literally). Also the service users' search (my_applications)."""
    return exists(select(ApplicationCommodity.id).where(
        ApplicationCommodity.application_id == Application.id,
        or_(contains(ApplicationCommodity.commodity_name, text), contains(ApplicationCommodity.scientific_name, text),
            starts_with(ApplicationCommodity.hs_code, text))))


def _filtered(query, filters: dict[str, Any], tz: str):
    if filters["number"]:
        query = query.where(contains(Application.number, filters["number"]))
    if filters["service_user"]:
        query = query.where(_party_condition(ServiceUser.name, ServiceUser.tax_id, filters["service_user"]))
    if filters["handler"]:
        query = query.where(_party_condition(Handler.name, Handler.tax_id, filters["handler"]))
    if filters["commodity"]:
        query = query.where(commodity_clause(filters["commodity"]))
    if filters["stage"]:
        query = query.where(Application.current_stage == filters["stage"])
    if filters["section"]:
        query = query.where(Section.code == filters["section"])
    if filters["direction"]:
        query = query.where(Application.direction == filters["direction"])
    # Calendar days in the office's zone, [first day's start, last day's end), as the KPI panel bounds its periods.
    if filters["dates"] == IN_PROGRESS:
        return _in_progress(query, filters, tz)
    moment = DATE_COLUMNS[filters["dates"]]
    if filters["date_from"]:
        query = query.where(moment >= day_bounds(filters["date_from"], filters["date_from"], tz)[0])
    if filters["date_to"]:
        query = query.where(moment < day_bounds(filters["date_to"], filters["date_to"], tz)[1])
    return query


def _in_progress(query, filters: dict[str, Any], tz: str):
    """Submitted by the end of `date_to` (from `date_from`'s start when given) and not completed by then: the panel's
    in-progress figure (everything submitted by its last day less everything completed by it). No `date_to`: not
    completed yet."""
    if filters["date_from"]:
        query = query.where(Application.submitted_at >= day_bounds(filters["date_from"], filters["date_from"], tz)[0])
    if not filters["date_to"]:
        return query.where(Application.completed_at.is_(None))
    end = day_bounds(filters["date_to"], filters["date_to"], tz)[1]
    return query.where(Application.submitted_at < end,
                       or_(Application.completed_at.is_(None), Application.completed_at >= end))


def _joined(query, filters: dict[str, Any], section_scope: str | None, sort: str):
    """The query with the joins its filters, scope and sort need, and no others."""
    if filters["service_user"] or sort == "service_user":
        query = query.join(ServiceUser, ServiceUser.id == Application.service_user_id)
    if section_scope is not None or filters["section"]:
        query = query.join(Section, Section.id == Application.section_id)
    if filters["handler"]:
        query = query.outerjoin(Handler, Handler.id == Application.handler_id)
    return query


def _cleaned(filters: dict[str, Any] | None, section_scope: str | None) -> dict[str, Any]:
    cleaned = clean_filters(filters)
    if section_scope is not None:
        cleaned["section"] = None  # the scope is the section; a filter cannot widen or move it
    return cleaned


def _matching(cleaned: dict[str, Any], sort: str, *, office_id: int | None, section_scope: str | None,
              include_deleted: bool, tz: str):
    """The ids of the matching applications, joined only to the tables a filter, the scope or the sort names (an
    application always has its company and section, and at most one handler, so the joins neither drop nor repeat
    rows). Joining the names to every match cost PostgreSQL ≈ 1 ms per 1,000 matches, and a number search matching
    a whole office (a guessed 3 rows, really 33,000) ran a join of 5.7 million pairs."""
    return _filtered(_scoped(_joined(select(Application.id), cleaned, section_scope, sort), office_id=office_id,
                             section_scope=section_scope, include_deleted=include_deleted), cleaned, tz)


def count_applications(session: Session, filters: dict[str, Any] | None = None, *, office_id: int | None = None,
                       section_scope: str | None = None, include_deleted: bool = False,
                       tz: str = DEFAULT_TIMEZONE) -> int:
    """How many applications match `filters` within the scope (search_applications' total).

    Apart from the page so the list's callback can keep it per data stamp (portal/view_cache.py): counting an
    office's matches reads every one of them (≈ 25 ms for 33,000 on PostgreSQL), and turning a page does not
    change it.
    """
    cleaned = _cleaned(filters, section_scope)
    base = _matching(cleaned, DEFAULT_SORT, office_id=office_id, section_scope=section_scope,
                     include_deleted=include_deleted, tz=tz)
    return session.scalar(select(func.count()).select_from(base.subquery()))


def search_applications(session: Session, filters: dict[str, Any] | None = None, page: int = 0,
                        sort: str | None = None, *, office_id: int | None = None, section_scope: str | None = None,
                        include_deleted: bool = False, tz: str = DEFAULT_TIMEZONE,
                        page_size: int = PAGE_SIZE, total: int | None = None) -> dict[str, Any]:
    """One page of applications matching `filters`, within the caller's scope, sorted in the database.

    `filters` may hold number, service_user (name or tax id), handler, commodity (name, scientific name
    or HS code), stage (the current one), section, direction, date_from / date_to (calendar days in `tz`) of the
    date `dates` names: "submitted" (the default) or "completed" (the KPI panel's period of an application), or
    with "in_progress" those not completed by the end of date_to (submitted from date_from when given). A
    coordinator's `section_scope` wins over any section filter. `total`: count_applications' answer for the same
    filters and scope when the caller already has it (else it is counted here).
    """
    cleaned = _cleaned(filters, section_scope)
    sort = sort or DEFAULT_SORT
    if sort not in SORTS:
        raise InvalidInput({"sort": ("applications.error.sort", {})})
    page = max(int(page or 0), 0)
    reach = {"office_id": office_id, "section_scope": section_scope, "include_deleted": include_deleted}
    if total is None:
        total = count_applications(session, cleaned, tz=tz, **reach)
    # The names are joined to the page's rows alone.
    ids = _matching(cleaned, sort, tz=tz, **reach).order_by(*SORTS[sort]).offset(page * page_size).limit(
        page_size).subquery()
    rows_query = (select(
        Application.id, Application.number, Application.submitted_at, Application.current_stage,
        Application.current_stage_at, Application.completed_at, Application.completion_stage, Application.direction,
        Application.deleted_at, ServiceUser.name.label("service_user_name"),
        ServiceUser.tax_id.label("service_user_tax_id"), Handler.name.label("handler_name"),
        Section.code.label("section_code"))
        .join(ids, ids.c.id == Application.id)
        .join(ServiceUser, ServiceUser.id == Application.service_user_id)
        .join(Section, Section.id == Application.section_id)
        .outerjoin(Handler, Handler.id == Application.handler_id)
        .order_by(*SORTS[sort]))
    rows = [dict(row._mapping) for row in session.execute(rows_query)]
    commodities = _commodity_summaries(session, [row["id"] for row in rows], include_deleted)
    for row in rows:
        row["deleted"] = row["deleted_at"] is not None
        row["commodities"] = commodities.get(row["id"], [])
    return {"rows": rows, "total": total, "page": page, "page_size": page_size, "sort": sort}


def _commodity_summaries(session: Session, application_ids: list[int], include_deleted: bool) -> dict[int, list]:
    """The commodity names of the applications on one page (one query for the page, not one per row)."""
    if not application_ids:
        return {}
    query = (select(ApplicationCommodity.application_id, ApplicationCommodity.commodity_name)
             .where(ApplicationCommodity.application_id.in_(application_ids))
             .order_by(ApplicationCommodity.application_id, ApplicationCommodity.line_no))
    if not include_deleted:
        query = query.where(ApplicationCommodity.deleted_at.is_(None))
    found: dict[int, list] = {}
    for application_id, name in session.execute(query):
        found.setdefault(application_id, []).append(name)
    return found


def happy_path_progress(events: list[dict[str, Any]]) -> dict[str, Any]:
    """How far along the happy path an application is, from its stage events (oldest first).

    Returns the steps (with the first time each was reached), how many were reached, the percentage,
    and the state: in_progress, completed, detained, refused or destroyed.
    """
    live = [event for event in events if not event.get("deleted")]
    first_at: dict[str, Any] = {}
    for event in live:
        first_at.setdefault(event["stage"], event["occurred_at"])
    path = stages.path_for(first_at)
    reached = stages.passed_count(path, first_at)
    steps = [{"stage": stage, "reached": index < reached, "at": first_at.get(stage)}
             for index, stage in enumerate(path)]
    current = live[-1]["stage"] if live else None
    stopped = next((stage for stage in stages.ENDED_STAGES if stage in first_at), None)
    if stopped:
        state = stopped
    elif "handed_over" in first_at:
        state = "completed"
    elif current == "detained":
        state = "detained"
    else:
        state = "in_progress"
    return {"steps": steps, "reached": reached, "total": len(path), "state": state,
            "percent": 100 if state == "completed" else round(100 * reached / len(path))}


def _synced(record) -> dict[str, Any]:
    return {"id": record.id, "deleted": record.deleted_at is not None, "deleted_at": record.deleted_at}


def _reached(session: Session, application_id: int, section_scope: str | None, office_id: int | None,
             include_deleted: bool):
    """The application with its company, section and handler, if the caller's reach takes it in (one query).

    NotFound: no such application, or one in another office, or one deleted at the source (for non-admins).
    OutsideSection (a Forbidden): the application belongs to a section outside the coordinator's `section_scope`.
    """
    found = session.execute(
        select(Application, ServiceUser, Section, Handler)
        .join(ServiceUser, ServiceUser.id == Application.service_user_id)
        .join(Section, Section.id == Application.section_id)
        .outerjoin(Handler, Handler.id == Application.handler_id)
        .where(Application.id == application_id)).first()
    if found is None:
        raise NotFound(application_id)
    application, _service_user, section, _handler = found
    if office_id is not None and application.office_id != office_id:
        raise NotFound(application_id)
    if application.deleted_at is not None and not include_deleted:
        raise NotFound(application_id)
    if section_scope is not None and section.code != section_scope:
        raise OutsideSection(application_id, section.code, section_scope)
    return found


def check_reach(session: Session, viewer, application_id: int) -> None:
    """NotFound / Forbidden as the application's page would meet them (`application_detail` within `reach`), at
    the cost of one row: the page's document answers 404 for them (portal/app.py), before its callback draws."""
    _reached(session, application_id, **reach(viewer))


def application_detail(session: Session, application_id: int, section_scope: str | None = None, *,
                       office_id: int | None = None, include_deleted: bool = False) -> dict[str, Any]:
    """Everything Q-Corner holds about one application, if the caller's scope reaches it (NotFound / Forbidden
    otherwise: `_reached`)."""
    application, service_user, section, handler = _reached(session, application_id, section_scope, office_id,
                                                            include_deleted)

    def children(model, *order):
        query = select(model).where(model.application_id == application.id).order_by(*order)
        if not include_deleted:
            query = query.where(model.deleted_at.is_(None))
        return list(session.scalars(query))

    events = [{**_synced(e), "stage": e.stage, "occurred_at": e.occurred_at, "officer_name": e.officer_name,
               "officer_nip": e.officer_nip, "note": e.note}
              for e in children(StageEvent, StageEvent.occurred_at, StageEvent.id)]
    commodities = [{**_synced(c), "line_no": c.line_no, "name": c.commodity_name,
                    "scientific_name": c.scientific_name, "hs_code": c.hs_code, "quantity": c.quantity,
                    "unit": c.unit, "net_weight_kg": c.net_weight_kg, "packaging": c.packaging}
                   for c in children(ApplicationCommodity, ApplicationCommodity.line_no, ApplicationCommodity.id)]
    form_names = {form.code: {"id": form.name_id, "en": form.name_en}
                  for form in session.scalars(select(CertificateForm))}
    certificates = [{**_synced(c), "form_code": c.form_code, "form_name": form_names.get(c.form_code),
                     "number": c.number, "is_draft": c.is_draft, "issued_at": c.issued_at,
                     "treatment_method": c.treatment_method, "treatment_date": c.treatment_date,
                     "treatment_dose": c.treatment_dose, "signer_name": c.signer_name}
                    for c in children(Certificate, Certificate.issued_at, Certificate.id)]
    bills = [{**_synced(b), "receipt_number": b.receipt_number, "billing_code": b.billing_code, "amount": b.amount,
              "issued_at": b.issued_at, "paid": b.paid, "paid_at": b.paid_at, "payment_ref": b.payment_ref}
             for b in children(Bill, Bill.issued_at, Bill.id)]
    actions = [{**_synced(a), "kind": a.kind, "number": a.number, "action_at": a.action_at, "reason": a.reason,
                "outcome": a.outcome, "ended_at": a.ended_at, "follow_up": a.follow_up, "method": a.method,
                "officer_name": a.officer_name}
               for a in children(QuarantineAction, QuarantineAction.action_at, QuarantineAction.id)]
    return {
        "id": application.id, "number": application.number, "office_id": application.office_id,
        "deleted": application.deleted_at is not None, "deleted_at": application.deleted_at,
        "service_user": {"id": service_user.id, "name": service_user.name, "tax_id": service_user.tax_id,
                         "address": service_user.address, "city": service_user.city},
        "handler": {"id": handler.id, "name": handler.name, "tax_id": handler.tax_id} if handler else None,
        "section": {"code": section.code, "name_id": section.name_id, "name_en": section.name_en},
        "direction": application.direction,
        "current_stage": application.current_stage, "current_stage_at": application.current_stage_at,
        "submitted_at": application.submitted_at, "completed_at": application.completed_at,
        "completion_stage": application.completion_stage,
        "consignment": {key: getattr(application, key) for key in (
            "consignor_name", "consignor_address", "consignee_name", "consignee_address", "origin_country",
            "origin_place", "origin_port", "destination_country", "destination_place", "destination_port",
            "conveyance", "conveyance_name", "voyage_number", "transport_document", "packaging", "package_count",
            "marks", "purpose", "declarations")},
        "events": events, "progress": happy_path_progress(events), "commodities": commodities,
        "certificates": certificates, "bills": bills, "actions": actions,
    }


def section_options(session: Session) -> list[dict[str, Any]]:
    """The active sections, for the section filter."""
    return [{"code": s.code, "name_id": s.name_id, "name_en": s.name_en}
            for s in session.scalars(select(Section).where(Section.active).order_by(Section.id))]
