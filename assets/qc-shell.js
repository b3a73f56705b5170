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
        // The menu marks the page being read: its item (aria-current for a screen reader) and the toggle of the
        // drop-down holding it, else a page under "Administrasi" was marked nowhere on the bar. A page opened from a
        // list marks the list (/nnc/12: NNC). Pages change in the browser, not by a new document, so the marks follow
        // the address here; the output is left as it is.
        markMenu: function (pathname) {
            var path = (pathname || "/").replace(/\/+$/, "") || "/";
            var links = Array.prototype.slice.call(document.querySelectorAll('.qc-navbar a[id^="shell-nav-"][href]'));
            var current = null;
            links.forEach(function (link) {
                var href = link.getAttribute("href");
                if ((path === href || path.indexOf(href + "/") === 0) &&
                        (!current || href.length > current.getAttribute("href").length)) {
                    current = link;
                }
            });
            links.forEach(function (link) {
                link.classList.toggle("active", link === current);
                if (link === current) {
                    link.setAttribute("aria-current", "page");
                } else {
                    link.removeAttribute("aria-current");
                }
            });
            document.querySelectorAll('.qc-navbar [id^="shell-nav-group-"]').forEach(function (group) {
                var toggle = group.querySelector(".dropdown-toggle");
                if (toggle) {
                    toggle.classList.toggle("active", !!current && group.contains(current));
                }
            });
            return window.dash_clientside.no_update;
        },
        // The shell's alert spoke of the page the reader left: a page change closes it.
        closeAlert: function () {
            return false;
        },
        // Brings an alert drawn far from where the person pressed (a form's refused save, a long card's outcome) into
        // view and focuses it, so it is seen and a screen reader reads it out. The alert comes in the same answer as
        // what asked for it, so it is looked for over a few frames until it is on screen. Not a callback: the pages'
        // own clientside callbacks (assets/qc-my.js, qc-nnc.js) call it.
        bringIntoView: function (id, block) {
            var tries = 0;
            function go() {
                var alert = document.getElementById(id);
                if (!alert || !alert.offsetParent) {
                    if (++tries < 40) {
                        window.setTimeout(go, 25);
                    }
                    return;
                }
                if (!alert.hasAttribute("tabindex")) {
                    alert.setAttribute("tabindex", "-1");  // focusable by the page, not a stop of the Tab key
                }
                alert.scrollIntoView({block: block});
                alert.focus({preventScroll: true});
            }
            window.requestAnimationFrame(go);
        },
        // A recorded date in words under its field (layouts/components/date_words.py): the field itself shows the
        // browser's format ("12/05/2026" in an English-speaking Chromium), the words the page's language.
        // An empty field whose browser puts the month first (US English: "mm/dd/yyyy") says so instead, in the
        // page's language: an officer who types 05/12 for the fifth of December would get the twelfth of May.
        dateWords: function (value) {
            var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
            if (!match) {
                return window.dash_clientside.qcShell.monthFirstHint();
            }
            var day = new Date(0);
            day.setUTCFullYear(+match[1], +match[2] - 1, +match[3]);  // Date.UTC reads years 0–99 as 1900–1999
            var locale = document.documentElement.lang === "en" ? "en-GB" : "id-ID";
            return new Intl.DateTimeFormat(locale, {weekday: "long", day: "numeric", month: "long", year: "numeric",
                                                    timeZone: "UTC"}).format(day);
        },
        // A month field's month in words, "Juli 2026" (layouts/components/date_words.py): Chromium shows the field in
        // its own language ("July 2026"), and a browser without month fields (Firefox, older Safari) shows a text box
        // holding "2026-07". Anything else typed there stays without words; the page's check says what it wants.
        monthWords: function (value) {
            var match = /^(\d{4})-(\d{2})$/.exec(value || "");
            if (!match || +match[2] < 1 || +match[2] > 12) {
                return "";
            }
            var month = new Date(0);
            month.setUTCFullYear(+match[1], +match[2] - 1, 1);
            var locale = document.documentElement.lang === "en" ? "en-GB" : "id-ID";
            return new Intl.DateTimeFormat(locale, {month: "long", year: "numeric", timeZone: "UTC"}).format(month);
        },
        // "" unless the browser's own date order (the one its date fields show) has the month before the day.
        monthFirstHint: function () {
            var order = [];
            try {
                new Intl.DateTimeFormat(navigator.language).formatToParts(new Date(2026, 11, 31)).forEach(function (part) {
                    if (part.type === "day" || part.type === "month" || part.type === "year") {
                        order.push(part.type);
                    }
                });
            } catch (error) {
                return "";
            }
            if (order.indexOf("month") < 0 || order.indexOf("month") > order.indexOf("day")) {
                return "";
            }
            var english = document.documentElement.lang === "en";
            var names = english ? {day: "day", month: "month", year: "year"}
                                : {day: "tanggal", month: "bulan", year: "tahun"};
            var spelled = order.map(function (type) { return names[type]; }).join("/");
            return (english ? "Order: " : "Urutan: ") + spelled;
        },
    },
});

