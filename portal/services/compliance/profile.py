"""A service user's and a handler's compliance profile: the score's working, the timeline of violations, handlers,
tier history and guidance, for those the caller may see (DOMAIN: compliance profile)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from models import Application, Commodity, Handler, Nnc, QuarantineAction, Section, ServiceUser
from models.compliance import ALL_SECTIONS, ComplianceMonthly, ComplianceScore, ComplianceStreak, ComplianceTierHistory
from portal.domain import compliance as model
from portal.domain.compliance import ScoringSettings
from portal.domain.periods import add_months, day_bounds, month_start, months_between, split_months, today_in
from portal.services.compliance import guidance
from portal.services.compliance.filters import (active_in_section, check_profile_access, checked_period,
                                                clean_filters, handler_reach, resolve_section, sections_by_code,
                                                window)
from portal.services.compliance.ranking import aggregate, prior
from portal.services.compliance.sources import _primary_commodity, monthly_source, nnc_consignment_direction
from portal.services.compliance.streaks import filtered_streaks
from portal.services.compliance.scoring_settings import current_settings
from portal.services.offices import office_zone
from portal.settings import DEFAULT_TIMEZONE
from portal.validation import Forbidden, NotFound
from portal.view_cache import cached

UTC = timezone.utc
TIMELINE_LIMIT = 500
# The profile's long lists are read a page at a time, when their section is opened: the largest company has
# hundreds of violations and more than a hundred handlers (drawn whole, its profile froze the browser for 8 s).
TIMELINE_PAGE_SIZE = 20
HANDLERS_PAGE_SIZE = 20
EXPLANATION_EVENTS = 10  # the events shown beside a score's working; all of them are in the timeline
PROFILE_SECTIONS = ("timeline", "handlers", "tier_history", "guidance", "monthly")


# ------------------------------------------------------------------------------------------------ profile
def explanation(session: Session, service_user_id: int, *, office_id: int, section_id: int | None,
                as_of: date | None = None, settings: tuple[int, ScoringSettings] | None = None,
                period_from: date | None = None, period_to: date | None = None, direction: str | None = None,
                commodity_id: int | None = None) -> dict[str, Any]:
    """The full working of one service user's current score: counts, weights, prior, p0, window, events. With a
    period (`period_from`/`period_to`, checked by the caller: clean_filters), the score over its days, as the
    ranking's custom period scores it; with a `direction` or a (primary) `commodity_id`, over those consignments
    and their violations, against the office's rate of the same, as the ranking under those filters scores it."""
    version, scoring = settings or current_settings(session)
    tz = office_zone(session, office_id)
    as_of = as_of or today_in(tz)
    first, last = window(as_of, scoring, period_from, period_to)
    # The p0 is the office's, the same for each of its companies: summing the office's year of rollups costs
    # PostgreSQL ≈ 10 ms, so it is kept per data stamp (outside a Flask app, as for the dossier's CLI, it is read).
    base = cached(session, prior, office_id, section_id, first, last, direction, commodity_id, scoring)
    own = aggregate(session, office_id, section_id, first, last, direction, commodity_id,
                    service_user_ids=[service_user_id])
    n = d = r = x = k = 0
    streak, last_violation = None, None
    if own:
        row = own[0]
        n, d, r, x, k = int(row.n), int(row.d), int(row.r), int(row.x), int(row.k)
        streak, last_violation = row.clean_streak, row.last_violation_at
    if direction is not None or commodity_id is not None:
        # Under the filters the streak and the last violation are those of the filtered consignments (the ranking's).
        found = filtered_streaks(session, office_id, [service_user_id], tz=tz, section_id=section_id,
                                 direction=direction, commodity_id=commodity_id)[service_user_id]
        streak, last_violation = found["clean_streak"], found["last_violation_at"]
    elif streak is None:
        found = session.get(ComplianceStreak, (service_user_id, section_id or ALL_SECTIONS))
        streak = found.clean_streak if found else 0
        last_violation = found.last_violation_at if found else None
    months_since = None if last_violation is None else months_between(
        last_violation.astimezone(ZoneInfo(tz)).date(), as_of)
    working = model.explain(d=d, r=r, x=x, k=k, n=n, office_v=base["office_v"], office_n=base["office_n"],
                            clean_streak=int(streak), months_since_last_violation=months_since, settings=scoring,
                            all_v=base["all_v"], all_n=base["all_n"])
    window_to = min(last, as_of)
    chosen = {"direction": direction, "commodity_id": commodity_id}
    events = violation_events(session, service_user_id, office_id=office_id, section_id=section_id,
                              date_from=first, date_to=window_to, tz=tz, limit=EXPLANATION_EVENTS, **chosen)
    events_total = count_violation_events(session, service_user_id, office_id=office_id, section_id=section_id,
                                          date_from=first, date_to=window_to, tz=tz, **chosen)
    monthly = consignments_by_month(session, service_user_id, office_id=office_id, section_id=section_id,
                                    first=first, last=last, **chosen)
    return {**working, "settings_version": version, "window_from": first, "window_to": window_to,
            "last_violation_at": last_violation, "events": events, "events_total": events_total,
            "consignments_by_month": monthly,
            "timezone": tz}


