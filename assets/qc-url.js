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

// A record's link back to its list returns to the list as the reader left it in this tab: each page's query string is
// kept for the tab as the address changes (sessionStorage: gone with the tab, never sent to the server), and the link
// takes its list's before the click goes on. No list kept: the link's own address. A plain link is marked
// data-qc-list (its address is rewritten and the browser goes); a link Dash draws for moving inside the page
// (dcc.Link, dbc.Button with href) is marked with the class qc-list-link: it goes where its own props say, whatever
// its address reads, so it is sent here instead, the way it sends itself (a pushState Dash's router hears).
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
        var link = event.target.closest ? event.target.closest("a[data-qc-list], a.qc-list-link") : null;
        if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
                event.shiftKey) {
            return;  // asked about and stayed (the unsaved-changes question), or a new tab: the browser's matter
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
        if (link.classList.contains("qc-list-link")) {
            event.preventDefault();
            event.stopPropagation();
            window.history.pushState({}, "", to.pathname + to.search + to.hash);
            window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
            if (window.qcScrollBack) {
                window.qcScrollBack();  // below: scrolled where the list was left
            }
        }
    }, true);
    // Logging out forgets the lists and where they were scrolled (below): the next person in this tab starts from
    // their own (a company filter of the one before would list nothing for them).
    document.addEventListener("submit", function (event) {
        var form = event.target;
        if (!form || !form.action || new URL(form.action, window.location.href).pathname !== "/logout") {
            return;
        }
        window.qcForgetting = true;  // a scroll's position still on its way (below) is not written back after this
        try {
            for (var index = window.sessionStorage.length - 1; index >= 0; index -= 1) {
                var name = window.sessionStorage.key(index);
                if (name && (name.indexOf(PREFIX) === 0 || name.indexOf("qc-scroll") === 0)) {
                    window.sessionStorage.removeItem(name);
                }
            }
        } catch (error) {
            // storage refused: nothing was kept
        }
    }, true);
})();

