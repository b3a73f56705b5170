// Clientside callbacks of the service users' pages (callbacks/my_notifications.py), kept in a file so the
// Content-Security-Policy needs no hash.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    qcMy: {
        // The outcome of "Simpan" on the notification choices, at the end of a card several phone screens long: the
        // page brings the alert into view where the person tapped and focuses it (assets/qc-shell.js).
        showOutcome: function (message) {
            if (message) {
                window.dash_clientside.qcShell.bringIntoView("my-notifications-alert", "center");
            }
            return window.dash_clientside.no_update;
        },
    },
});
