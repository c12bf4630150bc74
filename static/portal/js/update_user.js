/* Update User, as progressive enhancement (the page works without it: every button submits the
   one form, so nothing typed is lost).
   - Leaving the page by a link, the browser's back button or closing the tab while the form has
     unsaved changes asks first (the browser's own "Leave site?" question).
   - Choosing a role in the verification step ticks its levels (the server adds them anyway). */
(function () {
  "use strict";
  var form = document.getElementById("update-user-form");
  if (!form) { return; }

  function state() {
    var parts = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken") { parts.push(name + "=" + value); }
    });
    return parts.join("&");
  }

  var saved = state();
  // A form that came back with an error holds changes that are not saved yet.
  var unsaved = form.getAttribute("data-unsaved") === "yes";
  var submitting = false;

  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("pageshow", function () { submitting = false; });
  window.addEventListener("beforeunload", function (event) {
    if (submitting || (!unsaved && state() === saved)) { return; }
    event.preventDefault();
    event.returnValue = "";
  });

  var select = form.querySelector("select[name='template']");
  if (select) {
    select.addEventListener("change", function () {
      var item = document.querySelector("[data-template-id='" + select.value + "']");
      if (!item) { return; }
      var levels = item.getAttribute("data-levels").split(" ");
      form.querySelectorAll("input[name='levels']:not([disabled])").forEach(function (box) {
        box.checked = levels.indexOf(box.value) !== -1;
      });
    });
  }
})();
