"""The one dash-ag-grid factory: paged on the server, Indonesian empty state, numbers as 12.345.

Lists that can grow are paged and sorted in the database (the page's pager and sort menu), so a header click must
not re-sort one page: `sortable` stays off unless the page holds the whole (short) list.
"""
from __future__ import annotations

import dash_ag_grid as dag

from portal.i18n import current_language, t

NUMERIC = "numericColumn"
PHONE_COLUMN = "stacked"  # the colId of a list's one column on a phone (stacked_column, grid `phone_column`)
# A cell that wraps onto more lines rather than end in "…" (a company's or a commodity's long name, a run's rows per
# table), its lines as close as a paragraph's, not a row's height apart: `{..., **WRAPPED}` in a column. Its row is as
# tall as its lines: measured for the whole page of rows at once (assets/dashAgGridFunctions.js qcRowHeight), not by
# AG Grid's autoHeight, which measured cell after cell as each was drawn (230–490 ms for the applications list's
# first page on a 2-core VM, issue #14's bound 200 ms). A column with a cellRenderer keeps autoHeight (the phone's
# stacked rows): the copy measured holds text only.
WRAPPED = {"wrapText": True, "cellStyle": {"lineHeight": "1.4", "paddingTop": "8px", "paddingBottom": "8px"}}


def number_format() -> dict:
    """AG Grid's valueFormatter for counts: the reader's separators, through assets/dashAgGridFunctions.js."""
    return {"function": f"qcNumber(params.value, '{current_language()}')"}


def locale_text(no_rows: str) -> dict:
    """The grid's own words in the reader's language."""
    # The paging words too: the grid draws its (hidden) paging panel whatever the list pages with, labelled in
    # English for a screen reader.
    return {"noRowsToShow": no_rows, "loadingOoo": t("grid.loading"), "firstPage": t("grid.first_page"),
            "previousPage": t("grid.previous_page"), "nextPage": t("grid.next_page"), "lastPage": t("grid.last_page"),
            "pageSizeSelectorLabel": t("grid.page_size"), "ariaPageSizeSelectorLabel": t("grid.page_size")}


def _formatted(column: dict) -> dict:
    """A numeric column shows its numbers with thousands separators (text such as a score is left as it is)."""
    if column.get("type") == NUMERIC and "valueFormatter" not in column:
        return {**column, "valueFormatter": number_format()}
    return column


def wraps(column: dict) -> bool:
    """Whether the column's cells wrap and the grid measures their rows (qcRowHeight) rather than AG Grid."""
    return bool(column.get("wrapText")) and not column.get("autoHeight") and "cellRenderer" not in column


def formatted_columns(columns: list[dict]) -> list[dict]:
    """The column definitions as the grid gets them: a callback that swaps a grid's columnDefs sends these, or the
    counts lose their separators (2284 beside 2.284)."""
    return [_formatted(column) for column in columns]


def stacked_column(header: str, field: str, lines: list[list[str]], classes: list[str], *,
                   labels: dict | None = None, field_classes: dict | None = None) -> dict:
    """The hidden column a phone shows instead of all the others (grid `phone_column=PHONE_COLUMN`): each row on
    `lines` of its fields joined by " · " (assets/dashAgGridComponentFunctions.js QcStackedRow), every line whole
    (autoHeight), where the columns side by side ran past a 390 px screen's edge and hid the row's number.

    `field` is what the column sorts by; `classes` one class per line (the number's line a link cell); `labels` the
    words before a field's value where the value alone would not say what it is (a date: received, or due?);
    `field_classes` a field's class with the row's values in braces ("qca-tone-{stage_tone}"), its colour. A number
    reads with the reader's separators, as in its own column (`language`)."""
    params = {"lines": lines, "classes": classes, "labels": labels or {}, "fieldClasses": field_classes or {},
              "language": current_language()}
    return {"colId": PHONE_COLUMN, "field": field, "headerName": header, "hide": True, "flex": 1, "minWidth": 200,
            "autoHeight": True, "cellClass": "qc-stacked-cell", "cellRenderer": "QcStackedRow",
            "cellRendererParams": params}


