"""Survey results (SKM → IKM, PermenPANRB 14/2017) for officers: the index, its working, trends, splits,
respondent profile, comments, and the semester follow-up plan.

Results read `survey_responses` alone, which carries no company: nothing here can name who answered.
A coordinator sees only their own section — enforced here through `section_scope`, whatever the page asks.
Every aggregate is computed in the database (sums and counts per element); the formula is portal.domain.ikm.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Office, Section
from models.base import utcnow
from models.kpi import IkmFollowUpPlan, KpiDaily
from models.service_portal import SurveyResponse
from portal import audit
from portal.domain import ikm
from portal.domain.periods import add_months, month_start
from portal.services import edit_versions
from portal.services.offices import zone_of
from portal.services.surveys import PROFILE_CHOICES
from portal.services.text_search import contains
from portal.validation import ErrorCollector, Forbidden

ELEMENT_COLUMNS = tuple(getattr(SurveyResponse, f"element_{n}") for n in range(1, 10))
COMMENTS_PAGE_SIZE = 20
MAX_PLAN = 5000
NO_SECTION = "none"  # answers whose application had no known section


# --- scope and periods ---------------------------------------------------------------------------------------

def section_ids(session: Session) -> dict[str, int]:
    """Section code → id, read once per session (reference data)."""
    if "qc_section_ids" not in session.info:
        session.info["qc_section_ids"] = dict(session.execute(select(Section.code, Section.id)).all())
    return session.info["qc_section_ids"]


def effective_section(section: str | None, section_scope: str | None) -> str | None:
    """The section the viewer may see: a coordinator's own, whatever they asked for."""
    if section_scope:
        if section and section != section_scope:
            raise Forbidden("a coordinator sees only their own section")
        return section_scope
    return section or None


def _section_filter(session: Session, section: str | None):
    if not section:
        return []
    sid = section_ids(session).get(section)
    if sid is None:
        raise Forbidden(f"unknown section {section!r}")
    return [SurveyResponse.section_id == sid]




# --- the index ------------------------------------------------------------------------------------------------

def _element_totals(session: Session, conditions) -> tuple[int, list[int], list[int]]:
    row = session.execute(select(func.count(SurveyResponse.id),
                                 *[func.coalesce(func.sum(c), 0) for c in ELEMENT_COLUMNS],
                                 *[func.count(c) for c in ELEMENT_COLUMNS]).where(*conditions)).one()
    return int(row[0]), [int(v) for v in row[1:10]], [int(v) for v in row[10:19]]


def _summarise(responses: int, sums: list[int], counts: list[int]) -> dict[str, Any]:
    if responses == 0 or not all(counts):
        return {"responses": responses, "elements": [_element(n, None) for n in range(1, 10)], "index": None,
                "ikm": None, "grade": None, "label": None, "label_en": None}
    result = ikm.summarise(dict(zip(range(1, 10), sums)), dict(zip(range(1, 10), counts)))
    return {"responses": responses,
            "elements": [_element(n, result["nrr"][ikm.ELEMENTS_BY_NUMBER[n].key]) for n in range(1, 10)],
            "index": float(result["index"]), "ikm": float(result["ikm"]), "grade": result["grade"],
            "label": result["label"], "label_en": result["label_en"]}


def _element(number: int, nrr) -> dict[str, Any]:
    element = ikm.ELEMENTS_BY_NUMBER[number]
    return {"element": number, "key": element.key, "name": element.name_id, "name_en": element.name_en,
            "nrr": None if nrr is None else float(nrr)}


def handed_over_count(session: Session, office_id: int, start: date, end: date, section: str | None) -> int:
    """N for the sample size: applications handed over in the period (from the KPI daily rollup)."""
    conditions = [KpiDaily.office_id == office_id, KpiDaily.day >= start, KpiDaily.day <= end]
    if section:
        conditions.append(KpiDaily.section_id == section_ids(session).get(section, -1))
    return int(session.scalar(select(func.coalesce(func.sum(KpiDaily.handed_over), 0)).where(*conditions)) or 0)


def summary(session: Session, office_id: int, start: date, end: date, section: str | None = None,
            section_scope: str | None = None, population: int | None = None) -> dict[str, Any]:
    """The IKM of a period: element averages, index, IKM, grade, answers beside the Krejcie–Morgan minimum.

    `population` (handed-over applications in the period) is counted here unless the caller has it already.
    """
    section = effective_section(section, section_scope)
    conditions = [SurveyResponse.office_id == office_id, SurveyResponse.submitted_on >= start,
                  SurveyResponse.submitted_on <= end, *_section_filter(session, section)]
    result = _summarise(*_element_totals(session, conditions))
    if population is None:
        population = handed_over_count(session, office_id, start, end, section)
    minimum = ikm.minimum_sample(population)
    result.update({"from": start.isoformat(), "to": end.isoformat(), "section": section, "population": population,
                   "minimum_sample": minimum, "sufficient": 0 < result["responses"] and result["responses"] >= minimum})
    return result


