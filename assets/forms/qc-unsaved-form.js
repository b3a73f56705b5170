/* Leaving a server-rendered form with answers given and not yet sent asks first (the satisfaction survey,
   portal/templates/survey.html, and the public complaint form, complaint_form.html): a link, Back, a reload or a
   closed tab dropped a half-filled survey or complaint without a word.
   The portal's guard for the Dash forms (assets/qc-shell.js, layouts/components/unsaved.py) lives in the Dash shell,
   which these pages have not; this file is linked only by the templates that mark a form `data-qc-unsaved`, and is
   no script of the Dash pages (portal/app.py leaves assets/forms/ out of the scripts every page loads).

   A form counts as answered once any of its fields holds something (a choice checked, a text not empty, a select
   moved off what the page drew): untouched it is left without a question, and so is one whose answers were taken
   back. Sending it is no
   leaving: the question is not asked on its way to the server. Read at the moment of leaving, so answers the server
   drew back into the form (a survey returned with a question missing) count, as they are not saved either. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-qc-unsaved]");
  if (!form) return;
  var sending = false;

  // Each select's choice as the page drew it (read as the file runs, deferred: before anyone can choose). Its
  // options' defaultSelected would not do: a select none of whose options is marked shows its first.
  var drawn = [];
  for (var k = 0; k < form.elements.length; k++) {
    if (form.elements[k].tagName === "SELECT") drawn.push([form.elements[k], form.elements[k].value]);
  }

  function changedSelect(select) {
    for (var j = 0; j < drawn.length; j++) {
      if (drawn[j][0] === select) return select.value !== drawn[j][1];
    }
    return false;
  }

  function answered() {
    for (var i = 0; i < form.elements.length; i++) {
      var field = form.elements[i];
      if (!field.name || field.disabled || field.type === "hidden" || field.type === "submit") continue;
      if (field.type === "radio" || field.type === "checkbox") {
        if (field.checked) return true;
      } else if (field.tagName === "SELECT") {
        // A select's own choice is no answer (the public complaint form starts on "Permintaan informasi"); one moved
        // off the option the page drew selected is.
        if (changedSelect(field)) return true;
      } else if (typeof field.value === "string" && field.value.trim() !== "") {
        return true;
      }
    }
    return false;
  }

  form.addEventListener("submit", function () { sending = true; });
  // Back to a page the browser kept whole (the back-forward cache) after sending: what it shows is unsent again.
  window.addEventListener("pageshow", function (event) { if (event.persisted) sending = false; });
  window.addEventListener("beforeunload", function (event) {
    if (sending || !answered()) return;
    event.preventDefault();
    event.returnValue = "";  // the older browsers' way of asking (the browser shows its own words)
  });
})();
