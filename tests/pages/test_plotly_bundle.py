"""Charts draw with plotly.js's basic bundle (assets/qc-plotly.js): vendored, of the version of the plotly package
pinned, loaded only by a page that draws a chart, and holding every kind of trace the portal draws."""
from __future__ import annotations

import re
from pathlib import Path

import plotly.graph_objects as go

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "assets" / "vendor"
# The traces plotly.js's basic bundle registers (Plotly.PlotSchema.get().traces): a trace of another type is drawn
# as nothing, without an error (tests/browser/test_chart_bundle.py checks the drawn charts).
BASIC_TRACES = {"scatter", "bar", "pie"}


def _version(script: Path) -> str:
    found = re.search(r"plotly\.js (?:\([^)]*\) )?v(\d+\.\d+\.\d+)", script.read_text(encoding="utf-8")[:300])
    assert found, f"no version in the head of {script}"
    return found.group(1)


def test_the_vendored_basic_bundle_is_the_version_of_the_plotly_package_pinned():
    import plotly

    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    bundles = sorted(VENDOR.glob("plotly*.js"))
    assert [bundle.name for bundle in bundles] == ["plotly-basic.min.js"], bundles
    assert _version(bundles[0]) == _version(full), "upgrading plotly: vendor its basic bundle of the same version"
    # The script that points dcc.Graph at it names this file with the version in its query, so the browser's cache
    # and the service worker's (one copy per path: portal/web/service_worker.js) take an upgrade's file in its place.
    assert f"vendor/plotly-basic.min.js?v={_version(full)}\"" in (ROOT / "assets" / "qc-plotly.js").read_text(
        encoding="utf-8")


def test_every_trace_the_portal_draws_is_one_the_basic_bundle_has():
    traces = set(go.Figure()._data_validator.class_strs_map)  # every plotly trace type
    drawn = set()
    for folder in ("layouts", "callbacks", "portal"):
        for source in (ROOT / folder).rglob("*.py"):
            drawn |= {kind for kind in re.findall(r"[\"']type[\"']:\s*[\"']([a-z0-9]+)[\"']", source.read_text(
                encoding="utf-8")) if kind in traces}
    assert drawn, "no chart found: the scan no longer reads the figures"
    assert drawn <= BASIC_TRACES, f"not in plotly's basic bundle: {sorted(drawn - BASIC_TRACES)}"


def test_a_page_loads_the_chart_library_only_when_it_draws_a_chart(logged_in):
    """The vendored bundle is served when a graph asks for it, and is no script of every page (1.2 MB parsed on
    each page that has no chart)."""
    client = logged_in("head")
    page = client.get("/kpi").get_data(as_text=True)
    assert "qc-plotly.js" in page
    assert "plotly-basic" not in page and "plotly.min.js" not in page
    answer = client.get("/assets/vendor/plotly-basic.min.js")
    assert answer.status_code == 200 and answer.get_data()[:100].lstrip().startswith(b"/**")
