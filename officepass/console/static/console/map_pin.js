/* The office's map pin (issue 15 item 1): drag the pin or tap the map to set latitude and
   longitude; typing in the two fields moves the pin. The fields stay the fallback (no tiles,
   no script). Leaflet comes from the member app's vendored copy. */
(function () {
  "use strict";
  var el = document.getElementById("map-pin");
  var lat = document.getElementById("id_lat");
  var lng = document.getElementById("id_lng");
  if (!el || !lat || !lng || !window.L) return;
  el.hidden = false; // shown before Leaflet measures it
  window.L.Icon.Default.imagePath = el.getAttribute("data-icons");
  var start = [parseFloat(lat.value), parseFloat(lng.value)];
  var known = isFinite(start[0]) && isFinite(start[1]);
  var map = window.L.map(el).setView(known ? start : [35.6812, 139.7671], known ? 17 : 12);
  window.L.tileLayer(el.getAttribute("data-tiles"), {
    maxZoom: 19, attribution: el.getAttribute("data-attribution")
  }).addTo(map);
  var pin = window.L.marker(known ? start : map.getCenter(), { draggable: true }).addTo(map);
  function put(at) {
    lat.value = at.lat.toFixed(6);
    lng.value = at.lng.toFixed(6);
  }
  pin.on("dragend", function () { put(pin.getLatLng()); });
  map.on("click", function (event) { pin.setLatLng(event.latlng); put(event.latlng); });
  function follow() {
    var at = [parseFloat(lat.value), parseFloat(lng.value)];
    if (isFinite(at[0]) && isFinite(at[1])) { pin.setLatLng(at); map.panTo(at); }
  }
  lat.addEventListener("change", follow);
  lng.addEventListener("change", follow);
})();
