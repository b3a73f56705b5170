"""Compliance rankings and the score snapshots (DOMAIN: compliance); settings, filters and profiles live beside it.

Every score is computed with portal.domain.compliance from counts the rollups hold (compliance_monthly,
compliance_streaks), in SQL for the sums and in Python for the per-service-user working. Filters choose which
consignments and events count (section, direction, primary commodity, period) and the office rate p0 is taken
over the same filtered consignments, so a filter changes scores rather than hiding rows.

The window is counted in exact local days (DOMAIN): by default the last `window_months` months ending today,
from the day after the same date then, sliding every day; a custom period counts its own days. The whole months
inside it come from compliance_monthly and the partial edge months (at most two) from the raw rows of those days
(portal.services.compliance.rollup.monthly_source), so it stays one aggregate over the rollup plus a few days.

Scope: every function takes the caller's `office_id` and `section_scope` (a section-scoped user's section code,
None for every section) and enforces them here, not in the page; `reach`, `company_reach` and `handler_reach`
derive them from the caller's portal.security.scope.Scope (rankings are computed for the home office).
"""
from __future__ import annotations

from collections import namedtuple
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, and_, cast, delete, func, null, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Commodity, Office, Section, ServiceUser, Setting
from models.compliance import (ALL_SECTIONS, COUNTS, ComplianceMonthly, ComplianceNationalRun, ComplianceScore,
                               ComplianceStreak, ComplianceTierHistory)
from portal.domain import compliance as model
from portal.domain.compliance import TIERS, ScoringSettings
from portal.domain.periods import months_between, split_months, today_in
from portal.services.compliance.bulk import bulk_insert, refreshed_rows
from portal.services.compliance.filters import clean_filters, sections_by_code, window
from portal.services.compliance import ranked_sql
from portal.services.compliance.sources import monthly_source, office_offsets
from portal.services.compliance.scoring_settings import current_settings
from portal.services.compliance.streaks import filtered_streaks
from portal.services.offices import office_zone
from portal.settings import default_timezone
from portal.view_cache import cached

UTC = timezone.utc
SORTS = ("rank", "score_asc", "consignments", "violations", "name")


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


def window_counts(session: Session, office_ids: list[int] | None, section_id: int | None, first: date, last: date,
                  direction: str | None = None, commodity_id: int | None = None,
                  service_user_ids: list[int] | None = None, with_section: bool = False,
                  offsets: dict[int, int] | None = None):
    """Subquery of (office_id, service_user_id, n, d, r, x, k) rows whose sums are the counts of the local days
    first…last (inclusive), narrowed by the filters that are set: the rollup's whole months plus the edge days
    counted from the raw rows. ``with_section``: a section_id column too (every section's rows in one pass).
    ``offsets``: the offices' UTC offsets (sources.office_offsets), when already read."""
    m = ComplianceMonthly
    months, edges = split_months(first, last)
    keys = ("office_id", "service_user_id", "section_id", "direction", "commodity_id", *COUNTS)
    parts = []
    if months is not None:
        whole = select(*(getattr(m, key) for key in keys)).where(m.month >= months[0], m.month <= months[1])
        if office_ids is not None:
            whole = whole.where(m.office_id.in_(office_ids))
        if service_user_ids is not None:
            whole = whole.where(m.service_user_id.in_(service_user_ids))
        parts.append(whole)
    if edges:  # both edge months in one pass over the raw rows
        raw = monthly_source(session, office_ids=office_ids, service_user_ids=service_user_ids, days=edges,
                             offsets=offsets).subquery()
        parts.append(select(*(raw.c[key] for key in keys)))
    if not parts:  # an empty period (cannot pass clean_filters, but keep the shape)
        parts.append(select(*(getattr(m, key) for key in keys)).where(m.office_id.is_(None)))
    rows = union_all(*parts).subquery("window_rows") if len(parts) > 1 else parts[0].subquery("window_rows")
    query = select(rows.c.office_id, rows.c.service_user_id, *(rows.c[c] for c in COUNTS),
                   *([rows.c.section_id] if with_section else []))
    if section_id is not None:
        query = query.where(rows.c.section_id == section_id)
    if direction is not None:
        query = query.where(rows.c.direction == direction)
    if commodity_id is not None:
        query = query.where(rows.c.commodity_id == commodity_id)
    return query.subquery("window_counts")