def _violation_queries(service_user_id: int, *, office_id: int | None, section_id: int | None,
                       date_from: date | None, date_to: date | None, tz: str, direction: str | None = None,
                       commodity_id: int | None = None):
    """(3P actions, non-void NNCs) of a service user as two selects, optionally within a date range, of a direction
    and of a primary commodity (an NNC by its application's, else its flow's direction: what the scores count)."""
    q = QuarantineAction
    actions = (select(q.id, q.kind, q.action_at, q.reason, q.application_id, Application.number, Section.code)
               .join(Application, Application.id == q.application_id).join(Section, Section.id == q.section_id)
               .where(q.service_user_id == service_user_id, q.deleted_at.is_(None)))
    nncs = (select(Nnc.id, Nnc.number, Nnc.notice_date, Nnc.status, Nnc.category, Nnc.application_id,
                   Nnc.commodity, Section.code).join(Section, Section.id == Nnc.section_id)
            .where(Nnc.service_user_id == service_user_id, Nnc.counts_against_compliance))
    if office_id is not None:
        actions, nncs = actions.where(q.office_id == office_id), nncs.where(Nnc.office_id == office_id)
    if section_id is not None:
        actions, nncs = actions.where(q.section_id == section_id), nncs.where(Nnc.section_id == section_id)
    if date_from is not None and date_to is not None:
        start, end = day_bounds(date_from, date_to, tz)
        actions = actions.where(q.action_at >= start, q.action_at < end)
        nncs = nncs.where(Nnc.notice_date >= date_from, Nnc.notice_date <= date_to)
    if direction is not None or commodity_id is not None:
        named = aliased(Application)
        nncs = nncs.outerjoin(named, named.id == Nnc.application_id)
        if direction is not None:
            actions = actions.where(Application.direction == direction)
            nncs = nncs.where(nnc_consignment_direction(Nnc, named) == direction)
        if commodity_id is not None:
            actions = actions.where(_primary_commodity(Application.id) == commodity_id)
            nncs = nncs.where(_primary_commodity(Nnc.application_id) == commodity_id)
    return actions, nncs