# --- trends and splits ----------------------------------------------------------------------------------------

def _daily_totals(session: Session, office_id: int, first: date, last: date, section: str | None):
    """Per answer day: responses and the nine sums (a few hundred rows a year), to group by month or semester."""
    rows = session.execute(
        select(SurveyResponse.submitted_on, func.count(SurveyResponse.id), *[func.sum(c) for c in ELEMENT_COLUMNS])
        .where(SurveyResponse.office_id == office_id, SurveyResponse.submitted_on >= first,
               SurveyResponse.submitted_on <= last, *_section_filter(session, section))
        .group_by(SurveyResponse.submitted_on)).all()
    return [(day if isinstance(day, date) else date.fromisoformat(str(day)), int(n), [int(s) for s in sums])
            for day, n, *sums in rows]


def trend(session: Session, office_id: int, end: date, section: str | None = None, section_scope: str | None = None,
          months: int = 12, semesters: int = 6) -> dict[str, list[dict[str, Any]]]:
    """IKM per month (the last `months` up to `end`) and per semester (the last `semesters`)."""
    section = effective_section(section, section_scope)
    last_semester_start = date(end.year, 1 if end.month <= 6 else 7, 1)
    first_semester = add_months(last_semester_start, -6 * (semesters - 1))
    first_month = add_months(month_start(end), -(months - 1))
    rows = _daily_totals(session, office_id, min(first_month, first_semester), end, section)

    def bucket(keys, key_of):
        totals = {key: [0, [0] * 9] for key in keys}
        for day, n, sums in rows:
            key = key_of(day)
            if key in totals:
                totals[key][0] += n
                totals[key][1] = [a + b for a, b in zip(totals[key][1], sums)]
        out = []
        for key in keys:
            n, sums = totals[key]
            summary_ = _summarise(n, sums, [n] * 9)
            out.append({"period": key, "responses": n, "ikm": summary_["ikm"], "grade": summary_["grade"]})
        return out

    month_keys = [add_months(first_month, i).strftime("%Y-%m") for i in range(months)]
    semester_keys = []
    for i in range(semesters):
        start = add_months(first_semester, 6 * i)
        semester_keys.append(f"{start.year}-S{1 if start.month == 1 else 2}")
    return {"months": bucket(month_keys, lambda d: d.strftime("%Y-%m")),
            "semesters": bucket(semester_keys, lambda d: f"{d.year}-S{1 if d.month <= 6 else 2}")}


def results(session: Session, office_id: int, start: date, end: date, section: str | None = None,
            section_scope: str | None = None) -> dict[str, Any]:
    """What the survey results page shows of a period, in one answer (one cache entry: portal/view_cache.py)."""
    return {"summary": summary(session, office_id, start, end, section, section_scope),
            "trend": trend(session, office_id, end, section, section_scope),
            "sections": by_section(session, office_id, start, end, section, section_scope),
            "profile": respondent_profile(session, office_id, start, end, section, section_scope)}


def by_section(session: Session, office_id: int, start: date, end: date, section: str | None = None,
               section_scope: str | None = None) -> list[dict[str, Any]]:
    """The IKM of each section (a coordinator gets only theirs); answers without a section are listed as such."""
    section = effective_section(section, section_scope)
    codes = {sid: code for code, sid in section_ids(session).items()}
    rows = session.execute(
        select(SurveyResponse.section_id, func.count(SurveyResponse.id), *[func.sum(c) for c in ELEMENT_COLUMNS])
        .where(SurveyResponse.office_id == office_id, SurveyResponse.submitted_on >= start,
               SurveyResponse.submitted_on <= end, *_section_filter(session, section))
        .group_by(SurveyResponse.section_id)).all()
    out = []
    for sid, n, *sums in rows:
        result = _summarise(int(n), [int(s) for s in sums], [int(n)] * 9)
        out.append({"section": codes.get(sid, NO_SECTION), "responses": int(n), "ikm": result["ikm"],
                    "grade": result["grade"],
                    "elements": [{"element": e["element"], "nrr": e["nrr"]} for e in result["elements"]]})
    return sorted(out, key=lambda r: r["section"])


