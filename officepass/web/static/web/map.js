/* The finder's map (Leaflet from npm); the list stays the main view when tiles are off. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  var data = document.getElementById("map-points");
  if (!el || !data || !window.L) return;
  var points = JSON.parse(data.textContent);
  window.L.Icon.Default.imagePath = el.getAttribute("data-icons") || "/static/web/vendor/images/";
  var map = window.L.map(el);
  window.L.tileLayer(el.getAttribute("data-tiles"), {
    maxZoom: 19, attribution: el.getAttribute("data-attribution")
  }).addTo(map);
  var bounds = [];
  points.forEach(function (p) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = p.url; link.textContent = p.name;
    box.appendChild(link);
    p.spaces.forEach(function (line) { var d = document.createElement("div"); d.textContent = line; box.appendChild(d); });
    window.L.marker([p.lat, p.lng], { title: p.name }).addTo(map).bindPopup(box);
    bounds.push([p.lat, p.lng]);
  });
  if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  else map.setView([35.6812, 139.7671], 12);
})();
