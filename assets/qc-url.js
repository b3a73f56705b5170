// A list page writes its filters into the address (layouts/components/url_filters.py) through a dcc.Location,
// which adds a history entry each time. When only the query string of the same page changes, the entry is
// replaced instead: Back leaves the page rather than stepping through every filter tried.
(function () {
    "use strict";
    var push = window.history.pushState;
    window.history.pushState = function (state, title, url) {
        try {
            var next = new URL(url, window.location.href);
            if (next.pathname === window.location.pathname && next.search !== window.location.search) {
                return window.history.replaceState(state, title, url);
            }
        } catch (error) {
            // not a URL this page can read: leave it to the browser
        }
        return push.apply(window.history, arguments);
    };
})();
