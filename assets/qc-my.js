// Clientside callbacks of the service users' pages (callbacks/my_notifications.py), kept in a file so the
// Content-Security-Policy needs no hash.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    qcMy: {
        // The outcome of "Simpan" on the notification choices, at the end of a card several phone screens long: the
        // page brings the alert into view where the person tapped and focuses it (a screen reader reads it out).
        // The alert is drawn by the same answer, so it is looked for over a few frames until it is on screen.
        showOutcome: function (message) {
            var tries = 0;
            function go() {
                var alert = document.getElementById("my-notifications-alert");
                if (!alert || !alert.offsetParent) {
                    if (++tries < 40) {
                        window.setTimeout(go, 25);
                    }
                    return;
                }
                if (!alert.hasAttribute("tabindex")) {
                    alert.setAttribute("tabindex", "-1");  // focusable by the page, not a stop of the Tab key
                }
                alert.scrollIntoView({block: "center"});
                alert.focus({preventScroll: true});
            }
            if (message) {
                window.requestAnimationFrame(go);
            }
            return window.dash_clientside.no_update;
        },
    },
});
