/* In-app QR scanner: BarcodeDetector where the browser has it, jsQR (npm) otherwise. */
(function () {
  "use strict";
  var box = document.getElementById("scanner");
  if (!box) return;
  var video = document.getElementById("camera");
  var canvas = document.getElementById("frame");
  var status = document.getElementById("scan-status");
  var button = document.getElementById("start-camera");
  var stream = null, detector = null, running = false;

  function say(key) { status.textContent = box.getAttribute(key); }

  function codeIn(text) {
    var m = /\/c\/([A-Za-z0-9_\-:.]+)\/?$/.exec((text || "").split(/[?#]/)[0]);
    return m ? m[1] : null;
  }

  function found(text) {
    var code = codeIn(text);
    if (!code) { say("data-msg-foreign"); return false; }
    running = false;
    say("data-msg-found");
    box.setAttribute("data-decoded", text);
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    window.location.assign("/c/" + code);
    return true;
  }

  function decodeFrame() {
    var w = video.videoWidth, h = video.videoHeight;
    if (!w || !h) return null;
    var scale = Math.min(1, 800 / Math.max(w, h));
    canvas.width = Math.round(w * scale); canvas.height = Math.round(h * scale);
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
    var hit = window.jsQR ? window.jsQR(img.data, img.width, img.height, { inversionAttempts: "attemptBoth" }) : null;
    return hit ? hit.data : null;
  }

  function loop() {
    if (!running) return;
    var next = function () { setTimeout(loop, 200); };
    if (detector) {
      detector.detect(video).then(function (codes) {
        if (codes.length && found(codes[0].rawValue)) return;
        next();
      }).catch(function () { detector = null; next(); });
      return;
    }
    var text = decodeFrame();
    if (text && found(text)) return;
    next();
  }

  function start() {
    if (running) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { say("data-msg-denied"); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      return video.play();
    }).then(function () {
      box.setAttribute("data-camera", "on");
      button.hidden = true;
      var ready = Promise.resolve();
      if ("BarcodeDetector" in window) {
        ready = window.BarcodeDetector.getSupportedFormats().then(function (formats) {
          if (formats.indexOf("qr_code") >= 0) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        }).catch(function () { detector = null; });
      }
      return ready.then(function () {
        box.setAttribute("data-decoder", detector ? "BarcodeDetector" : "jsQR");
        running = true;
        loop();
      });
    }).catch(function () { say("data-msg-denied"); button.hidden = false; });
  }

  button.addEventListener("click", start);
  start();
})();
