/* The exam timer: counts down to the server's deadline and hands the paper in when it reaches zero.
   The server keeps the real deadline; this only shows it and saves the trainee a refused answer. */
(function () {
  "use strict";
  function start() {
    var box = document.querySelector("[data-exam-timer]");
    var form = document.querySelector("[data-exam-form]");
    if (!box || !form) { return; }
    var value = box.querySelector("[data-timer-value]");
    var copy = document.querySelector("[data-timer-copy] b");  // in the hand-in bar, shown on a phone
    var deadline = Date.parse(box.getAttribute("data-deadline"));
    var serverNow = Date.parse(box.getAttribute("data-now"));
    if (isNaN(deadline) || isNaN(serverNow)) { return; }
    var skew = serverNow - Date.now();  // the server's clock, not the PC's, decides
    var sent = false;
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    function tick() {
      var left = Math.max(0, Math.floor((deadline - (Date.now() + skew)) / 1000));
      value.textContent = pad(Math.floor(left / 60)) + ":" + pad(left % 60);
      box.classList.toggle("is-urgent", left <= 60);
      if (copy) { copy.textContent = value.textContent; copy.parentNode.classList.toggle("is-urgent", left <= 60); }
      if (left === 0 && !sent) {
        sent = true;
        var submit = form.querySelector("[data-submit-exam]");
        if (form.requestSubmit && submit) { form.requestSubmit(submit); } else if (submit) { submit.click(); }
        return;
      }
      window.setTimeout(tick, 1000);
    }
    form.addEventListener("submit", function () { sent = true; });
    tick();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
