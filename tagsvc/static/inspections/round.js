/* An inspection round on a phone. Scanning an item's or room's label (the in-page camera, a hand-held scanner, a typed
   code) opens its checklist; "All pass" or each line's pass / fail is saved on the phone first (scan/queue.js) and
   sent from there, each line once however often it is sent. Without this script every item's form posts itself. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("round-data").textContent);
  var words = data.words, say = TagsvcCamera.say;
  var log = document.getElementById("scan-log");
  var checkedCount = document.querySelector("[data-checked]");
  var seq = Date.now();

  function note(text, kind) { TagsvcCamera.note(log, text, kind); }

  function formOf(code) { return code ? document.querySelector('form.target[data-code="' + code + '"]') : null; }
  function nameOf(form) { return form.querySelector(".row-title").firstChild.textContent.trim(); }

  /* A label read: its form comes to the top of the screen, ready for its lines. The camera sees a label many times
     a second: the same one again within a few seconds is the same sighting (typed again, it is not). */
  var lastSeen = {}, SAME_CODE_PAUSE = 3000;
  function goTo(text, method) {
    var code = TagsvcCamera.codeIn(text);
    if (!code) { note(words.notOurs, "error"); return Promise.resolve(); }
    var now = Date.now();
    if (method !== "typed" && lastSeen[code] && now - lastSeen[code] < SAME_CODE_PAUSE) { return Promise.resolve(); }
    lastSeen[code] = now;
    var form = formOf(code);
    if (!form) { note(say(words.notHere, { code: code }), "error"); return Promise.resolve(); }
    TagsvcCamera.beep();
    form.scrollIntoView({ block: "start" });
    form.classList.add("target-open");
    note(say(words.found, { name: nameOf(form) }), "ok");
    return Promise.resolve();
  }

  /* A phone photo made small enough to wait on the phone and go out on a weak network (the server re-encodes it
     anyway); a photo the browser cannot draw (HEIC on some phones) goes as it is. */
  var LONGEST_SIDE = 1600;
  function shrunk(file) {
    if (!file) { return Promise.resolve(null); }
    if (!window.createImageBitmap) { return Promise.resolve(file); }
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) { canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85); });
    }).catch(function () { return file; });
  }

  /* Each failed line's photo, if one was chosen, put on its record (IndexedDB keeps a Blob as it is). */
  function withPhotos(form, records) {
    return Promise.all(records.map(function (record) {
      var field = form.querySelector('input[type=file][name="photo-' + record.line + '"]');
      if (record.passed || !field || !field.files.length) { return record; }
      return shrunk(field.files[0]).then(function (blob) { record.photo = blob; record.name = nameOf(form); return record; });
    }));
  }

  /* The lines a form's person chose, as queue records; null (and said why) when a failed line has no word. */
  function recordsOf(form, allPass) {
    var records = [], missingWord = false;
    form.querySelectorAll("li.line").forEach(function (li) {
      var key = li.dataset.line, chosen = li.querySelector("input[type=radio]:checked"), idField = form.querySelector('[name="id-' + key + '"]');
      if (!idField) { return; }  // recorded before
      var passed = allPass || (chosen && chosen.value === "pass");
      if (!allPass && !chosen) { return; }
      var word = (form.querySelector('[name="note-' + key + '"]').value || "").trim();
      if (!passed && !word) { missingWord = true; }
      records.push({ id: idField.value, seq: seq++, stocktake: data.queue, code: form.dataset.code, line: key, passed: passed,
                     note: passed ? "" : word, checked_at: new Date().toISOString() });
    });
    if (missingWord) { say_(form, words.needNote, "error"); return null; }
    if (!records.length) { say_(form, words.chooseOne, "error"); return null; }
    return records;
  }

  function say_(form, text, kind) {
    var line = form.querySelector(".target-state");
    line.textContent = text;
    line.className = "target-state small log-" + kind;
  }

  /* A line saved on the phone reads as checked at once: its toggles give way to its result. */
  function showSaved(record) {
    var form = formOf(record.code);
    var li = form && form.querySelector('li.line[data-line="' + record.line + '"]');
    if (!li || li.querySelector(".result")) { return false; }
    li.querySelectorAll(".toggles, .fail-note, input[type=hidden]").forEach(function (el) { el.remove(); });
    var result = document.createElement("span");
    result.className = "result " + (record.passed ? "log-ok" : "log-error");
    result.textContent = (record.passed ? "✓" : "✗") + (record.note ? " · " + record.note : "") + (record.photo ? " · 📷" : "") + " · " + words.saved;
    li.appendChild(result);
    if (!form.querySelector('input[type=hidden][name^="id-"]')) {
      form.classList.add("target-done");
      var actions = form.querySelector(".actions");
      if (actions) { actions.remove(); }
    }
    checkedCount.textContent = parseInt(checkedCount.textContent, 10) + 1;
    return true;
  }

  document.querySelectorAll("form.target").forEach(function (form) {
    form.querySelectorAll("input[type=radio]").forEach(function (radio) {
      radio.addEventListener("change", function () { radio.closest("li").classList.toggle("failing", radio.value === "fail"); });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var records = recordsOf(form, event.submitter && event.submitter.value === "pass");
      if (!records) { return; }
      withPhotos(form, records).then(function (records) {
        return Promise.all(records.map(ScanQueue.add)).then(function () { return records; });
      }).then(function (records) {
        records.forEach(showSaved);
        say_(form, records.some(function (r) { return r.photo; }) ? words.saved + " · " + words.photoSaved : words.saved, "ok");
        sender.show();
        sender.flush();
      });
    });
  });

  var sender = ScanQueue.sender({
    key: data.queue, api: data.api, csrf: data.csrf, batch: 100, line: document.getElementById("queue-status"), note: note, words: words,
    body: function (batch) {
      return { results: batch.map(function (r) {
        return { id: r.id, code: r.code, line: r.line, passed: r.passed, note: r.note, checked_at: r.checked_at };
      }) };
    },
    answered: function (json) {
      json.results.forEach(function (answer) {
        if (answer.outcome === "already_checked") { note(say(words.already, { name: answer.name, who: answer.first_by }), "info"); }
        else if (answer.damage_report_id && !answer.passed) { note(say(words.reported, { name: answer.name }), "info"); }
      });
    },
    after: sendPhotos,
    closed: function (status, _problem, response) { return status === 409 && !response.headers.get("Retry-After"); }  // a closed round
  });

  /* After a batch's lines were answered, their photos, one request each. A photo the server will never keep (not a
     photo; the line was checked first by someone else) is said and let go; anything else (no network, a 5xx) keeps
     the batch on the phone, to be sent again with its photos: the server keeps the first photo of a line. */
  function sendPhotos(json, batch) {
    var recorded = {};
    json.results.forEach(function (answer) { recorded[answer.id] = answer.outcome !== "already_checked"; });
    return batch.filter(function (r) { return r.photo; }).reduce(function (previous, record) {
      return previous.then(function () {
        if (!recorded[record.id]) { return null; }
        return fetch(data.photoApi.replace("RESULT", encodeURIComponent(record.id)), {
          method: "PUT", credentials: "same-origin", body: record.photo,
          headers: { "Content-Type": record.photo.type || "application/octet-stream", "X-CSRFToken": data.csrf, "Accept": "application/json" }
        }).then(function (response) {
          if (response.ok) { return null; }
          if (response.status === 422 || response.status === 404 || response.status === 413) {
            return response.json().catch(function () { return {}; }).then(function (problem) {
              note(say(words.photoRefused, { name: record.name || record.code, why: problem.detail || response.status }), "error");
            });
          }
          throw new Error("photo not sent: " + response.status);
        });
      });
    }, Promise.resolve());
  }

  TagsvcCamera.open({ video: "camera-video", status: "camera-status", start: "camera-start", switcher: "camera-switch",
                      photo: "camera-photo", words: words, wasm: data.wasm, onCode: goTo });
  document.getElementById("camera").hidden = false;
  document.getElementById("typed").addEventListener("submit", function (event) {
    event.preventDefault();
    var field = document.getElementById("typed-code");
    goTo(field.value, "typed").then(function () { field.value = ""; });
  });
  /* The page opens again without a network (scan/offline_pages.js). This visit did not come through the worker
     yet: the page and everything it loaded are kept now, while there is a network. */
  if ("serviceWorker" in navigator && window.caches) {
    var uncontrolled = !navigator.serviceWorker.controller;
    navigator.serviceWorker.register(data.worker).then(function () {
      var wanted = [data.wasm].concat(Array.prototype.map.call(document.querySelectorAll("script[src], link[rel=stylesheet]"),
                                                               function (el) { return el.src || el.href; }));
      return caches.open(data.pagesCache).then(function (cache) {
        var page = uncontrolled ? cache.add(location.href.split("#")[0]) : null;
        return Promise.all(wanted.map(function (address) {
          return cache.match(address).then(function (kept) { return kept || cache.add(address); });
        }).concat([page]));
      });
    }).then(function () { document.documentElement.dataset.offlineReady = "1"; }, function () {});
  }
  window.tagsvcRound = { flush: sender.flush };
  // Lines saved earlier (maybe offline, maybe in a page closed since) read as checked at once, then go out.
  sender.show().then(function (rows) { rows.forEach(showSaved); return sender.flush(); });
})();
