"""The ranking's default view scored, tiered, ranked and paged by PostgreSQL in one statement over the score snapshots
(issue #17): only the page's rows come back to Python.

The rule is portal.domain.compliance's, which stays the reference (tests compare the two over random rollups): V
weighted; p0 from the office when its filtered window holds p0_min_consignments, else from every office (read only
then: the every-office counts sit in scalar subqueries of the branches below the floor, a lazy CTE scan), else the
setting; the score 100·(1 − min(1, p)) to 0.1 half up, exactly (integer division of exact numerics, as the model
rounds its Fraction); the tier in the order A, D, B, C; ranked by score, consignments, then name in code-point order
(as Python sorts strings) and service user; the tier counts of the whole ranking; then the tier filter, the order and
the page. Used for a page on PostgreSQL without a search or a name order (Python's casefold has no SQL twin) and with
settings that are exact decimals; everything else goes through ranking._scored and page_of_ranked. Filtered views
stay there too: over the window's rollup the Python rule with its memos measured less CPU (docs/performance.md).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Date, Integer, Numeric, and_, case, cast, extract, func, literal, or_, select
from sqlalchemy.orm import Session

from models import ServiceUser
from portal.domain import compliance as model
from portal.domain.compliance import TIERS, ScoringSettings

SORTS_IN_SQL = ("rank", "score_asc", "consignments", "violations")


def _decimal(value) -> Decimal | None:
    """A setting as an exact Decimal (a float through its shortest repr, as the model reads it), or None."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    exact = Fraction(value)
    found = Decimal(exact.numerator) / Decimal(exact.denominator)
    return found if Fraction(found) == exact else None


_NUMBERS = ("weight_detention", "weight_refusal", "weight_destruction", "weight_nnc", "prior_m", "p0_fallback",
            "tier_d_score_below", "tier_b_min_score")


def usable(session: Session, settings: ScoringSettings, *, search: str | None, sort: str,
           page_size: int | None) -> bool:
    """Whether this ranking can be answered here with exactly the Python path's answer."""
    return (bool(page_size) and not (search or "").strip() and (sort if sort else "rank") in SORTS_IN_SQL
            and session.get_bind().dialect.name == "postgresql"
            and all(_decimal(getattr(settings, name)) is not None for name in _NUMBERS))


def p0_floor(settings: ScoringSettings) -> int:
    """The office's consignments from which p0 is its own rate (model.prior_source's floor)."""
    return max(int(settings.p0_min_consignments), 1)


def _number(value) -> Any:
    return literal(_decimal(value), Numeric())


