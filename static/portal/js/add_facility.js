/* Add Facility: check each provider ID as it is typed, and add rows up to the maximum.
   Progressive enhancement only: the server checks everything again. */
(function () {
  "use strict";
  var form = document.getElementById("add-facility-form");
  if (!form) { return; }

  function luhnValid(digits) {
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var d = parseInt(digits.charAt(digits.length - 1 - i), 10);
      if (i % 2 === 1) { d *= 2; if (d > 9) { d -= 9; } }
      sum += d;
    }
    return sum % 10 === 0;
  }

  function problem(kind, raw) {
    var value = raw.replace(/[\s-]/g, "");
    if (!value) { return ""; }
    if (kind === "npi") {
      if (!/^[0-9]{10}$/.test(value)) { return "An NPI is exactly 10 digits."; }
      if (!luhnValid("80840" + value)) { return "This NPI's check digit is wrong."; }
    } else if (kind === "tin") {
      if (!/^[0-9]{9}$/.test(value)) { return "A TIN is exactly 9 digits."; }
      if (/^(\d)\1{8}$/.test(value)) { return "This TIN is not valid (one digit repeated)."; }
    } else if (!/^[A-Za-z0-9]{1,20}$/.test(value)) {
      return "Use 1 to 20 letters and digits.";
    }
    var seen = 0;
    form.querySelectorAll("[data-id-row]").forEach(function (row) {
      var k = row.querySelector("[data-id-kind]"), v = row.querySelector("[data-id-value]");
      if (k && v && k.value === kind && v.value.replace(/[\s-]/g, "").toUpperCase() === value.toUpperCase()) { seen++; }
    });
    return seen > 1 ? "This ID is already in the request." : "";
  }

  function check(row) {
    var kind = row.querySelector("[data-id-kind]"), input = row.querySelector("[data-id-value]");
    var message = row.querySelector("[data-id-message]"), group = input.closest(".usa-form-group");
    var text = problem(kind.value, input.value);
    message.textContent = text;
    group.classList.toggle("usa-form-group--error", !!text);
    input.classList.toggle("usa-input--error", !!text);
    if (text) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    input.setAttribute("aria-describedby", message.id);
  }

  form.addEventListener("input", function (event) {
    var row = event.target.closest("[data-id-row]");
    if (row) { check(row); }
  });
  form.addEventListener("change", function (event) {
    var row = event.target.closest("[data-id-row]");
    if (row) { check(row); }
  });

  var rows = document.getElementById("id-rows");
  var template = document.getElementById("id-row-template");
  var addButton = document.getElementById("add-id-row");
  var total = form.querySelector("input[name$='-TOTAL_FORMS']");
  var max = parseInt(rows.getAttribute("data-max"), 10);
  addButton.hidden = false;
  addButton.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    if (index >= max) { return; }
    var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    rows.appendChild(row);
    total.value = String(index + 1);
    row.querySelector("[data-id-value]").focus();
    if (index + 1 >= max) { addButton.hidden = true; }
  });
})();
