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

// A record's link back to its list (marked data-qc-list) returns to the list as the reader left it in this tab: each
// page's query string is kept for the tab as the address changes (sessionStorage: gone with the tab, never sent to
// the server), and the link takes its list's before the click goes on. No list kept: the link's own address.
(function () {
    "use strict";
    var PREFIX = "qc-list ";
    function keep() {
        try {
            window.sessionStorage.setItem(PREFIX + window.location.pathname, window.location.search);
        } catch (error) {
            // storage refused (private mode, quota): the link keeps its plain address
        }
    }
    ["pushState", "replaceState"].forEach(function (name) {
        var original = window.history[name];
        window.history[name] = function () {
            var result = original.apply(this, arguments);
            keep();
            return result;
        };
    });
    window.addEventListener("popstate", keep);
    keep();
    document.addEventListener("click", function (event) {
        var link = event.target.closest ? event.target.closest("a[data-qc-list]") : null;
        if (!link) {
            return;
        }
        var to = new URL(link.getAttribute("href"), window.location.href);
        if (to.origin !== window.location.origin) {
            return;
        }
        var kept = null;
        try {
            kept = window.sessionStorage.getItem(PREFIX + to.pathname);
        } catch (error) {
            kept = null;
        }
        if (kept) {
            to.search = kept;
            link.setAttribute("href", to.pathname + to.search + to.hash);
        }
    }, true);
    // Logging out forgets the lists: the next person in this tab starts from their own (a company filter of the
    // one before would list nothing for them).
    document.addEventListener("submit", function (event) {
        var form = event.target;
        if (!form || !form.action || new URL(form.action, window.location.href).pathname !== "/logout") {
            return;
        }
        try {
            for (var index = window.sessionStorage.length - 1; index >= 0; index -= 1) {
                var name = window.sessionStorage.key(index);
                if (name && name.indexOf(PREFIX) === 0) {
                    window.sessionStorage.removeItem(name);
                }
            }
        } catch (error) {
            // storage refused: nothing was kept
        }
    }, true);
})();
