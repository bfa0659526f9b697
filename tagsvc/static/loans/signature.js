/* The signature box: a finger (or a mouse) draws on the canvas; on saving, the drawing goes with the form as a PNG.
   Nothing drawn: the form is sent without a picture and the server says to sign first. */
(function () {
  "use strict";
  var pad = document.getElementById("signature-pad");
  if (!pad) { return; }
  var form = document.getElementById("signing");
  var clear = document.getElementById("signature-clear");
  var ink = pad.getContext("2d");
  var drawing = false, drawn = false;
  pad.hidden = false;
  clear.hidden = false;
  ink.lineWidth = 4; ink.lineCap = "round"; ink.lineJoin = "round"; ink.strokeStyle = "#111";

  function at(event) {
    var box = pad.getBoundingClientRect();
    return { x: (event.clientX - box.left) * pad.width / box.width, y: (event.clientY - box.top) * pad.height / box.height };
  }

  pad.addEventListener("pointerdown", function (event) {
    drawing = true;
    pad.setPointerCapture(event.pointerId);
    var p = at(event);
    ink.beginPath(); ink.moveTo(p.x, p.y);
    event.preventDefault();
  });
  pad.addEventListener("pointermove", function (event) {
    if (!drawing) { return; }
    var p = at(event);
    ink.lineTo(p.x, p.y); ink.stroke();
    drawn = true;
    event.preventDefault();
  });
  ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
    pad.addEventListener(name, function () { drawing = false; });
  });
  clear.addEventListener("click", function () {
    ink.clearRect(0, 0, pad.width, pad.height);
    drawn = false;
  });
  form.addEventListener("submit", function () {
    form.querySelector("input[name=picture]").value = drawn ? pad.toDataURL("image/png") : "";
  });
})();
