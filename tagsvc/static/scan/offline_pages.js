/* A service worker that lets a walk's page (an inspection round) open again without a network: a basement plant
   room has none, and a phone's browser drops a page in the background and reloads it when it comes back. The page
   is fetched from the server whenever there is a network, and kept; without one, the kept copy opens and its queue
   (scan/queue.js, in IndexedDB) shows what waits. The page's scripts, styles and decoder are kept on first use: their
   addresses carry their version (?v=), so a kept copy is the same file. Nothing is ever sent from here: results go
   through the queue, which works the same on a kept page. */
"use strict";
var CACHE = "tagsvc-walk-pages-v1";
var WALK_PAGE = /\/inspections\/rounds\/\d+$/;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function keep(request, response) {
  if (response.ok && !response.redirected && response.type === "basic") {
    var copy = response.clone();
    caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
  }
  return response;
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && WALK_PAGE.test(url.pathname)) {
    // The network first: the server's results are newer than any kept copy.
    event.respondWith(fetch(request).then(function (response) { return keep(request, response); }, function () {
      return caches.match(request, { ignoreVary: true }).then(function (kept) { return kept || Response.error(); });
    }));
  } else if (url.pathname.indexOf("/static/") >= 0 && url.searchParams.has("v")) {
    event.respondWith(caches.match(request).then(function (kept) {
      return kept || fetch(request).then(function (response) { return keep(request, response); });
    }));
  }
});
