"""The inspection queue (antrian pemeriksaan): one day's new consignments of the officer's office, selected first.

Reads targeting_decisions (written once at the first sync) with their applications, a page at a time, filtered in
the database. A coordinator sees only their section: the scope is a condition of the query, so another section's
decision is never loaded into a row.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, case, cast, func, or_, select
from sqlalchemy.orm import Session

from models import Application, ApplicationCommodity, Section, ServiceUser
from models.targeting import LEVELS, TargetingDecision
from portal.domain.periods import day_bounds, today_in
from portal.domain.targeting import FLAG_CODES
from portal.security.scope import Scope, scope_of
from portal.services.text_search import contains
from portal.settings import DEFAULT_TIMEZONE
from portal.validation import ErrorCollector

PERMISSION = "targeting.queue"
PAGE_SIZE = 50
MAX_TEXT = 100
SELECTED_CHOICES = ("yes", "no")
FILTER_KEYS = ("search", "section", "level", "selected", "flag", "day")


def clean_filters(filters: dict[str, Any] | None, tz: str, now: datetime | None = None) -> dict[str, Any]:
    """The filters as the query uses them ("" and None mean no filter); every problem reported at once."""
    filters = filters or {}
    errors = ErrorCollector()
    text = str(filters.get("search") or "").strip()[:MAX_TEXT] or None
    cleaned: dict[str, Any] = {"search": text, "section": str(filters.get("section") or "").strip() or None}
    for key, allowed in (("level", LEVELS), ("selected", SELECTED_CHOICES), ("flag", FLAG_CODES)):
        value = filters.get(key) or None
        if value is not None and value not in allowed:
            errors.add(key, f"targeting_queue.error.{key}")
            value = None
        cleaned[key] = value
    day = filters.get("day") or None
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            errors.add("day", "targeting_queue.error.day")
            day = None
    cleaned["day"] = day or today_in(tz, now)
    errors.raise_if_any()
    return cleaned


def flag_clause(code: str):
    """Decisions raising the flag `code`: a text match on the stored JSON, the same on PostgreSQL (jsonb prints
    `"code": "x"`) and SQLite (json.dumps does too); evidence has no key named code."""
    return cast(TargetingDecision.flags, Text).like(f'%"code": "{code}"%')


def _base(scope: Scope, filters: dict[str, Any], tz: str):
    d, a = TargetingDecision, Application
    start, end = day_bounds(filters["day"], filters["day"], tz)
    # The day's new consignments are those submitted that day (by applications(office_id, submitted_at)), not
    # those decided that day: a first sync after an outage, or the demo's, decides older ones too.
    query = (select(d.id)
             .select_from(a)
             .join(d, d.application_id == a.id)
             .join(ServiceUser, ServiceUser.id == a.service_user_id)
             .join(Section, Section.id == d.section_id)
             # The queue is the office's own work list: an admin's is their home office's.
             .where(a.office_id == scope.office_id, a.submitted_at >= start, a.submitted_at < end))
    if not scope.include_deleted:
        query = query.where(a.deleted_at.is_(None))
    section = scope.section_scope or filters["section"]
    if section:
        query = query.where(Section.code == section)
    if filters["level"]:
        query = query.where(d.level == filters["level"])
    if filters["selected"]:
        query = query.where(d.selected.is_(filters["selected"] == "yes"))
    if filters["flag"]:
        query = query.where(flag_clause(filters["flag"]))
    if filters["search"]:
        query = query.where(or_(contains(a.number, filters["search"]), contains(ServiceUser.name, filters["search"]),
                                contains(ServiceUser.tax_id, filters["search"])))
    return query


def queue_page(session: Session, scope, filters: dict[str, Any] | None = None, page: int = 0, *,
               tz: str = DEFAULT_TIMEZONE, now: datetime | None = None, page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """One page of the decisions of the consignments submitted on the day (default today in the office's zone),
    selected first, then newest.

    Returns rows, total, selected (how many of the filtered ones are selected), page, page_size and the day.
    """
    scope = scope_of(scope)
    scope.require(PERMISSION)
    scope.require_section()
    cleaned = clean_filters(filters, tz, now)
    page = max(int(page or 0), 0)
    base = _base(scope, cleaned, tz)
    d, a = TargetingDecision, Application
    counted = base.with_only_columns(func.count(d.id), func.coalesce(func.sum(case((d.selected, 1), else_=0)), 0),
                                     maintain_column_froms=True)
    total, selected = session.execute(counted).one()
    rows_query = base.with_only_columns(
        d.application_id, a.number, a.submitted_at, a.current_stage, d.decided_at, d.level, d.rate, d.draw,
        d.random_selected, d.selected, d.flags, ServiceUser.name.label("service_user"),
        Section.code.label("section"), maintain_column_froms=True,
    ).order_by(d.selected.desc(), a.submitted_at.desc(), d.id.desc()).offset(page * page_size).limit(page_size)
    rows = []
    for row in session.execute(rows_query):
        item = dict(row._mapping)
        item["flag_codes"] = [flag.get("code") for flag in (item.pop("flags") or [])]
        rows.append(item)
    commodities = _main_commodities(session, [row["application_id"] for row in rows])
    for row in rows:
        row["commodity"], row["other_lines"] = commodities.get(row["application_id"], (None, 0))
    return {"rows": rows, "total": int(total), "selected": int(selected), "page": page, "page_size": page_size,
            "day": cleaned["day"]}


def _main_commodities(session: Session, application_ids: list[int]) -> dict[int, tuple[str, int]]:
    """The first commodity line of each application on the page and how many lines follow it, in one query (a flag
    may be about another line: "Manggis" alone beside "quantity far above usual" named the wrong goods)."""
    if not application_ids:
        return {}
    names: dict[int, list[str]] = {}
    for application_id, name in session.execute(
            select(ApplicationCommodity.application_id, ApplicationCommodity.commodity_name)
            .where(ApplicationCommodity.application_id.in_(application_ids), ApplicationCommodity.deleted_at.is_(None))
            .order_by(ApplicationCommodity.application_id, ApplicationCommodity.line_no)):
        names.setdefault(application_id, []).append(name)
    return {application_id: (found[0], len(found) - 1) for application_id, found in names.items()}

