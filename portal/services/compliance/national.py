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

from collections import defaultdict
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select, type_coerce
from sqlalchemy.orm import Session

from models import Application, Company, Office, ServiceUser
from models.compliance import ALL_SECTIONS, ComplianceStreak
from portal.domain import compliance as model
from portal.domain.compliance import TIERS
from portal.domain.periods import months_between, today_in
from portal.services import companies
from portal.services.compliance.filters import check_profile_access, clean_filters, resolve_section, window
from portal.services.compliance.ranking import _Model, score_rows, window_counts
from portal.services.compliance.scoring_settings import current_settings
from portal.services.offices import office_zone
from portal.settings import default_timezone

UTC = timezone.utc
NEVER = datetime(1900, 1, 1, tzinfo=UTC)
SORTS = ("rank", "score_asc", "consignments", "violations", "name")
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
    result = []
    for record in records:
        tz = office_zone(session, record.office_id)
        as_of = today_in(tz)
        first, last = window(as_of, scoring)
        scored = score_rows(session, record.office_id, section_id=section_id, first=first, last=last, as_of=as_of,
                            settings=scoring, service_user_ids=[record.service_user_id], tz=tz)["rows"]
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
def _pooled_streaks(session: Session, wanted: dict[int, tuple[list[int], datetime]],
                    section_id: int | None) -> dict[int, int]:
    """company → consignments completed after its last violation at any office, for companies with records at
    several offices and a violation on record (for the others the stored streaks already are the pooled ones)."""
    a = Application
    by_record = {su: moment for _company, (records, moment) in wanted.items() for su in records}
    company_of = {su: company for company, (records, _moment) in wanted.items() for su in records}
    result: dict[int, int] = defaultdict(int)
    ids = sorted(by_record)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        after = type_coerce(case({su: by_record[su] for su in chunk}, value=a.service_user_id, else_=NEVER),
                            a.completed_at.type)
        query = (select(a.service_user_id, func.count(a.id))
                 .where(a.service_user_id.in_(chunk), a.completed_at.is_not(None), a.deleted_at.is_(None),
                        a.completed_at > after).group_by(a.service_user_id))
        if section_id is not None:
            query = query.where(a.section_id == section_id)
        for su, count in session.execute(query):
            result[company_of[su]] += int(count)
    return result