def violation_events(session: Session, service_user_id: int, *, office_id: int | None, section_id: int | None,
                     date_from: date | None = None, date_to: date | None = None, tz: str = DEFAULT_TIMEZONE,
                     limit: int = TIMELINE_LIMIT, direction: str | None = None,
                     commodity_id: int | None = None) -> list[dict[str, Any]]:
    """The newest `limit` 3P actions and non-void NNCs of a service user (optionally in a date range), newest
    first: each kind read newest first up to `limit` in the database, the two merged here."""
    actions, nncs = _violation_queries(service_user_id, office_id=office_id, section_id=section_id,
                                       date_from=date_from, date_to=date_to, tz=tz, direction=direction,
                                       commodity_id=commodity_id)
    q = QuarantineAction
    events = []
    for aid, kind, at, reason, app_id, number, section in session.execute(
            actions.order_by(q.action_at.desc(), q.id.desc()).limit(limit)):
        events.append({"type": kind, "id": aid, "at": at, "date": at.astimezone(ZoneInfo(tz)).date(),
                       "detail": reason, "application_id": app_id, "application_number": number,
                       "nnc_id": None, "section": section})
    for nid, number, notice, status, category, app_id, commodity, section in session.execute(
            nncs.order_by(Nnc.notice_date.desc(), Nnc.id.desc()).limit(limit)):
        events.append({"type": "nnc", "id": nid, "at": None, "date": notice, "detail": commodity,
                       "category": category, "status": status, "application_id": app_id, "nnc_number": number,
                       "nnc_id": nid, "section": section})
    events.sort(key=lambda e: (e["date"], e["at"] or datetime.min.replace(tzinfo=UTC)), reverse=True)
    return events[:limit]


def count_violation_events(session: Session, service_user_id: int, *, office_id: int | None,
                           section_id: int | None, date_from: date | None = None, date_to: date | None = None,
                           tz: str = DEFAULT_TIMEZONE, direction: str | None = None,
                           commodity_id: int | None = None) -> int:
    """How many events violation_events would list without a limit."""
    actions, nncs = _violation_queries(service_user_id, office_id=office_id, section_id=section_id,
                                       date_from=date_from, date_to=date_to, tz=tz, direction=direction,
                                       commodity_id=commodity_id)
    return sum(session.scalar(select(func.count()).select_from(query.subquery())) or 0 for query in (actions, nncs))


def timeline_page(session: Session, service_user_id: int, *, office_id: int | None, section_id: int | None,
                  tz: str = DEFAULT_TIMEZONE, page: int = 0, page_size: int = TIMELINE_PAGE_SIZE,
                  direction: str | None = None, commodity_id: int | None = None) -> dict[str, Any]:
    """One page of the timeline, newest first, and how many events there are in all (of a direction and a primary
    commodity, when the profile is scored for them). Actions and NNCs live in two tables: each is read newest first
    only as far as this page reaches, and the two are merged."""
    page = max(page, 0)
    chosen = {"direction": direction, "commodity_id": commodity_id}
    reached = violation_events(session, service_user_id, office_id=office_id, section_id=section_id, tz=tz,
                               limit=(page + 1) * page_size, **chosen)
    total = count_violation_events(session, service_user_id, office_id=office_id, section_id=section_id, tz=tz,
                                   **chosen)
    return {"rows": reached[page * page_size:], "total": total, "page": page, "page_size": page_size}


