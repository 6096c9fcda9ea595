/* The survey page: the reasons are asked only when the answer is 1 or 2 (without JS they always show). */
(function () {
  "use strict";
  function wire() {
    var form = document.querySelector("[data-survey-form]");
    var reasons = document.querySelector("[data-low-reasons]");
    if (!form || !reasons) { return; }
    function update() {
      var picked = form.querySelector("input[name=csat]:checked");
      var low = picked && Number(picked.value) <= 2;
      reasons.hidden = !low;
      if (!low) {
        reasons.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = false; });
      }
    }
    form.querySelectorAll("input[name=csat]").forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", wire); } else { wire(); }
})();