// Gaps in markup the portal does not write itself, closed as the elements appear:
// - dcc.Upload's hidden file <input> has no name: it takes the drop zone's own words ("Seret berkas…");
// - a file field in the page's words (the sync page's export) says the chosen file's name (pickerSays below);
// - a date field cannot be given aria-describedby from Dash (dbc.Input has no such property): it points at the
//   date in words under it;
// - a table wider than a phone scrolls inside Bootstrap's .table-responsive frame, which the keyboard must be able
//   to reach to scroll it (WCAG 2.1.1); the frame becomes focusable.
(function () {
    function label(root) {
        root.querySelectorAll("input[type=file]:not([aria-label])").forEach(function (input) {
            if (input.labels && input.labels.length) {
                return;  // it has a <label> of its own (the sync page's export field)
            }
            var zone = input.parentElement;
            var words = zone ? zone.textContent.trim() : "";
            var fallback = document.documentElement.lang === "en" ? "File" : "Berkas";
            input.setAttribute("aria-label", words || fallback);
        });
        // A date field is described by its date in words (dateWords above), so a screen reader says them too.
        root.querySelectorAll(".qc-date-words[id$='-words']").forEach(function (words) {
            var field = document.getElementById(words.id.slice(0, -"-words".length));
            if (field && !field.hasAttribute("aria-describedby")) {
                field.setAttribute("aria-describedby", words.id);
            }
        });
        root.querySelectorAll(".table-responsive:not([tabindex])").forEach(function (frame) {
            frame.setAttribute("tabindex", "0");
        });
        root.querySelectorAll(".qc-file-picker input[type=file]:not([aria-describedby])").forEach(function (input) {
            var picker = input.closest(".qc-file-picker");
            input.setAttribute("aria-describedby", picker.querySelector(".qc-file-name").id);
            input.setAttribute("accept", picker.dataset.accept || "");
            pickerSays(input);
        });
    }
    // A file field in the page's words (layouts/admin_sync.py: file_picker): the chosen file's name on its line, and
    // the page's words, not the browser's, in the message a submit without a file shows.
    function pickerSays(input) {
        var picker = input.closest(".qc-file-picker");
        var file = input.files && input.files[0];
        picker.querySelector(".qc-file-name").textContent = file ? file.name : picker.dataset.none;
        input.title = file ? file.name : picker.dataset.none;  // not the browser's own hover text, "No file chosen"
        picker.classList.toggle("qc-file-chosen", Boolean(file));
        input.setCustomValidity(file ? "" : picker.dataset.missing || "");
    }
    document.addEventListener("change", function (event) {
        if (event.target.matches && event.target.matches(".qc-file-picker input[type=file]")) {
            pickerSays(event.target);
        }
    });
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

// dash-bootstrap-components labels every close button (a dialog's header, a dismissable alert) "Close" for a screen
// reader, in every language, and offers no property for it: the page's own word is put in its place as they appear
// (once a frame at most: AG Grid's scrolling makes many small changes).
(function () {
    var words = {id: "Tutup", en: "Close"};
    var pending = false;
    function relabel() {
        pending = false;
        var word = words[document.documentElement.lang] || words.id;
        if (word === "Close") {
            return;
        }
        document.querySelectorAll('.btn-close[aria-label="Close"]').forEach(function (button) {
            button.setAttribute("aria-label", word);
        });
    }
    function soon() {
        if (!pending) {
            pending = true;
            window.requestAnimationFrame(relabel);
        }
    }
    function watch() {
        new MutationObserver(soon).observe(document.body, {childList: true, subtree: true});
        soon();
    }
    if (document.body) {
        watch();
    } else {
        document.addEventListener("DOMContentLoaded", watch);
    }
})();