def consignments_by_month(session: Session, service_user_id: int, *, office_id: int, section_id: int | None,
                          first: date, last: date, direction: str | None = None,
                          commodity_id: int | None = None) -> list[dict[str, Any]]:
    """n and the violation records per calendar month the days first…last touch, counted over those days only (an
    edge month of a period starting 15 September holds 15–30 September: whole edge months made the bars of a
    period add up to twice its n), as the score counts them: the rollup's whole months and the raw rows of the edge
    days (kept per direction and primary commodity); months without activity included as zeros."""
    m = ComplianceMonthly
    whole, edges = split_months(first, last)
    found: dict[date, tuple[int, int]] = {}

    def add(rows) -> None:
        for month, n, v in rows:
            month = month if isinstance(month, date) else date.fromisoformat(str(month)[:10])
            before = found.get(month, (0, 0))
            found[month] = (before[0] + int(n or 0), before[1] + int(v or 0))

    if whole is not None:
        query = select(m.month, func.sum(m.n), func.sum(m.d + m.r + m.x + m.k)).where(
            m.service_user_id == service_user_id, m.office_id == office_id, m.month >= whole[0], m.month <= whole[1])
        for column, value in ((m.section_id, section_id), (m.direction, direction), (m.commodity_id, commodity_id)):
            if value is not None:
                query = query.where(column == value)
        add(session.execute(query.group_by(m.month)))
    if edges:
        raw = monthly_source(session, office_id=office_id, service_user_ids=[service_user_id], days=edges).subquery()
        query = select(raw.c.month, func.sum(raw.c.n), func.sum(raw.c.d + raw.c.r + raw.c.x + raw.c.k))
        for column, value in ((raw.c.section_id, section_id), (raw.c.direction, direction),
                              (raw.c.commodity_id, commodity_id)):
            if value is not None:
                query = query.where(column == value)
        add(session.execute(query.group_by(raw.c.month)))
    result, month = [], month_start(first)
    while month <= month_start(last):
        n, v = found.get(month, (0, 0))
        result.append({"month": month, "consignments": n, "violations": v})
        month = add_months(month, 1)
    return result


def handlers_of(session: Session, service_user_id: int, *, office_id: int | None, section_id: int | None,
                page: int = 0, page_size: int | None = None, reader_section_id: int | None = None) -> dict[str, Any]:
    """The handlers a service user used, in the order it came to them: per handler first / last application and
    count (a page of them when `page_size` is given, read as such from the database); how often it changed. Each
    handler's flag counts the tier-D companies of the reader's section (`reader_section_id`; None: every section)."""
    a = Application
    conditions = [a.service_user_id == service_user_id, a.deleted_at.is_(None)]
    if office_id is not None:
        conditions.append(a.office_id == office_id)
    if section_id is not None:
        conditions.append(a.section_id == section_id)
    query = (select(a.handler_id, Handler.name, func.count(), func.min(a.submitted_at), func.max(a.submitted_at))
             .outerjoin(Handler, Handler.id == a.handler_id).where(*conditions)
             .group_by(a.handler_id, Handler.name).order_by(func.min(a.submitted_at), a.handler_id))
    if page_size is not None:
        query = query.offset(max(page, 0) * page_size).limit(page_size)
    per_handler = session.execute(query).all()
    total = session.scalar(select(func.count()).select_from(
        select(a.handler_id).where(*conditions).group_by(a.handler_id).subquery())) or 0
    ordered = select(a.handler_id.label("h"), func.lag(a.handler_id).over(
        order_by=(a.submitted_at, a.id)).label("previous"), func.row_number().over(
        order_by=(a.submitted_at, a.id)).label("position")).where(*conditions).subquery()
    changes = session.scalar(select(func.count()).select_from(ordered).where(
        ordered.c.position > 1, or_(
            and_(ordered.c.h.is_(None), ordered.c.previous.is_not(None)),
            and_(ordered.c.h.is_not(None), ordered.c.previous.is_(None)),
            ordered.c.h != ordered.c.previous))) or 0
    handler_ids = [row[0] for row in per_handler if row[0] is not None]
    tier_d = tier_d_companies_per_handler(session, handler_ids, section_id=reader_section_id)
    threshold = handler_flag_threshold(session)
    handlers = [{"handler_id": hid, "name": name, "applications": count, "first": first, "last": last,
                 "tier_d_companies": tier_d.get(hid, 0), "flagged": tier_d.get(hid, 0) >= threshold}
                for hid, name, count, first, last in per_handler]
    return {"handlers": handlers, "changes": int(changes), "total": int(total), "page": page,
            "page_size": page_size or len(handlers)}


def handler_flag_threshold(session: Session) -> int:
    """A handler serving this many tier-D companies or more is flagged (a scoring setting, default 3)."""
    return int(current_settings(session)[1].handler_flag_tier_d)