def national_scores(session: Session, *, section_id: int | None, first: date, last: date, as_of: date,
                    settings) -> dict[str, Any]:
    """Every company with activity in the window at any office: its per-office scores (each against its office's
    p0, as that office's ranking scores it) and its national score over the pooled counts (against every office's
    rate), ranked by the national score, then consignments."""
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
    raw = session.execute(query).all()
    decide = _Model(settings)
    per_office: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for r in raw:
        totals = per_office[r.office]
        for index, value in enumerate((r.n, r.d, r.r, r.x, r.k)):
            totals[index] += int(value or 0)
    all_n = sum(t[0] for t in per_office.values())
    all_v = model.weighted_violations(*(sum(t[i] for t in per_office.values()) for i in (1, 2, 3, 4)),
                                      settings=settings)
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
    # The pooled streak: for a company at one office, or with no violation on record, the stored streaks say it
    # (their sum: every consignment of a record without a violation is clean); else it is counted after the last
    # violation at any office.
    wanted = {}
    for company, rows in grouped.items():
        moments = [r.last_violation_at for r in rows if r.last_violation_at is not None]
        if len(rows) > 1 and moments:
            wanted[company] = ([r.su for r in rows], max(moments))
    pooled = _pooled_streaks(session, wanted, section_id) if wanted else {}

    result = []
    for company, rows in grouped.items():
        office_rows = []
        for r in sorted(rows, key=lambda r: offices.get(r.office, ("", None))[0]):
            n, d, rr, x, k = int(r.n), int(r.d), int(r.r), int(r.x), int(r.k)
            value = decide.score(decide.weighted(d, rr, x, k), n, p0[r.office])
            tz = ZoneInfo(offices.get(r.office, ("", None))[1] or default_timezone())
            since = None if r.last_violation_at is None else months_between(
                r.last_violation_at.astimezone(tz).date(), as_of)
            office_rows.append({"office_id": r.office, "office_code": offices.get(r.office, ("?", None))[0],
                                "service_user_id": r.su, "consignments": n, "violations": d + rr + x + k,
                                "score": float(value),
                                "tier": decide.tier(value, d + rr + x + k, int(r.clean_streak or 0), since, n)})
        n, d, rr, x, k = (sum(int(getattr(r, c)) for r in rows) for c in ("n", "d", "r", "x", "k"))
        v = decide.weighted(d, rr, x, k)
        value = decide.score(v, n, national_p0)
        moments = [r.last_violation_at for r in rows if r.last_violation_at is not None]
        last_violation = max(moments) if moments else None
        streak = pooled.get(company, 0) if company in wanted else (
            sum(int(r.clean_streak or 0) for r in rows) if not moments else int(rows[0].clean_streak or 0))
        since = None if last_violation is None else months_between(last_violation.astimezone(zone).date(), as_of)
        records = d + rr + x + k
        result.append({"company_id": company, "name": names.get(company) or rows[0].name, "tax_id": rows[0].tax_id,
                       "service_user_id": office_rows[0]["service_user_id"], "consignments": n, "detentions": d,
                       "refusals": rr, "destructions": x, "nncs": k, "violations": records,
                       "weighted_violations": float(v), "score": float(value),
                       "tier": decide.tier(value, records, streak, since, n), "clean_streak": streak,
                       "last_violation_at": last_violation, "offices": office_rows})
    result.sort(key=lambda row: (-row["score"], -row["consignments"], row["name"]))
    for index, row in enumerate(result, start=1):
        row["rank"] = index
    return {"rows": result, "all_v": float(all_v), "all_n": all_n, "p0": float(national_p0)}


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


def national_ranking(session: Session, *, section_scope: str | None, filters: dict[str, Any] | None = None,
                     as_of: date | None = None, sort: str = "rank", page: int = 0, page_size: int | None = 50,
                     search: str | None = None, tz: str | None = None) -> dict[str, Any]:
    """The national ranking per section: a page of companies with their national and per-office scores, the tier
    counts of the national tiers. Callers check that their scope reads several offices (scope.several_offices)."""
    cleaned = clean_filters(session, filters, section_scope)
    version, scoring = current_settings(session)
    tz = tz or default_timezone()
    as_of = as_of or today_in(tz)
    first, last = window(as_of, scoring, cleaned["period_from"], cleaned["period_to"])
    result = national_scores(session, section_id=cleaned["section_id"], first=first, last=last, as_of=as_of,
                             settings=scoring)
    rows = result["rows"]
    tier_counts = {tier: 0 for tier in TIERS}
    for row in rows:
        tier_counts[row["tier"]] += 1
    if cleaned["tier"]:
        rows = [row for row in rows if row["tier"] == cleaned["tier"]]
    needle = (search or "").strip().casefold()[:100]
    if needle:
        rows = [row for row in rows if needle in row["name"].casefold() or needle in (row["tax_id"] or "").casefold()]
    rows = _sorted(rows, sort if sort in SORTS else "rank")
    total = len(rows)
    page = max(int(page or 0), 0)
    if page_size:
        rows = rows[page * page_size:(page + 1) * page_size]
    return {"rows": rows, "total": total, "page": page, "page_size": page_size, "tier_counts": tier_counts,
            "ranked": sum(tier_counts.values()), "p0": result["p0"], "all_n": result["all_n"],
            "window_from": first, "window_to": min(last, as_of), "as_of": as_of, "settings_version": version,
            "filters": cleaned, "timezone": tz}
