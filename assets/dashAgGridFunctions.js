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
// A grid's `work` done once a turn however many of its events ask for it, after the grid's own work, and not once
// the grid is gone; `pending` holds the grids whose turn is coming.
function qcOnceATurn(pending, api, work) {
    if (!api || pending.has(api)) {
        return;
    }
    pending.add(api);
    setTimeout(function () {
        pending.delete(api);
        if (!api.isDestroyed()) {
            work();
        }
    }, 0);
}

var qcPhoneSwapPending = new WeakSet();
dagfuncs.qcPhoneColumnSoon = function (params, phoneColumn) {
    qcOnceATurn(qcPhoneSwapPending, params.api, function () {
        dagfuncs.qcPhoneColumn({api: params.api}, phoneColumn);
    });
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

// The height of a row whose cells wrap (layouts/components/grid.py `WRAPPED`): each wrapped cell measured in one
// pass, not by AG Grid's autoHeight, which measures each cell as it is drawn — a style and layout pass of the page
// for every cell, because drawing the next one changes the page again (a page of the applications list, 50 rows
// of nine wrapped cells: 205 layouts, one task of 230–490 ms on a 2-core VM; issue #14's bound is 200 ms). Here every
// row of the grid not yet measured at these column widths is set out at once in a hidden copy of a row inside the grid
// (the same classes, inline styles and widths, so the theme's and the portal's rules apply alike), read, and
// removed: one layout of that copy. The row is as tall as its tallest wrapped cell and no shorter than the grid's row
// height, as AG Grid makes an autoHeight row. Column widths change with the window or a resize: qcRowHeightsCheck.
var qcMeasured = new WeakMap();  // a row's data → {widths: the columns' widths it was measured at, height}
var qcMeasuredWidths = new WeakMap();  // a grid's api → the widths its rows were last measured at

function qcWrappedColumns(api) {
    return (api.getAllDisplayedColumns() || []).filter(function (column) {
        var def = column.getColDef();
        return def.wrapText && !def.autoHeight && !def.cellRenderer;
    });
}

// Whether a row has yet to be measured at these widths: new, or measured at others.
function qcUnmeasured(node, widths) {
    var seen = node.data && qcMeasured.get(node.data);
    return Boolean(node.data && (!seen || seen.widths !== widths));
}

function qcWidths(columns) {
    return columns.map(function (column) { return column.getColId() + ":" + column.getActualWidth(); }).join(",");
}

// Whether a cellClassRules rule gives the cell its class: dash-ag-grid hands the grid each rule compiled into a
// function of AG Grid's cell parameters; a rule still a string is read in the two forms the portal writes
// (`params.data.field`, `params.data.field == 'value'`). A rule that cannot be read counts as true: a class too many
// can only make the copy a line taller (the handlers' bold tier-D flag), never shorter than the cell drawn.
function qcRuleHolds(rule, params) {
    if (typeof rule === "function") {
        try {
            return Boolean(rule(params));
        } catch (error) {
            return true;
        }
    }
    if (typeof rule !== "string") {
        return true;
    }
    var truthy = /^params\.data\.(\w+)$/.exec(rule);
    if (truthy) {
        return Boolean(params.data[truthy[1]]);
    }
    var equal = /^params\.data\.(\w+) == '([^']*)'$/.exec(rule);
    return equal ? String(params.data[equal[1]]) === equal[2] : true;
}

function qcClasses(def, params) {
    var own = typeof def.cellClass === "string" ? [def.cellClass] : Array.isArray(def.cellClass) ? def.cellClass : [];
    var rules = def.cellClassRules || {};
    Object.keys(rules).forEach(function (name) {
        if (qcRuleHolds(rules[name], params)) {
            own = own.concat(name.split(" "));
        }
    });
    return ["ag-cell", "ag-cell-wrap-text", "ag-cell-value"].concat(own).join(" ");
}

function qcMeasureRows(api, gridId, columns, widths, nodes) {
    var box = document.getElementById(gridId);
    var root = box && box.querySelector(".ag-root-wrapper");
    if (!root || !root.getClientRects().length) {
        // Not drawn yet, or folded away (every cell would measure 0): measured when it gets a size
        // (gridSizeChanged → qcRowHeightsCheck).
        return false;
    }
    var least = api.getSizesForCurrentTheme().rowHeight;
    var copy = document.createElement("div");
    copy.className = "ag-row";
    copy.setAttribute("aria-hidden", "true");
    copy.style.cssText = "position:absolute;top:0;left:-100000px;visibility:hidden;height:auto;contain:layout style";
    var rows = nodes.map(function (node) {
        var line = document.createElement("div");
        line.style.cssText = "display:flex;align-items:flex-start";
        columns.forEach(function (column) {
            var def = column.getColDef();
            var cell = document.createElement("div");
            var text = api.getCellValue({rowNode: node, colKey: column, useFormatter: true});
            cell.className = qcClasses(def, {data: node.data, node: node, value: text, colDef: def, column: column,
                                             api: api, context: api.getGridOption("context")});
            if (def.cellStyle && typeof def.cellStyle === "object") {
                Object.assign(cell.style, def.cellStyle);
            }
            cell.style.position = "static";
            cell.style.height = "auto";
            cell.style.flex = "none";
            cell.style.width = column.getActualWidth() + "px";
            // A cell with no autoHeight holds its text itself (AG Grid draws no wrapper around it).
            cell.textContent = text === null || text === undefined ? "" : String(text);
            line.appendChild(cell);
        });
        copy.appendChild(line);
        return line;
    });
    root.appendChild(copy);
    rows.forEach(function (line, index) {
        var tallest = least;
        for (var i = 0; i < line.children.length; i++) {
            // As AG Grid measures an autoHeight cell: its lines to the whole pixel, then its padding and borders.
            var cell = line.children[i], style = window.getComputedStyle(cell);
            var frame = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom) +
                parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth);
            tallest = Math.max(tallest, Math.round(cell.getBoundingClientRect().height - frame) + frame);
        }
        qcMeasured.set(nodes[index].data, {widths: widths, height: tallest});
    });
    root.removeChild(copy);
    qcMeasuredWidths.set(api, widths);
    return true;
}

