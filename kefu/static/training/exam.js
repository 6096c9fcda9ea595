/* The exam timer: counts down to the server's deadline and hands the paper in when it reaches zero;
   handing in waits for answers still being saved.
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
    // An answer still being saved (htmx, one request per question, later ones queued) would reach
    // the server after the paper, or make the paper's copy of it stale: hand in once they are done.
    var pending = 0, settledSubmitter = null;
    form.addEventListener("htmx:beforeRequest", function () { pending += 1; });
    form.addEventListener("htmx:afterRequest", function () { pending = Math.max(0, pending - 1); });
    function saving() { return pending > 0 || form.querySelector(".htmx-request") !== null; }
    form.addEventListener("submit", function (event) {
      if (settledSubmitter === event.submitter && event.submitter) { sent = true; return; }
      if (!saving()) { sent = true; return; }
      event.preventDefault();
      var submitter = event.submitter, idle = 0, waited = 0;
      form.classList.add("is-saving");
      (function wait() {
        idle = saving() ? 0 : idle + 1;
        waited += 100;
        if (idle >= 3 || waited >= 10000) {  // quiet for 300 ms (a queued save has started), or give up waiting
          settledSubmitter = submitter;
          form.classList.remove("is-saving");
          if (form.requestSubmit && submitter) { form.requestSubmit(submitter); } else if (submitter) { submitter.click(); }
          return;
        }
        window.setTimeout(wait, 100);
      })();
    });
    tick();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
