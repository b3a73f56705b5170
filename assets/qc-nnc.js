// Clientside callbacks of the NNC pages (callbacks/nnc_form.py), kept in a file so the Content-Security-Policy needs
// no hash.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    qcNnc: {
        // A refused save (nnc-form-refused) is said in the alert at the top of the form, far above the bottom Simpan
        // the officer pressed: the page goes to the alert and focuses it (assets/qc-shell.js; it is role="alert").
        // Everything typed stays: nothing here touches the fields.
        showRefusal: function (refused) {
            if (refused) {
                window.dash_clientside.qcShell.bringIntoView("nnc-form-alert", "start");
            }
            return window.dash_clientside.no_update;
        },
    },
});
