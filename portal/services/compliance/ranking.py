"""Compliance profiling: scoring settings, rankings, profiles, handlers, score snapshots (DOMAIN: compliance).

Every score is computed with portal.domain.compliance from counts the rollups hold (compliance_monthly,
compliance_streaks), in SQL for the sums and in Python for the per-service-user working. Filters choose which
consignments and events count (section, direction, primary commodity, period) and the office rate p0 is taken
over the same filtered consignments, so a filter changes scores rather than hiding rows.

The window is counted in whole local months: the default is the current month to date and the
`window_months − 1` months before it; a custom period covers the months of its from and to dates.

Scope: every function takes the caller's `office_id` and `section_scope` (a section-scoped user's section code,
None for every section) and enforces them here, not in the page; `reach`, `company_reach` and `handler_reach`
derive them from the caller's portal.security.scope.Scope (rankings are computed for the home office).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from models import (Application, Commodity, Handler, Nnc, Office, QuarantineAction, Section, ServiceUser)
from models.application import DIRECTIONS
from models.compliance import (ALL_SECTIONS, ComplianceMonthly, ComplianceScore, ComplianceSettingsVersion,
                               ComplianceStreak, ComplianceTierHistory)
from portal import audit
from portal.domain import compliance as model
from portal.domain.compliance import TIERS, ScoringSettings
from portal.security.scope import Scope, scope_of
from portal.validation import ErrorCollector, Forbidden, NotFound

UTC = timezone.utc
SORTS = ("rank", "score_asc", "consignments", "violations", "name")
MAX_PERIOD_MONTHS = 120
TIMELINE_LIMIT = 500


# ------------------------------------------------------------------------------------------------ scope
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


def handler_reach(scope: Scope) -> dict[str, Any]:
    """`reach`, except that a scope seeing every office sees the handlers of every office."""
    scope = scope_of(scope)
    found = reach(scope)
    if scope.every_office:
        found["office_id"] = None
    return found


def _sections(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Section.code, Section.id)).all())


def _resolve_section(session: Session, section: str | None, section_scope: str | None) -> tuple[str | None, int | None]:
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
    ids = _sections(session)
    if section not in ids:
        errors = ErrorCollector()
        errors.add("section", "compliance.error.section")
        errors.raise_if_any()
    return section, ids[section]


def office_zone(session: Session, office_id: int) -> str:
    return session.scalar(select(Office.timezone).where(Office.id == office_id)) or "Asia/Jakarta"


def today_in(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()


# --------------------------------------------------------------------------------------------- settings
def current_settings(session: Session) -> tuple[int, ScoringSettings]:
    """The latest saved settings version and its values (the built-in defaults as version 0 if none)."""
    row = session.execute(select(ComplianceSettingsVersion).order_by(
        ComplianceSettingsVersion.version.desc()).limit(1)).scalar_one_or_none()
    if row is None:
        return 0, model.DEFAULT_SETTINGS
    return row.version, ScoringSettings.from_dict(row.values)


def settings_history(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    rows = session.scalars(select(ComplianceSettingsVersion).order_by(
        ComplianceSettingsVersion.version.desc()).limit(limit))
    return [{"version": r.version, "values": r.values, "created_by": r.created_by, "created_at": r.created_at,
             "note": r.note} for r in rows]


# Which settings are whole numbers, and the sensible range of each (the domain model only refuses negatives).
SETTING_RULES: dict[str, tuple[type, float, float]] = {
    "weight_detention": (float, 0, 100), "weight_refusal": (float, 0, 100), "weight_destruction": (float, 0, 100),
    "weight_nnc": (float, 0, 100), "window_months": (int, 1, 60), "prior_m": (float, 0.1, 10000),
    "tier_a_min_clean_streak": (int, 0, 100000), "tier_a_clean_months": (int, 0, 240),
    "tier_a_min_n": (int, 0, 100000), "tier_d_min_violation_records": (int, 1, 100000),
    "tier_d_score_below": (float, 0, 100), "tier_b_min_score": (float, 0, 100),
    "tightened_percent": (float, 0, 100), "normal_percent": (float, 0, 100), "reduced_percent": (float, 0, 100),
    "normal_after_clean": (int, 0, 100000), "reduced_after_more_clean": (int, 0, 100000),
}


def _number(value: Any, kind: type) -> int | float | None:
    if value is None or (isinstance(value, str) and not value.strip()) or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except Exception:  # noqa: BLE001 - any unparsable text is "not a number"
        return None
    if not number.is_finite():
        return None
    if kind is int:
        return int(number) if number == number.to_integral_value() else None
    as_int = int(number)
    return as_int if number == as_int else float(number)


def clean_settings(values: dict[str, Any]) -> ScoringSettings:
    """Validate a settings form: every field at once, with a message naming the allowed range."""
    errors = ErrorCollector()
    cleaned: dict[str, Any] = {}
    for name, (kind, low, high) in SETTING_RULES.items():
        number = _number(values.get(name), kind)
        if number is None:
            errors.add(name, "compliance.error.whole_number" if kind is int else "compliance.error.number")
        elif not low <= number <= high:
            errors.add(name, "compliance.error.range", low=low, high=high)
        else:
            cleaned[name] = number
    if not errors.errors and cleaned["tier_b_min_score"] < cleaned["tier_d_score_below"]:
        errors.add("tier_b_min_score", "compliance.error.b_below_d")
    if not errors.errors and not (cleaned["tightened_percent"] >= cleaned["normal_percent"]
                                  >= cleaned["reduced_percent"]):
        errors.add("normal_percent", "compliance.error.sampling_order")
    errors.raise_if_any()
    return ScoringSettings(**cleaned)


def save_settings(session: Session, actor_id: int | None, actor_username: str | None, values: dict[str, Any],
                  note: str | None = None) -> dict[str, Any]:
    """Store the settings as a new version (audited); scores computed afterwards name it."""
    settings = clean_settings(values)
    version, before = current_settings(session)
    if settings == before and version:
        return {"version": version, "changed": False}
    new_version = version + 1
    session.add(ComplianceSettingsVersion(version=new_version, values=settings.to_dict(), created_by_id=actor_id,
                                          created_by=actor_username, note=(note or "").strip()[:300] or None))
    changed_before, changed_after = audit.changed_fields(before.to_dict(), settings.to_dict())
    audit.record(session, actor_id, actor_username, "compliance_settings_changed", "compliance_settings",
                 new_version, changed_before, changed_after)
    session.flush()
    return {"version": new_version, "changed": True}


# ------------------------------------------------------------------------------------------------ window
def add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def month_end(first: date) -> date:
    from datetime import timedelta

    return add_months(first, 1) - timedelta(days=1)


def window(as_of: date, settings: ScoringSettings, period_from: date | None = None,
           period_to: date | None = None) -> tuple[date, date]:
    """(first month, last month) counted: the default window, or the months of a custom period."""
    if period_from is None and period_to is None:
        last = as_of.replace(day=1)
        return add_months(last, -(int(settings.window_months) - 1)), last
    first = (period_from or add_months(as_of.replace(day=1), -(int(settings.window_months) - 1))).replace(day=1)
    last = (period_to or as_of).replace(day=1)
    return first, last


def months_between(earlier: date, later: date) -> int:
    """Whole months elapsed from `earlier` to `later` (0 when later is earlier)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month - (1 if later.day < earlier.day else 0)
    return max(months, 0)