def aggregate(session: Session, office_id: int, section_id: int | None, first: date, last: date,
              direction: str | None = None, commodity_id: int | None = None,
              service_user_ids: list[int] | None = None):
    """One row per service user: n, d, r, x, k over the filtered days, with streak and identity."""
    m = window_counts(session, [office_id], section_id, first, last, direction, commodity_id, service_user_ids)
    sums = select(m.c.service_user_id.label("su"), *(func.sum(m.c[c]).label(c) for c in COUNTS)).group_by(
        m.c.service_user_id).subquery()
    s = ComplianceStreak
    query = (select(sums.c.su, sums.c.n, sums.c.d, sums.c.r, sums.c.x, sums.c.k, ServiceUser.name,
                    ServiceUser.tax_id, s.clean_streak, s.last_violation_at)
             .join(ServiceUser, ServiceUser.id == sums.c.su)
             .outerjoin(s, and_(s.service_user_id == sums.c.su,
                                s.section_id == (section_id if section_id is not None else ALL_SECTIONS))))
    return session.execute(query).all()


def office_and_everywhere(session: Session, office_id: int, section_id: int | None, first: date, last: date,
                          direction: str | None, commodity_id: int | None, settings: ScoringSettings):
    """`aggregate`'s rows of the office and, from the same statement, every office's (V, n) over the same filtered
    days — read only when the office's own consignments there fall below p0's floor, the one case p0 needs them
    (model.prior_source); else None.

    One window_counts built for both (a filtered view paid ≈ 10 ms of statement building per window_counts and a
    second round trip): the office's rows are that subquery narrowed to the office (PostgreSQL pushes the office
    into the rollup's and the edge days' reads), held in a CTE, and the every-office aggregate sits behind a
    condition on the CTE's sum that refers to no row, so PostgreSQL evaluates it once and skips the whole read
    when the office has enough consignments."""
    offsets = office_offsets(session)
    floor = ranked_sql.p0_floor(settings)
    key = (session.get_bind().dialect.name, office_id, section_id, first, last, direction, commodity_id, floor,
           tuple(sorted(offsets.items())))
    statement = _STATEMENTS.get(key)
    if statement is None:
        if len(_STATEMENTS) >= STATEMENT_LIMIT:
            _STATEMENTS.clear()
        statement = _STATEMENTS[key] = _office_and_everywhere_statement(
            session, office_id, section_id, first, last, direction, commodity_id, floor, offsets)
    raw, totals = [], None
    for row in session.execute(statement).all():
        if row.su is None:  # the every-office row: its sums, or (above the floor) an empty read that is not used
            totals = (int(row.n), int(row.d), int(row.r), int(row.x), int(row.k))
        else:
            raw.append(row)
    office_n = sum(int(r.n) for r in raw)
    if office_n >= floor or totals is None:
        return raw, None
    n, d, r, x, k = totals
    return raw, (model.weighted_violations(d, r, x, k, settings), n)


# office_and_everywhere's statements by their inputs (every value is bound in them): building one took ≈ 10 ms of
# Python, and another page, order, tier or search of the same filters (each its own view-cache entry) counts the
# same. The offices' UTC offsets are in the key, so a changed office zone builds anew.
_STATEMENTS: dict[tuple, Any] = {}
STATEMENT_LIMIT = 64


def _office_and_everywhere_statement(session: Session, office_id: int, section_id: int | None, first: date,
                                     last: date, direction: str | None, commodity_id: int | None, floor: int,
                                     offsets: dict[int, int]):
    every = window_counts(session, None, section_id, first, last, direction, commodity_id, offsets=offsets)
    mine = (select(every.c.service_user_id.label("su"), *(func.sum(every.c[c]).label(c) for c in COUNTS))
            .where(every.c.office_id == office_id).group_by(every.c.service_user_id).cte("office_sums"))
    s = ComplianceStreak
    rows = (select(mine.c.su, *(mine.c[c] for c in COUNTS), ServiceUser.name, ServiceUser.tax_id, s.clean_streak,
                   s.last_violation_at)
            .join(ServiceUser, ServiceUser.id == mine.c.su)
            .outerjoin(s, and_(s.service_user_id == mine.c.su,
                               s.section_id == (section_id if section_id is not None else ALL_SECTIONS))))
    below = select(func.coalesce(func.sum(mine.c.n), 0)).scalar_subquery() < floor
    everywhere = select(cast(null(), Integer).label("su"), *(func.coalesce(func.sum(every.c[c]), 0) for c in COUNTS),
                        cast(null(), String).label("name"), cast(null(), String).label("tax_id"),
                        cast(null(), Integer).label("clean_streak"),
                        cast(null(), s.last_violation_at.type).label("last_violation_at")).where(below)
    return union_all(rows, everywhere)


