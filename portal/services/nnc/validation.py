"""Checking an NNC form once, in the service: every problem reported together, with a message a person can act on."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Application, Certificate, Handler, Nnc, Section, ServiceUser
from models.nnc import DIRECTION_OF_FLOW
from portal.domain.periods import local_date
from portal.services import attachments
from portal.services.nnc.rules import (ACTIONS, CATEGORIES, DOCUMENT_PROBLEMS, EARLIEST_DATE, EDITABLE_FIELDS, FLOWS,
                                       HS_CODE, REQUIRED_TEXT, STATUS_REQUIRES, TEXT_LIMITS)
from portal.services.offices import office_zone
from portal.validation import ErrorCollector


def clean_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def as_int(value: Any) -> int | None:
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


def clean(data: dict[str, Any]) -> dict[str, Any]:
    """Trim texts, empty → None, ids → int; unknown keys dropped."""
    cleaned: dict[str, Any] = {}
    for key in EDITABLE_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key in ("service_user_id", "handler_id", "section_id"):
            cleaned[key] = as_int(value)
        elif key in ("notice_date", "received_date"):
            cleaned[key] = value if value not in ("",) else None
        else:
            cleaned[key] = clean_text(value)
    if cleaned.get("number"):
        cleaned["number"] = re.sub(r"\s+", " ", cleaned["number"])
    if cleaned.get("hs_code"):
        cleaned["hs_code"] = cleaned["hs_code"].replace(" ", "")
    return cleaned


def number_owner(session: Session, office_id: int, number: str, exclude_id: int | None) -> Nnc | None:
    query = select(Nnc).where(Nnc.office_id == office_id, func.lower(Nnc.number) == number.lower())
    if exclude_id is not None:
        query = query.where(Nnc.id != exclude_id)
    return session.scalars(query.limit(1)).first()


def number_taken(errors: ErrorCollector, owner: Nnc) -> None:
    errors.add("number", "nnc.error.number_taken", id=owner.id, number=owner.number,
               date=owner.notice_date.strftime("%d/%m/%Y"))


def validate(session: Session, office_id: int, values: dict[str, Any], errors: ErrorCollector,
              today: date, exclude_id: int | None = None, kept_link: tuple | None = None,
              zone: str | None = None) -> dict[str, Any]:
    """Check a complete set of NNC fields; returns them with dates parsed and references resolved.

    `kept_link`: the stored (application number, flow, notice date) of an NNC being edited. The PTK link is judged
    when one of them changes: an NNC saved before the rule with a link that does not fit must stay editable (its
    notes, its follow-up), or an officer is refused on a field they never touched. `zone`: the office's time zone,
    when the caller has it (the import: once, not once a row)."""
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
        owner = number_owner(session, office_id, values["number"], exclude_id)
        if owner is not None:
            number_taken(errors, owner)

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

    application = _application(session, office_id, values.get("application_number"))
    values["application_id"] = application.id if application is not None else None
    kept_number = kept_link[0] if kept_link is not None else None
    if application is None and values.get("application_number") != kept_number:  # an older NNC's stays editable
        malformed = ptk_shape_problem(values.get("application_number"))
        if malformed is not None:
            errors.add("application_number", malformed[0], **malformed[1])
    unchanged = kept_link is not None and (clean_text(values.get("application_number")), values.get("flow"),
                                           notice) == kept_link
    if application is not None and not unchanged:
        problem = link_problem(values.get("flow"), None if "notice_date" in errors.errors else notice,
                               application.direction, application.submitted_at, zone or office_zone(session, office_id))
        if problem is not None:
            errors.add("application_number", problem[0], **problem[1])
    values["certificate_id"] = certificate_id(session, values.get("certificate_number"), values["application_id"])
    return values


# A PTK number as IQFast writes it: year . 1 . office code . 0 . K<section>1 . E/I/K/M . running number, e.g.
# "2026.1.0300.0.K21.E.032999" (docs/iqfast-simulator.md). Each part's width is left loose, so a real number written a
# little differently still passes; what it stops is text that is no PTK at all (a certificate number, "PTK-123", a
# sentence) saved as one, then shown on the NNC's page as "tidak ditemukan" for good.
PTK_NUMBER = re.compile(r"^\d{4}\.\d{1,2}\.[0-9A-Z]{2,6}\.\d{1,2}\.K\d{1,3}\.[A-Z]\.\d{1,8}$", re.IGNORECASE)


def ptk_shape_problem(number: str | None) -> tuple[str, dict[str, Any]] | None:
    """Why text typed as an NNC's PTK cannot be a PTK number, or None (also for no number).

    The one home of the rule: the form's save and the spreadsheet import (both through `validate`, which asks only when
    no synced application has the number) and the form's hint as the officer types. A well-formed number no synced
    application has is accepted (a foreign authority may name a PTK not synced yet): the form says so, it does not
    refuse it.
    """
    if not number or PTK_NUMBER.fullmatch(number):
        return None
    return "nnc.error.application_number_shape", {}


# (flow, the application's direction) → the message that says why that application cannot be the consignment.
WRONG_DIRECTION = {
    ("received", "import"): "nnc.error.application_import_for_received",
    ("received", "domestic_out"): "nnc.error.application_domestic_out_for_received",
    ("received", "domestic_in"): "nnc.error.application_domestic_in_for_received",
    ("issued", "export"): "nnc.error.application_export_for_issued",
    ("issued", "domestic_out"): "nnc.error.application_domestic_out_for_issued",
    ("issued", "domestic_in"): "nnc.error.application_domestic_in_for_issued",
}


def link_problem(flow: str | None, notice: date | None, direction: str, submitted_at: datetime,
                 zone: str) -> tuple[str, dict[str, Any]] | None:
    """Why an application cannot be the consignment of an NNC with this flow and notice date, or None.

    The one home of the rule: the form's save, the spreadsheet import (both through `validate`) and any hint a page
    gives while the officer types ask here. A flow or date not yet valid is not judged (its own field says so).
    The application was submitted at a UTC moment; the notice date is a day at the office, so the moment is read
    as the office's calendar day: a PTK submitted at 01:00 WIB on the notice day (18:00 UTC the day before) fits.
    """
    expected = DIRECTION_OF_FLOW.get(flow or "")
    if expected is not None and direction != expected:
        return WRONG_DIRECTION.get((flow, direction), "nnc.error.application_direction"), {}
    if notice is not None and submitted_at is not None:
        submitted = local_date(submitted_at, zone)
        if submitted > notice:  # a notice cannot be about a consignment not yet applied for
            return "nnc.error.application_after_notice", {"submitted": submitted.strftime("%d/%m/%Y"),
                                                          "notice": notice.strftime("%d/%m/%Y")}
    return None


def application_fit(session: Session, office_id: int, flow: str | None, notice_date: Any,
                    application_number: str | None) -> tuple[str, dict[str, Any]] | None:
    """Why the synced application with this number cannot be the consignment of the NNC being typed, or None
    (also when no application has the number, or the flow or date are not yet valid): for the form's hint as the
    officer types; saving checks the same through `validate`."""
    try:
        notice = parse_date(notice_date)
    except ValueError:
        notice = None
    application = _application(session, office_id, clean_text(application_number))
    if application is None:
        return None
    return link_problem(flow, notice, application.direction, application.submitted_at, office_zone(session, office_id))


def spellings(number: str) -> set[str]:
    """A number as typed and in capitals: exact matches keep the look-up on the index."""
    return {number, number.upper()}


def _application(session: Session, office_id: int, number: str | None):
    """The office's live synced application with this number (id, direction, submitted_at), or None: the number is
    kept as typed. Another office's PTK is not this NNC's (and its direction and date are not to be told here)."""
    if not number:
        return None
    return session.execute(select(Application.id, Application.direction, Application.submitted_at)
                           .where(Application.number.in_(spellings(number)), Application.office_id == office_id,
                                  Application.deleted_at.is_(None)).limit(1)).first()


def certificate_id(session: Session, number: str | None, application_id: int | None = None) -> int | None:
    """The certificate with this number: the related application's first, then any (final before draft)."""
    if not number:
        return None
    query = select(Certificate.id).where(Certificate.number.in_(spellings(number)))
    order = (Certificate.is_draft, Certificate.issued_at.desc())
    if application_id is not None:
        found = session.scalar(query.where(Certificate.application_id == application_id).order_by(*order).limit(1))
        if found is not None:
            return found
    return session.scalar(query.order_by(*order).limit(1))


def check_files(files: Sequence[tuple[str, bytes]], errors: ErrorCollector) -> None:
    for filename, content in files:
        found = attachments.problem(filename, content)
        if found is not None:
            errors.add("attachments", found[0], **found[1])
            return


def check_status_needs(values: dict[str, Any], status: str, errors: ErrorCollector) -> None:
    for key in STATUS_REQUIRES.get(status, ()):
        if not values.get(key):
            errors.add(key, f"nnc.error.required_for_{status}")
