"""Grids whose cells wrap measure their rows once per page of rows (assets/dashAgGridFunctions.js qcRowHeight), not
cell after cell as AG Grid's autoHeight did: the applications list's first page held the browser 230–490 ms on a
2-core VM (issue #14: no task over 200 ms). The browser's side: tests/browser/test_wrapped_rows_browser.py."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from layouts import applications, targeting_queue
from layouts.components.grid import PHONE_COLUMN, WRAPPED, grid, stacked_column, wraps

ROOT = Path(__file__).resolve().parents[2]
CHECK = "qcRowHeightsCheck(params)"


def test_a_grid_whose_cells_wrap_measures_its_rows_itself_and_again_when_its_widths_change():
    drawn = grid("g", [{"field": "name", **WRAPPED}, {"field": "count"}])
    name, count = drawn.columnDefs
    assert name["wrapText"] and "autoHeight" not in name and wraps(name) and not wraps(count)
    assert drawn.dashGridOptions["getRowHeight"] == {"function": "qcRowHeight(params, 'g')"}
    for event in ("columnResized", "displayedColumnsChanged", "gridSizeChanged", "firstDataRendered", "rowDataUpdated"):
        assert CHECK in drawn.eventListeners[event], event
    # the phone's fit to its rows still listens beside it
    assert "qcFitRows(params, 'g')" in drawn.eventListeners["gridSizeChanged"]


def test_a_grid_with_no_wrapped_cell_keeps_the_themes_row_height():
    drawn = grid("g", [{"field": "name"}, {"field": "count"}])
    assert "getRowHeight" not in drawn.dashGridOptions
    assert all(CHECK not in listeners for listeners in drawn.eventListeners.values())


def test_a_phone_column_keeps_agrids_own_measure_and_every_listener_of_the_grid():
    phone = stacked_column("Nomor", "number", [["number"]], ["qca-link-cell"])
    drawn = grid("g", [{"field": "name", **WRAPPED}, phone], phone_column=PHONE_COLUMN)
    stacked = drawn.columnDefs[1]
    assert stacked["autoHeight"] and not wraps(stacked)  # its renderer's lines: AG Grid measures them
    swap = f"qcPhoneColumn(params, '{PHONE_COLUMN}')"
    for event in ("gridSizeChanged", "firstDataRendered"):
        assert {swap, "qcFitRows(params, 'g')", CHECK} <= set(drawn.eventListeners[event]), event
    assert {swap, CHECK} <= set(drawn.eventListeners["rowDataUpdated"])


def test_no_column_of_the_officers_longest_lists_is_measured_cell_by_cell():
    user = SimpleNamespace(office_timezone="Asia/Jakarta", section_scope=None)
    for columns in (applications.grid_columns(user), targeting_queue.grid_columns(user)):
        assert any(wraps(column) for column in columns)
        assert all("cellRenderer" in column for column in columns if column.get("autoHeight"))


def test_the_rows_measure_and_its_check_are_in_the_grids_functions():
    script = (ROOT / "assets" / "dashAgGridFunctions.js").read_text(encoding="utf-8")
    assert "dagfuncs.qcRowHeight = function (params, gridId)" in script
    assert "dagfuncs.qcRowHeightsCheck = function (params)" in script