def office_totals(session: Session, office_id: int | None, section_id: int | None, first: date, last: date,
                  direction: str | None, commodity_id: int | None, settings: ScoringSettings) -> tuple[Any, int]:
    """Office-wide (None: every office's) weighted violations V and consignments n over the filtered days."""
    m = window_counts(session, None if office_id is None else [office_id], section_id, first, last, direction,
                      commodity_id)
    n, d, r, x, k = session.execute(select(*(func.coalesce(func.sum(m.c[c]), 0) for c in COUNTS))).one()
    return model.weighted_violations(int(d), int(r), int(x), int(k), settings), int(n)


def prior(session: Session, office_id: int, section_id: int | None, first: date, last: date,
          direction: str | None, commodity_id: int | None, settings: ScoringSettings,
          office: tuple[Any, int] | None = None, everywhere: tuple[Any, int] | None = None) -> dict[str, Any]:
    """The p0 a score shrinks toward and where it came from (model.prior_source): the office's own rate, every
    office's, or the setting. `office`: the office's (V, n) when the caller already summed them; `everywhere`:
    every office's, when the caller read them already (office_and_everywhere)."""
    office_v, office_n = office or office_totals(session, office_id, section_id, first, last, direction,
                                                 commodity_id, settings)
    all_v, all_n = office_v, office_n
    if office_n < ranked_sql.p0_floor(settings):  # every office's totals are read only when they are needed
        all_v, all_n = everywhere or office_totals(session, None, section_id, first, last, direction, commodity_id,
                                                   settings)
    return {"office_v": office_v, "office_n": office_n, "all_v": all_v, "all_n": all_n,
            "p0": model.prior_rate(office_v, office_n, all_v, all_n, settings),
            "p0_source": model.prior_source(office_n, all_n, settings)}


def score_rows(session: Session, office_id: int, *, section_id: int | None = None, first: date, last: date,
               as_of: date, settings: ScoringSettings, direction: str | None = None,
               commodity_id: int | None = None, service_user_ids: list[int] | None = None,
               tz: str | None = None) -> dict[str, Any]:
    """Score every service user with activity in the filtered window; ranked by score, then consignments."""
    tz = tz or office_zone(session, office_id)
    everywhere = None
    if service_user_ids is None:
        raw, everywhere = office_and_everywhere(session, office_id, section_id, first, last, direction,
                                                commodity_id, settings)
    else:
        raw = aggregate(session, office_id, section_id, first, last, direction, commodity_id, service_user_ids)
    return _scored(session, raw, office_id, section_id=section_id, first=first, last=last, as_of=as_of,
                   settings=settings, direction=direction, commodity_id=commodity_id,
                   whole_office=service_user_ids is None, tz=tz, everywhere=everywhere)


def _scored(session: Session, raw, office_id: int, *, section_id: int | None, first: date, last: date, as_of: date,
            settings: ScoringSettings, direction: str | None, commodity_id: int | None, whole_office: bool,
            tz: str, everywhere: tuple[Any, int] | None = None) -> dict[str, Any]:
    """Score and rank the per-service-user counts `raw` (from the window's rollup, or from the snapshots)."""
    office = None
    if whole_office:
        office = (model.weighted_violations(sum(int(r.d) for r in raw), sum(int(r.r) for r in raw),
                                            sum(int(r.x) for r in raw), sum(int(r.k) for r in raw), settings),
                  sum(int(r.n) for r in raw))
    base = prior(session, office_id, section_id, first, last, direction, commodity_id, settings, office, everywhere)
    office_v, office_n, p0 = base["office_v"], base["office_n"], base["p0"]
    zone = ZoneInfo(tz)
    decide = _Model(settings)
    # Under a direction or commodity filter the streak and the last violation are those of the filtered
    # consignments too (the stored streaks are per section only).
    filtered = None if direction is None and commodity_id is None else filtered_streaks(
        session, office_id, [r.su for r in raw], tz=tz, section_id=section_id, direction=direction,
        commodity_id=commodity_id)
    rows = []
    for r in raw:
        n, d, rr, x, k = int(r.n), int(r.d), int(r.r), int(r.x), int(r.k)
        v = decide.weighted(d, rr, x, k)
        value = decide.score(v, n, p0)
        streak = int(r.clean_streak or 0) if filtered is None else filtered[r.su]["clean_streak"]
        last_violation = r.last_violation_at if filtered is None else filtered[r.su]["last_violation_at"]
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
    rows.sort(key=lambda row: (-row["score"], -row["consignments"], row["name"], row["service_user_id"]))
    for index, row in enumerate(rows, start=1):
        row["rank"] = index
    return {"rows": rows, "office_v": float(office_v), "office_n": office_n, "p0": float(p0),
            "p0_source": base["p0_source"]}


