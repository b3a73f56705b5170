// Clientside callbacks of the shell (callbacks/shell.py), kept in a file so the Content-Security-Policy needs no hash.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    qcShell: {
        // The page's title in the browser tab after the router drew a page; the output is left as it is.
        setTitle: function (title) {
            if (title) {
                document.title = title;
                window.qcPageTitle = title;
            }
            return window.dash_clientside.no_update;
        },
        // A record's tab is named by its record, "2026.1.0300.0.K21.E.000123 · Permohonan · Q-Corner": every
        // application an officer kept open in a tab read "Permohonan · Q-Corner". The number is the page's heading
        // marked data-qc-record-title (without the zero-width breaks a long number carries), read once it is drawn.
        recordTitle: function () {
            window.requestAnimationFrame(function () {
                var heading = document.querySelector("#shell-content [data-qc-record-title]");
                var number = heading ? heading.textContent.replace(/[\u200b\u00ad]/g, "").trim() : "";
                var page = window.qcPageTitle || document.title;
                if (number) {
                    document.title = number + " · " + page;
                }
            });
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
        // A timed alert's new message gets its whole time: the alert starts its timer when it opens, so a second
        // message shown while it was open closed with the first one's timer (a second saved account's "tersimpan"
        // gone in under a second). Its duration moves by a millisecond, which restarts the timer.
        restartTimer: function (_message, duration) {
            if (typeof duration !== "number") {
                return window.dash_clientside.no_update;
            }
            return duration % 2 ? duration - 1 : duration + 1;
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
        // A guarded form changed (callbacks/common.py: register_unsaved_guard): its store of what it opened and its
        // controls, as declared (the shell's store, layouts/components/unsaved.py); the answer stays in the browser
        // (qcUnsaved below) and the output is left as it is.
        unsavedForm: function () {
            var context = window.dash_clientside.callback_context;
            var forms = context.states_list[0].value || {};
            var store = context.inputs_list[0];
            Object.keys(forms).forEach(function (guardId) {
                if (forms[guardId].opened === store.id) {
                    window.qcUnsaved.compare(guardId, forms[guardId], context.inputs_list, context.triggered);
                }
            });
            return window.dash_clientside.no_update;
        },
    },
});

