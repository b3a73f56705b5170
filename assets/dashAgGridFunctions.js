// Functions the grids' column definitions name (layouts/components/grid.py): no eval, so the CSP holds.
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

// A count with the reader's separators: 12.345 in Indonesian, 12,345 in English; text is left as it is.
dagfuncs.qcNumber = function (value, language) {
    if (value === null || value === undefined || value === "") {
        return "";
    }
    if (typeof value !== "number") {
        return value;
    }
    return new Intl.NumberFormat(language === "en" ? "en-GB" : "id-ID").format(value);
};

// A row's id as AG Grid wants it: a string (a number id logs warning #25 for every row).
dagfuncs.qcRowId = function (id) {
    return id === null || id === undefined ? id : String(id);
};

// Enter (or Space) on a focused row opens it as a click does: the grid's own cellClicked prop is set, so the page's
// open-row callback (callbacks/common.py register_open_row) answers keyboard and mouse alike (WCAG 2.1.1).
dagfuncs.qcOpenOnEnter = function (params, setGridProps) {
    var key = params.event && params.event.key;
    if ((key !== "Enter" && key !== " ") || !params.node || params.node.id === undefined || params.node.id === null) {
        return;
    }
    params.event.preventDefault();
    setGridProps({cellClicked: {value: params.value, colId: params.column.getColId(), rowIndex: params.rowIndex,
                                rowId: params.node.id, timestamp: Date.now()}});
};

// A grid with a phone column (layouts/components/grid.py `phone_column`): below Bootstrap's sm breakpoint it shows
// that one column, each row stacked on lines, and hides the others, which need ~800 px side by side (on a 390 px
// phone the profile's application numbers began past the screen's right edge); wider, the other way round. Called
// when the grid's size changes and when its first rows are drawn (a folded section has no size until opened).
dagfuncs.qcPhoneColumn = function (params, phoneColumn) {
    var phone = window.matchMedia("(max-width: 575.98px)").matches;
    var columns = params.api.getColumns() || [];
    var change = columns.filter(function (column) {
        return column.isVisible() !== (column.getColId() === phoneColumn ? phone : !phone);
    });
    if (!change.length) {
        return;  // already right: a row height change that resized the grid asks again
    }
    change.forEach(function (column) {
        params.api.setColumnsVisible([column.getColId()], !column.isVisible());
    });
};

// The same swap once the grid has drawn rows (AG Grid's processRowPostCreate) or a header cell (the columns'
// headerClass, which returns no class), both given to the grid when it is made: dash-ag-grid adds the event
// listeners above only at gridReady, and when a list's first page was drawn before that (the complaints list, on
// some loads) no listener ever asked and the phone kept the two first columns. A list empty from its first load
// draws no row and gets no rowDataUpdated (its [] is the [] it was made with): only its header asks. Once a turn,
// not once a row or a header cell.
var qcPhoneSwapPending = new WeakSet();
dagfuncs.qcPhoneColumnSoon = function (params, phoneColumn) {
    var api = params.api;
    if (!api || qcPhoneSwapPending.has(api)) {
        return;
    }
    qcPhoneSwapPending.add(api);
    setTimeout(function () {
        qcPhoneSwapPending.delete(api);
        if (!api.isDestroyed()) {
            dagfuncs.qcPhoneColumn({api: api}, phoneColumn);
        }
    }, 0);
};

// On a phone a list is as tall as its rows, up to the height its page gives it (60vh for most), where it scrolls inside
// itself as before: a list of one row was a 60vh box, mostly empty, with its pager pushed down the screen. Wider
// screens keep the height as drawn (layouts/components/grid.py), so a filter does not move what is under the list.
// Called when rows come, change height (a stacked row measured) or the grid changes size; the height goes to
// --qc-rows-height, which assets/qcorner.css makes the box's max-height on a phone.
var QC_FIT_EMPTY_PX = 96;  // an empty list: room for the grid's "no rows" words under its header
dagfuncs.qcFitRows = function (params, gridId) {
    var box = document.getElementById(gridId);
    var viewport = box && box.querySelector(".ag-body-viewport");
    if (!viewport || !box.offsetParent || params.api.isDestroyed()) {
        return;  // not drawn yet, or folded away: asked again when it gets a size
    }
    if (!window.matchMedia("(max-width: 575.98px)").matches || params.api.getGridOption("domLayout") === "autoHeight") {
        box.style.removeProperty("--qc-rows-height");
        return;
    }
    var count = params.api.getDisplayedRowCount();
    var last = count ? params.api.getDisplayedRowAtIndex(count - 1) : null;
    var rows = last ? last.rowTop + last.rowHeight : QC_FIT_EMPTY_PX;
    var around = box.getBoundingClientRect().height - viewport.clientHeight;  // header, borders, a scroll bar
    var height = Math.ceil(around + rows) + "px";
    if (box.style.getPropertyValue("--qc-rows-height") !== height) {
        box.style.setProperty("--qc-rows-height", height);
    }
};
