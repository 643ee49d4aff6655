// Rotating door display: fetch the current QR code (SVG) every rotation period.
(function () {
  "use strict";
  var box = document.getElementById("qr");
  if (!box) { return; }
  var seconds = parseInt(box.getAttribute("data-seconds"), 10) || 30;
  function refresh() {
    fetch(box.getAttribute("data-src"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (svg) {
        var doc = new DOMParser().parseFromString(svg, "image/svg+xml");
        box.replaceChildren(document.importNode(doc.documentElement, true));
      })
      .catch(function (status) {
        // A revoked link shows no code at all; any other failure keeps the last one a moment.
        if (status === 404) box.replaceChildren(document.createTextNode(box.getAttribute("data-revoked") || ""));
      });
  }
  // Refresh right after each window boundary so the code shown is always current.
  var wait = (seconds - (Math.floor(Date.now() / 1000) % seconds)) * 1000 + 500;
  setTimeout(function () { refresh(); setInterval(refresh, seconds * 1000); }, wait);
})();
