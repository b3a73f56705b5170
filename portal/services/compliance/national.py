"""One company across offices in the compliance figures (DOMAIN.md, "One company across stations").

Scores stay per office: each office's officers act on their own evidence, so a company's record at an office is
scored exactly as that office's ranking scores it (its counts over the window against that office's p0). Beside
them:
- the national ranking: each company (service users matched by NPWP, portal.services.companies) scored once over
  every office's events pooled — the same formula (portal.domain.compliance) over the summed counts, shrunk toward
  every office's rate — with its per-office scores shown beside the national one;
- the profile's "other offices": the company's record at every other office, scored there;
- the ranking's mark "violations at another office" for the companies of one page.

Only section and period filter these (a direction or commodity filter would need the pooled streaks of the filtered
consignments, which no rollup keeps): the national figures are the default view's, per section.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, and_, bindparam, cast, delete, func, select, text, tuple_, update
from sqlalchemy.orm import Session

from models import Application, Company, CompanyLinkChange, Office, ServiceUser
from models.compliance import (ALL_SECTIONS, ComplianceNationalRun, ComplianceNationalScore, ComplianceScore,
                               ComplianceStreak)
from portal.domain.compliance import TIERS
from portal.domain import compliance as model
from portal.domain.periods import months_between, today_in
from portal.services import companies
from portal.services.compliance.bulk import bulk_insert
from portal.services.compliance.filters import (check_profile_access, clean_filters, resolve_section,
                                                sections_by_code, window)
from portal.services.compliance.ranking import (SORTS, _Model, page_of_ranked, score_rows, snapshots_current,
                                                window_counts)
from portal.services.compliance.scoring_settings import current_settings
from portal.settings import default_timezone
from portal.validation import NotFound
from portal.view_cache import cached

UTC = timezone.utc
CHUNK = 1000


# --------------------------------------------------------------------------------------- the profile's other offices
def other_offices(session: Session, service_user_id: int, *, office_id: int, section_scope: str | None,
                  section: str | None = None) -> list[dict[str, Any]]:
    """The company's record at every office other than `office_id` (the profile's), each scored at its office over
    that office's current window: consignments, 3P actions, NNCs, score and tier there. The reach is the profile's:
    whoever may open this profile sees its company's figures elsewhere (a coordinator: their section's)."""
    found, _section_id = check_profile_access(session, service_user_id, office_id=office_id,
                                              section_scope=section_scope)
    _code, section_id = resolve_section(session, section, section_scope)
    version, scoring = current_settings(session)
    records = [record for record in companies.records_of(session, companies.company_of(session, found.id))
               if record.office_id != found.office_id]
    # The snapshots when current (each office's last refresh: one indexed read), else each office scored live.
    snapshots = current_snapshots(session, section_id, version, scoring,
                                  [record.service_user_id for record in records]) if records else None
    by_record = {row.su: row for row in snapshots or ()}
    # Every office's zone in one read (a company may be at fifty offices: not one query each).
    zones = dict(session.execute(select(Office.id, Office.timezone).where(
        Office.id.in_([record.office_id for record in records]))).all()) if records else {}
    result = []
    for record in records:
        tz = zones.get(record.office_id) or default_timezone()
        as_of = today_in(tz)
        first, last = window(as_of, scoring)
        if snapshots is not None:
            found = by_record.get(record.service_user_id)
            row = None if found is None else {
                "consignments": found.n, "detentions": found.d, "refusals": found.r, "destructions": found.x,
                "nncs": found.k, "violations": found.d + found.r + found.x + found.k, "score": float(found.score),
                "tier": found.tier}
        else:
            scored = score_rows(session, record.office_id, section_id=section_id, first=first, last=last,
                                as_of=as_of, settings=scoring, service_user_ids=[record.service_user_id],
                                tz=tz)["rows"]
            row = scored[0] if scored else None
        result.append({
            "office_id": record.office_id, "office_code": record.office_code, "office_name": record.office_name,
            "service_user_id": record.service_user_id, "name": record.name, "blocked": record.blocked,
            "window_from": first, "window_to": min(last, as_of),
            "consignments": row["consignments"] if row else 0,
            "actions_3p": (row["detentions"] + row["refusals"] + row["destructions"]) if row else 0,
            "nncs": row["nncs"] if row else 0, "violations": row["violations"] if row else 0,
            "score": row["score"] if row else None, "tier": row["tier"] if row else None,
            "settings_version": version})
    return result


# ------------------------------------------------------------------------------- the ranking's "violations elsewhere"
def violations_elsewhere(session: Session, office_id: int, service_user_ids: list[int], *, first: date, last: date,
                         section_id: int | None = None) -> dict[int, int]:
    """For records of `office_id`: how many violation records (3P and NNC) their company has at other offices over
    the same days (only those with any). A mark for one page of a ranking, never another office's scores."""
    if not service_user_ids:
        return {}
    own = ServiceUser.__table__.alias("own")
    other = ServiceUser.__table__.alias("other")
    pairs = dict(session.execute(
        select(other.c.id, own.c.id).join(own, and_(own.c.company_id == other.c.company_id, own.c.id != other.c.id))
        .where(own.c.id.in_(service_user_ids), other.c.office_id != office_id)).all())
    if not pairs:
        return {}
    m = window_counts(session, None, section_id, first, last, service_user_ids=sorted(pairs))
    found: dict[int, int] = defaultdict(int)
    for su, d, r, x, k in session.execute(
            select(m.c.service_user_id, func.sum(m.c.d), func.sum(m.c.r), func.sum(m.c.x), func.sum(m.c.k))
            .group_by(m.c.service_user_id)):
        count = int(d or 0) + int(r or 0) + int(x or 0) + int(k or 0)
        if count:
            found[pairs[su]] += count
    return dict(found)