def grid(component_id: str, columns: list[dict], no_rows: str | None = None, *, class_name: str = "",
         height: str = "60vh", min_height: str | None = "360px", sortable: bool = False, row_id: bool = True,
         default_col: dict | None = None, options: dict | None = None, phone_column: str | None = None, **kwargs):
    """A grid of `columns` with no rows yet (a callback fills rowData); `no_rows` is the empty state's text.

    `phone_column` names a hidden column (its colId) that a phone shows instead of all the others: the row stacked on
    lines (cellRenderer QcStackedRow), where the columns side by side would run past the screen's edge."""
    no_rows = no_rows or t("grid.no_rows")
    listeners = {"cellKeyDown": ["qcOpenOnEnter(params, setGridProps)"]}
    # On a phone the box is no taller than its rows (assets/dashAgGridFunctions.js qcFitRows); a long list keeps its
    # height and scrolls inside it. modelUpdated: new rows, and a stacked row's height once it is measured.
    fit = [f"qcFitRows(params, '{component_id}')"]
    listeners.update(firstDataRendered=list(fit), modelUpdated=list(fit), gridSizeChanged=list(fit))
    columns = formatted_columns(columns)
    heights = {}
    if any(wraps(column) for column in columns):
        heights = {"getRowHeight": {"function": f"qcRowHeight(params, '{component_id}')"}}
        # New widths (a window resized, a phone turned, flex columns sized at the first draw, a folded grid opened)
        # or rows whose data changed under the same id: the rows measured again.
        check = "qcRowHeightsCheck(params)"
        listeners.update(columnResized=[check], displayedColumnsChanged=[check], firstDataRendered=[*fit, check],
                         gridSizeChanged=[*fit, check], rowDataUpdated=[check])
    phone_options, phone_default = {}, {}
    if phone_column:
        swap = f"qcPhoneColumn(params, '{phone_column}')"
        # newColumnsLoaded: columns a callback sends again (the ranking's, on every answer) come with the phone
        # column hidden again (its `hide`) and the others as they were, hidden on a phone: a list of no column.
        # rowDataUpdated: a filter that leaves no row draws none, and the empty list kept the desktop's headers.
        listeners.update(gridSizeChanged=[swap, *listeners["gridSizeChanged"]],
                         firstDataRendered=[swap, *listeners["firstDataRendered"]], newColumnsLoaded=[swap],
                         rowDataUpdated=[swap, *listeners.get("rowDataUpdated", [])])
        # Rows drawn before gridReady (when the listeners are added) ask too, and so does the header, drawn when the
        # grid is made: a list empty from its first load draws no row (dashAgGridFunctions.js qcPhoneColumnSoon).
        soon = {"function": f"qcPhoneColumnSoon(params, '{phone_column}')"}
        phone_options = {"processRowPostCreate": soon}
        phone_default = {"headerClass": soon}  # a column's own (numericColumn's right alignment) wins: others ask
    style = {"height": height, **({"minHeight": min_height} if min_height else {})}
    # A string id: AG Grid warns (#25) on every row whose id is a number, on every grid page.
    extra = {"getRowId": "qcRowId(params.data.id)"} if row_id else {}
    return dag.AgGrid(
        id=component_id, className=f"ag-theme-alpine qc-grid {class_name}".strip(), style=style,
        columnDefs=columns,
        defaultColDef={"sortable": sortable, "resizable": True, "suppressMovable": True, **phone_default,
                       **(default_col or {})},
        # localeText, not overlayNoRowsTemplate: dash-ag-grid refuses an HTML template string (XSS guard), and the
        # grid then fell back to its English "No Rows To Show".
        dashGridOptions={"localeText": locale_text(no_rows),
                         "tooltipShowDelay": 400, **heights, **phone_options, **(options or {})},
        # A focused row opens with Enter as with a click (assets/dashAgGridFunctions.js qcOpenOnEnter).
        eventListeners=listeners,
        rowData=[], **extra, **kwargs)
