/* Leaving a server-rendered form with answers given and not yet sent asks first (the satisfaction survey,
   portal/templates/survey.html): a link, Back, a reload or a closed tab dropped a half-filled survey without a word.
   The portal's guard for the Dash forms (assets/qc-shell.js, layouts/components/unsaved.py) lives in the Dash shell,
   which these pages have not; this file is linked only by the templates that mark a form `data-qc-unsaved`, and is
   no script of the Dash pages (portal/app.py leaves assets/forms/ out of the scripts every page loads).

   A form counts as answered once any of its fields holds something (a choice checked, a select or a text not
   empty): untouched it is left without a question, and so is one whose answers were taken back. Sending it is no
   leaving: the question is not asked on its way to the server. Read at the moment of leaving, so answers the server
   drew back into the form (a survey returned with a question missing) count, as they are not saved either. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-qc-unsaved]");
  if (!form) return;
  var sending = false;

  function answered() {
    for (var i = 0; i < form.elements.length; i++) {
      var field = form.elements[i];
      if (!field.name || field.disabled || field.type === "hidden" || field.type === "submit") continue;
      if (field.type === "radio" || field.type === "checkbox") {
        if (field.checked) return true;
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