# ------------------------------------------------------------------------------------------ the national ranking
def _pooled_streaks(session: Session, company_ids: list[int], section_id: int | None) -> dict[int, int]:
    """company → consignments completed after its last violation at any office (the stored streaks' rule: completed
    after it), for companies with records at several offices and a violation on record; for the others the stored
    streaks already are the pooled ones. One grouped query per chunk, the moments read in the database."""
    a, s = Application, ComplianceStreak
    result: dict[int, int] = {}
    for start in range(0, len(company_ids), CHUNK):
        chunk = company_ids[start:start + CHUNK]
        last = (select(ServiceUser.company_id.label("company"), func.max(s.last_violation_at).label("moment"))
                .join(s, s.service_user_id == ServiceUser.id)
                .where(ServiceUser.company_id.in_(chunk),
                       s.section_id == (section_id if section_id is not None else ALL_SECTIONS))
                .group_by(ServiceUser.company_id).subquery())
        query = (select(last.c.company, func.count(a.id))
                 .join(ServiceUser, ServiceUser.company_id == last.c.company)
                 .join(a, a.service_user_id == ServiceUser.id)
                 .where(a.completed_at.is_not(None), a.deleted_at.is_(None), a.completed_at > last.c.moment)
                 .group_by(last.c.company))
        if section_id is not None:
            query = query.where(a.section_id == section_id)
        result.update({company: int(count) for company, count in session.execute(query)})
    return result


def current_snapshots(session: Session, section_id: int | None, version: int, settings,
                      service_user_ids: list[int] | None = None, company_ids: list[int] | None = None) -> list | None:
    """The score snapshots (compliance_scores: each record's default-window counts, score and tier as its office's
    ranking computed them at the last refresh) of a section, when they hold the rollup's counts (snapshots_current)
    and every one is of its office's today and window and of the current settings; else None (computed live). One indexed read instead of the window's
    aggregate over every office's rollup."""
    if not snapshots_current(session):  # a rollup refreshed without its snapshots: they may lack a company
        return None
    c = ComplianceScore
    query = (select(c.office_id.label("office"), c.service_user_id.label("su"), c.n, c.d, c.r, c.x, c.k, c.score,
                    c.tier, c.clean_streak, c.last_violation_at, c.as_of, c.window_from, c.window_to,
                    c.settings_version, ServiceUser.company_id, ServiceUser.name, ServiceUser.tax_id)
             .join(ServiceUser, ServiceUser.id == c.service_user_id)
             .where(c.section_id == (section_id if section_id is not None else ALL_SECTIONS)))
    if service_user_ids is not None:
        query = query.where(c.service_user_id.in_(service_user_ids))
    if company_ids is not None:
        query = query.where(ServiceUser.company_id.in_(company_ids))
    rows = session.execute(query).all()
    zones = dict(session.execute(select(Office.id, Office.timezone)).all())
    expected: dict[int, tuple] = {}
    for row in rows:
        if row.office not in expected:
            today = today_in(zones.get(row.office) or default_timezone())
            expected[row.office] = (today, *window(today, settings), version)
        if (row.as_of, row.window_from, row.window_to, row.settings_version) != expected[row.office]:
            return None
    return rows


