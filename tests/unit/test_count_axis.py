"""A chart of counts steps its axis in whole numbers: plotly steps by fractions when the largest count is small, and
with a whole-number format those ticks read 0, 0, 0, 1, 1, 1 (the rankings' tier chart with one company per tier).
Larger counts keep plotly's own round steps (the profile's chart once stepped by a fifth of its top: 34, 68, 102)."""
from __future__ import annotations

from datetime import date

from callbacks.kpi import monthly_figure
from layouts.compliance_common import tier_chart
from layouts.profile import monthly_chart


def test_few_companies_per_tier_step_the_axis_by_one():
    axis = tier_chart({"A": 1, "B": 1})["layout"]["yaxis"]
    assert axis["dtick"] == 1 and axis["tickformat"] == ",d" and axis["rangemode"] == "tozero"


def test_many_companies_per_tier_leave_the_round_steps_to_plotly():
    assert "dtick" not in tier_chart({"A": 153, "B": 2227, "D": 8})["layout"]["yaxis"]


def test_the_profile_chart_steps_round_for_a_busy_company_and_by_one_for_a_small_one():
    busy = [{"month": date(2026, m, 1), "consignments": 170 - m, "violations": 0} for m in range(1, 13)]
    assert "dtick" not in monthly_chart(busy)["layout"]["yaxis"]
    small = [{"month": date(2026, 1, 1), "consignments": 3, "violations": 1}]
    assert monthly_chart(small)["layout"]["yaxis"]["dtick"] == 1


def test_the_profile_chart_s_thirteen_months_stand_upright_under_a_legend_above_the_bars():
    """On a phone the thirteen month names stood turned and the legend below the chart ran over them."""
    year = [{"month": date(2025 + (m > 12), (m - 1) % 12 + 1, 1), "consignments": 5, "violations": 0}
            for m in range(12, 25)]
    layout = monthly_chart(year)["layout"]
    assert layout["xaxis"]["ticktext"][:2] == ["Des<br>2025", "Feb<br>2026"]  # every second month, each year said
    assert layout["legend"]["y"] > 1 and layout["legend"]["yanchor"] == "bottom"
    assert monthly_chart(year)["data"][0]["customdata"][0] == "Des 2025"  # what the hover says


def test_the_profile_chart_s_axis_titles_stand_clear_of_a_busy_company_s_four_digit_ticks():
    """With a fixed 40 px left margin "Konsinyasi selesai" was written over "1.000" and "1.500"."""
    busy = [{"month": date(2026, m, 1), "consignments": 1700 - m, "violations": 2} for m in range(1, 13)]
    layout = monthly_chart(busy)["layout"]
    assert layout["yaxis"]["automargin"] is True and layout["yaxis2"]["automargin"] is True


def test_the_kpi_monthly_chart_steps_by_one_when_a_month_has_a_few_actions():
    row = {"month": "2026-11", "detention": 2, "refusal": 1, "destruction": 0, "nnc_received": 1,
           "nnc_issued": 0}
    assert monthly_figure([row])["layout"]["yaxis"]["dtick"] == 1
    assert "dtick" not in monthly_figure([{**row, "detention": 40}])["layout"]["yaxis"]


def test_a_months_violation_count_is_written_white_inside_its_red_dot():
    """Written above a cross in dark grey, the count vanished where the cross sat on a month's dark green bar."""
    months = [{"month": date(2026, month, 1), "consignments": 15, "violations": 4} for month in (10, 11)]
    violations = monthly_chart(months)["data"][1]
    assert violations["text"] == ["4", "4"] and violations["textposition"] == "middle center"
    assert violations["textfont"]["color"] == "#fff" and violations["marker"]["color"] == "#dc3545"
