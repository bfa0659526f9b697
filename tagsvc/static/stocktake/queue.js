/* The stocktake queue on the phone (IndexedDB, through idb). A confirmation is written here before the page
   shows its tick, and leaves only when the server has answered for it: nothing is dropped after some retries,
   nothing is cleared by closing or reloading the page. (Other products lost audits exactly there.) */
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

  window.ScanQueue = {
    /* Resolves once the confirmation is on disk. */
    add: function (record) { return db().then(function (d) { return d.put(STORE, record); }); },
    /* This stocktake's confirmations in the order they were made (refused ones included: they stay visible). */
    all: function (stocktake) {
      return db().then(function (d) { return d.getAllFromIndex(STORE, "stocktake", stocktake); })
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
})();
