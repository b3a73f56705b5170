// Clientside callbacks of the shell (callbacks/shell.py), kept in a file so the Content-Security-Policy needs no hash.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    qcShell: {
        // The page's title in the browser tab after the router drew a page; the output is left as it is.
        setTitle: function (title) {
            if (title) {
                document.title = title;
            }
            return window.dash_clientside.no_update;
        },
        // The phone menu: the toggler opens and closes it; a page change (the address) closes it.
        toggleMenu: function (clicks, pathname, isOpen) {
            var triggered = window.dash_clientside.callback_context.triggered_id;
            return triggered === "shell-navbar-toggler" ? !isOpen : false;
        },
        // The shell's alert spoke of the page the reader left: a page change closes it.
        closeAlert: function () {
            return false;
        },
    },
});

// Two gaps in markup the portal does not write itself, closed as the elements appear:
// - dcc.Upload's hidden file <input> has no name: it takes the drop zone's own words ("Seret berkas…");
// - a table wider than a phone scrolls inside Bootstrap's .table-responsive frame, which the keyboard must be able
//   to reach to scroll it (WCAG 2.1.1); the frame becomes focusable.
(function () {
    function label(root) {
        root.querySelectorAll("input[type=file]:not([aria-label])").forEach(function (input) {
            var zone = input.parentElement;
            var words = zone ? zone.textContent.trim() : "";
            var fallback = document.documentElement.lang === "en" ? "File" : "Berkas";
            input.setAttribute("aria-label", words || fallback);
        });
        root.querySelectorAll(".table-responsive:not([tabindex])").forEach(function (frame) {
            frame.setAttribute("tabindex", "0");
        });
    }
    var pending = false;
    new MutationObserver(function () {
        if (pending) {
            return;
        }
        pending = true;  // one look per animation frame, however many nodes a callback drew
        window.requestAnimationFrame(function () {
            pending = false;
            label(document);
        });
    }).observe(document.documentElement, {childList: true, subtree: true});
}());
