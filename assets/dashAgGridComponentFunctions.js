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