// Unsaved changes (layouts/components/unsaved.py): which guarded forms hold changes not saved, and a question before
// a link, a reload or a closed tab leaves one. A menu link changes the page inside the browser (no `beforeunload`),
// so a click on a link of the portal is asked about here, before Dash's router sees it.
window.qcUnsaved = (function () {
    var forms = {};  // guard id → {changed, ids (its controls, to tell whether it is still on the page), baseline}

    // A value as the form keeps it, the way edit_versions.plain reads it: "" and null alike, spaces around text aside
    // (the services strip them), a switch that is off like an empty one, a choice list in any order, an empty list
    // or store (drafts) like nothing; `empty` is the control's own word for no value ("none", "keep").
    function plain(value, empty) {
        if (value === undefined || value === null || value === false || (empty != null && value === empty)) {
            return null;
        }
        if (typeof value === "string") {
            var text = value.trim();
            return text === "" ? null : text;
        }
        if (Array.isArray(value)) {
            var items = value.map(function (item) { return plain(item); }).filter(function (item) {
                return item !== null;
            }).map(String).sort();
            return items.length ? JSON.stringify(items) : null;
        }
        if (typeof value === "object") {
            return Object.keys(value).length ? JSON.stringify(value) : null;
        }
        return value;
    }
    // A number however the form shows it: an input's number, a text "0,5" (a decimal comma), a stored "24.0".
    function number(value) {
        if (typeof value === "number") {
            return value;
        }
        var text = String(value).replace(",", ".");
        return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text) ? Number(text) : NaN;  // "5e-05" as well
    }
    function same(then, now) {
        if (then === null || now === null) {
            return then === now;
        }
        if (typeof then === "number" || typeof now === "number") {
            return number(then) === number(now);  // NaN (text that is no number) is never the same
        }
        return then === now;
    }
    // What the control shows of one opened value: a checklist holding a switch per key (several keys declared on one
    // control) says whether it holds the key.
    function shown(value, key, control) {
        return control.keys.length > 1 && Array.isArray(value) ? value.indexOf(key) >= 0 : value;
    }

    function compare(guardId, declared, inputs, triggered) {
        var store = inputs[0];
        var opened = store.value && typeof store.value === "object" && store.value.values &&
            typeof store.value.values === "object" ? store.value.values : null;
        var form = forms[guardId] || {};
        var reopened = !triggered || !triggered.length || triggered.some(function (changed) {
            return changed.prop_id === store.id + "." + store.property;
        });
        var baseline = form.baseline;
        if (!opened && (reopened || !baseline)) {
            // Nothing opened (a new record, or no record to show): the form as it was drawn or emptied is the start.
            baseline = {};
            declared.controls.forEach(function (control, index) {
                (control.keys || []).forEach(function (key) {
                    baseline[key] = shown(inputs[index + 1].value, key, control);
                });
            });
        }
        var start = opened || baseline;
        var open = true;
        var changed = false;
        declared.controls.forEach(function (control, index) {
            var value = inputs[index + 1].value;
            if (control.gate) {
                open = Boolean(value);
                return;
            }
            if (!control.keys.length) {
                changed = changed || plain(value, control.empty) !== null;
                return;
            }
            control.keys.forEach(function (key) {
                if (Object.prototype.hasOwnProperty.call(start, key)) {  // a value the form did not open: not its
                    var then = plain(start[key]);
                    changed = changed || !same(then, plain(shown(value, key, control), control.empty));
                }
            });
        });
        forms[guardId] = {changed: open && changed, baseline: opened ? null : baseline, opened: Boolean(opened),
                          ids: inputs.slice(1).map(function (input) { return input.id; })};
    }

    // The question to ask if a changed form is on the page (a form left by a page change is not: its controls are
    // gone), else null.
    function question() {
        var changed = Object.keys(forms).some(function (guardId) {
            return forms[guardId].changed && forms[guardId].ids.some(function (id) {
                return typeof id === "string" && document.getElementById(id);
            });
        });
        if (!changed) {
            return null;
        }
        var words = document.getElementById("shell-unsaved");
        return (words && words.dataset.message) || "?";
    }
    // When the reader last chose to leave by a link: a link that loads a whole page is not asked about again by
    // `beforeunload` on its way out. The forms keep their state: a link that did not leave after all (a file served
    // inline) leaves the guard standing.
    var leaving = -Infinity;
    // What the page last found of a guarded form: {changed, opened: whether it had values it opened}, or null.
    function compared(guardId) {
        var form = forms[guardId];
        return form ? {changed: form.changed, opened: form.opened} : null;
    }

    // A reload, a closed tab, an address typed: the browser's own question (its words; browsers ignore a page's).
    window.addEventListener("beforeunload", function (event) {
        if (question() && Date.now() - leaving > 2000) {
            event.preventDefault();
            event.returnValue = "";
        }
    });
    // A link that leaves this page for another of the portal's: asked before Dash's router (or the browser) acts on
    // it. Captured at the document, so a refusal stops the click before React's handlers (dcc.Link, dbc.NavLink)
    // below it see it. A link to another site, a new tab, a download or a modified click is the browser's matter.
    document.addEventListener("click", function (event) {
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey ||
                event.altKey) {
            return;
        }
        var link = event.target.closest ? event.target.closest("a[href]") : null;
        if (!link || (link.target && link.target !== "_self") || link.hasAttribute("download")) {
            return;
        }
        var to = new URL(link.href, window.location.href);
        if (to.origin !== window.location.origin ||
                (to.pathname === window.location.pathname && to.search === window.location.search)) {
            return;  // another site (beforeunload asks), or this very page (a #anchor, the skip link)
        }
        var asked = question();
        if (!asked) {
            return;
        }
        if (window.confirm(asked)) {
            leaving = Date.now();
        } else {
            event.preventDefault();
            event.stopPropagation();
        }
    }, true);

    // Back and Forward: when `popstate` comes the browser has already moved the address, and Dash's router
    // (dcc.Location, whose listener is added after this one, when the page is drawn) would draw the other page. Asked
    // here first: staying stops the event before the router hears it and puts the form's address back. The address
    // of the page shown is kept from every history change the portal makes (the router's and the filters').
    var here = window.location.href;
    ["pushState", "replaceState"].forEach(function (name) {
        var original = window.history[name];
        window.history[name] = function () {
            var result = original.apply(this, arguments);
            here = window.location.href;
            return result;
        };
    });
    function page(href) {
        return href.split("#")[0];  // a #anchor (the skip link) is the same page: it leaves no form
    }
    window.addEventListener("popstate", function (event) {
        var asked = page(window.location.href) !== page(here) && question();
        if (asked && !window.confirm(asked)) {
            event.stopImmediatePropagation();
            window.history.pushState(null, "", here);
            return;
        }
        here = window.location.href;
    });

    return {compare: compare, question: question, compared: compared};
}());

// Gaps in markup the portal does not write itself, closed as the elements appear:
// - dcc.Upload's hidden file <input> has no name: it takes the drop zone's own words ("Seret berkas…");
// - a file field in the page's words (the sync page's export) says the chosen file's name (pickerSays below);
// - a date field cannot be given aria-describedby from Dash (dbc.Input has no such property): it points at the
//   date in words under it, and a field with a help line under it (layouts/common.py field: "<id>-help") at that;
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
        // A date field is described by its date in words (dateWords above), and a field by its help line ("Contoh:
        // +62 812…"), so a screen reader says them too.
        root.querySelectorAll(".qc-date-words[id$='-words'], .form-text[id$='-help']").forEach(function (words) {
            var field = document.getElementById(words.id.slice(0, words.id.lastIndexOf("-")));
            if (!field) {
                return;
            }
            var described = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
            if (described.indexOf(words.id) < 0) {
                described.push(words.id);
                field.setAttribute("aria-describedby", described.join(" "));
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

// A pager's Next or Previous pressed under a long list (a phone's ten cards) shows the new page from its top: the view
// stayed at the bottom, on the new page's last cards beside the pager, and the page looked as if nothing had changed.
// The list is the element before the pager (layouts/components/pager.py); a list whose top is in view stays put.
document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".qc-pager button") : null;
    var list = button ? button.closest(".qc-pager").previousElementSibling : null;
    if (!list) {
        return;
    }
    var top = list.getBoundingClientRect().top;
    if (top < 0) {
        // At once: Bootstrap's smooth scrolling was cut short by the new page's arrival, at the bottom again. 72 px:
        // the count line above the list in view too.
        window.scrollTo({top: Math.max(window.scrollY + top - 72, 0), behavior: "instant"});
    }
});