def snapshot_score_rows(session: Session, office_id: int, *, section_id: int | None, first: date, last: date,
                        as_of: date, settings: ScoringSettings, tz: str) -> dict[str, Any] | None:
    """The unfiltered default view from the score snapshots (compliance_scores), or None when they are not current.

    The snapshots hold each service user's counts of the default window, its streak and last violation, kept
    current by the after-sync refresh and the daily job; read with one indexed query instead of the window's
    aggregate over the rollup and its edge days. Scores are worked out again from those counts (as `score_rows`
    does from the aggregate) because p0 moves with every company's counts while a refresh after a sync rewrites
    only the touched companies' rows. Current means: every row of the office and section is of `as_of` and of
    this window (a settings change of the window length, a new day before the daily job → None: computed live).
    """
    found = _snapshot_counts(session, office_id, section_id, first, last, as_of)
    if found is None:
        return None
    counts = found[0].subquery()
    raw = session.execute(select(counts, ServiceUser.name, ServiceUser.tax_id)
                          .join(ServiceUser, ServiceUser.id == counts.c.su)).all()
    return _scored(session, raw, office_id, section_id=section_id, first=first, last=last, as_of=as_of,
                   settings=settings, direction=None, commodity_id=None, whole_office=True, tz=tz)


def _snapshot_counts(session: Session, office_id: int, section_id: int | None, first: date, last: date, as_of: date):
    """The snapshots' rows of the office and section as a select (su, n, d, r, x, k, clean_streak,
    last_violation_at) and the office's consignments in them; None when they are not current (see
    snapshot_score_rows)."""
    if not snapshots_current(session):
        return None
    s = ComplianceScore
    mine = (s.office_id == office_id, s.section_id == (ALL_SECTIONS if section_id is None else section_id))
    rows, other_window, office_n = session.execute(select(func.count(), func.count().filter(or_(
        s.as_of != as_of, s.window_from != first, s.window_to != last)), func.coalesce(func.sum(s.n), 0))
        .where(*mine)).one()
    if not rows or other_window:
        return None
    return select(s.service_user_id.label("su"), s.n, s.d, s.r, s.x, s.k, s.clean_streak,
                  s.last_violation_at).where(*mine), int(office_n)


# Whether the score snapshots hold the rollup's counts (issue #17). A rollup refresh without its snapshots
# (`refresh_rollups(scores=False)`) makes them lag: it writes False; only a rebuild of every snapshot from the rollup
# (`recompute_all`: the CLI, the daily job) writes True again. A refresh with its snapshots keeps what was there:
# current stays current, behind stays behind. No row (an install from before) counts as behind.
SNAPSHOTS_CURRENT_KEY = "compliance.snapshots_current"


def snapshots_current(session: Session) -> bool:
    stored = session.get(Setting, SNAPSHOTS_CURRENT_KEY)
    return stored is not None and stored.value is True


def mark_snapshots(session: Session, current: bool) -> None:
    """Say whether the snapshots hold the rollup's counts, in the caller's transaction. The row is locked (on
    PostgreSQL) from here to the commit, so a rebuild that marks them current first, then recomputes, cannot
    overwrite a lag another transaction records meanwhile: that one waits for the rebuild and writes after it."""
    stored = session.get(Setting, SNAPSHOTS_CURRENT_KEY, with_for_update=True)
    if stored is None:
        try:
            with session.begin_nested():  # two first writers at once: the second finds the row
                session.add(Setting(key=SNAPSHOTS_CURRENT_KEY, value=current, version=1))
            return
        except IntegrityError:
            stored = session.get(Setting, SNAPSHOTS_CURRENT_KEY, with_for_update=True, populate_existing=True)
    if stored.value is not current:
        stored.value = current


