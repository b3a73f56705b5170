"""The profile's timeline on a phone: one column with the application number whole on its own line, where the five
columns side by side began the number past a 390 px screen's right edge; and a row of its own for every event,
also when one application has several (AG Grid drew one row in two places and left a blank on the phone)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import dash_ag_grid as dag

from layouts import profile as profile_layout
from support.web import dash_callback

ROOT = Path(__file__).resolve().parents[2]
NUMBER = "2026.1.0300.0.K21.I.032771"


def _events():
    same = {"application_id": 42, "application_number": NUMBER, "section": "plant", "nnc_id": None}
    return [{**same, "type": "destruction", "id": 8, "date": date(2026, 3, 4), "detail": "Busuk atau rusak"},
            {**same, "type": "detention", "id": 7, "date": date(2026, 3, 1), "detail": None}]


def _grids(component):
    if isinstance(component, dag.AgGrid):
        yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children] if children is not None else []:
        yield from _grids(child)


def test_on_a_phone_the_timeline_shows_one_column_with_the_number_on_its_own_line():
    grid = next(_grids(profile_layout.section_frame("timeline")))
    columns = {column.get("colId") or column["field"]: column for column in grid.columnDefs}
    phone = columns.pop(profile_layout.PHONE_COLUMN)
    assert phone["hide"] is True and phone["autoHeight"] is True and phone["cellRenderer"] == "QcStackedRow"
    lines = phone["cellRendererParams"]["lines"]
    assert ["reference"] in lines and {"date", "event", "detail"} <= {field for line in lines for field in line}
    assert not any(column.get("hide") for column in columns.values())  # the desktop's five columns stay as they were
    swap = f"qcPhoneColumn(params, '{profile_layout.PHONE_COLUMN}')"
    assert swap in grid.eventListeners["gridSizeChanged"] and swap in grid.eventListeners["firstDataRendered"]
    assert "dagfuncs.qcPhoneColumn" in (ROOT / "assets" / "dashAgGridFunctions.js").read_text(encoding="utf-8")
    assert "dagcomponentfuncs.QcStackedRow" in (ROOT / "assets" / "dashAgGridComponentFunctions.js").read_text(
        encoding="utf-8")
    plain = profile_layout.paged_section("plain", [{"field": "date"}], "–")
    listeners = next(_grids(plain)).eventListeners  # a grid without a phone column is left alone
    assert not any("qcPhoneColumn" in handler for handlers in listeners.values() for handler in handlers)


def test_each_event_of_one_application_is_a_row_of_its_own_and_opens_the_application(app, logged_in):
    rows = [profile_layout.timeline_row(event) for event in _events()]
    assert len({row["id"] for row in rows}) == 2 and {row["reference"] for row in rows} == {NUMBER}
    client = logged_in("coordinator", section="plant")
    key = next(key for key, callback in app.callback_map.items()
               if "profile-go.href" in key and callback["inputs"][0]["id"] == "profile-timeline-grid")
    for row in rows:
        response = dash_callback(client, key, inputs=[{"id": "profile-timeline-grid", "property": "cellClicked",
                                                       "value": {"rowId": row["id"], "colId": "reference"}}],
                                 state=[{"id": "profile-id", "property": "data", "value": 7}])
        assert response.json["response"]["profile-go"]["href"] == "/applications/42?back=%2Fprofile%2F7"


def test_a_handler_opened_from_a_profile_leads_back_to_that_profile(app, logged_in):
    """A handler's page opened from a profile's handlers said "Kembali ke peringkat" and led to the ranking, its
    filters and page reset, where an application or an NNC opened there leads back to the profile."""
    from support.web import components

    client = logged_in("coordinator", section="plant")
    key = next(key for key, callback in app.callback_map.items()
               if "profile-go.href" in key and callback["inputs"][0]["id"] == "profile-handlers-grid")
    response = dash_callback(client, key, inputs=[{"id": "profile-handlers-grid", "property": "cellClicked",
                                                   "value": {"rowId": "/handlers/5", "colId": "name"}}],
                             state=[{"id": "profile-id", "property": "data", "value": 7}])
    href = response.json["response"]["profile-go"]["href"]
    assert href == "/handlers/5?back=%2Fprofile%2F7"
    drawn = dash_callback(client, "shell-content.children",
                          inputs=[{"id": "shell-url", "property": "pathname", "value": "/handlers/5"}],
                          state=[{"id": "shell-url", "property": "search", "value": "?back=%2Fprofile%2F7"}])
    back = next(props for _type, props in components(drawn.json) if props.get("id") == "handler-back")
    assert back["href"] == "/profile/7" and "peringkat" not in str(back["children"])