def _parse_date(value: Any, field: str, errors: ErrorCollector) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        errors.add(field, "compliance.error.date")
        return None


def _choice(value: Any) -> Any:
    """A filter value, or None for "every …" (empty, or the selects' "all")."""
    if isinstance(value, str):
        value = value.strip()
        return None if value in ("", "all") else value
    return value


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
    section, section_id = _resolve_section(session, filters.get("section"), section_scope)
    return {"section": section, "section_id": section_id, "direction": direction, "commodity_id": commodity_id,
            "tier": tier, "period_from": period_from, "period_to": period_to}


# ------------------------------------------------------------------------------------------------ engine
# Memos of the pure model functions, per settings (a handful at most): a ranking re-asks the same questions on
# every view until the next sync moves p0, and most service users share a few (V, n) and tier situations.
_MEMOS: dict[tuple, dict[str, dict]] = {}
MEMO_LIMIT = 200_000


def _memo(settings: ScoringSettings) -> dict[str, dict]:
    token = tuple(sorted(settings.to_dict().items()))
    found = _MEMOS.get(token)
    if found is None:
        if len(_MEMOS) >= 8:
            _MEMOS.clear()
        found = _MEMOS[token] = {"score": {}, "weighted": {}, "tier": {}, "level": {}}
    if len(found["score"]) > MEMO_LIMIT:
        found["score"].clear()
    return found


