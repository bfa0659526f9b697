/* The stocktake scanner: the camera confirms every label it sees, without a tap; a hand-held scanner or typing
   goes the same way. Each confirmation gets an id made here, is saved on the phone first (queue.js), then sent in
   batches whenever the network allows. The page without this script still works: the typed field posts a form. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("scanner-data").textContent);
  var words = data.words;
  var SAME_CODE_PAUSE = 3000, BATCH = 50, RETRY = 15000;
  var cameraCard = document.getElementById("camera");
  var queueLine = document.getElementById("queue-status");
  var log = document.getElementById("scan-log");
  var lastSeen = {};
  var queuedCodes = {};  // codes whose line said "saved on this phone, will be sent"

  var say = TagsvcCamera.say, codeIn = TagsvcCamera.codeIn, beep = TagsvcCamera.beep;

  function deviceId() {
    var id = localStorage.getItem("tagsvc-device");
    if (!id) { id = newId(); localStorage.setItem("tagsvc-device", id); }
    return id;
  }

  var newId = ScanQueue.newId;

  function note(text, kind) { TagsvcCamera.note(log, text, kind); }

  /* A hand-held scanner or a thumb types code after code: each answer lengthens the log above the field, which would
     sink to the screen's bottom edge with the missing list below the fold. Once it passes the upper third, the field
     goes back to the top, the missing list right under it. */
  function keepInView(form) {
    if (form.getBoundingClientRect().top > window.innerHeight / 3) { form.scrollIntoView({ block: "start" }); }
  }

  /* The row of an expected item moves from "still missing" to "found". */
  function markFound(code) {
    var row = document.querySelector('#missing li[data-code="' + code + '"]');
    if (!row) { return null; }
    document.getElementById("found").insertBefore(row, document.getElementById("found").firstChild);
    var tools = row.querySelector("details");
    if (tools) { tools.hidden = false; }  // its condition or a damage report, without leaving the walk
    var missing = document.querySelectorAll("#missing li").length, found = document.querySelectorAll("#found li").length;
    document.querySelector("[data-missing-count]").textContent = missing;
    document.querySelector("[data-found-count]").textContent = found;
    var tally = document.querySelector("#room-tally [data-found]");
    if (tally) { tally.textContent = found; }
    document.getElementById("missing-empty").hidden = missing > 0;
    return { name: row.querySelector(".row-title").textContent, found: found };
  }

  function setRoom(roomId) {
    if (navigator.onLine) {
      // Changing room loads that room's list; the queue stays on the phone.
      location.href = data.scanner + "?room=" + roomId;
      return;
    }
    // Offline (a basement corridor): what follows counts as found in the new room; its list comes with the network.
    data.room = roomId;
    var name = data.roomNames[roomId] || "";
    document.querySelector(".where h1").textContent = name;
    document.querySelectorAll("#room-tally, #missing, #found").forEach(function (el) { el.hidden = true; });
    document.querySelectorAll("#typed [name=room], #not-on-list [name=room]").forEach(function (el) { el.value = roomId; });
    note(say(words.room, { room: name }), "info");
  }

  var seq = Date.now();
  function record(text, method) {
    var code = codeIn(text);
    var now = Date.now();
    if (!code) { note(words.notOurs, "error"); return Promise.resolve(); }
    if (lastSeen[code] && now - lastSeen[code] < SAME_CODE_PAUSE) { return Promise.resolve(); }
    lastSeen[code] = now;
    if (data.roomCodes[code] !== undefined) {
      if (data.roomCodes[code] !== data.room) { setRoom(data.roomCodes[code]); }
      return Promise.resolve();
    }
    if (!data.room) { note(words.chooseRoom, "error"); return Promise.resolve(); }
    var entry = { id: newId(), seq: seq++, stocktake: data.stocktake, code: code, location_id: data.room, method: method,
                  scanned_at: new Date().toISOString() };
    return ScanQueue.add(entry).then(function () {
      beep();
      var moved = markFound(code);
      stats.confirmed.push({ code: code, at: performance.now(), videoTime: video.currentTime });
      if (!moved) { queuedCodes[code] = true; }  // said "will be sent": its answer is said too (see answer)
      note(moved ? say(words.confirmed, { name: moved.name, found: moved.found, expected: data.expected }) : code + " · " + words.queued, "ok");
      showQueue();
      flush();
    });
  }

  /* Sending is the shared queue's (scan/queue.js): what it refuses for good besides a 422 is a closed stocktake. */
  var sender = ScanQueue.sender({
    key: data.stocktake, api: data.api, csrf: data.csrf, batch: BATCH, every: RETRY, line: queueLine, note: note, words: words,
    body: function (batch, stillWaiting) {
      return { device_id: deviceId(), pending: stillWaiting, confirmations: batch.map(function (r) {
        return { id: r.id, code: r.code, location_id: r.location_id, method: r.method, scanned_at: r.scanned_at };
      }) };
    },
    answered: function (json) { json.results.forEach(answer); },
    closed: function (status, problem) { return status === 409 && problem.current && problem.current.stocktake === "closed"; }
  });
  var flush = sender.flush, showQueue = sender.show;

  function answer(result) {
    if (result.outcome === "already_confirmed") { note(result.name + " · " + say(words.already, { who: result.first_by }), "info"); }
    else if (result.outcome === "not_on_list") { note(say(words.notOnList, { name: result.name }), "info"); }
    else if (result.outcome === "not_registered") {
      note(say(words.notRegistered, { code: result.code }), "info");
      var field = document.querySelector("#not-on-list [name=code]");
      if (field && !field.value) { field.value = result.code; }
    } else if (result.outcome === "confirmed" && result.misplaced) { note(result.name + " · " + say(words.misplaced, { place: result.booked_in }), "info"); }
    else if (result.outcome === "confirmed" && queuedCodes[result.code]) { note("✓ " + result.name + " · " + words.received, "ok"); }
    delete queuedCodes[result.code];
  }

  function tellDevice() {
    return ScanQueue.all(data.stocktake).then(function (rows) {
      return fetch(data.device.replace("DEVICE", deviceId()), { method: "PUT", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf },
        body: JSON.stringify({ pending: rows.filter(function (r) { return !r.refused; }).length }) });
    }).catch(function () {});
  }

  /* ------------------------------------------------------------- the camera */

  var camera = TagsvcCamera.open({ video: "camera-video", status: "camera-status", start: "camera-start", switcher: "camera-switch",
                                   photo: "camera-photo", words: words, wasm: data.wasm, onCode: record,
                                   onNoCode: function () { note(words.noCode, "error"); } });
  var stats = camera.stats, video = camera.video;
  stats.confirmed = [];
  window.tagsvcScanner = { stats: stats, flush: flush };

  /* A hand-held scanner types the code (or the URL) and presses Enter: the same queue as the camera. */
  document.getElementById("typed").addEventListener("submit", function (event) {
    var field = document.getElementById("typed-code");
    var text = field.value;
    if (!codeIn(text)) { return; }  // the server explains what is wrong with it
    event.preventDefault();
    lastSeen[codeIn(text)] = 0;  // typed again on purpose: not a camera repeat
    record(text, "typed").then(function () {
      field.value = "";
      keepInView(document.getElementById("typed"));
      field.focus({ preventScroll: true });
    });
  });

  cameraCard.hidden = false;
  // Confirmations saved earlier (maybe offline, maybe in a page closed since) show as found at once.
  showQueue().then(function (rows) {
    rows.forEach(function (r) { if (r.location_id === data.room) { markFound(r.code); } });
    return flush();
  }).then(tellDevice);
})();