def page_of_ranked(rows: list[dict[str, Any]], *, tier: str | None, search: str | None, sort: str, page: int,
                   page_size: int | None) -> dict[str, Any]:
    """The tier counts of every ranked row, then the tier filter, the search (name or NPWP), the order and the page:
    one place for the office ranking and the national one, so the two lists never filter differently."""
    tier_counts = {name: 0 for name in TIERS}
    for row in rows:
        tier_counts[row["tier"]] += 1
    if tier:
        rows = [row for row in rows if row["tier"] == tier]
    needle = (search or "").strip().casefold()[:100]
    if needle:
        rows = [row for row in rows if needle in row["name"].casefold() or needle in (row["tax_id"] or "").casefold()]
    rows = _sorted(rows, sort if sort in SORTS else "rank")
    total = len(rows)
    page = max(int(page or 0), 0)
    if page_size:
        rows = rows[page * page_size:(page + 1) * page_size]
    return {"rows": rows, "total": total, "page": page, "page_size": page_size, "tier_counts": tier_counts,
            "ranked": sum(tier_counts.values())}


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
            settings: tuple[int, ScoringSettings] | None = None, search: str | None = None,
            snapshots: bool = True, in_sql: bool = True) -> dict[str, Any]:
    """The ranking of one office (and section) under the filters: a page of rows, the tier counts, the working.

    A coordinator (`section_scope`) sees their own section only; asking for another is Forbidden.
    `page_size=None` returns every row (exports, prints). `search` keeps the companies
    whose name or NPWP contains it; their rank and the tier counts stay those of the whole office. With
    `snapshots` (the default), the default view (no direction, commodity or period) is read from the score snapshots
    when they hold the rollup's counts (`snapshots_current`) and are of today's window; otherwise from the rollup.
    With `in_sql` (the default), a page of that snapshot read PostgreSQL can answer exactly is scored, ranked and
    paged there (portal.services.compliance.ranked_sql); `in_sql=False` always takes the Python rule, the reference.
    """
    cleaned = clean_filters(session, filters, section_scope)
    version, scoring = settings or current_settings(session)
    tz = office_zone(session, office_id)
    as_of = as_of or today_in(tz)
    first, last = window(as_of, scoring, cleaned["period_from"], cleaned["period_to"])
    default_view = not (cleaned["direction"] or cleaned["commodity_id"] or cleaned["period_from"]
                        or cleaned["period_to"])
    listed = None
    # Measured (docs/performance.md, issue #17): scoring in SQL pays for the default view read from the snapshots;
    # over the window's rollup (filtered views) the Python rule with its memos cost less CPU.
    if (in_sql and snapshots and default_view
            and ranked_sql.usable(session, scoring, search=search, sort=sort, page_size=page_size)):
        listed = _ranked_in_sql(session, office_id, cleaned, first=first, last=last, as_of=as_of, settings=scoring,
                                tz=tz, sort=sort, page=page, page_size=page_size)
    if listed is None:
        # Every company scored, then paged here: kept in the view cache per office, section, filters, window and
        # settings (and the data stamp), so another page, order, tier or search of the same filters — each its own
        # drawn page — does not read the window's rollup and score the office again (at national scale the read
        # alone was ≈ 160 ms a filtered view, the scoring as much again in Python).
        result = snapshots and default_view and cached(
            session, snapshot_score_rows, office_id, section_id=cleaned["section_id"], first=first, last=last,
            as_of=as_of, settings=scoring, tz=tz)
        result = result or cached(session, score_rows, office_id, section_id=cleaned["section_id"], first=first,
                                  last=last, as_of=as_of, settings=scoring, direction=cleaned["direction"],
                                  commodity_id=cleaned["commodity_id"], tz=tz)
        listed = page_of_ranked(result["rows"], tier=cleaned["tier"], search=search, sort=sort, page=page,
                                page_size=page_size)
        listed.update({key: result[key] for key in ("office_v", "office_n", "p0", "p0_source")})
    return {**listed, "window_from": first, "window_to": min(last, as_of), "as_of": as_of,
            "settings_version": version, "settings": scoring.to_dict(), "filters": cleaned, "timezone": tz}


