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
