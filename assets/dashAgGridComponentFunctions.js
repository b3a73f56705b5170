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

// A phone's one-column row (dagfuncs.qcPhoneColumn, layouts/components/grid.py stacked_column): each of the
// column's `lines` is the row's named fields joined by " · " (an empty value or the "–" placeholder left out), with
// the class of the same place in `classes`. A field named in `labels` reads "label: value" (a date alone did not say
// whether it was received or due); one named in `fieldClasses` is a span whose class takes the row's values in
// braces ("qca-tone-{stage_tone}": a stage keeps its colour).
function qcFilled(template, data) {
    return template.replace(/\{(\w+)\}/g, function (_match, name) {
        var value = data[name];
        return value === null || value === undefined ? "" : String(value);
    }).trim();
}

function qcStackedLine(fields, data, labels, fieldClasses, language) {
    var parts = [];
    fields.forEach(function (field) {
        var value = data[field];
        if (value === null || value === undefined || value === "" || value === "–") {
            return;
        }
        // A count as its own column shows it (12.345, not 12345: dashAgGridFunctions.js qcNumber).
        var shown = typeof value === "number" ? window.dashAgGridFunctions.qcNumber(value, language) : String(value);
        // A label keeps its value on its line ("Pemusnahan:" above a lone "0" read as nothing).
        var text = labels[field] ? labels[field] + ":\u00a0" + shown : shown;
        var className = fieldClasses[field] ? qcFilled(fieldClasses[field], data) : "";
        if (parts.length) {
            parts.push("\u00a0· ");  // a wrapped line ends in the dot rather than starting with it
        }
        parts.push(className ? React.createElement("span", {className: className}, text) : text);
    });
    return parts;
}

dagcomponentfuncs.QcStackedRow = function (props) {
    var data = props.data || {};
    var classes = props.classes || [];
    var labels = props.labels || {};
    var fieldClasses = props.fieldClasses || {};
    return React.createElement("div", {className: "qc-stacked-row"}, (props.lines || []).map(function (fields, index) {
        // The parts as arguments, not an array: React asks a key of every element in an array.
        var parts = qcStackedLine(fields, data, labels, fieldClasses, props.language);
        var line = [{key: index, className: classes[index] || ""}].concat(parts);
        return React.createElement.apply(null, ["div"].concat(line));
    }));
};