def _ranked_in_sql(session: Session, office_id: int, cleaned: dict[str, Any], *, first: date, last: date, as_of: date,
                   settings: ScoringSettings, tz: str, sort: str, page: int, page_size: int) -> dict[str, Any] | None:
    """The default view's page from one PostgreSQL statement over the score snapshots; None when they are not
    current or the page is empty (the Python path answers then)."""
    section_id = cleaned["section_id"]
    found = _snapshot_counts(session, office_id, section_id, first, last, as_of)
    if found is None:
        return None
    counts, office_n = found
    # Every office's counts are built only when p0 may need them (the snapshots say the office's n beforehand).
    every_office = None if office_n >= ranked_sql.p0_floor(settings) else window_counts(
        session, None, section_id, first, last)
    return ranked_sql.ranked_page(session, counts.subquery("counts"), every_office, settings=settings, as_of=as_of,
                                  tz=tz, tier=cleaned["tier"], sort=sort, page=page, page_size=page_size)


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
                   as_of: date, settings: ScoringSettings, service_user_ids: list[int] | None = None,
                   untouched: dict[int, list[int]] | None = None, found: list | None = None) -> list[dict[str, Any]]:
    """Default-window scores of many offices (the snapshots): rows carry their office id.

    `found`: the scored users' counts and streaks as _touched_counts returns them, when read already (a sync's
    touched users: every section's at once, _touched_counts_by_section).

    `untouched`: office → [n, d, r, x, k] summed over the stored snapshots of every service user but
    `service_user_ids` (untouched_totals), every office's; then each office's p0 is those plus the touched users'
    fresh counts, and the window's aggregate over whole offices is not read again (a sync touches a few hundred
    companies; the offices hold tens of thousands)."""
    if found is None:
        found = _touched_counts(session, office_ids, section_id, first, last, service_user_ids)
    if untouched is None:
        m = window_counts(session, office_ids, section_id, first, last)
        counts = {office: [int(n), int(d), int(r), int(x), int(k)] for office, n, d, r, x, k in session.execute(
            select(m.c.office_id, func.sum(m.c.n), func.sum(m.c.d), func.sum(m.c.r), func.sum(m.c.x),
                   func.sum(m.c.k)).group_by(m.c.office_id))}
        all_v, all_n = office_totals(session, None, section_id, first, last, None, None, settings)
    else:
        counts = {office: list(values) for office, values in untouched.items()}
        for r in found:
            values = counts.setdefault(r.office, [0, 0, 0, 0, 0])
            for index, value in enumerate((r.n, r.d, r.r, r.x, r.k)):
                values[index] += int(value)
        everywhere = [sum(values[index] for values in counts.values()) for index in range(5)]
        all_v, all_n = model.weighted_violations(*everywhere[1:], settings), everywhere[0]
        if office_ids is not None:
            counts = {office: values for office, values in counts.items() if office in office_ids}
    per_office = {office: (model.weighted_violations(d, r, x, k, settings), n)
                  for office, (n, d, r, x, k) in counts.items()}
    fallback = model.prior_rate(0, 0, all_v, all_n, settings)  # an office with nothing in the window
    totals = {office: model.prior_rate(v, n, all_v, all_n, settings) for office, (v, n) in per_office.items()}
    default_zone = ZoneInfo(default_timezone())
    zones = {office: ZoneInfo(tz) if tz else default_zone
             for office, tz in session.execute(select(Office.id, Office.timezone))}
    decide = _Model(settings)
    rows = []
    for r in found:
        n, d, rr, x, k = int(r.n), int(r.d), int(r.r), int(r.x), int(r.k)
        v = decide.weighted(d, rr, x, k)
        score_value = decide.score(v, n, totals.get(r.office, fallback))
        streak = int(r.clean_streak or 0)
        months_since = None if r.last_violation_at is None else months_between(
            r.last_violation_at.astimezone(zones.get(r.office, default_zone)).date(), as_of)
        rows.append({"office_id": r.office, "service_user_id": r.su, "n": n, "d": d, "r": rr, "x": x, "k": k,
                     "score": score_value, "tier": decide.tier(score_value, d + rr + x + k, streak, months_since, n),
                     "intervention": decide.level(streak).name, "clean_streak": streak,
                     "last_violation_at": r.last_violation_at})
    return rows


_Counted = namedtuple("_Counted", "office su n d r x k clean_streak last_violation_at")


