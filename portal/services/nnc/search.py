"""Searching, counting and exporting NNCs: filtered and paged in the database, within the viewer's scope."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from models import Handler, Nnc, Section, ServiceUser
from portal import audit
from portal.i18n import country_name, sort_key
from portal.services.nnc.rules import CATEGORIES, EXPORT_LIMIT, FLOWS, PAGE_SIZE, STATUSES, scoped
from portal.services.nnc.validation import as_int, clean_text, parse_date
from portal.services.text_search import contains
from portal.validation import InvalidInput

_PARTNER_COUNTRY = Nnc.partner_country
SORTABLE = {
    "number": Nnc.number, "notice_date": Nnc.notice_date, "received_date": Nnc.received_date, "flow": Nnc.flow,
    "status": case({status: index for index, status in enumerate(STATUSES)}, value=Nnc.status, else_=99),
    "category": Nnc.category, "commodity": Nnc.commodity, "section": Nnc.section_id,
    "country": _PARTNER_COUNTRY, "party": func.coalesce(ServiceUser.name, Nnc.party_name),
    "action_taken": Nnc.action_taken, "created_at": Nnc.created_at,
}


# Between the stored names a country filter takes ("China|Tiongkok": both spellings of one country, one choice).
COUNTRY_SEPARATOR = "|"


def _filtered(query, session: Session, viewer, filters: dict[str, Any] | None, *, with_status: bool = True):
    filters = filters or {}
    query = scoped(query, viewer)
    try:
        date_from = parse_date(filters.get("date_from"))
        date_to = parse_date(filters.get("date_to"))
    except ValueError:
        date_from = date_to = None
    if date_from and date_to and date_from > date_to:
        # Said, not answered with an empty list and zero counts: an officer read "no NNC" into it.
        raise InvalidInput({"date_to": ("applications.error.date_range", {})})
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
    names = [name.strip().lower() for name in str(filters.get("country") or "").split(COUNTRY_SEPARATOR) if name.strip()]
    if names:
        query = query.where(func.lower(_PARTNER_COUNTRY).in_(names))
    service_user_id = as_int(filters.get("service_user_id"))
    if service_user_id:
        query = query.where(Nnc.service_user_id == service_user_id)
    text = clean_text(filters.get("text"))
    if text:
        columns = (Nnc.number, Nnc.commodity, Nnc.scientific_name, Nnc.party_name, ServiceUser.name, Nnc.organism,
                   Nnc.notifying_authority, Nnc.notified_authority, Nnc.lot_number, Nnc.container_number,
                   Nnc.air_waybill, Nnc.application_number, Nnc.certificate_number, Nnc.hs_code)
        query = query.where(or_(*[contains(column, text) for column in columns]))
    return query


def _base_query(*columns):
    return select(*columns).select_from(Nnc).outerjoin(ServiceUser, ServiceUser.id == Nnc.service_user_id)


def _ordering(sort: Iterable[tuple[str, str]] | None, countries_by_name=None):
    """ORDER BY for the list's sort keys. ``countries_by_name``: each stored partner country's place among the names the
    reader sees (_countries_by_name), for a reader whose names differ from the stored ones."""
    order = []
    for key, direction in sort or ():
        column = SORTABLE.get(key)
        if key == "country" and countries_by_name:
            column = case(countries_by_name, value=func.lower(_PARTNER_COUNTRY), else_=len(countries_by_name))
        if column is not None:
            order.append(column.desc() if direction == "desc" else column.asc())
    if not order:
        order = [Nnc.notice_date.desc()]
    return order + [Nnc.id.desc()]


_ROW_COLUMNS = (Nnc.id, Nnc.number, Nnc.notice_date, Nnc.received_date, Nnc.flow, Nnc.status, Nnc.category,
                Nnc.subcategory, Nnc.organism, Nnc.section_id, Nnc.commodity, Nnc.action_taken, Nnc.service_user_id,
                Nnc.party_name, Nnc.party_country, _PARTNER_COUNTRY.label("country"),
                ServiceUser.name.label("service_user_name"))


def _row(r, section_codes: dict[int, str]) -> dict[str, Any]:
    return {"id": r.id, "number": r.number, "notice_date": r.notice_date, "received_date": r.received_date,
            "flow": r.flow, "status": r.status, "category": r.category, "subcategory": r.subcategory,
            "organism": r.organism, "section_code": section_codes.get(r.section_id), "commodity": r.commodity,
            "action_taken": r.action_taken, "service_user_id": r.service_user_id,
            "party": r.service_user_name or r.party_name,
            "country": r.country}


def _section_codes(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Section.id, Section.code)).all())


def search_nncs(session: Session, viewer, filters: dict[str, Any] | None = None,
                sort: Sequence[tuple[str, str]] | None = None, page: int = 0,
                page_size: int = PAGE_SIZE, language: str = "id") -> dict[str, Any]:
    """One page of the NNCs the viewer may see, filtered and sorted in the database, with the total. ``language``: the
    reader's, whose country names the country sort follows (the list shows "China" for a stored "Tiongkok")."""
    page, page_size = max(int(page or 0), 0), min(max(int(page_size or PAGE_SIZE), 1), 200)
    query = _filtered(_base_query(*_ROW_COLUMNS), session, viewer, filters)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    codes = _section_codes(session)
    by_name = (_countries_by_name(session, viewer, language)
               if language != "id" and any(key == "country" for key, _direction in sort or ()) else None)
    rows = session.execute(query.order_by(*_ordering(sort, by_name)).offset(page * page_size).limit(page_size))
    return {"total": total or 0, "page": page, "page_size": page_size, "rows": [_row(r, codes) for r in rows]}


def status_counts(session: Session, viewer, filters: dict[str, Any] | None = None) -> dict[str, int]:
    """How many NNCs in each status, under every filter but the status one."""
    query = _filtered(_base_query(Nnc.status, func.count(Nnc.id)), session, viewer, filters, with_status=False)
    counts = dict(session.execute(query.group_by(Nnc.status)).all())
    return {status: counts.get(status, 0) for status in STATUSES}


def _countries_by_name(session: Session, viewer, language: str) -> dict[str, int]:
    """Each partner country the viewer's NNCs store (lower-cased), to its place in the order of the names ``language``
    gives them: sorting on the stored names put an English reader's "China" (stored "Tiongkok") after "United States"
    ("Amerika Serikat"). Two spellings of one country share a place. A few hundred names at most, read per sorted page;
    the page itself stays paged in the database."""
    names = {name: country_name(name, language) or name for name in countries(session, viewer)}
    places = {label: place for place, label in enumerate(sorted({sort_key(label) for label in names.values()}))}
    return {name.lower(): places[sort_key(label)] for name, label in names.items()}


def countries(session: Session, viewer) -> list[str]:
    """The partner countries among the NNCs the viewer may see, for the filter."""
    query = scoped(select(_PARTNER_COUNTRY.label("country")).select_from(Nnc), viewer)
    return sorted({c for c in session.scalars(query.distinct()) if c}, key=str.lower)


EXPORT_FIELDS = (
    "id", "number", "notice_date", "received_date", "flow", "notifying_authority", "notifying_country",
    "notified_authority", "notified_country", "service_user_name", "service_user_tax_id", "party_name",
    "party_country", "handler_name", "application_number", "certificate_number", "section_code", "commodity",
    "scientific_name", "hs_code", "lot_number", "container_number", "air_waybill", "point_of_entry", "category",
    "subcategory", "organism", "description", "action_taken", "status", "void_reason", "investigation_findings",
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
