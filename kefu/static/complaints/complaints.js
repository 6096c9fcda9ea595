/* Complaint forms: when a form came back with errors (full page or htmx swap), the cursor goes to
 * the first one. (Ctrl+Enter on form[data-ctrl-enter] is kefu.js's.) */
(function () {
  "use strict";
  function focusFirstError() {
    var field = document.querySelector("main .has-error input, main .has-error textarea, main .has-error select");
    if (field) field.focus();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusFirstError);
  else focusFirstError();
  document.addEventListener("htmx:afterSettle", focusFirstError);
})();
