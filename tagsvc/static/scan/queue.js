/* The queue on the phone (IndexedDB, through idb), shared by the stocktake scanner and the inspection round: a
   confirmation or a checked line is written here before the page shows its tick, and leaves only when the server has
   answered for it: nothing is dropped after some retries, nothing is cleared by closing or reloading the page.
   (Other products lost audits exactly there.) Each record names its queue in the field "stocktake": a stocktake's
   id, or "inspection-<round id>" (the field keeps its first name so that phones holding records from before keep
   sending them). */
(function () {
  "use strict";
  var DB_NAME = "tagsvc-stocktake", STORE = "queue";
  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = idb.openDB(DB_NAME, 1, {
        upgrade: function (database) {
          var store = database.createObjectStore(STORE, { keyPath: "id" });
          store.createIndex("stocktake", "stocktake");
        }
      });
    }
    return dbPromise;
  }

  var queue = {
    /* A record's id, made on the phone: the server counts a record once however often it arrives. */
    newId: function () {
      if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
      var b = crypto.getRandomValues(new Uint8Array(16));
      b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
      var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
      return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
    },
    /* Resolves once the record is on disk. */
    add: function (record) { return db().then(function (d) { return d.put(STORE, record); }); },
    /* One queue's records in the order they were made (refused ones included: they stay visible). */
    all: function (key) {
      return db().then(function (d) { return d.getAllFromIndex(STORE, "stocktake", key); })
        .then(function (rows) { return rows.sort(function (a, b) { return a.seq - b.seq; }); });
    },
    remove: function (ids) {
      return db().then(function (d) {
        var tx = d.transaction(STORE, "readwrite");
        ids.forEach(function (id) { tx.store.delete(id); });
        return tx.done;
      });
    },
    mark: function (id, refused) {
      return db().then(function (d) {
        return d.get(STORE, id).then(function (row) { if (row) { row.refused = refused; return d.put(STORE, row); } });
      });
    }
  };

  /* Sends one queue's waiting records, oldest first, in batches, and says how many wait. Only an answer that refuses
     for good takes a record out of the waiting count: 422 (the server will never take it) or 409 from a closed
     document. Anything else (no network, 409 "the same batch is being received right now", 429, a 5xx) leaves
     everything in place and tries again, sooner at first and then less often (up to a minute), or when the server
     says when (Retry-After): a batch the server may have counted is never marked refused. Options:
       key, api, csrf, batch (records a request); body(records, stillWaiting): the request's JSON;
       answered(json): each answer's results; after(json, batch): a promise run before the batch's records leave
       (they stay if it fails); closed(status, problem): a refusal for good besides 422;
       note(text, kind), words: { waiting, allSent, refused, signIn }; line: the element that shows the count. */
  queue.sender = function (options) {
    var sending = false, failures = 0, retryTimer = null, words = options.words, say = TagsvcCamera.say;

    function show() {
      return queue.all(options.key).then(function (rows) {
        var waiting = rows.filter(function (r) { return !r.refused; }).length;
        var refused = rows.length - waiting;
        options.line.textContent = (waiting ? say(words.waiting, { n: waiting }) : words.allSent) + (refused ? " · " + say(words.refused, { why: refused }) : "");
        options.line.dataset.waiting = waiting;
        return rows;
      });
    }

    function retryLater(seconds) {
      failures += 1;
      var wait = seconds ? seconds * 1000 : Math.min(60000, 1000 * Math.pow(2, failures - 1)) * (0.75 + Math.random() / 2);
      clearTimeout(retryTimer);
      retryTimer = setTimeout(flush, wait);
    }

    function flush() {
      if (sending) { return Promise.resolve(); }
      sending = true;
      return queue.all(options.key).then(function (rows) {
        return sendFrom(rows.filter(function (r) { return !r.refused; }), 0);
      }).then(function () { failures = 0; }, function (error) {
        retryLater(error && error.retryAfter);  // kept, tried again
      }).then(function () { sending = false; return show(); });
    }

    function sendFrom(rows, start) {
      if (start >= rows.length) { return Promise.resolve(); }
      var batch = rows.slice(start, start + options.batch);
      return fetch(options.api, { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": options.csrf, "Accept": "application/json" },
        body: JSON.stringify(options.body(batch, rows.length - start - batch.length)) }).then(function (response) {
        if (response.ok) {
          return response.json().then(function (json) {
            return Promise.resolve(options.answered(json, batch)).then(function () {
              // What follows a batch before its records leave (an inspection's photos): failing, the batch stays and
              // is sent again, which the server answers as before.
              return options.after ? options.after(json, batch) : null;
            }).then(function () {
              return queue.remove(batch.map(function (r) { return r.id; }));
            });
          }).then(function () { return sendFrom(rows, start + options.batch); });
        }
        return response.json().catch(function () { return {}; }).then(function (problem) {
          if (response.status === 422 || (options.closed && options.closed(response.status, problem, response))) {
            options.note(say(words.refused, { why: problem.detail || response.status }), "error");
            return Promise.all(batch.map(function (r) { return queue.mark(r.id, problem.detail || String(response.status)); }))
              .then(function () { return sendFrom(rows, start + options.batch); });
          }
          if (response.status === 401 || response.status === 403) { options.note(words.signIn, "error"); }
          var error = new Error("not sent: " + response.status);
          error.retryAfter = parseInt(response.headers.get("Retry-After"), 10) || 0;
          throw error;
        });
      });
    }

    window.addEventListener("online", flush);
    window.addEventListener("pageshow", flush);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") { flush(); } });
    setInterval(flush, options.every || 15000);
    return { flush: flush, show: show };
  };

  window.ScanQueue = queue;
})();
