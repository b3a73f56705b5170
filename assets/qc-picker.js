// The company picker (layouts/components/company_picker.py) keeps every keystroke.
//
// dcc.Dropdown (Dash 4) opens its search box only when a key is released on its closed button, and moves the focus
// into the box one animation frame later. A key pressed before that (the next letter of a word typed at speed:
// people press it before releasing the first) lands on the button, which drops it: "Sejahtera" became
// "Sjahtera" and the registry said "Tidak ada yang cocok". After a click the list is open but the focus stays
// on the button, so the same happens to the second letter.
//
// Here, a letter typed while a picker's button has the focus never reaches the button: it is kept, the list is
// opened (a click, as a mouse would), and once the search box is there the focus goes into it and the kept
// letters are typed into it, in order; letters pressed meanwhile are kept too.
(function () {
    "use strict";
    var PICKER = ".dash-dropdown.qc-picker";
    var pending = null; // {button, text} while the search box is not yet focused

    function searchBoxOf(button) {
        var id = button.getAttribute("aria-controls");
        var content = id ? document.getElementById(id) : null;
        return (content || document).querySelector("input.dash-dropdown-search");
    }

    function isOpen(button) {
        return button.getAttribute("aria-expanded") === "true";
    }

    function typeInto(box, text) {
        // The native setter and an input event: React's onChange sees it as typing.
        var setter = Object.getOwnPropertyDescriptor(window.HTMLInputElement.prototype, "value").set;
        setter.call(box, (box.value || "") + text);
        box.dispatchEvent(new Event("input", {bubbles: true}));
    }

    function handOver(tries) {
        if (!pending) {
            return;
        }
        var box = searchBoxOf(pending.button);
        if (!box) {
            if (tries < 60) {  // about a second of frames, then give up quietly
                window.requestAnimationFrame(function () { handOver(tries + 1); });
            } else {
                pending = null;
            }
            return;
        }
        var text = pending.text;
        pending = null;
        box.focus();
        typeInto(box, text);
    }

    // A character to search for; Space keeps its own meaning on the button (open the list).
    function isLetter(event) {
        return event.key && event.key.length === 1 && event.key !== " " && !event.ctrlKey && !event.metaKey &&
            !event.altKey;
    }

    document.addEventListener("keydown", function (event) {
        var button = event.target && event.target.closest ? event.target.closest(PICKER) : null;
        if (!button || !isLetter(event) || event.target.classList.contains("dash-dropdown-search")) {
            return;
        }
        event.preventDefault();
        event.stopPropagation();
        if (pending && pending.button === button) {
            pending.text += event.key;
            return;
        }
        pending = {button: button, text: event.key};
        if (!isOpen(button)) {
            button.click();
        }
        window.requestAnimationFrame(function () { handOver(0); });
    }, true);

    // The button's own handler adds a released letter to its search; the letter is already kept above.
    document.addEventListener("keyup", function (event) {
        var button = event.target && event.target.closest ? event.target.closest(PICKER) : null;
        if (button && isLetter(event) && !event.target.classList.contains("dash-dropdown-search")) {
            event.preventDefault();
            event.stopPropagation();
        }
    }, true);
})();
