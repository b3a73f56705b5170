// Enter in a search box (layouts/components/search_box.py) searches at once: dbc.Input with a typing pause sends
// only n_submit on Enter and the text ~300 ms later, so the text is sent here as the box's value right away.
// The pause's own send afterwards carries the same text, which Dash does not send again.
document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || !box || !box.id || !box.classList || !box.classList.contains("qc-search")) {
        return;
    }
    if (window.dash_clientside && typeof window.dash_clientside.set_props === "function") {
        window.dash_clientside.set_props(box.id, {value: box.value});
    }
});
