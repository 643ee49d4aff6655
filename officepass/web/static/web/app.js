/* officepass member app: dialogs, countdown, live availability, location, offline stay. */
(function () {
  "use strict";
  var body = document.body;

  // Confirmation popups (the guide's "Unlock" → popup "Unlock").
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog"));
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        if (!dialog.open) dialog.showModal();
        var confirm = dialog.querySelector("button[type=submit]");
        if (confirm) confirm.focus();
      }
      return;
    }
    var closer = event.target.closest("[data-close]");
    if (closer && closer.closest("dialog")) {
      event.preventDefault();
      closer.closest("dialog").close();
    }
  });
  document.addEventListener("submit", function (event) {
    if (event.target.hasAttribute("data-signout")) {
      // A shared phone keeps nothing of the member: the offline copies and the kept stay go.
      try { localStorage.removeItem("officepass.stay"); } catch (e) { /* ignore */ }
      if (window.caches) caches.keys().then(function (keys) { keys.forEach(function (k) { caches.delete(k); }); });
    }
    var button = event.target.querySelector("button[type=submit]");
    if (button) setTimeout(function () { button.disabled = true; }, 0);  // no double taps
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;  // back from the next page: the buttons work again
    Array.prototype.forEach.call(document.querySelectorAll("button[type=submit][disabled]"), function (b) {
      if (!b.hasAttribute("data-keep-disabled")) b.disabled = false;
    });
  });

  // Countdown to the checkout deadline. It is computed from the deadline itself, so an offline
  // copy of the page counts from now, not from when it was cached. Phones' clocks drift: the
  // server's clock at render time gives the offset, remembered per render, so a cached copy
  // (the same render seen again) reuses the offset measured when it was fresh.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clockOffset(renderedAt) {
    var seen = {};
    try { seen = JSON.parse(localStorage.getItem("officepass.renders") || "{}") || {}; } catch (e) { seen = {}; }
    if (!isFinite(renderedAt)) return 0;
    if (seen[renderedAt] === undefined) {
      seen[renderedAt] = renderedAt - Date.now();
      var keys = Object.keys(seen).sort();
      while (keys.length > 20) delete seen[keys.shift()];
      try { localStorage.setItem("officepass.renders", JSON.stringify(seen)); } catch (e) { /* ignore */ }
    }
    return seen[renderedAt];
  }
  var countdown = document.getElementById("countdown");
  if (countdown) {
    var started = performance.now();
    var deadlineMs = parseInt(countdown.getAttribute("data-deadline-ms"), 10);
    var offset = clockOffset(parseInt(countdown.getAttribute("data-rendered-ms"), 10));
    var fallbackLeft = parseInt(countdown.getAttribute("data-seconds-left"), 10) || 0;
    var secondsLeft = function () {
      if (!isFinite(deadlineMs)) return Math.max(fallbackLeft - Math.floor((performance.now() - started) / 1000), 0);
      return Math.max(Math.floor((deadlineMs - (Date.now() + offset)) / 1000), 0);
    };
    var extIn = countdown.getAttribute("data-extension-in");
    var extAt = extIn === "" || extIn === null ? null : parseInt(extIn, 10);
    try {
      localStorage.setItem("officepass.stay", JSON.stringify({
        id: countdown.getAttribute("data-stay-id"),
        office: countdown.getAttribute("data-office"),
        space: countdown.getAttribute("data-space"),
        deadline: countdown.getAttribute("data-deadline-label"),
        phone: countdown.getAttribute("data-help-desk") || "",
        endsAt: Date.now() + secondsLeft() * 1000,
        pin: countdown.getAttribute("data-backup-pin") || "",
        pinUntil: countdown.getAttribute("data-backup-until") || ""
      }));
    } catch (e) { /* private mode: nothing to keep */ }
    var tick = function () {
      var elapsed = Math.floor((performance.now() - started) / 1000);
      var s = secondsLeft();
      countdown.textContent = pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
      countdown.classList.toggle("soon", s <= 15 * 60);
      if (s === 0 || (extAt !== null && elapsed >= extAt)) {
        extAt = null;
        if (navigator.onLine !== false) { window.location.reload(); return; }
      }
      setTimeout(tick, 1000 - ((performance.now() - started) % 1000));
    };
    tick();
  } else if (document.getElementById("checkin-button")) {
    try { localStorage.removeItem("officepass.stay"); } catch (e) { /* ignore */ }
  }

  // Offline: the app cannot unlock or check out, so say so (with the help desk's number)
  // instead of sending the member to the browser's error page.
  function offlineNote() {
    var note = document.getElementById("offline-note");
    if (!note) return false;
    Array.prototype.forEach.call(document.querySelectorAll("dialog[open]"), function (d) { d.close(); });
    note.hidden = false;
    note.focus();
    return true;
  }
  document.addEventListener("click", function (event) {
    if (navigator.onLine !== false) return;
    if (event.target.closest("[data-dialog], [data-needs-network]") && offlineNote()) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("submit", function (event) {
    if (navigator.onLine === false && event.target.method === "post" && offlineNote()) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  window.addEventListener("online", function () {
    var note = document.getElementById("offline-note");
    if (note) note.hidden = true;
  });

  // Offline page: the stay kept by the last stay screen.
  var offline = document.getElementById("offline-stay");
  if (offline) {
    try {
      var kept = JSON.parse(localStorage.getItem("officepass.stay") || "null");
      if (kept && kept.endsAt > Date.now()) {
        document.getElementById("offline-office").textContent = kept.office;
        document.getElementById("offline-space").textContent = kept.space;
        document.getElementById("offline-deadline").textContent = kept.deadline;
        if (kept.phone) {
          var tel = document.getElementById("offline-phone");
          tel.textContent = kept.phone;
          tel.setAttribute("href", "tel:" + kept.phone);
          document.getElementById("offline-help").hidden = false;
        }
        offline.hidden = false;
        var pinBox = document.getElementById("offline-pin");
        if (pinBox && kept.pin) {
          document.getElementById("offline-pin-value").textContent = kept.pin;
          document.getElementById("offline-pin-until").textContent = kept.pinUntil;
          pinBox.hidden = false;
        }
      }
    } catch (e) { /* ignore */ }
  }

  // Live availability: server-sent events from /api/v1/availability/stream.
  var stream = null;
  function label(remaining) {
    if (remaining >= 2) return (body.getAttribute("data-l-available") || "") + " " + remaining;
    return remaining === 1 ? body.getAttribute("data-l-one") : body.getAttribute("data-l-full");
  }
  function paint(space) {
    var nodes = document.querySelectorAll('[data-space-id="' + space.id + '"]');
    var state = space.remaining >= 2 ? "free" : space.remaining === 1 ? "few" : "full";
    Array.prototype.forEach.call(nodes, function (node) {
      node.className = "avail avail-" + state;
      var sym = node.querySelector(".sym");
      var txt = node.querySelector(".txt");
      if (sym) sym.textContent = space.symbol;
      if (txt) txt.textContent = label(space.remaining);
      var sr = node.querySelector(".sr-only");
      if (sr) sr.textContent = " (" + space.symbol + ")";
    });
  }
  // The check-in screen of a full space: when a seat frees, the refusal goes and the button works.
  function followCheckin(space) {
    var form = document.getElementById("checkin-form");
    var full = document.querySelector('.refusal[data-code="space_full"]');
    if (!form || !full || form.getAttribute("data-checkin-space") !== String(space.id)) return;
    var button = form.querySelector("button[type=submit]");
    var free = space.remaining > 0 && form.querySelector("input[name=minutes]:not([disabled])");
    full.hidden = !!free;
    button.disabled = !free;
    if (free) button.removeAttribute("data-keep-disabled"); else button.setAttribute("data-keep-disabled", "");
  }
  // The stay screen follows its stay: a change at its space may be its own end (staff).
  function followStay(space) {
    if (!countdown || countdown.getAttribute("data-stay-space") !== String(space.id)) return;
    fetch("/api/v1/stays/current", { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (r.status === 404) return null;
      return r.ok ? r.json() : undefined;
    }).then(function (current) {
      if (current === undefined) return;
      if (!current || String(current.id) !== countdown.getAttribute("data-stay-id")) window.location.reload();
    }).catch(function () { /* offline: the countdown still stands */ });
  }
  function listen() {
    if (!window.EventSource) return;
    var ids = {};
    Array.prototype.forEach.call(document.querySelectorAll(".live[data-office-ids]"), function (el) {
      el.getAttribute("data-office-ids").split(",").forEach(function (id) { if (/^\d+$/.test(id)) ids[id] = true; });
    });
    var list = Object.keys(ids);
    if (stream) stream.close();
    if (!list.length) return;
    stream = new EventSource("/api/v1/availability/stream?" + list.map(function (id) { return "office_id=" + id; }).join("&"));
    stream.addEventListener("space", function (event) {
      var space = JSON.parse(event.data);
      paint(space);
      followCheckin(space);
      followStay(space);
    });
    stream.addEventListener("open", function () { body.setAttribute("data-live", "on"); });
  }
  listen();
  window.addEventListener("pagehide", function () { if (stream) stream.close(); });

  // Location: the finder's button, and the home page's nearest offices when already allowed.
  var locate = document.getElementById("locate");
  if (locate) {
    locate.addEventListener("click", function () {
      var form = document.getElementById("finder");
      if (!navigator.geolocation) { alert(locate.getAttribute("data-error")); return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(5);
        form.elements.lng.value = pos.coords.longitude.toFixed(5);
        form.elements.q.value = "";
        form.submit();
      }, function () { alert(locate.getAttribute("data-error")); }, { timeout: 10000, maximumAge: 60000 });
    });
  }
  var finder = document.getElementById("finder");
  if (finder && !finder.elements.lat.value && !finder.elements.q.value && navigator.permissions && navigator.geolocation) {
    // Location already allowed: sort by it straight away (once; the URL then carries it).
    navigator.permissions.query({ name: "geolocation" }).then(function (status) {
      if (status.state === "granted") locate.click();
    }).catch(function () { /* no permissions API */ });
  }
  var wrap = document.getElementById("nearest-wrap");
  if (wrap && navigator.permissions && navigator.geolocation) {
    navigator.permissions.query({ name: "geolocation" }).then(function (status) {
      if (status.state !== "granted") return;
      navigator.geolocation.getCurrentPosition(function (pos) {
        var url = wrap.getAttribute("data-nearest-url") + "?lat=" + pos.coords.latitude.toFixed(5) + "&lng=" + pos.coords.longitude.toFixed(5);
        fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; }).then(function (html) {
          if (!html) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("nearest");
          if (fresh) { wrap.replaceChildren(document.importNode(fresh, true)); listen(); }
        });
      });
    }).catch(function () { /* no permissions API */ });
  }

  // Installable app with an offline copy of the stay screen.
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () { navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {}); });
  }
})();