class _Model:
    """model.weighted_violations, score, tier and intervention_level, memoised for one settings version.

    The tier rules only compare each value with a threshold, so a count above its threshold decides exactly
    like the threshold itself, and a score decides only by which side of the D and B limits it falls: clamping
    the values there keeps every decision and lets a few dozen real calls answer thousands of rows.
    """

    def __init__(self, settings: ScoringSettings):
        self.settings = settings
        memo = _memo(settings)
        self.scores, self.weights, self.tiers, self.levels = memo["score"], memo["weighted"], memo["tier"], memo["level"]
        self.to_reduced = int(settings.normal_after_clean + settings.reduced_after_more_clean)
        self.below = Decimal(str(settings.tier_d_score_below))
        self.b_min = Decimal(str(settings.tier_b_min_score))

    def weighted(self, d: int, r: int, x: int, k: int):
        key = (d, r, x, k)
        found = self.weights.get(key)
        if found is None:
            found = self.weights[key] = model.weighted_violations(d, r, x, k, self.settings)
        return found

    def score(self, v, n: int, p0) -> Decimal:
        key = (v, n, p0)
        found = self.scores.get(key)
        if found is None:
            found = self.scores[key] = model.score(v, n, p0, self.settings)
        return found

    def _score_class(self, score_value: Decimal) -> Decimal:
        below, b_min = self.below, self.b_min
        if score_value < below:
            return below - 1
        if score_value >= b_min:
            return b_min
        return below if below < b_min else score_value

    def tier(self, score_value, records: int, streak: int, months_since, n: int) -> str:
        s = self.settings
        key = (self._score_class(score_value), min(records, s.tier_d_min_violation_records),
               min(streak, s.tier_a_min_clean_streak),
               None if months_since is None else min(months_since, s.tier_a_clean_months), min(n, s.tier_a_min_n))
        found = self.tiers.get(key)
        if found is None:
            found = self.tiers[key] = model.tier(*key, settings=s)
        return found

    def level(self, streak: int) -> model.InterventionLevel:
        key = min(streak, self.to_reduced)
        found = self.levels.get(key)
        if found is None:
            found = self.levels[key] = model.intervention_level(key, self.settings)
        return found


def _aggregate(session: Session, office_id: int, section_id: int | None, first: date, last: date,
               direction: str | None = None, commodity_id: int | None = None,
               service_user_ids: list[int] | None = None):
    """One row per service user: n, d, r, x, k over the filtered months, with streak and identity."""
    m = ComplianceMonthly
    conditions = [m.office_id == office_id, m.month >= first, m.month <= last]
    if section_id is not None:
        conditions.append(m.section_id == section_id)
    if direction is not None:
        conditions.append(m.direction == direction)
    if commodity_id is not None:
        conditions.append(m.commodity_id == commodity_id)
    if service_user_ids is not None:
        conditions.append(m.service_user_id.in_(service_user_ids))
    sums = select(m.service_user_id.label("su"), func.sum(m.n).label("n"), func.sum(m.d).label("d"),
                  func.sum(m.r).label("r"), func.sum(m.x).label("x"), func.sum(m.k).label("k")).where(
        *conditions).group_by(m.service_user_id).subquery()
    s = ComplianceStreak
    query = (select(sums.c.su, sums.c.n, sums.c.d, sums.c.r, sums.c.x, sums.c.k, ServiceUser.name,
                    ServiceUser.tax_id, s.clean_streak, s.last_violation_at)
             .join(ServiceUser, ServiceUser.id == sums.c.su)
             .outerjoin(s, and_(s.service_user_id == sums.c.su,
                                s.section_id == (section_id if section_id is not None else ALL_SECTIONS))))
    return session.execute(query).all()


def _office_totals(session: Session, office_id: int, section_id: int | None, first: date, last: date,
                   direction: str | None, commodity_id: int | None, settings: ScoringSettings) -> tuple[Any, int]:
    m = ComplianceMonthly
    conditions = [m.office_id == office_id, m.month >= first, m.month <= last]
    if section_id is not None:
        conditions.append(m.section_id == section_id)
    if direction is not None:
        conditions.append(m.direction == direction)
    if commodity_id is not None:
        conditions.append(m.commodity_id == commodity_id)
    n, d, r, x, k = session.execute(select(func.coalesce(func.sum(m.n), 0), func.coalesce(func.sum(m.d), 0),
                                           func.coalesce(func.sum(m.r), 0), func.coalesce(func.sum(m.x), 0),
                                           func.coalesce(func.sum(m.k), 0)).where(*conditions)).one()
    return model.weighted_violations(int(d), int(r), int(x), int(k), settings), int(n)


