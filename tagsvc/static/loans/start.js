/* The form that starts a loan or a handover: only the fields that matter for this kind of recipient are shown (a
   student: name and class; a department: which one; a room: which one), and the due date only for a loan. Without
   this script every field shows and the server still checks what is needed. */
(function () {
  "use strict";
  var form = document.getElementById("start");
  if (!form) { return; }
  var who = form.querySelector("select[name=recipient_kind]");

  function kind() {
    var checked = form.querySelector("input[name=kind]:checked");
    return checked ? checked.value : "loan";
  }

  function update() {
    var loan = kind() === "loan";
    Array.prototype.forEach.call(who.options, function (option) {
      var fits = loan ? option.value !== "room" : option.value !== "department";
      option.disabled = !fits;
      if (!fits && option.selected) { who.value = "student"; }
    });
    form.querySelectorAll("[data-for]").forEach(function (box) {
      var wanted = box.getAttribute("data-for").split(" ");
      box.hidden = !(wanted.indexOf(who.value) >= 0 || (wanted.indexOf("loan") >= 0 && loan));
    });
  }

  form.addEventListener("change", update);
  update();
})();