def national_scores(session: Session, *, section_id: int | None, first: date, last: date, as_of: date,
                    settings, snapshot_rows: list | None = None) -> dict[str, Any]:
    """Every company with activity in the window at any office: its per-office scores (each against its office's
    p0, as that office's ranking scores it) and its national score over the pooled counts (against every office's
    rate), ranked by the national score, then consignments. With `snapshot_rows` (current_snapshots) the per-office
    scores and counts are the snapshots' and nothing is aggregated again."""
    if snapshot_rows is not None:
        return _national(session, snapshot_rows, section_id=section_id, as_of=as_of, settings=settings)
    m = window_counts(session, None, section_id, first, last)
    sums = select(m.c.office_id.label("office"), m.c.service_user_id.label("su"),
                  *(func.sum(m.c[c]).label(c) for c in ("n", "d", "r", "x", "k"))).group_by(
        m.c.office_id, m.c.service_user_id).subquery()
    s = ComplianceStreak
    query = (select(sums, ServiceUser.company_id, ServiceUser.name, ServiceUser.tax_id, s.clean_streak,
                    s.last_violation_at)
             .join(ServiceUser, ServiceUser.id == sums.c.su)
             .outerjoin(s, and_(s.service_user_id == sums.c.su,
                                s.section_id == (section_id if section_id is not None else ALL_SECTIONS))))
    return _national(session, session.execute(query).all(), section_id=section_id, as_of=as_of, settings=settings)


def _national(session: Session, raw, *, section_id: int | None, as_of: date, settings,
              everywhere: list[int] | None = None) -> dict[str, Any]:
    """Score the per-(office, record) counts `raw` per office (or take the snapshot's score and tier) and pooled
    per company. `everywhere`: [n, d, r, x, k] of every office when `raw` holds only some companies' snapshot rows
    (the incremental store); the national rate is taken from those."""
    decide = _Model(settings)
    per_office: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for r in raw:
        totals = per_office[r.office]
        for index, value in enumerate((r.n, r.d, r.r, r.x, r.k)):
            totals[index] += int(value or 0)
    all_n = sum(t[0] for t in per_office.values())
    all_v = model.weighted_violations(*(sum(t[i] for t in per_office.values()) for i in (1, 2, 3, 4)),
                                      settings=settings)
    if everywhere is not None:  # the offices' own p0 below serve only rows scored live, never snapshot rows
        all_n, all_v = everywhere[0], model.weighted_violations(*everywhere[1:], settings=settings)
    p0 = {office: model.prior_rate(model.weighted_violations(d, r, x, k, settings), n, all_v, all_n, settings)
          for office, (n, d, r, x, k) in per_office.items()}
    national_p0 = model.prior_rate(all_v, all_n, all_v, all_n, settings)
    offices = {oid: (code, tz) for oid, code, tz in session.execute(select(Office.id, Office.code, Office.timezone))}
    zone = ZoneInfo(default_timezone())
    names = dict(session.execute(select(Company.id, Company.name).where(
        Company.id.in_(sorted({r.company_id for r in raw})))).all()) if raw else {}

    grouped: dict[int, list] = defaultdict(list)
    for r in raw:
        grouped[r.company_id].append(r)
    # The pooled streak: for a company at one office, or with no violation on record, the stored streaks say it;
    # else it is counted after the last violation at any office.
    wanted = sorted(company for company, rows in grouped.items()
                    if len(rows) > 1 and any(r.last_violation_at is not None for r in rows))
    pooled = _pooled_streaks(session, wanted, section_id) if wanted else {}
    several = set(wanted)
    zones = {office: ZoneInfo(tz or default_timezone()) for office, (_code, tz) in offices.items()}
    codes = {office: code for office, (code, _tz) in offices.items()}

    # Scores memoised per office by (V, n): the office's p0 is a Fraction, slow to compare as a memo key.
    memo: dict[tuple, Any] = {}

    def _office_score(v, n: int, office: int | None):
        """The score against an office's p0, or against every office's (office None: the national score)."""
        key = (v, n, office)
        found = memo.get(key)
        if found is None:
            found = memo[key] = model.score(v, n, national_p0 if office is None else p0[office], settings)
        return found

    result = []
    for company, rows in grouped.items():
        office_rows = []
        if len(rows) > 1:
            rows.sort(key=lambda r: codes.get(r.office, ""))
        for r in rows:
            n, d, rr, x, k = int(r.n), int(r.d), int(r.r), int(r.x), int(r.k)
            snapshot = getattr(r, "tier", None)
            if snapshot is not None:
                value, tier = r.score, snapshot
            else:
                value = _office_score(decide.weighted(d, rr, x, k), n, r.office)
                since = None if r.last_violation_at is None else months_between(
                    r.last_violation_at.astimezone(zones.get(r.office, zone)).date(), as_of)
                tier = decide.tier(value, d + rr + x + k, int(r.clean_streak or 0), since, n)
            office_rows.append({"office_id": r.office, "office_code": codes.get(r.office, "?"),
                                "service_user_id": r.su, "consignments": n, "violations": d + rr + x + k,
                                "score": float(value), "tier": tier})
        if len(rows) == 1:
            # One office: the national figures are that record's counts against every office's rate.
            only = office_rows[0]
            n, d, rr, x, k = only["consignments"], int(rows[0].d), int(rows[0].r), int(rows[0].x), int(rows[0].k)
            last_violation, streak = rows[0].last_violation_at, int(rows[0].clean_streak or 0)
        else:
            n, d, rr, x, k = (sum(int(getattr(r, c)) for r in rows) for c in ("n", "d", "r", "x", "k"))
            moments = [r.last_violation_at for r in rows if r.last_violation_at is not None]
            last_violation = max(moments) if moments else None
            # Without a violation anywhere every consignment is clean: the records' streaks add up.
            streak = pooled.get(company, 0) if company in several else sum(int(r.clean_streak or 0) for r in rows)
        v = decide.weighted(d, rr, x, k)
        value = _office_score(v, n, None)
        since = None if last_violation is None else months_between(last_violation.astimezone(zone).date(), as_of)
        records = d + rr + x + k
        result.append({"company_id": company, "name": names.get(company) or rows[0].name, "tax_id": rows[0].tax_id,
                       "service_user_id": office_rows[0]["service_user_id"], "consignments": n, "detentions": d,
                       "refusals": rr, "destructions": x, "nncs": k, "violations": records,
                       "weighted_violations": float(v), "score": float(value),
                       "tier": decide.tier(value, records, streak, since, n), "clean_streak": streak,
                       "last_violation_at": last_violation, "offices": office_rows})
    result.sort(key=national_order)
    for index, row in enumerate(result, start=1):
        row["rank"] = index
    return {"rows": result, "all_v": float(all_v), "all_n": all_n, "p0": float(national_p0),
            "exact_p0": national_p0}