// AG Grid asks a row's height without applying it too: a drawn row asks it again for its line height whenever its
// height changes (RowCtrl.onRowHeightChanged). Rows measured anew in such a call (new widths met before any event
// said so: the first draw's flex widths, on a slow machine) kept the heights they were drawn with — the CI's one-row
// list kept its three-line handler in two lines. Once a turn AG Grid is made to take the new heights, unless it is
// already taking them all (qcResetRowHeights).
var qcResetPending = new WeakSet();
function qcRowHeightsSoon(api) {
    qcOnceATurn(qcResetPending, api, function () {
        var columns = qcWrappedColumns(api), widths = qcWidths(columns), otherwise = false;
        if (columns.length) {
            api.forEachNode(function (node) {
                otherwise = otherwise || qcDrawnOtherwise(node, widths);
            });
        }
        if (otherwise) {  // not when the check (a width's event in the same turn) has had them taken already
            qcResetRowHeights(api);
        }
    });
}

var qcResetting = new WeakSet();  // grids whose every row AG Grid is asking the height of, and applying
function qcResetRowHeights(api) {
    qcResetting.add(api);
    try {
        api.resetRowHeights();
    } finally {
        qcResetting.delete(api);
    }
}

// Whether a row is drawn at a height other than its measure at these widths, AG Grid not about to ask again (a row
// with no height yet, or an estimated one — placed but never drawn, or marked so by a reset — is asked when drawn).
function qcDrawnOtherwise(node, widths) {
    var seen = node.data && qcMeasured.get(node.data);
    return Boolean(seen && seen.widths === widths && typeof node.rowHeight === "number" && !node.rowHeightEstimated &&
                   node.rowHeight !== seen.height);
}

dagfuncs.qcRowHeight = function (params, gridId) {
    var api = params.api, data = params.data;
    if (!data) {
        return undefined;
    }
    var columns = qcWrappedColumns(api);
    if (!columns.length) {
        return undefined;  // no cell wraps here (a phone's one stacked column is measured by AG Grid)
    }
    var widths = qcWidths(columns);
    var known = qcMeasured.get(data);
    if (!known || known.widths !== widths) {
        // Every row of the grid still unmeasured at these widths, in the same pass as this one.
        var nodes = [params.node];
        api.forEachNode(function (node) {
            if (node !== params.node && qcUnmeasured(node, widths)) {
                nodes.push(node);
            }
        });
        if (!qcMeasureRows(api, gridId, columns, widths, nodes)) {
            qcMeasuredWidths.set(api, null);
            return undefined;
        }
        if (!qcResetting.has(api) && nodes.some(function (node) { return qcDrawnOtherwise(node, widths); })) {
            qcRowHeightsSoon(api);  // rows drawn at the old widths, this one among them, that may not be asked again
        }
        known = qcMeasured.get(data);
    }
    return known.height;
};

// When a column's width or the set of columns shown changes (a window resized, a phone turned, a flex column
// sized at the first draw), the rows are measured again at the new widths; so are rows whose data changed under the
// same id (a sync run that finished, a guidance record saved), which AG Grid keeps without asking their height again.
// Once a turn, after the grid's own work: the phone's swap shows and hides its columns one by one, each an event.
var qcCheckPending = new WeakSet();
dagfuncs.qcRowHeightsCheck = function (params) {
    var api = params.api;
    qcOnceATurn(qcCheckPending, api, function () {
        if (!qcMeasuredWidths.has(api)) {
            return;  // no row measured yet: the first rows are measured as they come
        }
        var columns = qcWrappedColumns(api);
        var widths = columns.length ? qcWidths(columns) : "";  // "": none shown (a phone's stacked column instead)
        var unmeasured = false;
        if (columns.length) {
            api.forEachNode(function (node) {
                unmeasured = unmeasured || qcUnmeasured(node, widths) || qcDrawnOtherwise(node, widths);
            });
        }
        if (qcMeasuredWidths.get(api) !== widths || unmeasured) {
            qcMeasuredWidths.set(api, widths);  // measuring sets it again; a phone's is not measured here
            qcResetRowHeights(api);
        }
    });
};
