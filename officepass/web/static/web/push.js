/* officepass: turn Web Push on or off for this device (account page). */
(function () {
  var box = document.getElementById("push");
  if (!box || box.dataset.available !== "1") return;
  var state = document.getElementById("push-state");
  var on = document.getElementById("push-on");
  var off = document.getElementById("push-off");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;

  function say(which) {
    state.textContent = state.dataset["l" + which.charAt(0).toUpperCase() + which.slice(1)];
    state.dataset.state = which;
    on.hidden = which === "on" || which === "unsupported" || which === "denied";
    off.hidden = which !== "on";
  }
  function key(b64) {
    var pad = "=".repeat((4 - (b64.length % 4)) % 4);
    var raw = atob((b64 + pad).replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function post(body) {
    return fetch(box.dataset.url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (res) { if (!res.ok) throw new Error("HTTP " + res.status); return res.json(); });
  }
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) { say("unsupported"); return; }
  if (window.Notification && Notification.permission === "denied") { say("denied"); return; }
  navigator.serviceWorker.register("/sw.js", { scope: "/" });
  navigator.serviceWorker.ready.then(function (reg) {
    reg.pushManager.getSubscription().then(function (sub) { say(sub ? "on" : "off"); });
    on.addEventListener("click", function () {
      Notification.requestPermission().then(function (perm) {
        if (perm !== "granted") { say("denied"); return; }
        return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(box.dataset.publicKey) })
          .then(function (sub) { return post(sub.toJSON()); })
          .then(function () { say("on"); });
      }).catch(function () { say("off"); });
    });
    off.addEventListener("click", function () {
      reg.pushManager.getSubscription().then(function (sub) {
        if (!sub) { say("off"); return; }
        return post({ endpoint: sub.endpoint, unsubscribe: true })
          .then(function () { return sub.unsubscribe(); })
          .then(function () { say("off"); });
      });
    });
  });
})();