def tier_d_companies_per_handler(session: Session, handler_ids: list[int], *,
                                 section_id: int | None = None) -> dict[int, int]:
    """handler id → how many distinct companies it has served that are now tier D: on their overall score, over
    every section (`section_id` None: inspection targeting, and a reader who sees every section); or in one section,
    served there and tier D there (a coordinator's: their section's ranking and the handler's companies they see,
    without a flag raised by the other section's companies)."""
    if not handler_ids:
        return {}
    a, s = Application, ComplianceScore
    # From the tier-D companies' applications (a handful of companies) rather than every application of the
    # handlers (most of a station's): the same pairs, a few index ranges instead of a scan.
    query = (select(a.handler_id, func.count(func.distinct(a.service_user_id)))
             .join(s, and_(s.service_user_id == a.service_user_id, s.section_id == (section_id or ALL_SECTIONS),
                           s.tier == "D"))
             .where(a.handler_id.in_(handler_ids), a.deleted_at.is_(None)).group_by(a.handler_id))
    if section_id is not None:
        query = query.where(a.section_id == section_id)
    return {h: int(count) for h, count in session.execute(query)}


def tier_history(session: Session, service_user_id: int, section_id: int | None) -> list[dict[str, Any]]:
    h = ComplianceTierHistory
    rows = session.execute(select(h.as_of, h.tier, h.score, h.settings_version).where(
        h.service_user_id == service_user_id, h.section_id == (section_id or ALL_SECTIONS)).order_by(
        h.as_of.desc(), h.id.desc()).limit(100))
    return [{"as_of": as_of, "tier": tier, "score": float(score), "settings_version": version}
            for as_of, tier, score, version in rows]


def checked_choices(session: Session, direction: Any, commodity_id: Any, section_scope: str | None) -> dict[str, Any]:
    """A profile's direction and commodity as the ranking's filters take them ({"direction", "commodity_id"}, None
    for every one), refused as the ranking refuses them (InvalidInput: an unknown direction, a commodity of no
    section the reader sees)."""
    cleaned = clean_filters(session, {"direction": direction, "commodity_id": commodity_id}, section_scope)
    return {"direction": cleaned["direction"], "commodity_id": cleaned["commodity_id"]}


def profile(session: Session, service_user_id: int, *, office_id: int, section_scope: str | None,
            section: str | None = None, as_of: date | None = None, period_from: str | date | None = None,
            period_to: str | date | None = None, direction: str | None = None,
            commodity_id: int | str | None = None) -> dict[str, Any]:
    """A service user's track record: identity, score and its working, and how long each of the sections read
    when opened (profile_section) is: the timeline, the handlers, the tier history, the guidance.

    `period_from`/`period_to`: the score over a custom period (a ranking of such a period opens its companies'
    profiles on it), checked as the ranking checks it (InvalidInput: the wrong way round, or too long).
    `direction`/`commodity_id`: the score over those consignments (a ranking so filtered opens its companies'
    profiles on them), the timeline and the chart of the same."""
    found, scope_section_id = check_profile_access(session, service_user_id, office_id=office_id,
                                                   section_scope=section_scope)
    _code, section_id = resolve_section(session, section, section_scope)
    tz = office_zone(session, office_id)
    period_from, period_to = checked_period(session, period_from, period_to, section_scope, as_of or today_in(tz),
                                            current_settings(session)[1])
    chosen = checked_choices(session, direction, commodity_id, section_scope)
    working = explanation(session, service_user_id, office_id=office_id, section_id=section_id, as_of=as_of,
                          period_from=period_from, period_to=period_to, **chosen)
    commodity = session.scalar(select(Commodity.name).where(Commodity.id == chosen["commodity_id"])) \
        if chosen["commodity_id"] is not None else None
    return {
        "service_user": {"id": found.id, "name": found.name, "tax_id": found.tax_id, "address": found.address,
                         "city": found.city, "email": found.email, "phone": found.phone,
                         "blocked": found.blocked},
        "section": _code, "section_id": section_id, "timezone": tz, "explanation": working,
        "custom_period": bool(period_from or period_to),
        "direction": chosen["direction"], "commodity_id": chosen["commodity_id"], "commodity": commodity,
        "sizes": {"timeline": count_violation_events(session, service_user_id, office_id=office_id,
                                                     section_id=section_id, tz=tz, **chosen)},
        "sections": [code for code, sid in sections_by_code(session).items()
                     if section_scope is None and active_in_section(session, service_user_id, sid)],
    }


