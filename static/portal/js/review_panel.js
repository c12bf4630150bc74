// Review panel of an Add Facility request (Control Panel Mailbox), progressive enhancement only.
//
// Without this script the form works as it is: the server writes the reply for the decision
// actually chosen when "The reply written for this decision" is selected. With it, the reply
// shown follows the Approve/Deny choices as they change (the server writes the text, through the
// form's preview URL), and editing the reply switches to "My own reply".
(function () {
  "use strict";

  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  var form = document.querySelector("[data-review-form]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var reply = form.querySelector("[data-reply]");
  var shown = form.querySelector("[data-reply-shown]");
  var status = form.querySelector("[data-reply-status]");
  var modes = form.querySelectorAll("[data-reply-mode]");
  if (!reply || !shown) {
    return;
  }

  function mode() {
    for (var i = 0; i < modes.length; i++) {
      if (modes[i].checked) {
        return modes[i].value;
      }
    }
    return "suggested";
  }

  function setMode(value) {
    for (var i = 0; i < modes.length; i++) {
      modes[i].checked = modes[i].value === value;
    }
  }

  var pending = 0;
  function refresh() {
    if (mode() !== "suggested") {
      return;
    }
    var ticket = ++pending;
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data || ticket !== pending || mode() !== "suggested") {
          return;
        }
        if (reply.value !== data.reply) {
          reply.value = data.reply;
          if (status) {
            status.textContent = "The reply was rewritten for your choices.";
          }
        }
        shown.value = data.reply;
      })
      .catch(function () {
        // The server writes the reply for the decision when it is applied: nothing is lost.
      });
  }

  var timer = null;
  function refreshSoon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target === reply) {
      return;
    }
    if (target.hasAttribute("data-reply-mode")) {
      if (target.value === "suggested") {
        refresh();
      }
      return;
    }
    refresh();
  });

  form.addEventListener("input", function (event) {
    var target = event.target;
    if (target === reply) {
      if (reply.value !== shown.value && mode() === "suggested") {
        setMode("own");
        if (status) {
          status.textContent = "You edited the reply: your own text will be sent.";
        }
      }
      return;
    }
    if (target.hasAttribute("data-reason")) {
      refreshSoon();
    }
  });
})();