def _touched_counts(session: Session, office_ids: list[int] | None, section_id: int | None, first: date, last: date,
                    service_user_ids: list[int] | None) -> list:
    """(office, su, n, d, r, x, k, clean streak, last violation) of the users with counts in one section's window."""
    s = ComplianceStreak
    touched = window_counts(session, office_ids, section_id, first, last, service_user_ids=service_user_ids)
    sums = select(touched.c.office_id.label("office"), touched.c.service_user_id.label("su"),
                  func.sum(touched.c.n).label("n"), func.sum(touched.c.d).label("d"), func.sum(touched.c.r).label("r"),
                  func.sum(touched.c.x).label("x"), func.sum(touched.c.k).label("k")).group_by(
        touched.c.office_id, touched.c.service_user_id).subquery()
    query = select(sums, s.clean_streak, s.last_violation_at).outerjoin(s, and_(
        s.service_user_id == sums.c.su, s.section_id == (section_id if section_id is not None else ALL_SECTIONS)))
    return session.execute(query).all()


def _touched_counts_by_section(session: Session, office_ids: list[int] | None, first: date, last: date,
                               service_user_ids: list[int], sections: list[int]) -> dict[int, list]:
    """_touched_counts of every section (ALL_SECTIONS the sum of the others) from one read of the window: the edge
    months' raw rows are counted once, not once per section."""
    s = ComplianceStreak
    touched = window_counts(session, office_ids, None, first, last, service_user_ids=service_user_ids,
                            with_section=True)
    sums: dict[int, dict[tuple[int, int], list[int]]] = {}
    for office, su, section, n, d, r, x, k in session.execute(
            select(touched.c.office_id, touched.c.service_user_id, touched.c.section_id,
                   *(func.sum(touched.c[c]) for c in COUNTS))
            .group_by(touched.c.office_id, touched.c.service_user_id, touched.c.section_id)):
        for key in (ALL_SECTIONS, section):
            values = sums.setdefault(key, {}).setdefault((office, su), [0, 0, 0, 0, 0])
            for index, value in enumerate((n, d, r, x, k)):
                values[index] += int(value)
    streaks = {}
    for start in range(0, len(service_user_ids), 5000):
        streaks.update({(su, section): (streak, last_at) for su, section, streak, last_at in session.execute(
            select(s.service_user_id, s.section_id, s.clean_streak, s.last_violation_at)
            .where(s.service_user_id.in_(service_user_ids[start:start + 5000])))})
    return {section: [_Counted(office, su, *values, *streaks.get((su, section), (None, None)))
                      for (office, su), values in sums.get(section, {}).items()]
            for section in [ALL_SECTIONS, *sections]}


def untouched_totals(session: Session, service_user_ids: list[int], day: date, first: date,
                     last: date) -> dict[int, dict[int, list[int]]] | None:
    """Section → office → [n, d, r, x, k] summed over the stored snapshots of every service user not in
    `service_user_ids`, when those snapshots hold the window first…last of `day` (snapshots_current, and each of
    them of that day and window: their counts are then the window's, since only the touched users' rows changed);
    else None (the offices' p0 are aggregated from the rollup again)."""
    if not snapshots_current(session):
        return None
    c = ComplianceScore
    this_window = and_(c.as_of == day, c.window_from == first, c.window_to == last)
    query = (select(c.section_id, c.office_id, func.sum(c.n), func.sum(c.d), func.sum(c.r), func.sum(c.x),
                    func.sum(c.k), func.count(), func.count().filter(this_window))
             .where(c.service_user_id.not_in(service_user_ids)).group_by(c.section_id, c.office_id))
    result: dict[int, dict[int, list[int]]] = {}
    for section, office, n, d, r, x, k, rows, current in session.execute(query):
        if rows != current:
            return None
        result.setdefault(section, {})[office] = [int(n), int(d), int(r), int(x), int(k)]
    return result


def _history_rows_of(session: Session, office_id: int | None, service_user_ids: list[int] | None,
                     days: set[date]) -> dict[tuple[int, int, date], tuple[int, float, str, int]]:
    """(service user, section, day) → (id, score, tier, settings version) of the latest tier history row recorded
    for that day (a day can hold several: D, then C, then D again)."""
    if not days:
        return {}
    h = ComplianceTierHistory
    latest: dict[tuple[int, int, date], tuple[int, float, str, int]] = {}
    for row_id, su, section, day, score, tier, version in session.execute(
            select(h.id, h.service_user_id, h.section_id, h.as_of, h.score, h.tier, h.settings_version)
            .where(*refreshed_rows(h, office_id, service_user_ids), h.as_of.in_(sorted(days))).order_by(h.id)):
        latest[(su, section, day)] = (row_id, round(float(score), 1), tier, version)
    return latest


