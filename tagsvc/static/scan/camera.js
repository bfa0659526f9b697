/* The camera inside a page, shared by the stocktake scanner and the scan loops (a loan, a transfer's arrivals): it
   opens the back camera (a switcher when there are several), reads QR codes with the browser's own BarcodeDetector
   where it really reads them, else the vendored zxing-wasm served by this server, and hands every code it sees to
   the page. A photo of a label is the fallback. TagsvcCamera.open(options) wires one page's elements:
     video, status, start, switcher, photo: the elements (or their ids);
     words: { loading, scanning, noCamera, needHttps, denied, noCode };
     wasm: the decoder's address; onCode(text, method): called for every code read, returns a promise;
     onNoCode(): a photo without a label in it (default: said in the status line). */
(function () {
  "use strict";
  var CODE = /^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}$/;
  var FRAME_GAP = 100;
  var audio = null;

  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values && key in values ? values[key] : ""; });
  }

  /* A label's code from what was read: its URL (…/t/CODE) or the code itself, with or without the dash. */
  function codeIn(text) {
    text = (text || "").trim();
    var at = Math.max(text.lastIndexOf("/t/"), text.lastIndexOf("/T/"));
    if (at >= 0) { text = text.slice(at + 3).split(/[?#\/]/)[0]; }
    text = text.replace(/[\s\-_.]+/g, "").toUpperCase();
    return CODE.test(text) ? text : null;
  }

  function beep() {
    if (navigator.vibrate) { navigator.vibrate(60); }
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.1;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + 0.08);
    } catch (e) { /* no sound: the tick and the vibration still say it */ }
  }

  /* A line at the top of a scan log (the newest first; the last eight kept). */
  function note(log, text, kind) {
    var li = document.createElement("li");
    li.textContent = text;
    if (kind) { li.className = "log-" + kind; }
    log.insertBefore(li, log.firstChild);
    while (log.children.length > 8) { log.removeChild(log.lastChild); }
  }

  function element(value) { return typeof value === "string" ? document.getElementById(value) : value; }

  function open(options) {
    var video = element(options.video), statusLine = element(options.status), start = element(options.start);
    var switcher = element(options.switcher), photo = element(options.photo), words = options.words;
    var noCode = options.onNoCode || function () { statusLine.textContent = words.noCode; };
    var detector = null, stream = null, busy = false, running = false;
    var stats = { frames: 0, decodeMs: 0, startedAt: null, detector: "" };

    function chooseDetector() {
      // The browser's own only where it really reads QR codes: WeChat's and Xiaomi's claim to and throw, Alipay's
      // lists nothing. Everywhere else the vendored zxing-wasm, served from this server.
      var native = window.BarcodeDetector && window.BarcodeDetector.getSupportedFormats
        ? window.BarcodeDetector.getSupportedFormats().then(function (f) { return f.indexOf("qr_code") >= 0; }, function () { return false; })
        : Promise.resolve(false);
      return native.then(function (real) {
        if (real) { stats.detector = "native"; return new window.BarcodeDetector({ formats: ["qr_code"] }); }
        var overrides = { locateFile: function (path, prefix) { return path.slice(-5) === ".wasm" ? options.wasm : prefix + path; } };
        BarcodeDetectionAPI.setZXingModuleOverrides(overrides);
        // Fetched now, while there is a network: the camera may first be opened in a basement without one.
        BarcodeDetectionAPI.prepareZXingModule({ overrides: overrides, fireImmediately: true });
        stats.detector = "zxing-wasm";
        return new BarcodeDetectionAPI.BarcodeDetector({ formats: ["qr_code"] });
      });
    }

    function ready() {
      if (!detector) { detector = chooseDetector(); }
      return detector;
    }

    function handOver(codes, method) {
      return codes.reduce(function (p, c) { return p.then(function () { return options.onCode(c.rawValue, method); }); }, Promise.resolve());
    }

    function loop() {
      if (!running) { return; }
      if (!busy && video.readyState >= 2) {
        busy = true;
        var began = performance.now();
        ready().then(function (d) { return d.detect(video); }).then(function (codes) {
          stats.frames += 1; stats.decodeMs += performance.now() - began;
          return handOver(codes, "camera");
        }).catch(function () {}).then(function () { busy = false; });
      }
      setTimeout(loop, FRAME_GAP);
    }

    function startCamera(deviceChoice) {
      if (!window.isSecureContext) { statusLine.textContent = words.needHttps; return; }
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { statusLine.textContent = words.noCamera; return; }
      statusLine.textContent = words.loading;
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      var constraints = { audio: false, video: deviceChoice ? { deviceId: { exact: deviceChoice } } : { facingMode: "environment" } };
      navigator.mediaDevices.getUserMedia(constraints).then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        return video.play();  // iOS WeChat stays black without an explicit play()
      }).then(function () {
        stats.startedAt = stats.startedAt || performance.now();
        statusLine.textContent = words.scanning;
        start.hidden = true;
        if (!running) { running = true; loop(); }
        ready();
        return navigator.mediaDevices.enumerateDevices();
      }).then(function (devices) {
        var cams = devices.filter(function (d) { return d.kind === "videoinput"; });
        if (cams.length > 1 && !switcher.options.length) {
          cams.forEach(function (cam, i) { switcher.add(new Option(cam.label || ("Camera " + (i + 1)), cam.deviceId)); });
          switcher.hidden = false;
        }
      }).catch(function (error) {
        statusLine.textContent = error && (error.name === "NotAllowedError" || error.name === "SecurityError") ? words.denied : words.noCamera + " (" + (error && error.name) + ")";
      });
    }

    start.addEventListener("click", function () {
      try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { /* silent */ }
      startCamera();
    });
    switcher.addEventListener("change", function () { startCamera(switcher.value); });
    if (photo) {
      photo.addEventListener("change", function (event) {
        var file = event.target.files && event.target.files[0];
        if (!file) { return; }
        createImageBitmap(file).then(function (bitmap) {
          return ready().then(function (d) { return d.detect(bitmap); });
        }).then(function (codes) {
          if (!codes.length) { noCode(); return; }
          return handOver(codes, "photo");
        }).catch(noCode);
        event.target.value = "";
      });
    }
    ready();
    return { stats: stats, video: video };
  }

  window.TagsvcCamera = { codeIn: codeIn, say: say, beep: beep, note: note, open: open };
})();