def national_order(row: dict[str, Any]) -> tuple:
    """The national ranking's order: score, then consignments (descending), then name; the company id last, so
    two companies of one name and figures always rank the same way (the stored rows, refreshed in part, and a full
    computation agree)."""
    return -row["score"], -row["consignments"], row["name"], row["company_id"]


def national_ranking(session: Session, *, section_scope: str | None, filters: dict[str, Any] | None = None,
                     as_of: date | None = None, sort: str = "rank", page: int = 0, page_size: int | None = 50,
                     search: str | None = None, tz: str | None = None, stored: bool = True) -> dict[str, Any]:
    """The national ranking per section: a page of companies with their national and per-office scores, the tier
    counts of the national tiers. Callers check that their scope reads several offices (scope.several_offices).
    The default view is read from the stored national rows while they are current (`stored`, see stored_run), else
    from the score snapshots while current, else computed from the rollup."""
    view = _view(session, section_scope, filters, as_of, tz, stored)
    cleaned, run, first, last, as_of = view["filters"], view["run"], view["first"], view["last"], view["as_of"]
    about = {"window_from": first, "window_to": min(last, as_of), "as_of": as_of,
             "settings_version": view["version"], "filters": cleaned, "timezone": view["timezone"]}
    # The stored national rows when still those of today's snapshots: a page read, no company scored.
    if run is not None:
        listed = _stored_page(session, run.section_id, tier=cleaned["tier"], search=search, sort=sort, page=page,
                              page_size=page_size)
        return {**listed, "p0": float(run.p0), "all_n": run.all_n, "from_snapshots": True, "stored": True, **about}
    snapshot_rows = current_snapshots(session, cleaned["section_id"], view["version"], view["scoring"]) \
        if view["default_view"] else None
    result = national_scores(session, section_id=cleaned["section_id"], first=first, last=last, as_of=as_of,
                             settings=view["scoring"], snapshot_rows=snapshot_rows)
    listed = page_of_ranked(result["rows"], tier=cleaned["tier"], search=search, sort=sort, page=page,
                            page_size=page_size)
    return {**listed, "p0": result["p0"], "all_n": result["all_n"],
            "from_snapshots": snapshot_rows is not None, "stored": False, **about}


def _view(session: Session, section_scope: str | None, filters: dict[str, Any] | None, as_of: date | None,
          tz: str | None, stored: bool) -> dict[str, Any]:
    """What a national view is of: its filters checked, the settings, its day and window, and the stored rows' run
    when they may serve it (the default view, still today's)."""
    cleaned = clean_filters(session, filters, section_scope)
    version, scoring = current_settings(session)
    tz = tz or default_timezone()
    as_of = as_of or today_in(tz)
    first, last = window(as_of, scoring, cleaned["period_from"], cleaned["period_to"])
    default_view = not (cleaned["period_from"] or cleaned["period_to"])
    run = stored_run(session, cleaned["section_id"], version, as_of, first, last) if stored and default_view else None
    return {"filters": cleaned, "version": version, "scoring": scoring, "timezone": tz, "as_of": as_of,
            "first": first, "last": last, "default_view": default_view, "run": run}


def company_name(record):
    """A company's name as the national ranking writes it (joined with Company): the company's own, else the name
    of `record` (ServiceUser, or an alias of it: the company's first record in the ranking's rows)."""
    return func.coalesce(func.nullif(Company.name, ""), record.name)


