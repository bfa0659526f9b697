/* The tree picker (tagsvc/structure/picker.py): type part of a place's or category's path, tap one of the
   matches. Without this script the typed text is resolved on the server, so the form still works. */
(function () {
  "use strict";

  function setUp(picker) {
    var hidden = picker.querySelector("input[type=hidden]");
    var box = picker.querySelector("input[type=search]");
    var list = picker.querySelector(".picker-results");
    var url = picker.getAttribute("data-picker-url");
    var timer = null;
    var asked = 0;

    function close() { list.hidden = true; list.innerHTML = ""; }

    function show(results) {
      list.innerHTML = "";
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "muted small";
        none.textContent = picker.getAttribute("data-empty");
        list.appendChild(none);
      }
      results.forEach(function (result) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.setAttribute("role", "option");
        button.textContent = result.path;
        button.addEventListener("click", function () {
          hidden.value = String(result.id);
          box.value = result.path;
          close();
          box.dispatchEvent(new Event("change", { bubbles: true }));
        });
        item.appendChild(button);
        list.appendChild(item);
      });
      list.hidden = false;
    }

    function search() {
      var text = box.value.trim();
      if (!text) { close(); return; }
      var mine = ++asked;
      fetch(url + "?q=" + encodeURIComponent(text), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (answer) { return answer.ok ? answer.json() : { results: [] }; })
        .then(function (body) { if (mine === asked) { show(body.results || []); } })
        .catch(function () { /* offline: the server resolves the typed text when the form is sent */ });
    }

    box.addEventListener("input", function () {
      hidden.value = "";  // the text no longer names the chosen node: the server resolves what was typed
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { close(); }
      if (event.key === "ArrowDown" && !list.hidden) {
        var first = list.querySelector("button");
        if (first) { event.preventDefault(); first.focus(); }
      }
    });
    document.addEventListener("click", function (event) {
      if (!picker.contains(event.target)) { close(); }
    });
  }

  document.querySelectorAll(".picker[data-picker-url]").forEach(setUp);
})();
