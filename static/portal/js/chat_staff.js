/* The Control Panel's Chat page, live: the waiting queue, taking a conversation, several
   conversations at once, answering and closing. The server-rendered page shows the queue and the
   analyst's conversations as they were; this script replaces them from the socket.

   While the socket is open the page beats (heartbeat frames) so providers see the team online.
   Every text from the server is set with textContent, never as markup. */
(function () {
  "use strict";

  var root = document.querySelector("[data-staff-chat]");
  if (!root || !window.WebSocket) { return; }

  var statusEl = root.querySelector("[data-staff-status]");
  var errorEl = root.querySelector("[data-staff-error]");
  var queueEl = root.querySelector("[data-staff-queue]");
  var countEl = root.querySelector("[data-staff-waiting-count]");
  var listEl = root.querySelector("[data-staff-conversations]");
  var socket = null;
  var beat = null;
  var retries = 0;
  var stopped = false;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function showError(text) { errorEl.textContent = text || ""; errorEl.hidden = !text; }
  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(frame)); return true; }
    showError("The chat is reconnecting. Try again in a moment.");
    return false;
  }

  function renderQueue(data) {
    queueEl.textContent = "";
    countEl.textContent = String(data.waiting.length);
    statusEl.textContent = "You are online for the chat (" + data.online + " analyst" + (data.online === 1 ? "" : "s") + " online).";
    if (!data.waiting.length) { queueEl.appendChild(el("li", "", "No one is waiting.")); return; }
    data.waiting.forEach(function (item) {
      var li = el("li", "portal-chat-queue__item");
      li.appendChild(el("strong", "", item.provider));
      li.appendChild(document.createTextNode(" · " + item.organization + " · since " + item.started + " "));
      var take = el("button", "usa-button usa-button--small", "Take");
      take.type = "button";
      take.setAttribute("aria-label", "Take the chat with " + item.provider);
      take.addEventListener("click", function () { send({ type: "take", conversation: item.conversation }); });
      li.appendChild(take);
      queueEl.appendChild(li);
    });
  }

  function section(id) { return listEl.querySelector('[data-conversation="' + id + '"]'); }

  function addLine(list, line) {
    if (line.id && list.querySelector('[data-line="' + line.id + '"]')) { return; }
    var li = el("li", "portal-chat__line portal-chat__line--" + (line.role || "system"));
    if (line.id) { li.setAttribute("data-line", line.id); }
    if (line.author) { li.appendChild(el("span", "portal-chat__author", line.author + (line.at ? " · " + line.at : ""))); }
    li.appendChild(el("span", "portal-chat__body", line.body));
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
  }

  function renderConversation(data) {
    var none = listEl.querySelector("[data-staff-none]");
    if (none) { none.remove(); }
    var old = section(data.conversation);
    var box = el("section", "grid-col-12 tablet:grid-col-6 portal-chat-conversation");
    box.setAttribute("data-conversation", data.conversation);
    box.setAttribute("aria-label", "Chat with " + data.provider);
    var heading = el("h3", "", data.provider + " ");
    heading.appendChild(el("span", "font-body-3xs", data.organization));
    box.appendChild(heading);
    var list = el("ol", "portal-chat__lines");
    list.setAttribute("aria-live", "polite");
    box.appendChild(list);
    (data.lines || []).forEach(function (line) { addLine(list, line); });
    var form = el("form", "portal-chat__form");
    form.setAttribute("method", "post");
    var inputId = "reply-" + data.conversation;
    var label = el("label", "usa-label", "Answer " + data.provider);
    label.setAttribute("for", inputId);
    var input = el("textarea", "usa-textarea portal-chat__input");
    input.id = inputId;
    input.rows = 2;
    input.maxLength = 2000;
    var actions = el("div", "portal-chat__actions");
    var sendButton = el("button", "usa-button", "Send");
    sendButton.type = "submit";
    var closeButton = el("button", "usa-button usa-button--outline", "Close conversation");
    closeButton.type = "button";
    actions.appendChild(sendButton);
    actions.appendChild(closeButton);
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(actions);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) { showError("Write a message."); return; }
      if (send({ type: "message", conversation: data.conversation, body: text })) { input.value = ""; showError(""); }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    closeButton.addEventListener("click", function () { send({ type: "close", conversation: data.conversation }); });
    box.appendChild(form);
    if (old) { listEl.replaceChild(box, old); } else { listEl.appendChild(box); }
  }

  function markClosed(data) {
    var box = section(data.conversation);
    if (!box) { return; }
    var list = box.querySelector("ol");
    addLine(list, { role: "system", body: data.by === "staff" ? "You closed the conversation." : "The provider ended the chat." });
    var form = box.querySelector("form");
    if (form) { form.remove(); }
    var done = el("button", "usa-button usa-button--unstyled", "Remove from this page");
    done.type = "button";
    done.addEventListener("click", function () { box.remove(); });
    box.appendChild(done);
  }

  function onFrame(event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    if (data.type === "queue") { renderQueue(data); }
    else if (data.type === "conversation") { renderConversation(data); }
    else if (data.type === "line") {
      var box = section(data.conversation);
      if (box) { addLine(box.querySelector("ol"), data); }
    } else if (data.type === "closed") { markClosed(data); }
    else if (data.type === "heartbeat") {
      if (beat) { window.clearInterval(beat); }
      beat = window.setInterval(function () { send({ type: "heartbeat" }); }, data.every * 1000);
    } else if (data.type === "error") { showError(data.message); }
  }

  function connect() {
    if (stopped) { return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + root.getAttribute("data-staff-chat"));
    socket.addEventListener("open", function () { retries = 0; showError(""); });
    socket.addEventListener("message", onFrame);
    socket.addEventListener("close", function (event) {
      socket = null;
      if (beat) { window.clearInterval(beat); beat = null; }
      if (event.code === 4401 || event.code === 4403) {
        stopped = true;
        statusEl.textContent = event.code === 4401 ? "Your session has ended. Sign in again to answer chats." :
          "The chat is for the plan's staff.";
        return;
      }
      if (retries >= 5) { statusEl.textContent = "The chat cannot connect. Reload the page to try again."; return; }
      retries += 1;
      statusEl.textContent = "Connection lost. Reconnecting…";
      window.setTimeout(connect, 1000 * retries);
    });
  }

  connect();
})();
