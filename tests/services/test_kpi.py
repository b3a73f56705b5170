"""The head's KPI panel: each figure equals a value worked out by hand from tests/kpi_data.py."""
from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from support.factories import office_id
from support.kpi_data import build_committed
from models.base import utcnow
from portal.services.kpi import panel as kpi, service_times, sla
from portal.services.kpi.rollup import refresh_kpi_rollups
from portal.validation import InvalidInput

MARCH = kpi.period("custom", date(2026, 3, 31), date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def data(session):
    return build_committed(session)


def _panel(session, **filters):
    return kpi.panel(session, office_id(session), MARCH, today=date(2026, 3, 31), **filters)


def test_period_presets_and_the_period_they_are_compared_with():
    p = kpi.period("this_month", date(2026, 3, 15))
    assert (p.start, p.end, p.previous_start, p.previous_end) == (
        date(2026, 3, 1), date(2026, 3, 15), date(2026, 2, 1), date(2026, 2, 15))
    p = kpi.period("this_month", date(2026, 3, 31))  # February is shorter: compared with all of it
    assert (p.previous_start, p.previous_end) == (date(2026, 2, 1), date(2026, 2, 28))
    p = kpi.period("last_month", date(2026, 3, 15))
    assert (p.start, p.end, p.previous_start, p.previous_end) == (
        date(2026, 2, 1), date(2026, 2, 28), date(2026, 1, 1), date(2026, 1, 31))
    p = kpi.period("this_quarter", date(2026, 5, 10))
    assert (p.start, p.end, p.previous_start, p.previous_end) == (
        date(2026, 4, 1), date(2026, 5, 10), date(2026, 1, 1), date(2026, 2, 9))
    p = kpi.period("this_semester", date(2026, 8, 1))
    assert (p.start, p.previous_start, p.previous_end) == (date(2026, 7, 1), date(2026, 1, 1), date(2026, 2, 1))
    p = kpi.period("this_year", date(2026, 3, 31))
    assert (p.start, p.previous_start, p.previous_end) == (date(2026, 1, 1), date(2025, 1, 1), date(2025, 3, 31))
    # March chosen by its dates is compared with February, as "last month" is (it was 29 Jan – 28 Feb); other
    # chosen days with as many days just before them
    assert (MARCH.previous_start, MARCH.previous_end) == (date(2026, 2, 1), date(2026, 2, 28))
    p = kpi.period("custom", date(2026, 8, 31), date(2026, 5, 1), date(2026, 6, 30))
    assert (p.previous_start, p.previous_end) == (date(2026, 3, 1), date(2026, 4, 30))
    p = kpi.period("custom", date(2026, 3, 31), date(2026, 3, 10), date(2026, 3, 19))
    assert (p.previous_start, p.previous_end) == (date(2026, 2, 28), date(2026, 3, 9))
    with pytest.raises(InvalidInput):
        kpi.period("custom", date(2026, 3, 31), date(2026, 3, 5), date(2026, 3, 1))


def test_a_period_says_whether_it_is_compared_with_as_many_days_or_with_the_whole_unit_before_it():
    quarter = kpi.period("this_quarter", date(2026, 12, 8))
    assert (quarter.previous_start, quarter.previous_end, quarter.by_days) == (date(2026, 7, 1), date(2026, 9, 7), True)
    assert kpi.period("last_quarter", date(2026, 12, 8)).by_days is False  # Q3 against Q2: whole quarters
    assert kpi.period("custom", date(2026, 12, 8), date(2026, 8, 1), date(2026, 8, 31)).by_days is False
    assert kpi.period("custom", date(2026, 12, 8), date(2026, 8, 3), date(2026, 8, 31)).by_days is True


def test_a_custom_period_reaching_past_today_is_refused_on_the_day_that_does():
    """Days to come have no figures: "Sertifikat terbit 0 ▼100%" in red read as a collapse."""
    today = date(2026, 12, 6)
    assert kpi.period("custom", today, date(2026, 11, 15), today).end == today
    with pytest.raises(InvalidInput) as ahead:
        kpi.period("custom", today, date(2026, 11, 15), date(2027, 2, 1))
    assert ahead.value.errors == {"to": ("kpi.error.future", {})}
    with pytest.raises(InvalidInput) as ahead:
        kpi.period("custom", today, date(2027, 1, 1), date(2027, 2, 1))
    assert set(ahead.value.errors) == {"from", "to"}


def test_every_figure_of_march_equals_the_hand_worked_value(session, data):
    panel = _panel(session)
    march = panel["current"]
    assert march["certificates_issued"] == 3            # A1, A2, A3 finals; drafts and A6 (February) do not count
    assert march["applications_completed"] == 4         # A1, A2, A3 handed over, A5 refused; A7 is April's (WIB)
    assert march["applications_in_progress"] == 2       # A4 and A7 at 31 March 24:00 WIB
    service = march["service_time"]
    assert (service["count"], service["median_hours"], service["p90_hours"]) == (3, 18.0, 27.6)  # 6, 18, 30 h
    assert (service["within_sla"], service["within_sla_share"]) == (2, 0.6667)                  # SLA 24 h
    stages = {row["stage"]: row for row in march["stages"]}
    assert (stages["verified"]["median_hours"], stages["verified"]["p90_hours"]) == (2.5, 4.4)  # 1, 2, 3, 5 h
    assert stages["verified"]["within_sla_share"] == 0.5                                      # SLA 2 h
    assert stages["treated"]["count"] == 0 and stages["treated"]["median_hours"] is None
    assert (stages["draft_certificate"]["median_hours"], stages["draft_certificate"]["p90_hours"]) == (3.0, 4.6)
    assert march["fees"] == {"billed": 1425000.0, "paid": 425000.0}
    assert march["actions_3p"] == {"detention": 1, "refusal": 1, "destruction": 0, "total": 2}
    assert march["nncs"] == {"received": 1, "issued": 1, "total": 2}  # the void one does not count
    assert march["violations_per_1000"] == 1000.0                     # (2 + 2) / 4 consignments
    survey = march["ikm"]
    assert (survey["responses"], survey["ikm"], survey["grade"]) == (4, 84.03, "B")
    assert (survey["population"], survey["minimum_sample"], survey["sufficient"]) == (3, 3, True)
    months = {row["month"]: row for row in march["monthly"]}
    assert months["2026-03"] == {"month": "2026-03", "detention": 1, "refusal": 1, "destruction": 0,
                                 "nnc_received": 1, "nnc_issued": 1}
    assert months["2026-02"]["nnc_received"] == 1 and list(months)[0] == "2025-10"
    assert panel["complaints"]["open"] == 1 and panel["complaints"]["overdue"] == 1
    assert panel["complaints"]["median_hours_to_answer"] == 8.0  # 6 h and 10 h
    assert panel["compliance"] == {"computed": False, "tiers": None, "priority_eligible": None, "as_of": None}


def test_a_whole_month_chosen_is_compared_with_the_month_before(session, data):
    previous = _panel(session)["previous"]
    assert (previous["from"], previous["to"]) == ("2026-02-01", "2026-02-28")
    assert previous["certificates_issued"] == 1 and previous["applications_completed"] == 1
    assert previous["service_time"]["median_hours"] == 12.0
    assert previous["fees"] == {"billed": 100000.0, "paid": 100000.0}
    assert previous["nncs"]["total"] == 1 and previous["applications_in_progress"] == 0
    assert kpi.change(3, 1) == {"delta": 3 - 1, "ratio": 2.0}


def test_section_filter(session, data):
    plant = _panel(session, section="plant")["current"]
    assert plant["certificates_issued"] == 2 and plant["applications_completed"] == 3
    assert plant["applications_in_progress"] == 2
    assert (plant["service_time"]["median_hours"], plant["service_time"]["p90_hours"]) == (12.0, 16.8)
    assert plant["nncs"] == {"received": 1, "issued": 0, "total": 1}
    assert (plant["ikm"]["responses"], plant["ikm"]["ikm"], plant["ikm"]["minimum_sample"]) == (3, 86.11, 2)
    assert plant["fees"] == {"billed": 425000.0, "paid": 425000.0}


def test_direction_filter(session, data):
    imports = _panel(session, direction="import")["current"]
    assert imports["certificates_issued"] == 1 and imports["applications_completed"] == 1
    assert imports["service_time"]["median_hours"] == 30.0 and imports["applications_in_progress"] == 0
    assert imports["nncs"] == {"received": 0, "issued": 1, "total": 1}  # we issue NNCs about imports
    assert imports["actions_3p"]["total"] == 0 and imports["violations_per_1000"] == 1000.0
    domestic = _panel(session, direction="domestic_out")["current"]
    assert domestic["certificates_issued"] == 0 and domestic["violations_per_1000"] is None


def test_incremental_refresh_takes_back_an_application_and_matches_a_rebuild(session, data):
    a2 = data["a2"]
    a2.deleted_at = utcnow()
    session.flush()
    refresh_kpi_rollups(session, [a2.id])
    after = _panel(session)["current"]
    assert after["certificates_issued"] == 2 and after["fees"]["billed"] == 1175000.0
    assert after["service_time"]["median_hours"] == 24.0  # 18 and 30 h
    refresh_kpi_rollups(session)
    assert _panel(session)["current"] == after


def test_a_record_completed_before_it_was_submitted_counts_as_completed_on_its_submission_day(session, data):
    """IQFast held A4 (submitted 25 March) as completed on 20 February: February ended with −1 in progress (completed,
    not yet submitted), and March counted a completion it had not seen."""
    from datetime import datetime, timezone

    a4 = data["a4"]
    a4.completed_at, a4.completion_stage = datetime(2026, 2, 20, 3, tzinfo=timezone.utc), "refused"
    session.flush()
    refresh_kpi_rollups(session, [a4.id])
    panel = _panel(session)
    assert panel["previous"]["applications_in_progress"] == 0
    assert panel["previous"]["applications_completed"] == 1  # A6 alone
    assert panel["current"]["applications_completed"] == 5  # A4 on the day it was submitted
    assert panel["current"]["applications_in_progress"] == 1  # A7
    # The service-time card picks its applications by the same moment (its count beside the certificates card's).
    from models.kpi import KpiApplicationTime

    assert session.get(KpiApplicationTime, a4.id).completed_at == a4.submitted_at
    refresh_kpi_rollups(session)
    assert _panel(session) == panel


def test_compliance_tiers_come_from_the_snapshot(session, data):
    from sqlalchemy import func, select

    from models.compliance import ComplianceScore, ComplianceSettingsVersion

    version = session.scalar(select(func.max(ComplianceSettingsVersion.version)))
    if version is None:
        session.add(ComplianceSettingsVersion(version=1, values={}))
        version = 1
    session.flush()
    for su, tier in enumerate(("A", "A", "B", "D"), start=1):
        company = data["a1"].service_user_id if su == 1 else None
        if company is None:
            from support.factories import gen_service_user

            company = gen_service_user(session).id
        session.add(ComplianceScore(service_user_id=company, section_id=0, office_id=office_id(session),
                                    as_of=date(2026, 3, 31), window_from=date(2025, 4, 1),
                                    window_to=date(2026, 3, 31), n=10, d=0, r=0, x=0, k=0, score=99, tier=tier,
                                    intervention="reduced", clean_streak=20, settings_version=version))
    session.flush()
    compliance = _panel(session)["compliance"]
    assert compliance["tiers"] == {"A": 2, "B": 1, "C": 0, "D": 1} and compliance["priority_eligible"] == 2


def test_sla_hours_are_an_audited_admin_setting(session):
    from sqlalchemy import select

    from models import AuditLog

    values = dict(sla.DEFAULT_SLA_HOURS, service=48)
    sla.save_sla_hours(session, None, "admin", values)
    assert sla.sla_hours(session)["service"] == 48.0
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "kpi_sla_saved"))
    assert entry.before == {"service": 24.0} and entry.after == {"service": 48.0}
    with pytest.raises(InvalidInput):
        sla.save_sla_hours(session, None, "admin", dict(values, verified="-1"))


def test_kpi_command_prints_the_same_figures(database_url, data):
    from portal.cli.main import main

    result = CliRunner().invoke(main, ["kpi", "--from", "2026-03-01", "--to", "2026-03-31", "--section", "plant",
                                       "--json"], env={"QCORNER_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["current"]["certificates_issued"] == 2
    assert printed["current"]["service_time"]["median_hours"] == 12.0
    assert printed["previous"]["from"] == "2026-02-01"
    # How fresh the copy is, by the sync's rule (the badge's): the fixture's last sync was at 09:50 on 31 March.
    assert printed["freshness"]["stale"] is True and printed["freshness"]["last_success_at"].startswith("2026-03-31")


def test_percentile_matches_postgresql_percentile_cont():
    assert service_times.percentile_cont([6.0, 18.0, 30.0], 0.9) == pytest.approx(27.6)
    assert service_times.percentile_cont([1.0], 0.5) == 1.0 and service_times.percentile_cont([], 0.5) is None