def profile_section(session: Session, service_user_id: int, name: str, *, office_id: int, section_scope: str | None,
                    section: str | None = None, page: int = 0, period_from: str | date | None = None,
                    period_to: str | date | None = None, direction: str | None = None,
                    commodity_id: int | str | None = None) -> dict[str, Any]:
    """One section of a profile, read when its reader opens it (the same reach as the profile's):
    `timeline` and `handlers` a page at a time ({rows, total, page, page_size}), `tier_history`, `guidance` and
    the score window's `monthly` consignments whole ({rows}): the custom period's, when the profile is scored for
    one (`period_from`/`period_to`, checked as `profile` checks them). The timeline and the chart are those of the
    `direction` and `commodity_id` the profile is scored for; the handlers, the tier history and the guidance are
    the company's whole record."""
    if name not in PROFILE_SECTIONS:
        raise NotFound(name)
    _found, scope_section_id = check_profile_access(session, service_user_id, office_id=office_id,
                                                    section_scope=section_scope)
    _code, section_id = resolve_section(session, section, section_scope)
    tz = office_zone(session, office_id)
    chosen = checked_choices(session, direction, commodity_id, section_scope) if name in ("timeline", "monthly") \
        else {}
    if name == "timeline":
        return {**timeline_page(session, service_user_id, office_id=office_id, section_id=section_id, tz=tz,
                                page=page, **chosen), "timezone": tz}
    if name == "handlers":
        found = handlers_of(session, service_user_id, office_id=office_id, section_id=section_id, page=page,
                            page_size=HANDLERS_PAGE_SIZE, reader_section_id=scope_section_id)
        return {"rows": found["handlers"], "total": found["total"], "page": page, "page_size": HANDLERS_PAGE_SIZE,
                "changes": found["changes"], "timezone": tz}
    if name == "tier_history":
        return {"rows": tier_history(session, service_user_id, section_id), "timezone": tz}
    if name == "monthly":
        scoring = current_settings(session)[1]
        period = checked_period(session, period_from, period_to, section_scope, today_in(tz), scoring)
        first, last = window(today_in(tz), scoring, *period)
        return {"rows": consignments_by_month(session, service_user_id, office_id=office_id, section_id=section_id,
                                              first=first, last=last, **chosen), "timezone": tz}
    return {"rows": guidance.records_for(session, service_user_id, section_id=scope_section_id), "timezone": tz}


def commodity_choices(session: Session, service_user_id: int, *, office_id: int, section_scope: str | None,
                      section: str | None = None) -> list[dict[str, Any]]:
    """The primary commodities of the company's consignments and violations in the reader's reach (the rollup's),
    by name: what its profile may be scored for. A profile checked for access first, as `profile` is."""
    check_profile_access(session, service_user_id, office_id=office_id, section_scope=section_scope)
    _code, section_id = resolve_section(session, section, section_scope)
    m = ComplianceMonthly
    query = (select(Commodity.id, Commodity.name).join(m, m.commodity_id == Commodity.id)
             .where(m.service_user_id == service_user_id, m.office_id == office_id).distinct()
             .order_by(Commodity.name, Commodity.id))
    if section_id is not None:
        query = query.where(m.section_id == section_id)
    return [{"id": cid, "name": name} for cid, name in session.execute(query)]