def ranked_page(session: Session, counts, every_office, *, settings: ScoringSettings, as_of: date, tz: str,
                tier: str | None, sort: str, page: int, page_size: int) -> dict[str, Any] | None:
    """page_of_ranked's answer plus the working (office V and n, p0 and its source), or None for an empty page (the
    caller's Python path then says the totals of an office with no rows, or of a page past the end).

    `counts`: a subquery of one row per service user (su, n, d, r, x, k, clean_streak, last_violation_at);
    `every_office`: a subquery of (n, d, r, x, k) rows whose sums are every office's counts under the same filters,
    or None when the caller knows the office holds at least p0_floor consignments (p0 is then the office's own).
    """
    s = settings
    wd, wr, wx, wk, m = (_number(s.weight_detention), _number(s.weight_refusal), _number(s.weight_destruction),
                         _number(s.weight_nnc), _number(s.prior_m))
    floor = p0_floor(s)

    def weighted(c):
        return wd * c.d + wr * c.r + wx * c.x + wk * c.k

    # Each step is a MATERIALIZED CTE: PostgreSQL would otherwise pull the subqueries up and work the score (and the
    # office's totals) out again wherever a later step names it.
    def step(query, name):
        return query.cte(name).prefix_with("MATERIALIZED")

    counts = step(select(counts), "counts")
    c = counts.c
    office = step(select(func.coalesce(func.sum(weighted(c)), 0).label("v0"),
                         func.coalesce(func.sum(c.n), 0).label("n0")), "office")
    every = step(select(literal(0).label("v0"), literal(0).label("n0")) if every_office is None else
                 select(func.coalesce(func.sum(weighted(every_office.c)), 0).label("v0"),
                        func.coalesce(func.sum(every_office.c.n), 0).label("n0")), "every_office")
    own = office.c.n0 >= floor

    def below_floor(every_office_value, setting_value):
        return select(case((every.c.n0 >= floor, every_office_value), else_=setting_value)).scalar_subquery()

    prior = step(select(
        case((own, literal(model.P0_OFFICE)),
             else_=below_floor(literal(model.P0_ALL_OFFICES), literal(model.P0_SETTING))).label("source"),
        case((own, cast(office.c.v0, Numeric())), else_=below_floor(cast(every.c.v0, Numeric()),
                                                                    _number(s.p0_fallback))).label("pv"),
        case((own, cast(office.c.n0, Numeric())), else_=below_floor(cast(every.c.n0, Numeric()),
                                                                    literal(Decimal(1), Numeric()))).label("pn"),
        office.c.v0, office.c.n0), "prior")

    # p = (V + m·pv/pn) / (n + m); score tenths = 1000·(1 − p) = 1000·num/den, rounded half up: ⌊(2000·num + den) /
    # (2·den)⌋ (num ≤ 0: p ≥ 1, score 0).
    v = weighted(c)
    num = (c.n + m) * prior.c.pn - v * prior.c.pn - m * prior.c.pv
    den = (c.n + m) * prior.c.pn
    tenths = case((num <= 0, 0), else_=func.div(2000 * num + den, 2 * den))
    last_day = cast(func.timezone(tz, c.last_violation_at), Date)
    months = (as_of.year * 12 + as_of.month - cast(extract("year", last_day) * 12 + extract("month", last_day), Integer)
              - case((cast(extract("day", last_day), Integer) > as_of.day, 1), else_=0))
    scored = step(select(c.su, c.n, c.d, c.r, c.x, c.k, c.clean_streak, c.last_violation_at, v.label("v"),
                         (cast(tenths, Numeric()) / 10).label("score"),
                         case((c.last_violation_at.is_(None), None), else_=func.greatest(months, 0))
                         .label("months_since"), prior.c.source, prior.c.pv, prior.c.pn, prior.c.v0, prior.c.n0)
                  .select_from(counts.join(prior, literal(True))), "scored")
    t = scored.c
    decided = case(
        (and_(t.clean_streak >= s.tier_a_min_clean_streak,
              or_(t.months_since.is_(None), t.months_since >= s.tier_a_clean_months), t.n >= s.tier_a_min_n), "A"),
        (or_(t.d + t.r + t.x + t.k >= s.tier_d_min_violation_records, t.score < _number(s.tier_d_score_below)), "D"),
        (t.score >= _number(s.tier_b_min_score), "B"), else_="C")
    tiered = step(select(scored, decided.label("tier")), "tiered")
    name = ServiceUser.name
    t = tiered.c
    ranked = (select(tiered, name.label("name"), ServiceUser.tax_id.label("tax_id"),
                     func.row_number().over(order_by=(t.score.desc(), t.n.desc(), name.collate("C"), t.su))
                     .label("rank"),
                     *(func.count().filter(t.tier == value).over().label(f"tier_{value}") for value in TIERS))
              .join(ServiceUser, ServiceUser.id == t.su).subquery("ranked"))
    r = ranked.c
    order = {"rank": (r.rank,), "score_asc": (r.rank.desc(),), "consignments": (r.n.desc(), r.rank),
             "violations": (r.v.desc(), (r.d + r.r + r.x + r.k).desc(), r.rank)}[sort or "rank"]
    page = max(int(page or 0), 0)
    query = select(ranked, func.count().over().label("total")).order_by(*order).offset(page * page_size).limit(
        page_size)
    if tier:
        query = query.where(r.tier == tier)
    found = session.execute(query).all()
    if not found:
        return None
    top = found[0]
    to_reduced = int(s.normal_after_clean + s.reduced_after_more_clean)
    levels = {}

    def level(streak: int) -> model.InterventionLevel:
        key = min(streak, to_reduced)
        if key not in levels:
            levels[key] = model.intervention_level(key, s)
        return levels[key]

    rows = [{"service_user_id": row.su, "name": row.name, "tax_id": row.tax_id, "consignments": int(row.n),
             "detentions": int(row.d), "refusals": int(row.r), "destructions": int(row.x), "nncs": int(row.k),
             "violations": int(row.d + row.r + row.x + row.k), "weighted_violations": float(row.v),
             "score": float(row.score), "tier": row.tier, "clean_streak": int(row.clean_streak),
             "last_violation_at": row.last_violation_at, "months_since_last_violation": row.months_since,
             "intervention": level(int(row.clean_streak)).name,
             "sampling_percent": float(level(int(row.clean_streak)).sampling_percent), "rank": int(row.rank)}
            for row in found]
    tier_counts = {value: int(getattr(top, f"tier_{value}")) for value in TIERS}
    return {"rows": rows, "total": int(top.total), "page": page, "page_size": page_size, "tier_counts": tier_counts,
            "ranked": sum(tier_counts.values()), "office_v": float(top.v0), "office_n": int(top.n0),
            "p0": float(Fraction(top.pv) / Fraction(top.pn)), "p0_source": top.source}
