/* Assessments: show a conditional question or section as soon as the earlier answer calls for it.
   Progressive enhancement only: without this script the server shows them when the page is
   posted, and it checks every answer again. Hidden inputs are disabled so they are never sent. */
(function () {
  "use strict";
  var form = document.getElementById("assessment-form");
  if (!form) { return; }
  var conditional = form.querySelectorAll("[data-enable-question]");
  if (!conditional.length) { return; }

  function values(name) {
    var found = [];
    var inputs = form.querySelectorAll("[name='" + name.replace(/'/g, "") + "']");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.disabled) { continue; }
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) { continue; }
      if (input.value !== "") { found.push(input.value); }
    }
    return found;
  }

  function setDisabled(element, disabled) {
    var inputs = element.querySelectorAll("input, select, textarea");
    for (var i = 0; i < inputs.length; i++) { inputs[i].disabled = disabled; }
  }

  function update() {
    // Document order: an enclosing section is decided before what it holds.
    for (var i = 0; i < conditional.length; i++) {
      var element = conditional[i];
      var given = values(element.getAttribute("data-enable-question"));
      var answer = element.getAttribute("data-enable-answer");
      var matched = given.indexOf(answer) !== -1;
      var holds = element.getAttribute("data-enable-operator") === "!=" ? (given.length > 0 && !matched) : matched;
      var parentHidden = element.parentElement && element.parentElement.closest("[hidden]");
      var show = holds && !parentHidden;
      element.hidden = !show;
      setDisabled(element, !show);
    }
  }

  form.addEventListener("change", update);
  update();
})();
