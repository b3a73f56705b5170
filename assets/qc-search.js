// A search box (layouts/components/search_box.py) sends its text at once when Enter is pressed or the box is left:
// dbc.Input with a typing pause sends only n_submit on Enter and the text ~300 ms later, so the text is sent here as
// the box's value right away. Leaving the box matters as much as Enter: a status or a picker tapped within the pause
// was sent first, on its own, and its answer (the list, the address) left the typed search out until the pause ran
// out — or for good, when that answer came back after the search's. The pause's own send afterwards carries the
// same text, which Dash does not send again.
function qcSendSearch(box) {
    if (!box || !box.id || !box.classList || !box.classList.contains("qc-search")) {
        return;
    }
    // Only a text Dash does not hold yet: set_props sends even the same value again, and each send asks for the
    // list anew (a box merely clicked into and out of asked four times, and a list on its second page went back
    // to the first).
    var api = window.dash_component_api;
    var held = api && typeof api.getLayout === "function" ? api.getLayout(box.id) : undefined;
    if (held && held.props && (held.props.value || "") === box.value) {
        return;
    }
    if (window.dash_clientside && typeof window.dash_clientside.set_props === "function") {
        window.dash_clientside.set_props(box.id, {value: box.value});
    }
}

document.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
        qcSendSearch(event.target);
    }
});
// focusout comes before the click that took the focus away (on mousedown / touchstart), so the text is on its way first.
document.addEventListener("focusout", function (event) {
    qcSendSearch(event.target);
});
