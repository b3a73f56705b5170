"""The charts draw in real Chromium with plotly.js's basic bundle (assets/qc-plotly.js): the full bundle is never
asked for, and each chart draws every trace it was given as the kind it was given (a kind the bundle lacks is drawn
as nothing, without an error)."""
from __future__ import annotations

from datetime import date

import pytest

from portal.services.kpi.rollup import refresh_kpi_rollups
from support.browser import sign_in
from support.kpi_data import build_recent

pytestmark = pytest.mark.browser

# Every chart on the page drawn, each trace as the type it asked for (plotly's default is a scatter).
DRAWN_AS_ASKED = """() => {
    const charts = [...document.querySelectorAll('.js-plotly-plot')].filter(chart => chart.data && chart.data.length);
    return charts.map(chart => chart.data.map((trace, i) => [trace.type || 'scatter', chart._fullData[i].type,
                                                             chart._fullData[i].visible]));
}"""


def test_the_kpi_panel_and_the_survey_results_draw_their_charts_with_the_basic_bundle(page, session, make_user):
    build_recent(session, date.today())
    refresh_kpi_rollups(session)
    session.commit()
    make_user("kepala_grafik", "head")
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(request.url) if "plotly" in request.url else None)
    sign_in(page, "kepala_grafik")
    for path, charts in (("/kpi", 1), ("/survey-results", 2)):
        page.goto(path)
        page.wait_for_function(f"""document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}
            && [...document.querySelectorAll('.js-plotly-plot')].filter(c => c.data && c.data.length).length
               >= {charts}""")
        drawn = page.evaluate(DRAWN_AS_ASKED)
        assert len(drawn) >= charts, drawn
        for traces in drawn:
            assert traces and all(asked == built and visible is not False for asked, built, visible in traces), \
                f"{path}: traces (asked, drawn, visible): {traces}"
    assert any("/assets/vendor/plotly-basic.min.js?v=" in url for url in scripts), scripts
    assert not any("plotly.min.js" in url for url in scripts), scripts
    assert sorted(page.evaluate("Object.keys(Plotly.PlotSchema.get().traces)")) == ["bar", "pie", "scatter"]