# ------------------------------------------------------------------------------------------------ handler
def _handler_in_reach(session: Session, handler_id: int, office_id: int | None, section_scope: str | None):
    """The handler, the conditions on its applications the reader may count, and the section whose tiers they read.

    NotFound: no such handler, or one of another office. Forbidden: a coordinator's section holds none of its
    applications (a handler is seen through the consignments of the reader's section)."""
    handler = session.get(Handler, handler_id)
    if handler is None or (office_id is not None and handler.office_id != office_id):
        raise NotFound(handler_id)
    a = Application
    conditions = [a.handler_id == handler_id, a.deleted_at.is_(None)]
    tier_section = ALL_SECTIONS
    if section_scope is not None:
        section_id = sections_by_code(session).get(section_scope)
        conditions.append(a.section_id == section_id)
        tier_section = section_id  # the tier the coordinator's ranking and profiles show, not one of every section
        if session.scalar(select(a.id).where(*conditions).limit(1)) is None:
            raise Forbidden(handler_id)
    return handler, conditions, tier_section


def check_handler_reach(session: Session, viewer, handler_id: int) -> None:
    """NotFound / Forbidden as the handler's page would meet them (`handler_profile` within `handler_reach`),
    reading a row or two: the page's document answers 404 for them (portal/app.py), before its callback draws."""
    _handler_in_reach(session, handler_id, **handler_reach(viewer))


def handler_profile(session: Session, handler_id: int, *, office_id: int | None, section_scope: str | None,
                    page: int = 0, page_size: int | None = None) -> dict[str, Any]:
    """The companies a handler has served, latest first, each with its current tier and first / last application
    with it (a page of them when `page_size` is given, read as such from the database: a busy handler serves
    hundreds), how many in all, and how many of them are tier D (NotFound / Forbidden: `_handler_in_reach`)."""
    handler, conditions, tier_section = _handler_in_reach(session, handler_id, office_id, section_scope)
    a, s = Application, ComplianceScore
    served = select(a.service_user_id.label("su")).where(*conditions).distinct().subquery()
    total = session.scalar(select(func.count()).select_from(served)) or 0
    query = (select(a.service_user_id, ServiceUser.name, ServiceUser.tax_id, func.count(), func.min(a.submitted_at),
                    func.max(a.submitted_at))
             .join(ServiceUser, ServiceUser.id == a.service_user_id).where(*conditions)
             .group_by(a.service_user_id, ServiceUser.name, ServiceUser.tax_id)
             .order_by(func.max(a.submitted_at).desc(), a.service_user_id))
    if page_size is not None:
        query = query.offset(max(page, 0) * page_size).limit(page_size)
    rows = session.execute(query).all()
    tiers = dict(session.execute(select(s.service_user_id, s.tier).where(
        s.service_user_id.in_([r[0] for r in rows]), s.section_id == tier_section)).all()) if rows else {}
    companies = [{"service_user_id": su, "name": name, "tax_id": tax, "applications": count, "first": first,
                  "last": last, "tier": tiers.get(su)} for su, name, tax, count, first, last in rows]
    # The flag counts what the list shows: a coordinator's companies served in their section at its tier (a flag
    # raised by the other section's companies told them of nothing they could see or act on); every section's on
    # the overall tier for a reader who sees them all, as inspection targeting counts it.
    tier_d = tier_d_companies_per_handler(
        session, [handler_id], section_id=None if tier_section == ALL_SECTIONS else tier_section).get(handler_id, 0)
    threshold = handler_flag_threshold(session)
    return {"handler": {"id": handler.id, "name": handler.name, "tax_id": handler.tax_id,
                        "address": handler.address, "phone": handler.phone, "email": handler.email},
            "companies": companies, "total": int(total), "page": page, "page_size": page_size or len(companies),
            "tier_d_companies": int(tier_d), "threshold": threshold, "flagged": tier_d >= threshold,
            "every_section": section_scope is None,
            "timezone": office_zone(session, handler.office_id)}
