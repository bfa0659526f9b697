/* A scan loop on a page that fills a list, one item a label (a loan's items, a transfer's arrivals): the in-page camera
   (scan/camera.js) reads a label, the item goes to the API at once and the answer is shown under the camera, which
   stays open for the next one; the page's typed field (a hand-held scanner) posts its form as before. Nothing is
   queued: a loan or an arrival is decided by the server there and then (the item may be refused), so without a
   network the page says that nothing was recorded.
   The page's JSON (#loop-data): api, csrf, wasm, method (the body's field for how it was read, if any), yes (the
   answer's field that says it counted), words. The parts marked data-loop-refresh (with an id) are read again. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("loop-data").textContent);
  var words = data.words;
  var log = document.getElementById("scan-log");
  var refreshing = null;
  var SAME_CODE_PAUSE = 3000;
  var lastSeen = {};
  var say = TagsvcCamera.say;

  function note(text, kind) { TagsvcCamera.note(log, text, kind); }

  /* The page's parts marked data-loop-refresh (the count, the list) are read again after each item, so they say
     what the books say now; a burst of scans costs one read. */
  function refresh() {
    if (refreshing) { return; }
    refreshing = setTimeout(function () {
      fetch(location.href, { credentials: "same-origin" }).then(function (response) { return response.text(); }).then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-loop-refresh]").forEach(function (part) {
          var now = fresh.getElementById(part.id);
          if (now) { part.innerHTML = now.innerHTML; }
        });
      }).catch(function () { /* the log above says what happened; the list catches up on the next read */ })
        .then(function () { refreshing = null; });
    }, 400);
  }

  function send(text, method) {
    var code = TagsvcCamera.codeIn(text);
    if (!code) { note(words.notOurs, "error"); return Promise.resolve(); }
    var now = Date.now();
    if (method === "camera" && lastSeen[code] && now - lastSeen[code] < SAME_CODE_PAUSE) { return Promise.resolve(); }
    lastSeen[code] = now;
    var body = { code: code };
    if (data.method) { body[data.method] = method === "photo" ? "camera" : method; }
    return fetch(data.api, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf, "Accept": "application/json" },
      body: JSON.stringify(body) }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.ok) {
          TagsvcCamera.beep();
          note(say(answer[data.yes] ? words.yes : words.again, answer), answer[data.yes] ? "ok" : "info");
          refresh();
        } else if (response.status === 401) {
          note(words.signIn, "error");
        } else {
          note(answer.detail || String(response.status), "error");
        }
      });
    }).catch(function () {  // the same label asks again after the pause
      note(say(words.offline, { code: code }), "error");
    });
  }

  TagsvcCamera.open({ video: "camera-video", status: "camera-status", start: "camera-start", switcher: "camera-switch",
                      photo: "camera-photo", words: words, wasm: data.wasm, onCode: send });
  document.getElementById("camera").hidden = false;
})();
