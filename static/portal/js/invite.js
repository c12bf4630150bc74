/* Invite: choosing a role template ticks its levels (the server adds them anyway). */
(function () {
  "use strict";
  var form = document.getElementById("invite-form");
  if (!form) { return; }
  var select = form.querySelector("select[name='template']");
  if (!select) { return; }
  select.addEventListener("change", function () {
    var item = form.querySelector("[data-template-id='" + select.value + "']");
    var levels = item ? item.getAttribute("data-levels").split(" ") : [];
    form.querySelectorAll("input[name='levels']").forEach(function (box) {
      box.checked = levels.indexOf(box.value) !== -1;
    });
  });
})();
