// Clientside callbacks of the NNC pages (callbacks/nnc_form.py), kept in a file so the Content-Security-Policy needs
// no hash.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    qcNnc: {
        // A refused save (nnc-form-refused) is said in the alert at the top of the form, far above the bottom Simpan
        // the officer pressed: the page goes to the alert and focuses it, so it is seen, and a screen reader reads it
        // out (it is role="alert"). Everything typed stays: nothing here touches the fields. The alert is drawn by
        // the same answer that set the store, so it is looked for over a few frames until it is on screen.
        showRefusal: function (refused) {
            var tries = 0;
            function go() {
                var alert = document.getElementById("nnc-form-alert");
                if (!alert || !alert.offsetParent) {
                    if (++tries < 40) {
                        window.setTimeout(go, 25);
                    }
                    return;
                }
                if (!alert.hasAttribute("tabindex")) {
                    alert.setAttribute("tabindex", "-1");  // focusable by the page, not a stop of the Tab key
                }
                alert.scrollIntoView({block: "start"});
                alert.focus({preventScroll: true});
            }
            if (refused) {
                window.requestAnimationFrame(go);
            }
            return window.dash_clientside.no_update;
        },
    },
});
