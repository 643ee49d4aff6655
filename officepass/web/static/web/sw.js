/* officepass service worker: app shell cached; pages network-first with an offline copy. */
var CACHE = "officepass-v3";
var SHELL = ["/offline", "/static/web/app.css", "/static/web/app.js", "/static/web/icon-192.png"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  if (req.method === "POST" && req.mode === "navigate") {
    // An unlock or checkout sent offline: the offline page (help desk), not the browser's error.
    event.respondWith(fetch(req).catch(function () { return caches.match("/offline"); }));
    return;
  }
  if (req.method !== "GET") return;
  if (req.mode === "navigate") {
    event.respondWith(fetch(req).then(function (res) {
      if (res.ok && (url.pathname.indexOf("/stays/") === 0 || url.pathname === "/")) {
        var copy = res.clone();
        caches.open(CACHE).then(function (c) { c.put(req, copy); });
      }
      return res;
    }).catch(function () {
      return caches.match(req).then(function (hit) { return hit || caches.match("/offline"); });
    }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        var copy = res.clone();
        caches.open(CACHE).then(function (c) { c.put(req, copy); });
        return res;
      });
    }));
  }
});

/* Web Push: show the notice; a tap opens (or focuses) the screen it names. */
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: "officepass", body: event.data ? event.data.text() : "" }; }
  var url = (typeof data.url === "string" && data.url.charAt(0) === "/") ? data.url : "/";
  event.waitUntil(self.registration.showNotification(data.title || "officepass", {
    body: data.body || "",
    tag: data.tag || undefined,
    icon: "/static/web/icon-192.png",
    data: { url: url, kind: data.kind || "" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin).href;
  var done = self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].url === url && "focus" in list[i]) return list[i].focus();
    }
    // An open officepass page goes to the screen; without one, a new window opens.
    for (var j = 0; j < list.length; j++) {
      if ("navigate" in list[j] && new URL(list[j].url).origin === self.location.origin) {
        var client = list[j];
        return client.navigate(url).then(function (c) { return (c || client).focus().catch(function () {}); });
      }
    }
    return self.clients.openWindow(url);
  });
  try { event.waitUntil(done); } catch (e) { /* an event dispatched by a script (tests) */ }
});