def company_standing(session: Session, service_user_id: int, *, section_scope: str | None,
                     filters: dict[str, Any] | None = None, as_of: date | None = None, tz: str | None = None,
                     stored: bool = True) -> dict[str, Any]:
    """The national ranking's row of the company a record belongs to, for the section and period the ranking was
    read with: a national row opens one record's profile, whose figures are that office's, so the profile says
    what the row said beside them. `row` (rank, pooled counts, score, tier, each office's score) is None when the
    company has no activity in the window at any office; `ranked` is how many companies the ranking holds, `office`
    the record's own, `name` the company's as the ranking writes it. Callers check that their scope reads several
    offices (filters.national_reach)."""
    record = session.execute(select(ServiceUser.company_id, Office.code, Office.name,
                                    company_name(ServiceUser).label("company"))
                             .join(Office, Office.id == ServiceUser.office_id)
                             .outerjoin(Company, Company.id == ServiceUser.company_id)
                             .where(ServiceUser.id == service_user_id)).first()
    if record is None:
        raise NotFound("service user")
    # The national ranking's own filters: it switches its direction and commodity filters off.
    filters = {key: (filters or {}).get(key) for key in ("section", "period_from", "period_to")}
    view = _view(session, section_scope, filters, as_of, tz, stored)
    run = view["run"]
    if run is not None:  # the stored row: one read by key, named as the ranking's page names it (_stored_page)
        n, first = ComplianceNationalScore, ServiceUser
        found = session.execute(
            select(n, company_name(first).label("name"))
            .join(first, first.id == n.service_user_id).outerjoin(Company, Company.id == n.company_id)
            .where(n.section_id == run.section_id, n.company_id == record.company_id)).first()
        row = None if found is None else {
            "rank": found[0].rank, "name": found.name, "consignments": found[0].n, "violations": found[0].violations,
            "score": float(found[0].score), "tier": found[0].tier, "offices": found[0].offices}
        ranked = session.scalar(select(func.count()).select_from(n).where(n.section_id == run.section_id)) or 0
    else:
        # Scored live, as the ranking's own view of this period is: once per period and data stamp for every
        # profile opened from it (seconds at fifty offices), not once per company.
        result = cached(session, national_ranking, section_scope=section_scope, filters=filters,
                        as_of=view["as_of"], tz=view["timezone"], page_size=None, stored=False)
        row = next((r for r in result["rows"] if r["company_id"] == record.company_id), None)
        ranked = result["ranked"]
    return {"row": row, "ranked": ranked, "office": {"code": record.code, "name": record.name},
            "tier_reason": _tier_d_reason(row, view["scoring"]),
            "name": row["name"] if row else record.company,
            "window_from": view["first"], "window_to": min(view["last"], view["as_of"]),
            "section": view["filters"]["section"]}


def _tier_d_reason(row: dict[str, Any] | None, scoring) -> dict[str, Any] | None:
    """Which of tier D's two rules put a national row there (DOMAIN: compliance, decided after A): a company ranked
    85th of 2,402 with a score of 99.7 is in D for its violation records, which only its profile's working said.
    The row's pooled violation records against the view's settings decide it, as they decided the tier."""
    if row is None or row["tier"] != "D":
        return None
    if row["violations"] >= scoring.tier_d_min_violation_records:
        return {"rule": "records", "records": int(row["violations"]), "limit": scoring.tier_d_min_violation_records}
    return {"rule": "score", "below": scoring.tier_d_score_below}


# ------------------------------------------------------------------------------------ the stored national ranking
# Scoring every company of every office on each view costs seconds at fifty offices (docs/performance.md), so the
# default view's national rows are stored, like the per-office snapshots: rebuilt from the snapshots after a sync
# and at the daily rebuild (refresh_national), dropped whenever a snapshot is rewritten (ranking.refresh_scores: an
# NNC change, a refresh of some records) and served only while everything they were computed from is unchanged
# (stored_run); otherwise the ranking is computed live from the snapshots or the rollup as before.
def _links(session: Session) -> str:
    """A fingerprint of which record belongs to which company: a merge, a split or a rematched NPWP changes it."""
    count, total = session.execute(select(func.count(ServiceUser.id), func.coalesce(
        func.sum(cast(ServiceUser.id, BigInteger) * ServiceUser.company_id), 0))).one()
    last_change = session.scalar(select(func.max(CompanyLinkChange.id)))
    return f"{count}:{total}:{last_change or 0}"


def _office_days(session: Session) -> dict[str, str]:
    """Each office's today (its own zone): the day its snapshots must be of."""
    return {str(office): today_in(tz or default_timezone()).isoformat()
            for office, tz in session.execute(select(Office.id, Office.timezone))}