def respondent_profile(session: Session, office_id: int, start: date, end: date, section: str | None = None,
                       section_scope: str | None = None) -> dict[str, dict[str, int]]:
    """Counts per gender, age group, education and occupation (the regulation's respondent profile)."""
    section = effective_section(section, section_scope)
    conditions = [SurveyResponse.office_id == office_id, SurveyResponse.submitted_on >= start,
                  SurveyResponse.submitted_on <= end, *_section_filter(session, section)]
    profile: dict[str, dict[str, int]] = {}
    for field, choices in PROFILE_CHOICES.items():
        column = getattr(SurveyResponse, field)
        counts = dict(session.execute(select(column, func.count()).where(*conditions).group_by(column)).all())
        profile[field] = {choice: int(counts.get(choice, 0)) for choice in choices}
        profile[field]["no_answer"] = int(sum(v for k, v in counts.items() if k not in choices))
    return profile


def comments(session: Session, office_id: int, start: date, end: date, section: str | None = None,
             section_scope: str | None = None, text: str | None = None, page: int = 0,
             page_size: int = COMMENTS_PAGE_SIZE) -> dict[str, Any]:
    """Comments of the period, newest first, filtered in the database; never who wrote them."""
    section = effective_section(section, section_scope)
    conditions = [SurveyResponse.office_id == office_id, SurveyResponse.submitted_on >= start,
                  SurveyResponse.submitted_on <= end, SurveyResponse.comment.is_not(None),
                  SurveyResponse.comment != "", *_section_filter(session, section)]
    if text and text.strip():
        conditions.append(contains(SurveyResponse.comment, text))
    total = int(session.scalar(select(func.count()).select_from(SurveyResponse).where(*conditions)) or 0)
    codes = {sid: code for code, sid in section_ids(session).items()}
    rows = session.execute(select(SurveyResponse.id, SurveyResponse.submitted_on, SurveyResponse.section_id,
                                  SurveyResponse.comment, *ELEMENT_COLUMNS).where(*conditions)
                           .order_by(SurveyResponse.submitted_on.desc(), SurveyResponse.id.desc())
                           .offset(max(page, 0) * page_size).limit(page_size)).all()
    items = [{"id": row[0], "submitted_on": row[1], "section": codes.get(row[2], NO_SECTION), "comment": row[3],
              "average": round(sum(row[4:13]) / 9, 2)} for row in rows]
    return {"rows": items, "total": total, "page": page, "page_size": page_size}


def all_comments(session: Session, office_id: int, start: date, end: date, section: str | None,
                 limit: int = 5000) -> list[dict[str, Any]]:
    """Every comment of a period (for the published report), oldest first, bounded."""
    codes = {sid: code for code, sid in section_ids(session).items()}
    rows = session.execute(select(SurveyResponse.submitted_on, SurveyResponse.section_id, SurveyResponse.comment)
                           .where(SurveyResponse.office_id == office_id, SurveyResponse.submitted_on >= start,
                                  SurveyResponse.submitted_on <= end, SurveyResponse.comment.is_not(None),
                                  SurveyResponse.comment != "", *_section_filter(session, section))
                           .order_by(SurveyResponse.submitted_on, SurveyResponse.id).limit(limit)).all()
    return [{"submitted_on": day, "section": codes.get(sid, NO_SECTION), "comment": comment}
            for day, sid, comment in rows]


# --- the semester follow-up plan ------------------------------------------------------------------------------

def semester_of(start: date, end: date) -> tuple[int, int] | None:
    """(year, semester) when the period is exactly one calendar semester (or the part of it up to today)."""
    if start.day != 1 or start.month not in (1, 7):
        return None
    semester_end = date(start.year, 6, 30) if start.month == 1 else date(start.year, 12, 31)
    if start <= end <= semester_end:
        return start.year, 1 if start.month == 1 else 2
    return None


PLAN_OBJECT = "ikm_follow_up_plan"  # the audit log's object type, and the stale refusal's "who saved last"


def plan_object_id(office_id: int, year: int, semester: int) -> str:
    return f"{office_id}/{year}-S{semester}"


def _plan_row(session: Session, office_id: int, year: int, semester: int) -> IkmFollowUpPlan | None:
    return session.scalar(select(IkmFollowUpPlan).where(IkmFollowUpPlan.office_id == office_id,
                                                        IkmFollowUpPlan.year == year,
                                                        IkmFollowUpPlan.semester == semester))


def follow_up_plan(session: Session, office_id: int, year: int, semester: int) -> dict[str, Any] | None:
    plan = _plan_row(session, office_id, year, semester)
    if plan is None:
        return None
    return {"year": plan.year, "semester": plan.semester, "text": plan.text, "updated_by": plan.updated_by,
            "updated_at": plan.updated_at, "version": plan.version}