def refresh_scores(session: Session, office_id: int | None = None, service_user_ids: list[int] | None = None,
                   as_of: date | None = None) -> dict[str, Any]:
    """Recompute the current-score snapshots (default window, overall and per section) and the tier history.

    With `service_user_ids`, only their snapshots are rewritten (p0 is still the whole office's). Each office's
    window ends on its own today (WIB, WITA or WIT), unless `as_of` is given.
    """
    version, scoring = current_settings(session)
    if version == 0:
        return {"scores": 0}
    offices = None if office_id is None else [office_id]
    if offices is None and service_user_ids is not None:  # p0 only of the offices the touched users are in
        offices = sorted(set(session.scalars(select(ComplianceMonthly.office_id).where(
            ComplianceMonthly.service_user_id.in_(service_user_ids)).distinct())))
    by_zone: dict[str, list[int]] = {}
    for office, tz in session.execute(select(Office.id, Office.timezone)):
        if offices is None or office in offices:
            by_zone.setdefault(tz or default_timezone(), []).append(office)
    now = datetime.now(UTC)
    # Every office on the same day (all but an hour or two a day): the offices' p0 from the untouched snapshots.
    days = {as_of or today_in(tz or default_timezone()) for tz in session.scalars(select(Office.timezone))}
    untouched = None
    if office_id is None and service_user_ids is not None and len(days) == 1:
        day = days.pop()
        untouched = untouched_totals(session, service_user_ids, day, *window(day, scoring))
    snapshot_rows = []
    for zone, zone_offices in sorted(by_zone.items()):
        day = as_of or today_in(zone)
        first, last = window(day, scoring)
        sections = list(sections_by_code(session).values())
        # A few touched users: their window counts of every section in one pass (the edge months from the raw rows).
        counted = None if service_user_ids is None else _touched_counts_by_section(
            session, zone_offices, first, last, service_user_ids, sections)
        for section_id in [None] + sections:
            section_totals = None if untouched is None else untouched.get(
                ALL_SECTIONS if section_id is None else section_id, {})
            for row in _score_offices(session, zone_offices, section_id, first, last, day, scoring,
                                      service_user_ids, section_totals,
                                      None if counted is None else counted[section_id or ALL_SECTIONS]):
                row.update(section_id=ALL_SECTIONS if section_id is None else section_id, as_of=day,
                           window_from=first, window_to=last, settings_version=version, computed_at=now)
                snapshot_rows.append(row)
    s = ComplianceScore
    # The stored national ranking was computed from the snapshots rewritten here: it is no longer served until
    # national.refresh_national stores it again (after a sync, at the rebuild); the national ranking is live till then.
    session.execute(delete(ComplianceNationalRun))
    condition = refreshed_rows(s, office_id, service_user_ids)
    previous = {(su, sec): (tier, ver) for su, sec, tier, ver in session.execute(
        select(s.service_user_id, s.section_id, s.tier, s.settings_version).where(*condition))}
    session.execute(delete(s).where(*condition))
    history, tiers = [], {t: 0 for t in TIERS}
    recorded_today = _history_rows_of(session, office_id, service_user_ids, {row["as_of"] for row in snapshot_rows})
    rescored = []
    for row in snapshot_rows:
        company = (row["service_user_id"], row["section_id"])
        if previous.get(company) != (row["tier"], version):
            history.append({name: row[name] for name in ("service_user_id", "section_id", "office_id", "as_of", "tier",
                                                         "score", "settings_version")} | {"recorded_at": now})
        else:
            # The tier was recorded earlier the same day and holds: its row takes the day's latest score, or the
            # history would show, beside today's snapshot, a score of the same day before a sync or an NNC moved it.
            # Only the day's latest row, and only when it is of this tier and settings version.
            today = recorded_today.get((*company, row["as_of"]))
            if today is not None and today[2:] == (row["tier"], version) and \
                    today[1] != round(float(row["score"]), 1):
                # recorded_at stays: it dates the tier, which decisions are verified against (targeting/verify.py).
                rescored.append({"id": today[0], "score": row["score"]})
        if row["section_id"] == ALL_SECTIONS:
            tiers[row["tier"]] += 1
    bulk_insert(session, s, snapshot_rows)
    bulk_insert(session, ComplianceTierHistory, history)
    if rescored:
        session.execute(update(ComplianceTierHistory), rescored)
    return {"scores": len(snapshot_rows), "tiers": tiers, "settings_version": version}