def stored_runs(session: Session) -> dict[int, ComplianceNationalRun]:
    """Section → the run its stored national rows were computed in (read before a snapshot refresh drops them).
    Locked to the caller's commit: an NNC change's snapshot refresh, which drops the runs, waits instead of committing
    between this read and the store (the store would then take that company's old row for current)."""
    runs = session.scalars(select(ComplianceNationalRun).with_for_update()).all()
    for run in runs:
        session.expunge(run)  # kept as plain values: the refresh deletes the rows
    return {run.section_id: run for run in runs}


def _stored_rows(result: dict[str, Any], section: int, postgres: bool) -> list[dict[str, Any]]:
    """national_scores' rows as compliance_national_scores rows."""
    rows = [{"section_id": section, "company_id": row["company_id"], "rank": row["rank"], "name": row["name"],
             "tax_id": row["tax_id"], "service_user_id": row["service_user_id"], "n": row["consignments"],
             "d": row["detentions"], "r": row["refusals"], "x": row["destructions"], "k": row["nncs"],
             "violations": row["violations"], "weighted_violations": row["weighted_violations"],
             "score": row["score"], "tier": row["tier"], "clean_streak": row["clean_streak"],
             "last_violation_at": row["last_violation_at"], "offices": row["offices"]}
            for row in result["rows"]]
    if postgres:  # COPY (bulk_insert) takes the per-office rows as JSON text
        for row in rows:
            row["offices"] = json.dumps(row["offices"])
    return rows


def refresh_national(session: Session, *, previous: dict[int, ComplianceNationalRun] | None = None,
                     service_user_ids: list[int] | None = None) -> dict[str, Any]:
    """Store every section's national ranking (default view) from the current snapshots; a section whose
    snapshots are not current gets none (it is computed live). Runs in the caller's transaction.

    After a refresh of the snapshots of `service_user_ids` alone (a sync's), with `previous` (stored_runs, read
    before that refresh): a section whose stored rows were of this day, window, settings, offices' days and
    company links is brought up to date in place — the touched records' companies computed again from the
    snapshots, every other company's row rescored from its stored counts against the new national rate (which
    moves with every consignment anywhere: the other companies' snapshots did not change, their national score
    may), and only the rows that changed written. The result equals a full store (tests compare them)."""
    version, scoring = current_settings(session)
    as_of = today_in(default_timezone())
    first, last = window(as_of, scoring)
    days, links = _office_days(session), _links(session)
    sections = [None] + list(sections_by_code(session).values())
    incremental = set()
    if previous and service_user_ids is not None and version and snapshots_current(session):
        incremental = {section for section, run in previous.items()
                       if (run.as_of, run.window_from, run.window_to, run.settings_version, run.office_days,
                           run.links) == (as_of, first, last, version, days, links)}
    session.execute(delete(ComplianceNationalRun))
    session.execute(delete(ComplianceNationalScore).where(
        ComplianceNationalScore.section_id.not_in(incremental or [-1])))
    if version == 0 or not snapshots_current(session):
        return {"national": 0}
    stored, rewritten = 0, 0
    postgres = session.get_bind().dialect.name == "postgresql"
    companies_touched = sorted(set(session.scalars(select(ServiceUser.company_id).where(
        ServiceUser.id.in_(service_user_ids))))) if incremental else []
    for section_id in sections:
        section = ALL_SECTIONS if section_id is None else section_id
        done = _refresh_section(session, section_id, companies_touched, version=version, settings=scoring,
                                as_of=as_of, postgres=postgres) if section in incremental else None
        if done is not None:
            result, count, written = done
        else:
            if section in incremental:  # the touched companies' snapshots not current: stored as a full store would
                session.execute(delete(ComplianceNationalScore).where(ComplianceNationalScore.section_id == section))
            snapshots = current_snapshots(session, section_id, version, scoring)
            if snapshots is None:
                continue
            result = national_scores(session, section_id=section_id, first=first, last=last, as_of=as_of,
                                     settings=scoring, snapshot_rows=snapshots)
            rows = _stored_rows(result, section, postgres)
            bulk_insert(session, ComplianceNationalScore, rows)
            count = written = len(rows)
        rewritten += written
        session.add(ComplianceNationalRun(section_id=section, as_of=as_of, window_from=first, window_to=last,
                                          settings_version=version, office_days=days, links=links,
                                          all_v=result["all_v"], all_n=result["all_n"], p0=result["p0"]))
        stored += count
    session.flush()
    return {"national": stored, "rewritten": rewritten}


