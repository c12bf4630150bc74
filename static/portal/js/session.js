/* Session helpers, progressive enhancement only: without this script the server still signs an
   idle session out and every form posts as usual.

   1. Idle warning. <body data-session-idle="{...}"> (signed-in pages) says how many seconds the
      server's idle clock has left. A warning opens before the end with a "Stay signed in" button
      that restarts the clock (POST, CSRF token taken from the page's sign-out form).
   2. Drafts. A <textarea data-draft="name"> keeps what is typed in sessionStorage (this tab only,
      never localStorage), under its page and its owner. The draft is restored into the empty field
      when the page opens again (after signing in again, say), and dropped once a submit went
      through, on sign-out, and when someone else signs in in this tab. The sign-in pages carry
      data-draft-keep: landing there right after a submit means the submit was refused for a
      sign-in, so the draft stays. */
(function () {
  "use strict";

  var PREFIX = "portal-draft:";
  var MAX_AGE_MS = 12 * 60 * 60 * 1000;
  var SUBMIT_GRACE_MS = 2 * 60 * 1000;
  var body = document.body;
  var config = null;
  try {
    config = JSON.parse(body.getAttribute("data-session-idle") || "null");
  } catch (e) {
    config = null;
  }
  var owner = config && config.owner ? config.owner : "";

  // --- drafts ---------------------------------------------------------------------------------
  var store = null;
  try {
    store = window.sessionStorage;
    store.getItem(PREFIX);
  } catch (e) {
    store = null;
  }

  function draftKeys() {
    var keys = [];
    if (!store) { return keys; }
    for (var i = 0; i < store.length; i += 1) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) { keys.push(key); }
    }
    return keys;
  }
  function readDraft(key) {
    try { return JSON.parse(store.getItem(key)); } catch (e) { return null; }
  }
  function writeDraft(key, draft) {
    try { store.setItem(key, JSON.stringify(draft)); } catch (e) { /* storage full or off: no draft */ }
  }
  function clearDrafts() {
    draftKeys().forEach(function (key) { store.removeItem(key); });
  }

  function settleDrafts() {
    var now = Date.now();
    var keep = document.querySelector("[data-draft-keep]") !== null;
    draftKeys().forEach(function (key) {
      var draft = readDraft(key);
      if (!draft || typeof draft.text !== "string" || now - (draft.at || 0) > MAX_AGE_MS) {
        store.removeItem(key);
      } else if (owner && draft.owner && draft.owner !== owner) {
        store.removeItem(key);  // someone else signed in in this tab
      } else if (draft.submitted) {
        if (keep && now - draft.submitted < SUBMIT_GRACE_MS) {
          draft.submitted = 0;  // the submit was answered with a sign-in: it did not go through
          writeDraft(key, draft);
        } else if (!keep) {
          store.removeItem(key);  // the submit went through (or its page kept the text itself)
        }
      }
    });
  }

  function notice(field) {
    var note = document.createElement("p");
    note.className = "usa-hint portal-draft-note";
    note.setAttribute("role", "status");
    note.textContent = "We restored the text you typed before you were signed out. Check it, then send it.";
    field.parentNode.insertBefore(note, field);
  }

  function watchField(field) {
    var key = PREFIX + window.location.pathname + "#" + field.getAttribute("data-draft");
    var draft = readDraft(key);
    if (draft && !draft.submitted && field.value === "" && draft.text !== "" &&
        (!owner || !draft.owner || draft.owner === owner)) {
      field.value = draft.text;
      notice(field);
    }
    field.addEventListener("input", function () {
      if (field.value === "") {
        store.removeItem(key);
      } else {
        writeDraft(key, { text: field.value, at: Date.now(), owner: owner, submitted: 0 });
      }
    });
    if (field.form) {
      field.form.addEventListener("submit", function () {
        var current = readDraft(key);
        if (current) {
          current.submitted = Date.now();
          writeDraft(key, current);
        }
      });
    }
  }

  if (store) {
    settleDrafts();
    document.querySelectorAll("textarea[data-draft]").forEach(watchField);
    document.querySelectorAll("form[action$='/logout/']").forEach(function (form) {
      form.addEventListener("submit", clearDrafts);
    });
  }

  // --- idle warning ---------------------------------------------------------------------------
  if (!config || typeof config.secondsLeft !== "number" || !config.keepaliveUrl) { return; }

  var deadline = Date.now() + config.secondsLeft * 1000;
  var lead = Math.max(5, config.warningSeconds || 60) * 1000;
  var warnTimer = null;
  var tickTimer = null;
  var dialog = null;
  var countEl = null;
  var returnFocus = null;

  function csrfToken() {
    var input = document.querySelector("input[name='csrfmiddlewaretoken']");
    return input ? input.value : "";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function buildDialog() {
    dialog = el("div", "portal-idle-warning");
    dialog.setAttribute("role", "alertdialog");
    dialog.setAttribute("aria-labelledby", "portal-idle-heading");
    dialog.setAttribute("aria-describedby", "portal-idle-text");
    var alert = el("div", "usa-alert usa-alert--warning");
    var alertBody = el("div", "usa-alert__body");
    var heading = el("h2", "usa-alert__heading", "You will be signed out soon");
    heading.id = "portal-idle-heading";
    var text = el("p", "usa-alert__text");
    text.id = "portal-idle-text";
    text.appendChild(document.createTextNode("You will be signed out in "));
    countEl = el("span", "portal-idle-count", "60 seconds");
    text.appendChild(countEl);
    text.appendChild(document.createTextNode(
      " because nothing was sent for " + (config.idleWords || "a while") +
      ". What you type in a message stays in this tab."));
    var button = el("button", "usa-button margin-top-1", "Stay signed in");
    button.type = "button";
    button.addEventListener("click", staySignedIn);
    alertBody.appendChild(heading);
    alertBody.appendChild(text);
    alertBody.appendChild(button);
    alert.appendChild(alertBody);
    dialog.appendChild(alert);
    dialog.hidden = true;
    body.appendChild(dialog);
  }

  function secondsText(seconds) {
    return seconds + (seconds === 1 ? " second" : " seconds");
  }

  function tick() {
    // Counted up, never down: the page must not say "signed out" while the server still accepts
    // the session (a form sent then would go through, contradicting it).
    var ms = deadline - Date.now();
    countEl.textContent = secondsText(Math.max(0, Math.ceil(ms / 1000)));
    if (ms <= 0) { signedOut(); }
  }

  function openWarning() {
    if (!dialog) { buildDialog(); }
    returnFocus = document.activeElement;
    dialog.hidden = false;
    tick();
    clearInterval(tickTimer);
    tickTimer = setInterval(tick, 1000);
    dialog.querySelector("button").focus();
  }

  function closeWarning() {
    clearInterval(tickTimer);
    if (dialog) { dialog.hidden = true; }
    if (returnFocus && typeof returnFocus.focus === "function") { returnFocus.focus(); }
  }

  function schedule() {
    clearTimeout(warnTimer);
    warnTimer = setTimeout(openWarning, Math.max(0, deadline - lead - Date.now()));
  }

  function signedOut() {
    clearInterval(tickTimer);
    clearTimeout(warnTimer);
    if (!dialog) { buildDialog(); }
    dialog.hidden = false;
    var alertBody = dialog.querySelector(".usa-alert__body");
    while (alertBody.firstChild) { alertBody.removeChild(alertBody.firstChild); }
    var heading = el("h2", "usa-alert__heading", "You were signed out");
    heading.id = "portal-idle-heading";
    var text = el("p", "usa-alert__text",
      "Nothing was sent for " + (config.idleWords || "a while") + ", so you were signed out to protect " +
      "the information on this page. Sign in again to continue; what you typed in a message is kept in this tab.");
    text.id = "portal-idle-text";
    // Opening this page again leads through sign-in and back here.
    var link = el("a", "usa-button margin-top-1", "Sign in again");
    link.href = window.location.pathname + window.location.search;
    alertBody.appendChild(heading);
    alertBody.appendChild(text);
    alertBody.appendChild(link);
    link.focus();
  }

  function staySignedIn() {
    if (!window.fetch) { window.location.reload(); return; }
    window.fetch(config.keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("signed out"); }
      return response.json();
    }).then(function (data) {
      deadline = Date.now() + data.seconds_left * 1000;
      closeWarning();
      schedule();
    }).catch(signedOut);
  }

  schedule();
})();
