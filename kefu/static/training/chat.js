/* Sparring chat: keep the newest line in view, send with Ctrl+Enter, focus the box after each reply. */
(function () {
  "use strict";
  function settle() {
    var list = document.querySelector("[data-transcript]");
    if (list) { list.scrollTop = list.scrollHeight; }
    var box = document.querySelector("[data-say-text]");
    if (box) { box.focus(); }
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target.matches && e.target.matches("[data-say-text]")) {
      e.preventDefault();
      var form = e.target.form;
      if (form && form.requestSubmit) { form.requestSubmit(); }
    }
  });
  document.addEventListener("htmx:afterSwap", settle);
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", settle); } else { settle(); }
})();