def _refresh_section(session: Session, section_id: int | None, company_ids: list[int], *, version: int, settings,
                     as_of: date, postgres: bool) -> tuple[dict[str, Any], int, int] | None:
    """One section's stored national rows brought up to date after the snapshots of `company_ids`' records were
    rewritten (refresh_national): (the national figures, rows stored, rows written), or None when those snapshots
    are not current (then the section is stored from scratch).

    The other companies' rows keep their counts, streaks and per-office figures; their score moves only with the
    national rate, and alike for every row of the same counts: it is worked out once per distinct (counts, stored
    score) — a few thousand at fifty offices, not every row — and the tier again only for the rows whose score
    moved. Names and ranks are set in SQL, writing only the rows whose value differs."""
    section = ALL_SECTIONS if section_id is None else section_id
    c, n = ComplianceScore, ComplianceNationalScore
    everywhere = [int(value or 0) for value in session.execute(
        select(func.sum(c.n), func.sum(c.d), func.sum(c.r), func.sum(c.x), func.sum(c.k)).where(
            c.section_id == section)).one()]
    snapshots = current_snapshots(session, section_id, version, settings, company_ids=company_ids) \
        if company_ids else []
    if snapshots is None:
        return None
    fresh = _national(session, snapshots, section_id=section_id, as_of=as_of, settings=settings,
                      everywhere=everywhere)
    national_p0 = fresh["exact_p0"]
    for start in range(0, len(company_ids), CHUNK):
        session.execute(delete(n).where(n.section_id == section, n.company_id.in_(company_ids[start:start + CHUNK])))
    # The other companies, rescored per distinct counts against the new national rate.
    decide = _Model(settings)
    counts = (n.d, n.r, n.x, n.k, n.n)
    moved = {}
    for d, r, x, k, consignments, score in session.execute(
            select(*counts, n.score).where(n.section_id == section).group_by(*counts, n.score)):
        value = model.score(decide.weighted(d, r, x, k), consignments, national_p0, settings)
        if value != score:
            moved[(d, r, x, k, consignments)] = value
    changed = []
    if moved:
        zone = ZoneInfo(default_timezone())
        keys = sorted(moved)
        for start in range(0, len(keys), CHUNK):
            rows = session.execute(select(n.company_id, *counts, n.clean_streak, n.last_violation_at).where(
                n.section_id == section, tuple_(*counts).in_(keys[start:start + CHUNK])))
            for company, d, r, x, k, consignments, streak, last_violation in rows:
                value = moved[(d, r, x, k, consignments)]
                since = None if last_violation is None else months_between(
                    last_violation.astimezone(zone).date(), as_of)
                changed.append({"c": company, "score": float(value),
                                "tier": decide.tier(value, d + r + x + k, streak, since, consignments)})
    _update_scores(session, section, changed, postgres)
    bulk_insert(session, n, _stored_rows(fresh, section, postgres))
    written = {row["c"] for row in changed} | {row["company_id"] for row in fresh["rows"]}
    written |= _update_names_and_ranks(session, section, postgres)
    stored = session.scalar(select(func.count()).select_from(n).where(n.section_id == section))
    return fresh, stored, len(written)


def _update_names_and_ranks(session: Session, section: int, postgres: bool) -> set[int]:
    """Each stored row's name and NPWP as a full store reads them (the company's name, else its first record's; the
    record's NPWP: a company may be renamed without a score changing), then its rank in national_order (in the
    database: names compared by code point, as Python compares them). Writes only the rows that differ; returns
    their companies."""
    collate = ' COLLATE "C"' if postgres else ""
    names = session.execute(text(
        "UPDATE compliance_national_scores SET name = w.name, tax_id = w.tax_id FROM ("
        "  SELECT s.company_id, COALESCE(NULLIF(c.name, ''), u.name) AS name, u.tax_id"
        "  FROM compliance_national_scores s JOIN service_users u ON u.id = s.service_user_id"
        "  LEFT JOIN companies c ON c.id = s.company_id WHERE s.section_id = :section) w "
        "WHERE compliance_national_scores.section_id = :section AND compliance_national_scores.company_id = w.company_id"
        "  AND (compliance_national_scores.name <> w.name OR compliance_national_scores.tax_id IS NULL AND"
        "       w.tax_id IS NOT NULL OR compliance_national_scores.tax_id IS NOT NULL AND w.tax_id IS NULL OR"
        "       compliance_national_scores.tax_id <> w.tax_id) RETURNING compliance_national_scores.company_id"),
        {"section": section}).scalars().all()
    ranks = session.execute(text(
        "UPDATE compliance_national_scores SET rank = w.position FROM ("
        "  SELECT company_id, row_number() OVER (ORDER BY score DESC, n DESC, name" + collate + ", company_id)"
        "  AS position FROM compliance_national_scores WHERE section_id = :section) w "
        "WHERE compliance_national_scores.section_id = :section AND compliance_national_scores.company_id = w.company_id"
        "  AND compliance_national_scores.rank <> w.position RETURNING compliance_national_scores.company_id"),
        {"section": section}).scalars().all()
    return set(names) | set(ranks)


