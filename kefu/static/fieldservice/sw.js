/* Kefu on-site service worker: network first, the last good copy when there is no signal.
 * Only GET requests for the technician's pages (my/) and static files are kept; writes never go
 * through here (the page queues them itself and syncs when back online). */
"use strict";
var CACHE = "kefu-onsite-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var scope = new URL(self.registration.scope);
  var page = url.pathname.indexOf(scope.pathname + "my/") === 0;
  var asset = url.pathname.indexOf("/static/") >= 0;
  if (!page && !asset) return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok && response.type === "basic") {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request).then(function (hit) { return hit || Response.error(); });
    })
  );
});
