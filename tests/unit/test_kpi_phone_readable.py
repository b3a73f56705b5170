"""The KPI panel read on a phone: the monthly chart's months fit side by side, and the targeting card says why it has
no ratio instead of "no data" when consignments were decided; hours written alike on every card."""
from __future__ import annotations

from callbacks.kpi import _targeting_card, hours, monthly_figure
from layouts.components.formatting import month_axis


def _text(component) -> str:
    if isinstance(component, (list, tuple)):
        return " ".join(_text(part) for part in component)
    if hasattr(component, "children"):
        return _text(component.children)
    return "" if component is None else str(component)


def _figures(**overrides) -> dict:
    figures = {"ratio": None, "decisions": 40, "inspected": 20, "inspected_share": 0.5, "targeted_rate": 0.1,
               "random_rate": 0.0, "random_known": 7}
    return {**figures, **overrides}


def test_the_months_show_the_year_only_under_the_first_and_each_january():
    axis = month_axis(["2025-11", "2025-12", "2026-01", "2026-02"])
    assert axis["ticktext"] == ["Nov<br>2025", "Des", "Jan<br>2026", "Feb"]
    assert axis["tickvals"] == ["2025-11", "2025-12", "2026-01", "2026-02"] and axis["type"] == "category"
    assert axis["tickangle"] == 0  # upright: a narrow chart leaves every second label out (assets/qcorner.css)


def test_a_long_period_ticks_every_few_months_and_still_says_each_year():
    months = [f"{2024 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}" for m in range(3, 40)]  # Mar 2024 … Mar 2027: 37
    axis = month_axis(months)
    assert len(axis["tickvals"]) <= 12 and axis["tickvals"][0] == "2024-03"
    assert axis["tickvals"] == months[::4]
    years = [text.split("<br>")[1] for text in axis["ticktext"] if "<br>" in text]
    assert years == ["2024", "2025", "2026", "2027"]


def test_two_months_of_the_same_name_stay_two_bars_in_a_long_period():
    rows = [{"month": f"{year}-03", "detention": 1, "refusal": 0, "destruction": 0, "nnc_received": 0,
             "nnc_issued": 0} for year in (2025, 2026)]
    figure = monthly_figure(rows)
    assert figure["data"][0]["x"] == ["2025-03", "2026-03"]
    assert figure["layout"]["xaxis"]["ticktext"] == ["Mar<br>2025", "Mar<br>2026"]
    assert [part[0] for part in figure["data"][0]["customdata"]] == ["Mar 2025", "Mar 2026"]  # what the hover says


def test_a_stacked_parts_hover_says_its_own_count_not_the_top_of_the_stack():
    """October's refusals stand on its 29 detentions: the hover read 40 (the bar's top) where there were 11."""
    rows = [{"month": "2026-10", "detention": 29, "refusal": 11, "destruction": 1234, "nnc_received": 2,
             "nnc_issued": 3}]
    traces = {trace["name"]: trace for trace in monthly_figure(rows)["data"]}
    assert traces["Penolakan"]["base"] == [29] and traces["Penolakan"]["customdata"] == [["Okt 2026", "11"]]
    assert traces["Pemusnahan"]["customdata"] == [["Okt 2026", "1.234"]]
    assert traces["NNC diterbitkan"]["customdata"] == [["Okt 2026", "3"]]
    assert all("%{y}" not in trace["hovertemplate"] and "%{customdata[1]}" in trace["hovertemplate"]
               for trace in traces.values())


def test_decisions_without_a_ratio_say_which_side_is_missing():
    zero = _text(_targeting_card(_figures(), None))
    assert "belum dapat dihitung" in zero and "belum menemukan pelanggaran (7 selesai)" in zero
    assert "belum ada data" not in zero
    assert "bagian acak yang selesai" in _text(_targeting_card(_figures(random_rate=None), None))
    assert "terarah yang selesai" in _text(_targeting_card(_figures(targeted_rate=None), None))


def test_no_decisions_is_no_data_and_a_ratio_is_shown():
    empty = _text(_targeting_card(_figures(decisions=0, inspected=0, inspected_share=None), None))
    assert "belum ada data" in empty and "Belum ada konsinyasi yang diputuskan dalam periode ini." in empty
    assert "0 dari 0" not in empty and "–" not in empty
    assert "2,5×" in _text(_targeting_card(_figures(ratio=2.5, random_rate=0.04), None))


def test_the_ikm_trend_stands_on_the_months_with_short_ticks_and_names_them_on_hover():
    from callbacks.survey import trend_figure

    points = [{"period": "2025-12", "ikm": 84.2, "responses": 30}, {"period": "2026-01", "ikm": None, "responses": 0},
              {"period": "2026-02", "ikm": 85.0, "responses": 41}]
    figure = trend_figure(points, "month")
    trace, axis = figure["data"][0], figure["layout"]["xaxis"]
    assert trace["x"] == ["2025-12", "2026-01", "2026-02"] and axis["type"] == "category"
    assert axis["ticktext"] == ["Des<br>2025", "Jan<br>2026", "Feb"]
    assert trace["customdata"][2] == ["Feb 2026", 41]
    semesters = trend_figure([{"period": "2025-S2", "ikm": 83.0, "responses": 7},
                              {"period": "2026-S1", "ikm": 84.0, "responses": 9}], "semester")
    axis = semesters["layout"]["xaxis"]
    assert axis["tickangle"] == 0 and semesters["data"][0]["x"] == ["2025-S2", "2026-S1"]
    assert axis["ticktext"] == ["Sem 2<br>2025", "Sem 1<br>2026"]  # upright: "2024-S1" tilted read sideways


def test_a_small_change_on_a_kpi_card_is_not_shown_as_none_under_an_arrow():
    """The survey index moving 84,24 → 84,51 read "▲ 0%": a change under one percent keeps a tenth."""
    from callbacks.kpi import trend

    def text(component) -> str:
        return "".join(child.children if hasattr(child, "children") else str(child) for child in component.children)

    assert text(trend(84.51, 84.24, "good", "84,24")).startswith("▲ 0,3%")
    assert text(trend(100.02, 100.0, "good", "100")).startswith("▲ <0,1%")
    assert text(trend(120, 100, "good", "100")).startswith("▲ 20%")


def test_hours_are_written_alike_whether_or_not_they_round_to_a_whole_hour():
    """A headline of "24 jam" beside its comparison's "24,0 jam", and "4,0 jam" in the stage table beside "5 jam":
    the decimal was dropped for a value that was whole before rounding, kept for one that became whole by it."""
    assert hours(24.0) == hours(23.96) == "24 jam"
    assert hours(3.96) == "4 jam" and hours(4.0) == "4 jam"
    assert hours(5.94) == "5,9 jam" and hours(0.5) == "30 menit"


def test_the_kpi_panel_offers_each_closed_period_beside_the_running_one_and_its_links_keep_it():
    """A head reporting last quarter, semester or year had to type its dates (the survey results offered them); the
    panel's link into the survey results carries its period, so every KPI period is one the survey page takes."""
    from layouts.kpi import KPI_PRESETS
    from layouts.survey import SURVEY_PRESETS

    for unit in ("month", "quarter", "semester", "year"):
        assert f"this_{unit}" in KPI_PRESETS and f"last_{unit}" in KPI_PRESETS, unit
    assert set(KPI_PRESETS) <= set(SURVEY_PRESETS)
