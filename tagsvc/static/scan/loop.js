/* A scan loop on a page that fills a list, one item a label (a loan's items, a transfer's arrivals): the in-page camera
   (scan/camera.js) reads a label, the item goes to the API at once and the answer is shown under the camera, which
   stays open for the next one; the page's typed field (a hand-held scanner) posts its form as before. Nothing is
   queued on the phone: a loan or an arrival is decided by the server (the item may be refused), so without a network
   the page says that nothing is recorded yet, and sends it again until it is.
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

  /* One label to the API. No network, a 5xx, 429, or a 409 that says when to try again (the same request still being
     answered) is sent again, sooner at first and then less often, while the page is open: the server decides each
     item once however often it arrives (a repeat answers "already there"). A refusal (the item cannot go out, it is
     not part of the transfer) is shown at once and not retried. */
  var waiting = 0;

  function send(text, method) {
    var code = TagsvcCamera.codeIn(text);
    if (!code) { note(words.notOurs, "error"); return Promise.resolve(); }
    var now = Date.now();
    if (method === "camera" && lastSeen[code] && now - lastSeen[code] < SAME_CODE_PAUSE) { return Promise.resolve(); }
    lastSeen[code] = now;
    var body = { code: code };
    if (data.method) { body[data.method] = method === "photo" ? "camera" : method; }
    return attempt(code, body, 1);
  }

  function attempt(code, body, tries) {
    return fetch(data.api, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf, "Accept": "application/json" },
      body: JSON.stringify(body) }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        var retryAfter = parseInt(response.headers.get("Retry-After"), 10) || 0;
        if (response.ok) {
          if (tries > 1) { waiting -= 1; }
          TagsvcCamera.beep();
          note(say(answer[data.yes] ? words.yes : words.again, answer), answer[data.yes] ? "ok" : "info");
          refresh();
        } else if (response.status >= 500 || response.status === 429 || (response.status === 409 && retryAfter)) {
          return later(code, body, tries, retryAfter);
        } else {
          if (tries > 1) { waiting -= 1; }
          note(response.status === 401 ? words.signIn : (answer.detail || String(response.status)), "error");
        }
      });
    }, function () { return later(code, body, tries, 0); });
  }

  function later(code, body, tries, seconds) {
    if (tries === 1) { waiting += 1; }
    note(say(words.offline, { code: code }) + (waiting > 1 ? " · " + waiting : ""), "error");
    var wait = seconds ? seconds * 1000 : Math.min(30000, 1000 * Math.pow(2, tries - 1));
    return new Promise(function (resolve) { setTimeout(resolve, wait); }).then(function () { return attempt(code, body, tries + 1); });
  }

  TagsvcCamera.open({ video: "camera-video", status: "camera-status", start: "camera-start", switcher: "camera-switch",
                      photo: "camera-photo", words: words, wasm: data.wasm, onCode: send });
  document.getElementById("camera").hidden = false;
})();