def score_rows(session: Session, office_id: int, *, section_id: int | None = None, first: date, last: date,
               as_of: date, settings: ScoringSettings, direction: str | None = None,
               commodity_id: int | None = None, service_user_ids: list[int] | None = None,
               tz: str | None = None) -> dict[str, Any]:
    """Score every service user with activity in the filtered window; ranked by score, then consignments."""
    tz = tz or office_zone(session, office_id)
    raw = _aggregate(session, office_id, section_id, first, last, direction, commodity_id, service_user_ids)
    if service_user_ids is None:
        office_v = model.weighted_violations(sum(int(r.d) for r in raw), sum(int(r.r) for r in raw),
                                             sum(int(r.x) for r in raw), sum(int(r.k) for r in raw), settings)
        office_n = sum(int(r.n) for r in raw)
    else:
        office_v, office_n = _office_totals(session, office_id, section_id, first, last, direction, commodity_id,
                                            settings)
    p0 = model.office_rate(office_v, office_n)
    zone = ZoneInfo(tz)
    decide = _Model(settings)
    rows = []
    for r in raw:
        n, d, rr, x, k = int(r.n), int(r.d), int(r.r), int(r.x), int(r.k)
        v = decide.weighted(d, rr, x, k)
        value = decide.score(v, n, p0)
        streak = int(r.clean_streak or 0)
        last_violation = r.last_violation_at
        months_since = None if last_violation is None else months_between(
            last_violation.astimezone(zone).date(), as_of)
        records = d + rr + x + k
        tier = decide.tier(value, records, streak, months_since, n)
        level = decide.level(streak)
        rows.append({"service_user_id": r.su, "name": r.name, "tax_id": r.tax_id, "consignments": n,
                     "detentions": d, "refusals": rr, "destructions": x, "nncs": k, "violations": records,
                     "weighted_violations": float(v), "score": float(value), "tier": tier,
                     "clean_streak": streak, "last_violation_at": last_violation,
                     "months_since_last_violation": months_since, "intervention": level.name,
                     "sampling_percent": float(level.sampling_percent)})
    # model.rank_key's order (score, then n, descending); scores are tenths, so floats order them exactly.
    rows.sort(key=lambda row: (-row["score"], -row["consignments"], row["name"]))
    for index, row in enumerate(rows, start=1):
        row["rank"] = index
    return {"rows": rows, "office_v": float(office_v), "office_n": office_n, "p0": float(p0)}