def _update_scores(session: Session, section: int, changed: list[dict[str, Any]], postgres: bool) -> None:
    """Write the new score and tier of stored national rows: on PostgreSQL in one statement over arrays (an
    executemany of as many UPDATEs took seconds for a few thousand rows)."""
    if not changed:
        return
    if postgres:
        session.execute(text(
            "UPDATE compliance_national_scores n SET score = v.score, tier = v.tier "
            "FROM unnest(CAST(:c AS integer[]), CAST(:score AS numeric[]), CAST(:tier AS text[])) "
            "AS v(company_id, score, tier) WHERE n.section_id = :section AND n.company_id = v.company_id"),
            {"section": section, **{key: [row[key] for row in changed] for key in ("c", "score", "tier")}})
        return
    table = ComplianceNationalScore.__table__
    session.execute(update(table).where(table.c.section_id == section, table.c.company_id == bindparam("c"))
                    .values(score=bindparam("score"), tier=bindparam("tier")), changed)


def stored_any(session: Session) -> bool:
    """Whether any section's national ranking is stored (dropped by every rewrite of a snapshot)."""
    return session.scalar(select(func.count()).select_from(ComplianceNationalRun)) > 0


def stored_run(session: Session, section_id: int | None, version: int, as_of: date, first: date,
               last: date) -> ComplianceNationalRun | None:
    """The section's stored national rows' run when they may be served: the snapshots hold the rollup's counts,
    and the day, window, settings version, every office's day and the company links are those they were computed
    with. Else None (stale rows are never served)."""
    if not snapshots_current(session):
        return None
    run = session.get(ComplianceNationalRun, ALL_SECTIONS if section_id is None else section_id)
    if run is None or (run.as_of, run.window_from, run.window_to, run.settings_version) != (as_of, first, last,
                                                                                            version):
        return None
    if run.office_days != _office_days(session) or run.links != _links(session):
        return None
    return run


_STORED_ORDER = {
    "rank": lambda n, name: (n.rank,),
    "score_asc": lambda n, name: (n.rank.desc(),),
    "consignments": lambda n, name: (n.n.desc(), n.rank),
    "violations": lambda n, name: (n.weighted_violations.desc(), n.violations.desc(), n.rank),
    "name": lambda n, name: (func.lower(name), n.rank),
}


def _stored_page(session: Session, section: int, *, tier: str | None, search: str | None, sort: str, page: int,
                 page_size: int | None) -> dict[str, Any]:
    """page_of_ranked's answer over the stored rows, filtered, ordered and paged in the database. Name and NPWP are
    read from the company and its first record as they are now (the live ranking's `names.get(company) or
    rows[0].name`), not as stored: a sync may rename a company without changing any score."""
    n, record = ComplianceNationalScore, ServiceUser
    name = company_name(record)
    tier_counts = {value: 0 for value in TIERS}
    tier_counts.update({t: int(c) for t, c in session.execute(
        select(n.tier, func.count()).where(n.section_id == section).group_by(n.tier))})
    conditions = [n.section_id == section]
    if tier:
        conditions.append(n.tier == tier)
    needle = (search or "").strip().casefold()[:100]
    if needle:
        conditions.append(func.lower(name).contains(needle, autoescape=True)
                          | func.lower(func.coalesce(record.tax_id, "")).contains(needle, autoescape=True))
    joined = (select(n, name.label("current_name"), record.tax_id.label("current_tax_id"))
              .join(record, record.id == n.service_user_id).outerjoin(Company, Company.id == n.company_id))
    # Without a search the tier counts already say how many rows there are.
    total = (session.scalar(select(func.count()).select_from(joined.where(*conditions).subquery())) if needle
             else tier_counts.get(tier, 0) if tier else sum(tier_counts.values()))
    page = max(int(page or 0), 0)
    query = joined.where(*conditions).order_by(*_STORED_ORDER[sort if sort in SORTS else "rank"](n, name))
    if page_size:
        query = query.offset(page * page_size).limit(page_size)
    rows = [{"company_id": r.company_id, "name": current_name, "tax_id": current_tax_id,
             "service_user_id": r.service_user_id, "consignments": r.n, "detentions": r.d, "refusals": r.r,
             "destructions": r.x, "nncs": r.k, "violations": r.violations,
             "weighted_violations": float(r.weighted_violations), "score": float(r.score), "tier": r.tier,
             "clean_streak": r.clean_streak, "last_violation_at": r.last_violation_at, "offices": r.offices,
             "rank": r.rank}
            for r, current_name, current_tax_id in session.execute(query)]
    return {"rows": rows, "total": total, "page": page, "page_size": page_size, "tier_counts": tier_counts,
            "ranked": sum(tier_counts.values())}
