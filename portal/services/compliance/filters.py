"""What a compliance page asks for, made safe: the caller's reach (office and section, from its scope), the
ranking filters checked together, and the window of days they cover."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Application, Commodity, Nnc, Section, ServiceUser
from models.application import DIRECTIONS
from portal.domain.compliance import TIERS, ScoringSettings
from portal.domain.periods import day_window
from portal.security.scope import Scope, scope_of
from portal.validation import ErrorCollector, Forbidden, NotFound

MAX_PERIOD_MONTHS = 120
# The days a period may name: past them a month cannot be added to a date (year 9999 from an address or a date
# field) and the page answered nothing but "malformed request".
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2200, 12, 31)


def reach(scope: Scope) -> dict[str, Any]:
    """The caller's reach as keyword arguments: the home office, and a section-scoped user's one section
    (Forbidden for a section-scoped user without one)."""
    scope = scope_of(scope)
    scope.require_section()
    return {"office_id": scope.office_id, "section_scope": scope.section_scope}


def company_reach(session: Session, scope: Scope, service_user_id: int) -> dict[str, Any]:
    """`reach`, except that a scope seeing every office reads a company against its own office's figures."""
    scope = scope_of(scope)
    found = reach(scope)
    if scope.every_office:
        office_id = session.scalar(select(ServiceUser.office_id).where(ServiceUser.id == service_user_id))
        found["office_id"] = scope.reading_office(office_id)
    return found


def national_reach(scope: Scope) -> dict[str, Any]:
    """The national ranking's reach: only a scope reading several offices (Forbidden otherwise), with its section
    scope."""
    scope = scope_of(scope)
    if not scope.several_offices:
        raise Forbidden("national ranking")
    return {"section_scope": reach(scope)["section_scope"]}


def handler_reach(scope: Scope) -> dict[str, Any]:
    """`reach`, except that a scope seeing every office sees the handlers of every office."""
    scope = scope_of(scope)
    found = reach(scope)
    if scope.every_office:
        found["office_id"] = None
    return found


def sections_by_code(session: Session) -> dict[str, int]:
    """Section code → id (animal, plant, …)."""
    return dict(session.execute(select(Section.code, Section.id)).all())


def resolve_section(session: Session, section: str | None, section_scope: str | None) -> tuple[str | None, int | None]:
    """(code, id) of the section asked for; None for all sections. A coordinator may ask only for their own."""
    section = (section or "").strip() or None
    if section in ("all",):
        section = None
    if section_scope is not None:
        if section is not None and section != section_scope:
            raise Forbidden(f"section {section} is outside the coordinator's section")
        section = section_scope
    if section is None:
        return None, None
    ids = sections_by_code(session)
    if section not in ids:
        errors = ErrorCollector()
        errors.add("section", "compliance.error.section")
        errors.raise_if_any()
    return section, ids[section]


def window(as_of: date, settings: ScoringSettings, period_from: date | None = None,
           period_to: date | None = None) -> tuple[date, date]:
    """(first day, last day) counted, both inclusive: the default window sliding daily, or a custom period's
    exact days."""
    return day_window(as_of, int(settings.window_months), period_from, period_to)


# A date that is none says which end of the period it is: the ranking's one message above the list left the reader
# to guess which of two date fields held a year 12026.
DATE_ERRORS = {"period_from": "compliance.error.date_from", "period_to": "compliance.error.date_to"}


def _parse_date(value: Any, field: str, errors: ErrorCollector) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value)[:10])
        except ValueError:
            errors.add(field, DATE_ERRORS[field])
            return None
    if not FIRST_DAY <= value <= LAST_DAY:
        errors.add(field, DATE_ERRORS[field])
        return None
    return value


def checked_period(session: Session, period_from: Any, period_to: Any, section_scope: str | None, as_of: date,
                   settings: ScoringSettings) -> tuple[date | None, date | None]:
    """A profile's custom period, as dates (None, None: the default window): checked as the ranking's filters
    are, and so is the window an open end leaves (the default window's other end): a start after today with no end
    ended before it began, and a start a century back alone scored a century (InvalidInput)."""
    cleaned = clean_filters(session, {"period_from": period_from, "period_to": period_to}, section_scope)
    first_given, last_given = cleaned["period_from"], cleaned["period_to"]
    if first_given is None and last_given is None:
        return None, None
    first, last = window(as_of, settings, first_given, last_given)
    errors = ErrorCollector()
    if first > last:
        errors.add("period_to" if last_given else "period_from", "compliance.error.period_order")
    elif (last.year - first.year) * 12 + last.month - first.month >= MAX_PERIOD_MONTHS:
        errors.add("period_to" if last_given else "period_from", "compliance.error.period_long",
                   months=MAX_PERIOD_MONTHS)
    errors.raise_if_any()
    return first_given, last_given