def _sorted(rows: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    if sort == "score_asc":
        return sorted(rows, key=lambda r: -r["rank"])
    if sort == "consignments":
        return sorted(rows, key=lambda r: (-r["consignments"], r["rank"]))
    if sort == "violations":
        return sorted(rows, key=lambda r: (-r["weighted_violations"], -r["violations"], r["rank"]))
    if sort == "name":
        return sorted(rows, key=lambda r: (r["name"].casefold(), r["rank"]))
    return rows


def ranking(session: Session, *, office_id: int, section_scope: str | None, filters: dict[str, Any] | None = None,
            as_of: date | None = None, sort: str = "rank", page: int = 0, page_size: int | None = 50,
            settings: tuple[int, ScoringSettings] | None = None) -> dict[str, Any]:
    """The ranking of one office (and section) under the filters: a page of rows, the tier counts, the working.

    A coordinator (`section_scope`) sees their own section only; asking for another is Forbidden.
    `page_size=None` returns every row (exports, the priority and guidance lists).
    """
    cleaned = clean_filters(session, filters, section_scope)
    version, scoring = settings or current_settings(session)
    tz = office_zone(session, office_id)
    as_of = as_of or today_in(tz)
    first, last = window(as_of, scoring, cleaned["period_from"], cleaned["period_to"])
    result = score_rows(session, office_id, section_id=cleaned["section_id"], first=first, last=last, as_of=as_of,
                        settings=scoring, direction=cleaned["direction"], commodity_id=cleaned["commodity_id"],
                        tz=tz)
    rows = result["rows"]
    tier_counts = {tier: 0 for tier in TIERS}
    for row in rows:
        tier_counts[row["tier"]] += 1
    if cleaned["tier"]:
        rows = [row for row in rows if row["tier"] == cleaned["tier"]]
    rows = _sorted(rows, sort if sort in SORTS else "rank")
    total = len(rows)
    page = max(int(page or 0), 0)
    if page_size:
        rows = rows[page * page_size:(page + 1) * page_size]
    return {"rows": rows, "total": total, "page": page, "page_size": page_size, "tier_counts": tier_counts,
            "ranked": sum(tier_counts.values()), "office_v": result["office_v"], "office_n": result["office_n"],
            "p0": result["p0"], "window_from": first, "window_to": min(month_end(last), as_of), "as_of": as_of,
            "settings_version": version, "settings": scoring.to_dict(), "filters": cleaned, "timezone": tz}


def filter_options(session: Session, section_scope: str | None) -> dict[str, Any]:
    """Sections and commodities to choose from (a coordinator's commodities are their section's)."""
    sections = [{"code": s.code, "name_id": s.name_id, "name_en": s.name_en}
                for s in session.scalars(select(Section).where(Section.active).order_by(Section.id))
                if section_scope is None or s.code == section_scope]
    query = select(Commodity.id, Commodity.name, Section.code).outerjoin(
        Section, Section.id == Commodity.section_id).order_by(Commodity.name)
    if section_scope is not None:
        query = query.where(Section.code == section_scope)
    commodities = [{"id": cid, "name": name, "section": code} for cid, name, code in session.execute(query)]
    return {"sections": sections, "commodities": commodities}


# --------------------------------------------------------------------------------------------- snapshots
def _score_offices(session: Session, office_ids: list[int] | None, section_id: int | None, first: date, last: date,
                   as_of: date, settings: ScoringSettings,
                   service_user_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Default-window scores of many offices in two queries (the snapshots): rows carry their office id."""
    m, s = ComplianceMonthly, ComplianceStreak
    conditions = [m.month >= first, m.month <= last]
    if office_ids is not None:
        conditions.append(m.office_id.in_(office_ids))
    if section_id is not None:
        conditions.append(m.section_id == section_id)
    totals = {}
    for office, d, r, x, k, n in session.execute(
            select(m.office_id, func.sum(m.d), func.sum(m.r), func.sum(m.x), func.sum(m.k), func.sum(m.n))
            .where(*conditions).group_by(m.office_id)):
        totals[office] = model.office_rate(model.weighted_violations(int(d), int(r), int(x), int(k), settings),
                                           int(n))
    if service_user_ids is not None:
        conditions.append(m.service_user_id.in_(service_user_ids))
    sums = select(m.office_id.label("office"), m.service_user_id.label("su"), func.sum(m.n).label("n"),
                  func.sum(m.d).label("d"), func.sum(m.r).label("r"), func.sum(m.x).label("x"),
                  func.sum(m.k).label("k")).where(*conditions).group_by(m.office_id, m.service_user_id).subquery()
    query = select(sums, s.clean_streak, s.last_violation_at).outerjoin(s, and_(
        s.service_user_id == sums.c.su, s.section_id == (section_id if section_id is not None else ALL_SECTIONS)))
    zones = {office: ZoneInfo(tz) for office, tz in session.execute(select(Office.id, Office.timezone))}
    decide = _Model(settings)
    rows = []
    for r in session.execute(query):
        n, d, rr, x, k = int(r.n), int(r.d), int(r.r), int(r.x), int(r.k)
        v = decide.weighted(d, rr, x, k)
        score_value = decide.score(v, n, totals.get(r.office, Fraction(0)))
        streak = int(r.clean_streak or 0)
        months_since = None if r.last_violation_at is None else months_between(
            r.last_violation_at.astimezone(zones.get(r.office, ZoneInfo("Asia/Jakarta"))).date(), as_of)
        rows.append({"office_id": r.office, "service_user_id": r.su, "n": n, "d": d, "r": rr, "x": x, "k": k,
                     "score": score_value, "tier": decide.tier(score_value, d + rr + x + k, streak, months_since, n),
                     "intervention": decide.level(streak).name, "clean_streak": streak,
                     "last_violation_at": r.last_violation_at})
    return rows


def refresh_scores(session: Session, office_id: int | None = None, service_user_ids: list[int] | None = None,
                   as_of: date | None = None) -> dict[str, Any]:
    """Recompute the current-score snapshots (default window, overall and per section) and the tier history.

    With `service_user_ids`, only their snapshots are rewritten (p0 is still the whole office's).
    """
    version, scoring = current_settings(session)
    if version == 0:
        return {"scores": 0}
    as_of = as_of or today_in("Asia/Jakarta")
    first, last = window(as_of, scoring)
    offices = None if office_id is None else [office_id]
    if offices is None and service_user_ids is not None:  # p0 only of the offices the touched users are in
        offices = sorted(set(session.scalars(select(ComplianceMonthly.office_id).where(
            ComplianceMonthly.service_user_id.in_(service_user_ids)).distinct())))
    now, last_day = datetime.now(UTC), month_end(last)
    snapshot_rows = []
    for section_id in [None] + list(_sections(session).values()):
        for row in _score_offices(session, offices, section_id, first, last, as_of, scoring, service_user_ids):
            row.update(section_id=ALL_SECTIONS if section_id is None else section_id, as_of=as_of,
                       window_from=first, window_to=last_day, settings_version=version, computed_at=now)
            snapshot_rows.append(row)
    s = ComplianceScore
    condition = []
    if office_id is not None:
        condition.append(s.office_id == office_id)
    if service_user_ids is not None:
        condition.append(s.service_user_id.in_(service_user_ids))
    previous = {(su, sec): (tier, ver) for su, sec, tier, ver in session.execute(
        select(s.service_user_id, s.section_id, s.tier, s.settings_version).where(*condition))}
    session.execute(delete(s).where(*condition))
    history, tiers = [], {t: 0 for t in TIERS}
    for row in snapshot_rows:
        if previous.get((row["service_user_id"], row["section_id"])) != (row["tier"], version):
            history.append({key: row[key] for key in ("service_user_id", "section_id", "office_id", "as_of", "tier",
                                                      "score", "settings_version")} | {"recorded_at": now})
        if row["section_id"] == ALL_SECTIONS:
            tiers[row["tier"]] += 1
    from portal.services.compliance.rollup import bulk_insert

    bulk_insert(session, s, snapshot_rows)
    bulk_insert(session, ComplianceTierHistory, history)
    return {"scores": len(snapshot_rows), "tiers": tiers, "settings_version": version}


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
    section_id = _sections(session).get(section_scope)
    if section_id is None or not active_in_section(session, service_user_id, section_id):
        raise Forbidden(service_user_id)
    return found, section_id


# ------------------------------------------------------------------------------------------------ profile
def explanation(session: Session, service_user_id: int, *, office_id: int, section_id: int | None,
                as_of: date | None = None, settings: tuple[int, ScoringSettings] | None = None) -> dict[str, Any]:
    """The full working of one service user's current score: counts, weights, prior, p0, window, events."""
    version, scoring = settings or current_settings(session)
    tz = office_zone(session, office_id)
    as_of = as_of or today_in(tz)
    first, last = window(as_of, scoring)
    office_v, office_n = _office_totals(session, office_id, section_id, first, last, None, None, scoring)
    own = _aggregate(session, office_id, section_id, first, last, service_user_ids=[service_user_id])
    n = d = r = x = k = 0
    streak, last_violation = None, None
    if own:
        row = own[0]
        n, d, r, x, k = int(row.n), int(row.d), int(row.r), int(row.x), int(row.k)
        streak, last_violation = row.clean_streak, row.last_violation_at
    if streak is None:
        found = session.get(ComplianceStreak, (service_user_id, section_id or ALL_SECTIONS))
        streak = found.clean_streak if found else 0
        last_violation = found.last_violation_at if found else None
    months_since = None if last_violation is None else months_between(
        last_violation.astimezone(ZoneInfo(tz)).date(), as_of)
    working = model.explain(d=d, r=r, x=x, k=k, n=n, office_v=office_v, office_n=office_n,
                            clean_streak=int(streak), months_since_last_violation=months_since, settings=scoring)
    window_to = min(month_end(last), as_of)
    events = violation_events(session, service_user_id, office_id=office_id, section_id=section_id,
                              date_from=first, date_to=window_to, tz=tz)
    monthly = consignments_by_month(session, service_user_id, office_id=office_id, section_id=section_id,
                                    first=first, last=last)
    return {**working, "settings_version": version, "window_from": first, "window_to": window_to,
            "last_violation_at": last_violation, "events": events, "consignments_by_month": monthly,
            "timezone": tz}


def _local_bounds(day_from: date, day_to: date, tz: str) -> tuple[datetime, datetime]:
    from datetime import time, timedelta

    zone = ZoneInfo(tz)
    return (datetime.combine(day_from, time(0), zone).astimezone(UTC),
            datetime.combine(day_to + timedelta(days=1), time(0), zone).astimezone(UTC))


def violation_events(session: Session, service_user_id: int, *, office_id: int | None, section_id: int | None,
                     date_from: date | None = None, date_to: date | None = None, tz: str = "Asia/Jakarta",
                     limit: int = TIMELINE_LIMIT) -> list[dict[str, Any]]:
    """Every 3P action and non-void NNC of a service user (optionally in a date range), newest first."""
    q = QuarantineAction
    actions = (select(q.id, q.kind, q.action_at, q.reason, q.application_id, Application.number, Section.code)
               .join(Application, Application.id == q.application_id).join(Section, Section.id == q.section_id)
               .where(q.service_user_id == service_user_id, q.deleted_at.is_(None)))
    nncs = (select(Nnc.id, Nnc.number, Nnc.notice_date, Nnc.status, Nnc.category, Nnc.application_id,
                   Nnc.commodity, Section.code).join(Section, Section.id == Nnc.section_id)
            .where(Nnc.service_user_id == service_user_id, Nnc.status != "void"))
    if office_id is not None:
        actions, nncs = actions.where(q.office_id == office_id), nncs.where(Nnc.office_id == office_id)
    if section_id is not None:
        actions, nncs = actions.where(q.section_id == section_id), nncs.where(Nnc.section_id == section_id)
    if date_from is not None and date_to is not None:
        start, end = _local_bounds(date_from, date_to, tz)
        actions = actions.where(q.action_at >= start, q.action_at < end)
        nncs = nncs.where(Nnc.notice_date >= date_from, Nnc.notice_date <= date_to)
    events = []
    for aid, kind, at, reason, app_id, number, section in session.execute(
            actions.order_by(q.action_at.desc()).limit(limit)):
        events.append({"type": kind, "id": aid, "at": at, "date": at.astimezone(ZoneInfo(tz)).date(),
                       "detail": reason, "application_id": app_id, "application_number": number,
                       "nnc_id": None, "section": section})
    for nid, number, notice, status, category, app_id, commodity, section in session.execute(
            nncs.order_by(Nnc.notice_date.desc()).limit(limit)):
        events.append({"type": "nnc", "id": nid, "at": None, "date": notice, "detail": commodity,
                       "category": category, "status": status, "application_id": app_id, "nnc_number": number,
                       "nnc_id": nid, "section": section})
    events.sort(key=lambda e: (e["date"], e["at"] or datetime.min.replace(tzinfo=UTC)), reverse=True)
    return events[:limit]


def consignments_by_month(session: Session, service_user_id: int, *, office_id: int, section_id: int | None,
                          first: date, last: date) -> list[dict[str, Any]]:
    """n and the violation records per month, from the rollup; months without activity included as zeros."""
    m = ComplianceMonthly
    query = select(m.month, func.sum(m.n), func.sum(m.d + m.r + m.x + m.k)).where(
        m.service_user_id == service_user_id, m.office_id == office_id, m.month >= first, m.month <= last)
    if section_id is not None:
        query = query.where(m.section_id == section_id)
    found = {}
    for month, n, v in session.execute(query.group_by(m.month)):
        month = month if isinstance(month, date) else date.fromisoformat(str(month))
        found[month] = (int(n), int(v))
    result, month = [], first
    while month <= last:
        n, v = found.get(month, (0, 0))
        result.append({"month": month, "consignments": n, "violations": v})
        month = add_months(month, 1)
    return result


def handlers_of(session: Session, service_user_id: int, *, office_id: int | None,
                section_id: int | None) -> dict[str, Any]:
    """The handlers a service user used: per handler first / last application and count; how often it changed."""
    a = Application
    conditions = [a.service_user_id == service_user_id, a.deleted_at.is_(None)]
    if office_id is not None:
        conditions.append(a.office_id == office_id)
    if section_id is not None:
        conditions.append(a.section_id == section_id)
    per_handler = session.execute(
        select(a.handler_id, Handler.name, func.count(), func.min(a.submitted_at), func.max(a.submitted_at))
        .outerjoin(Handler, Handler.id == a.handler_id).where(*conditions)
        .group_by(a.handler_id, Handler.name).order_by(func.min(a.submitted_at))).all()
    ordered = select(a.handler_id.label("h"), func.lag(a.handler_id).over(
        order_by=(a.submitted_at, a.id)).label("previous"), func.row_number().over(
        order_by=(a.submitted_at, a.id)).label("position")).where(*conditions).subquery()
    changes = session.scalar(select(func.count()).select_from(ordered).where(
        ordered.c.position > 1, or_(
            and_(ordered.c.h.is_(None), ordered.c.previous.is_not(None)),
            and_(ordered.c.h.is_not(None), ordered.c.previous.is_(None)),
            ordered.c.h != ordered.c.previous))) or 0
    handler_ids = [row[0] for row in per_handler if row[0] is not None]
    tier_d = tier_d_companies_per_handler(session, handler_ids)
    handlers = [{"handler_id": hid, "name": name, "applications": count, "first": first, "last": last,
                 "tier_d_companies": tier_d.get(hid, 0), "flagged": tier_d.get(hid, 0) >= 3}
                for hid, name, count, first, last in per_handler]
    return {"handlers": handlers, "changes": int(changes)}


def tier_d_companies_per_handler(session: Session, handler_ids: list[int]) -> dict[int, int]:
    """handler id → how many distinct companies it has served that are now tier D (overall score)."""
    if not handler_ids:
        return {}
    a, s = Application, ComplianceScore
    pairs = select(a.handler_id.label("h"), a.service_user_id.label("su")).where(
        a.handler_id.in_(handler_ids), a.deleted_at.is_(None)).distinct().subquery()
    query = (select(pairs.c.h, func.count()).join(s, and_(s.service_user_id == pairs.c.su,
                                                          s.section_id == ALL_SECTIONS, s.tier == "D"))
             .group_by(pairs.c.h))
    return {h: int(count) for h, count in session.execute(query)}


def tier_history(session: Session, service_user_id: int, section_id: int | None) -> list[dict[str, Any]]:
    h = ComplianceTierHistory
    rows = session.execute(select(h.as_of, h.tier, h.score, h.settings_version).where(
        h.service_user_id == service_user_id, h.section_id == (section_id or ALL_SECTIONS)).order_by(
        h.as_of.desc(), h.id.desc()).limit(100))
    return [{"as_of": as_of, "tier": tier, "score": float(score), "settings_version": version}
            for as_of, tier, score, version in rows]


def profile(session: Session, service_user_id: int, *, office_id: int, section_scope: str | None,
            section: str | None = None, as_of: date | None = None) -> dict[str, Any]:
    """A service user's track record: identity, score and its working, timeline, handlers, tiers, guidance."""
    found, scope_section_id = check_profile_access(session, service_user_id, office_id=office_id,
                                                   section_scope=section_scope)
    _code, section_id = _resolve_section(session, section, section_scope)
    tz = office_zone(session, office_id)
    working = explanation(session, service_user_id, office_id=office_id, section_id=section_id, as_of=as_of)
    from portal.services.compliance import guidance

    return {
        "service_user": {"id": found.id, "name": found.name, "tax_id": found.tax_id, "address": found.address,
                         "city": found.city, "email": found.email, "phone": found.phone,
                         "blocked": found.blocked},
        "section": _code, "section_id": section_id, "timezone": tz, "explanation": working,
        "timeline": violation_events(session, service_user_id, office_id=office_id, section_id=section_id, tz=tz),
        "handlers": handlers_of(session, service_user_id, office_id=office_id, section_id=section_id),
        "tier_history": tier_history(session, service_user_id, section_id),
        "guidance": guidance.records_for(session, service_user_id, section_id=scope_section_id),
        "sections": [code for code, sid in _sections(session).items()
                     if section_scope is None and active_in_section(session, service_user_id, sid)],
    }


# ------------------------------------------------------------------------------------------------ handler
def handler_profile(session: Session, handler_id: int, *, office_id: int | None,
                    section_scope: str | None) -> dict[str, Any]:
    """The companies a handler has served, each with its current tier and first / last application with it."""
    handler = session.get(Handler, handler_id)
    if handler is None or (office_id is not None and handler.office_id != office_id):
        raise NotFound(handler_id)
    a, s = Application, ComplianceScore
    conditions = [a.handler_id == handler_id, a.deleted_at.is_(None)]
    if section_scope is not None:
        section_id = _sections(session).get(section_scope)
        conditions.append(a.section_id == section_id)
    rows = session.execute(
        select(a.service_user_id, ServiceUser.name, ServiceUser.tax_id, func.count(), func.min(a.submitted_at),
               func.max(a.submitted_at))
        .join(ServiceUser, ServiceUser.id == a.service_user_id).where(*conditions)
        .group_by(a.service_user_id, ServiceUser.name, ServiceUser.tax_id)
        .order_by(func.max(a.submitted_at).desc())).all()
    if section_scope is not None and not rows:
        raise Forbidden(handler_id)
    tiers = dict(session.execute(select(s.service_user_id, s.tier).where(
        s.service_user_id.in_([r[0] for r in rows]), s.section_id == ALL_SECTIONS)).all()) if rows else {}
    companies = [{"service_user_id": su, "name": name, "tax_id": tax, "applications": count, "first": first,
                  "last": last, "tier": tiers.get(su)} for su, name, tax, count, first, last in rows]
    tier_d = sum(1 for c in companies if c["tier"] == "D")
    return {"handler": {"id": handler.id, "name": handler.name, "tax_id": handler.tax_id,
                        "address": handler.address, "phone": handler.phone, "email": handler.email},
            "companies": companies, "tier_d_companies": tier_d, "flagged": tier_d >= 3,
            "timezone": office_zone(session, handler.office_id)}