// Back to a list (the browser's Back, or a record's link back marked data-qc-list) finds it scrolled where it was
// left: the list is drawn by a callback after the address changes, so the browser's own restoring found a page still
// empty and stayed at the top (a phone's eighth card opened, then Back, showed the first). The position is kept per
// address for the tab as the reader scrolls; on the way back it is waited for until the page is tall enough (4 s at
// most), and given up the moment the reader scrolls, taps or types.
(function () {
    "use strict";
    var PREFIX = "qc-scroll ";
    var BACK = "qc-scroll-back";
    if ("scrollRestoration" in window.history) {
        window.history.scrollRestoration = "manual";  // ours, after the list is drawn; not the browser's, before
    }
    function here() {
        return window.location.pathname + window.location.search;
    }
    function store(name, value) {
        try {
            if (value === null) {
                window.sessionStorage.removeItem(name);
            } else {
                window.sessionStorage.setItem(name, value);
            }
        } catch (error) {
            // storage refused: the page opens at its top, as before
        }
    }
    function stored(name) {
        try {
            return window.sessionStorage.getItem(name);
        } catch (error) {
            return null;
        }
    }
    var timer = null;
    window.addEventListener("scroll", function () {
        if (timer === null) {
            timer = window.setTimeout(function () {
                timer = null;
                if (window.qcForgetting) {
                    return;  // logged out: the lists are forgotten (above)
                }
                store(PREFIX + here(), String(Math.round(window.scrollY)));
            }, 150);
        }
    }, {passive: true});

    // A list drawn in a grid of its own height (the inspection queue, the applications) scrolls inside the grid, not
    // the page: its position is kept the same way, per address and grid (the grid's id), and given back once the
    // grid holds rows enough to scroll that far (AG Grid draws the rows of wherever its viewport is scrolled to).
    var GRID = "qc-scroll-grid ";
    var gridTimer = null;
    document.addEventListener("scroll", function (event) {
        var viewport = event.target;
        if (!viewport.classList || !viewport.classList.contains("ag-body-viewport")) {
            return;
        }
        var grid = viewport.closest("[id$='-grid']");
        if (!grid || gridTimer !== null) {
            return;
        }
        gridTimer = window.setTimeout(function () {
            gridTimer = null;
            if (window.qcForgetting) {
                return;
            }
            store(GRID + here() + " " + grid.id, String(Math.round(viewport.scrollTop)));
        }, 150);
    }, {capture: true, passive: true});
    // A grid's rows come from a callback, slower than the page on a busy server or a phone's network: waited for
    // longer than the page's scroll, and given up the moment the reader scrolls, taps or types. Given back, the
    // position is watched until the page has been quiet a moment: Back pressed before the row's page was drawn
    // found the list still on screen, scrolled it, and the list drawn again a moment later came back at its top.
    var GRID_WAIT = 12000;
    var GRID_SETTLE = 1000;
    var INPUTS = ["wheel", "touchstart", "keydown", "mousedown"];
    function restoreGrids(started, isStopped) {
        var pending = [];
        var touched = false;
        var touch = function () { touched = true; };
        var done = function () {
            INPUTS.forEach(function (name) { window.removeEventListener(name, touch, true); });
        };
        INPUTS.forEach(function (name) { window.addEventListener(name, touch, true); });
        for (var index = 0; index < window.sessionStorage.length; index += 1) {
            var name = window.sessionStorage.key(index);
            if (name && name.indexOf(GRID + here() + " ") === 0) {
                // [grid id, position, when it was last given back]
                pending.push([name.slice((GRID + here() + " ").length), Number(stored(name)), null]);
            }
        }
        (function step() {
            if (isStopped() || touched) {
                done();
                return;
            }
            var now = Date.now();
            var loading = document.querySelector('[data-dash-is-loading="true"]') !== null;
            pending = pending.filter(function (entry) {
                var grid = document.getElementById(entry[0]);
                var viewport = grid ? grid.querySelector(".ag-body-viewport") : null;
                if (!(entry[1] > 0)) {
                    return false;
                }
                var room = viewport ? viewport.scrollHeight - viewport.clientHeight : 0;
                var late = now - started > GRID_WAIT;
                if (viewport && grid.querySelector(".ag-row") && (room >= entry[1] || late)) {
                    var wanted = Math.min(entry[1], room);
                    if (Math.abs(viewport.scrollTop - wanted) > 2) {
                        viewport.scrollTop = wanted;
                        entry[2] = now;
                    } else if (entry[2] === null) {
                        entry[2] = now;
                    }
                    return !late && (loading || now - entry[2] < GRID_SETTLE);
                }
                return !late;
            });
            if (pending.length) {
                window.requestAnimationFrame(step);
            } else {
                done();
            }
        })();
    }

    var cancel = null;
    function restore() {
        if (cancel) {
            cancel();
        }
        var target = Number(stored(PREFIX + here()));
        // The page being left is still drawn when the address changes: a long one (an application) had room enough
        // at once, was scrolled, and the list drawn over it came back at its top. Its drawing is waited out.
        var leftBehind = document.querySelector("#shell-content [id]");  // an element of that page's own
        var gridsStopped = false;
        restoreGrids(Date.now(), function () { return gridsStopped; });
        cancel = function () { gridsStopped = true; };
        if (!(target > 0)) {
            return;
        }
        var started = Date.now();
        var stopped = false;
        var stop = function () {
            stopped = true;
            ["wheel", "touchstart", "keydown", "mousedown"].forEach(function (name) {
                window.removeEventListener(name, stop, true);
            });
        };
        ["wheel", "touchstart", "keydown", "mousedown"].forEach(function (name) {
            window.addEventListener(name, stop, true);
        });
        cancel = function () {
            gridsStopped = true;
            stop();
        };
        (function step() {
            if (stopped) {
                return;
            }
            var busy = document.querySelector('[data-dash-is-loading="true"]') !== null ||
                !document.querySelector("#shell-content > *") || (leftBehind !== null && leftBehind.isConnected);
            var room = document.documentElement.scrollHeight - window.innerHeight;
            if ((!busy && room >= target) || Date.now() - started > 4000) {
                window.scrollTo({top: Math.min(target, Math.max(room, 0)), behavior: "instant"});
                stop();
                return;
            }
            window.requestAnimationFrame(step);
        })();
    }
    window.addEventListener("popstate", restore);
    window.qcScrollBack = restore;
    document.addEventListener("click", function (event) {
        var link = event.target.closest ? event.target.closest("a[data-qc-list]") : null;
        if (link && !event.defaultPrevented) {  // its address is the list's as kept above (set by the listener before)
            var to = new URL(link.getAttribute("href"), window.location.href);
            store(BACK, to.pathname + to.search);
        }
    });
    // A page loaded whole: by Back or Forward (a card's link is a plain one), or by a record's link back.
    var back = stored(BACK);
    store(BACK, null);
    var navigation = window.performance && window.performance.getEntriesByType ?
        window.performance.getEntriesByType("navigation")[0] : null;
    if (back === here() || (navigation && navigation.type === "back_forward")) {
        restore();
    }
})();