def plan_version(session: Session, office_id: int, year: int, semester: int) -> int:
    """The version of a semester's plan, which the page's form keeps (0 while the semester has none)."""
    plan = _plan_row(session, office_id, year, semester)
    return plan.version if plan is not None else 0


def _plan_values(plan: IkmFollowUpPlan | None) -> dict[str, Any]:
    return {"text": plan.text if plan is not None else None}


def save_follow_up_plan(session: Session, actor_id: int | None, actor_username: str | None, office_id: int,
                        year: int, semester: int, text: str | None, *, expected_version: int | None = None,
                        opened: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write (or replace) a semester's follow-up plan; audited with the text before and after.

    The plan carries a version: a save from a form opened on an older one (`expected_version`, `opened`: the
    version and text the form showed, 0 for a semester without a plan) is refused with StaleEdit and writes
    nothing (edit_versions). `expected_version=None` is a caller with no form (a script, a test).
    """
    errors = ErrorCollector()
    text = (text or "").strip()
    if not text:
        errors.add("plan", "survey.error.plan_empty")
    elif len(text) > MAX_PLAN:
        errors.add("plan", "survey.error.plan_too_long", max=MAX_PLAN)
    if semester not in (1, 2) or not 2000 <= int(year) <= 2100:
        errors.add("plan", "survey.error.plan_semester")
    errors.raise_if_any()
    object_id = plan_object_id(office_id, year, semester)
    plan = _plan_row(session, office_id, year, semester)
    if plan is not None and plan.text == text:
        return follow_up_plan(session, office_id, year, semester)  # nothing to store: every open form stays current
    before = None if plan is None else {"text": plan.text}
    if plan is not None:
        edit_versions.claim(session, plan, expected_version, opened, _plan_values, PLAN_OBJECT, object_id)
    elif not edit_versions.is_current(0, expected_version):
        # The form opened a plan that is not there (or sent no version): never write a first plan from it.
        raise edit_versions.stale(session, opened or {}, _plan_values(None), PLAN_OBJECT, object_id)
    else:
        try:
            with session.begin_nested():  # the first plan of a semester from two forms at once: one wins
                plan = IkmFollowUpPlan(office_id=office_id, year=year, semester=semester, text=text, version=1)
                session.add(plan)
        except IntegrityError:
            now = _plan_values(_plan_row(session, office_id, year, semester))
            raise edit_versions.stale(session, opened or {}, now, PLAN_OBJECT, object_id) from None
    plan.text, plan.updated_by_id, plan.updated_by, plan.updated_at = text, actor_id, actor_username, utcnow()
    session.flush()
    audit.record(session, actor_id, actor_username, "ikm_follow_up_plan_saved", PLAN_OBJECT, object_id,
                 before, {"text": text})
    return follow_up_plan(session, office_id, year, semester)


# --- the published report -------------------------------------------------------------------------------------

def weakest_elements(elements: list[dict[str, Any]], count: int = 3) -> list[dict[str, Any]]:
    scored = [e for e in elements if e["nrr"] is not None]
    return sorted(scored, key=lambda e: (e["nrr"], e["element"]))[:count]


def semester_report(session: Session, office_id: int, start: date, end: date, section: str | None = None,
                    section_scope: str | None = None) -> dict[str, Any]:
    """Everything the station publishes for a period: IKM, element averages, respondents, comments, plan."""
    section = effective_section(section, section_scope)
    office = session.get(Office, office_id)
    result = summary(session, office_id, start, end, section)
    semester = semester_of(start, end)
    plan = follow_up_plan(session, office_id, *semester) if semester else None
    return {"office": office.name if office else "", "office_code": office.code if office else "",
            "from": start, "to": end, "section": section, "summary": result,
            "by_section": by_section(session, office_id, start, end, section),
            "profile": respondent_profile(session, office_id, start, end, section),
            "comments": all_comments(session, office_id, start, end, section),
            "weakest": weakest_elements(result["elements"]), "semester": semester, "plan": plan,
            "generated_at": utcnow(), "timezone": zone_of(office)}


def matching_sections(session: Session, section_scope: str | None) -> list[str]:
    """The sections a viewer may choose from."""
    codes = [code for code, in session.execute(select(Section.code).where(Section.active.is_(True))
                                               .order_by(Section.id))]
    return [section_scope] if section_scope else codes


__all__ = ["summary", "trend", "by_section", "respondent_profile", "comments", "semester_report",
           "follow_up_plan", "plan_version", "save_follow_up_plan", "effective_section", "semester_of"]
