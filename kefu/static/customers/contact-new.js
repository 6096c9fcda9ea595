/* The fast contact logger (记录来电): number keys pick a radio in the focused group,
 * Ctrl+Enter saves, Ctrl+Shift+Enter saves and goes on to the complaint form.
 * The form carries data-complaint-category: the category value that offers "save and record as complaint".
 */
(function () {
  "use strict";
  var form = document.getElementById("contact-logger");
  if (!form) return;
  var complaintCategory = form.getAttribute("data-complaint-category");
  var complaintButton = document.getElementById("save-then-complaint");
  function syncCategory() {
    var checked = form.querySelector("input[name=category]:checked");
    var value = checked ? checked.value : "";
    form.querySelectorAll("[data-need]").forEach(function (el) {
      el.hidden = value !== "" && el.getAttribute("data-need") !== value;
    });
    if (complaintButton) complaintButton.hidden = value !== complaintCategory;
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "category") syncCategory();
  });
  syncCategory();
  /* Call duration: counted from the first key typed in the number field, used when left blank. */
  var phoneField = form.querySelector("[name=phone]");
  var durationField = form.querySelector("[name=duration]");
  var started = null;
  function elapsed() {
    var seconds = Math.round((Date.now() - started) / 1000);
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }
  if (phoneField && durationField) {
    phoneField.addEventListener("input", function () {
      if (started !== null) return;
      started = Date.now();
      setInterval(function () { durationField.placeholder = elapsed(); }, 1000);
    });
    form.addEventListener("submit", function () {
      if (started !== null && !durationField.value.trim()) durationField.value = elapsed();
    });
  }
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (event.shiftKey && complaintButton) form.requestSubmit(complaintButton);
      else form.requestSubmit();
      return;
    }
    var group = event.target.closest("[data-numkeys]");
    if (!group || event.ctrlKey || event.metaKey || event.altKey || !/^[0-9]$/.test(event.key)) return;
    var option = group.querySelector('label[data-key-option="' + event.key + '"] input');
    if (!option) return;
    event.preventDefault();
    option.checked = true;
    option.focus();
    option.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
