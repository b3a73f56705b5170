// Cell components the grids' column definitions name (layouts/components/grid.py): drawn with React elements, never
// from HTML or markdown text, so a value typed by a user stays text.
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

// A cell whose row carries a portal path (`<field>_path`) as a link to it, opened inside the portal as dcc.Link does;
// a row without one shows the plain text.
dagcomponentfuncs.QcLink = function (props) {
    var path = props.data && props.data[props.colDef.field + "_path"];
    if (!path) {
        return props.value === null || props.value === undefined ? "" : String(props.value);
    }
    return React.createElement("a", {
        href: path,
        onClick: function (event) {
            if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
                return;  // a new tab or window: the browser's own way
            }
            event.preventDefault();
            event.stopPropagation();
            window.history.pushState({}, "", path);
            window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
        },
    }, String(props.value));
};

// A phone's one-column row (dagfuncs.qcPhoneColumn): each of the column's `lines` is the row's named fields joined
// by " · " (an empty value or the "–" placeholder left out), with the class of the same place in `classes`.
dagcomponentfuncs.QcStackedRow = function (props) {
    var data = props.data || {};
    var classes = props.classes || [];
    return React.createElement("div", {className: "qc-stacked-row"}, (props.lines || []).map(function (fields, index) {
        var text = fields.map(function (field) { return data[field]; })
            .filter(function (value) { return value !== null && value !== undefined && value !== "" && value !== "–"; })
            .join(" · ");
        return React.createElement("div", {key: index, className: classes[index] || ""}, text);
    }));
};
