// Charts draw with plotly.js's basic bundle (scatter, bar, pie: all the portal draws), 1.2 MB, not the full
// 4.8 MB bundle dcc.Graph loads by default: the browser parsed and ran the full one for about a second on a two-core
// machine before a chart page's first callback answer could be drawn — on every first visit of a chart page, and
// on every visit until the browser had cached its compiled code. dcc.Graph loads plotly from the address in
// `window._dashPlotlyJSURL` the first time a graph is drawn (and only on pages with a graph); the renderer writes
// that address when it starts, after this script: the property keeps ours. The bundle is vendored in
// assets/vendor/ (left out of the scripts every page loads: portal/app.py `assets_path_ignore`), of the same version
// as the plotly package pinned (tests/pages/test_plotly_bundle.py).
(function () {
    var own = document.currentScript && document.currentScript.src;
    if (!own) {
        return;
    }
    // Its version in the query, not the file's name: the phone app's service worker keeps a versioned address
    // without asking again, and keeps one copy per path — an upgrade's bundle replaces the old one in its cache
    // (a name with the version in it left each old 1.2 MB bundle there for good).
    var basic = own.replace(/qc-plotly\.js(\?.*)?$/, "vendor/plotly-basic.min.js?v=4.1.1");
    if (basic === own) {
        return;  // an address of another form: dcc.Graph's own bundle, rather than this script taken for plotly
    }
    Object.defineProperty(window, "_dashPlotlyJSURL", {
        configurable: true,
        get: function () { return basic; },
        set: function () { /* the renderer's default (the full bundle) is not taken */ }
    });
})();
