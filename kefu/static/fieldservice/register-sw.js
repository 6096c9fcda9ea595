/* Register the on-site service worker (served at /onsite/sw.js, scope /onsite/) so the technician's
 * pages and their scripts open without signal. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  var script = document.currentScript;
  var url = (script && script.dataset.sw) || "/onsite/sw.js";
  var scope = url.replace(/sw\.js$/, "");
  navigator.serviceWorker.register(url, { scope: scope }).catch(function () { /* pages still work online */ });
})();