def _choice(value: Any) -> Any:
    """A filter value, or None for "every …" (empty, or the selects' "all")."""
    if isinstance(value, str):
        value = value.strip()
        return None if value in ("", "all") else value
    return value


def chosen_words(chosen: dict[str, Any], translate) -> str | None:
    """What a score is narrowed to, in words ("Ekspor · komoditas utama Kopi"), or None for the whole record: the
    profile says it in the reader's language (`translate` = portal.i18n.t), its dossier in the document's."""
    parts = []
    if chosen.get("direction"):
        parts.append(translate(f"direction.{chosen['direction']}"))
    if chosen.get("commodity"):
        parts.append(translate("profile.chosen_commodity", commodity=chosen["commodity"]))
    return " · ".join(parts) or None


def clean_filters(session: Session, filters: dict[str, Any] | None, section_scope: str | None) -> dict[str, Any]:
    """The ranking filters as the query uses them; problems reported together (InvalidInput)."""
    filters = filters or {}
    errors = ErrorCollector()
    direction = _choice(filters.get("direction"))
    if direction and direction not in DIRECTIONS:
        errors.add("direction", "compliance.error.direction")
    commodity_id = _choice(filters.get("commodity_id"))
    if commodity_id is None:
        commodity_id = None
    else:
        try:
            commodity_id = int(commodity_id)
        except (TypeError, ValueError):
            errors.add("commodity_id", "compliance.error.commodity")
            commodity_id = None
        else:
            # One the list does not offer (an address typed or kept from another section's view) said nothing and
            # ranked no one: "0 of 0" under "every commodity".
            found = session.execute(select(Commodity.id, Section.code).outerjoin(
                Section, Section.id == Commodity.section_id).where(Commodity.id == commodity_id)).first()
            if found is None:
                errors.add("commodity_id", "compliance.error.commodity")
            elif section_scope is not None and found.code != section_scope:
                errors.add("commodity_id", "compliance.error.commodity_section")
    tier = _choice(filters.get("tier"))
    tier = tier.upper() if tier else None
    if tier and tier not in TIERS:
        errors.add("tier", "compliance.error.tier")
    period_from = _parse_date(filters.get("period_from"), "period_from", errors)
    period_to = _parse_date(filters.get("period_to"), "period_to", errors)
    if period_from and period_to:
        if period_from > period_to:
            errors.add("period_to", "compliance.error.period_order")
        elif (period_to.year - period_from.year) * 12 + period_to.month - period_from.month >= MAX_PERIOD_MONTHS:
            errors.add("period_to", "compliance.error.period_long", months=MAX_PERIOD_MONTHS)
    errors.raise_if_any()
    section, section_id = resolve_section(session, filters.get("section"), section_scope)
    return {"section": section, "section_id": section_id, "direction": direction, "commodity_id": commodity_id,
            "tier": tier, "period_from": period_from, "period_to": period_to}


# ------------------------------------------------------------------------------------------------ access
def _service_user(session: Session, service_user_id: int, office_id: int | None) -> ServiceUser:
    found = session.get(ServiceUser, service_user_id)
    if found is None or (office_id is not None and found.office_id != office_id):
        raise NotFound(service_user_id)
    return found


def active_in_section(session: Session, service_user_id: int, section_id: int) -> bool:
    """Whether a service user has any application or NNC in the section (what lets its coordinator look)."""
    application = session.scalar(select(Application.id).where(
        Application.service_user_id == service_user_id, Application.section_id == section_id,
        Application.deleted_at.is_(None)).limit(1))
    if application is not None:
        return True
    return session.scalar(select(Nnc.id).where(Nnc.service_user_id == service_user_id,
                                               Nnc.section_id == section_id).limit(1)) is not None


def check_profile_access(session: Session, service_user_id: int, *, office_id: int | None,
                         section_scope: str | None) -> tuple[ServiceUser, int | None]:
    """The service user and the caller's section id; NotFound / Forbidden as the caller's reach says."""
    found = _service_user(session, service_user_id, office_id)
    if section_scope is None:
        return found, None
    section_id = sections_by_code(session).get(section_scope)
    if section_id is None or not active_in_section(session, service_user_id, section_id):
        raise Forbidden(service_user_id)
    return found, section_id


def check_company_reach(session: Session, viewer, service_user_id: int, section: str | None = None) -> None:
    """NotFound / Forbidden as the company's profile would meet them (`check_profile_access` within
    `company_reach`), and then for the `section` it is scored for (`resolve_section`: InvalidInput for one no
    station has, which the profile draws as "not found"; Forbidden for another than a coordinator's own), reading a
    row or two: the profile's document answers 404 / 403 for them (portal/app.py)."""
    found = company_reach(session, viewer, service_user_id)
    check_profile_access(session, service_user_id, **found)
    resolve_section(session, section, found["section_scope"])
