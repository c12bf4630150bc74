/* The live chat box, progressive enhancement: without this script the box is a link to the
   leave-a-message page. With it, the link opens a panel that talks to the plan's team over a
   WebSocket (same origin as the page; the server checks the session on every frame).

   Every text from the server is set with textContent: a line is shown as typed, never as markup.
   The panel stays open (and the conversation follows) from page to page in this tab
   (sessionStorage), and reconnects after a dropped connection. */
(function () {
  "use strict";

  var box = document.querySelector("[data-chat-socket]");
  if (!box || !window.WebSocket) { return; }

  var OPEN_KEY = "portal-chat-open";
  var toggle = box.querySelector("[data-chat-toggle]");
  var template = box.querySelector("template[data-chat-template]");
  if (!toggle || !template) { return; }
  // Filled in by mount(), when the panel first joins the page.
  var panel = null, statusEl = null, linesEl = null, errorEl = null, form = null, input = null;
  var endButton = null, offlineEl = null, minimize = null;
  var maxLength = parseInt(box.getAttribute("data-chat-max"), 10) || 2000;
  var payer = box.getAttribute("data-chat-payer") || "the plan";

  var socket = null;
  var retries = 0;
  var conversation = null;
  var online = false;
  var pending = "";
  var stopped = false;
  var presenceTimer = null;
  var store = null;
  try { store = window.sessionStorage; } catch (e) { store = null; }

  function remember(open) {
    if (!store) { return; }
    try { if (open) { store.setItem(OPEN_KEY, "1"); } else { store.removeItem(OPEN_KEY); } } catch (e) { /* storage off */ }
  }
  function remembered() {
    try { return store && store.getItem(OPEN_KEY) === "1"; } catch (e) { return false; }
  }

  function setStatus(text) { statusEl.textContent = text; }
  function showError(text) {
    errorEl.textContent = text || "";
    errorEl.hidden = !text;
  }

  function addLine(line) {
    if (line.id && linesEl.querySelector('[data-line="' + line.id + '"]')) { return; }
    var item = document.createElement("li");
    item.className = "portal-chat__line portal-chat__line--" + (line.role || "system");
    if (line.id) { item.setAttribute("data-line", line.id); }
    if (line.author) {
      var author = document.createElement("span");
      author.className = "portal-chat__author";
      author.textContent = line.author + (line.at ? " · " + line.at : "");
      item.appendChild(author);
    }
    var body = document.createElement("span");
    body.className = "portal-chat__body";
    body.textContent = line.body;
    item.appendChild(body);
    linesEl.appendChild(item);
    linesEl.scrollTop = linesEl.scrollHeight;
    if (panel && panel.hidden && line.role === "staff") { toggle.textContent = "Live chat (new message)"; }
  }

  function note(text) { addLine({ role: "system", body: text }); }

  function render() {
    var open = conversation && conversation.status !== "closed";
    endButton.hidden = !open;
    var canWrite = open || online;
    form.hidden = !canWrite;
    offlineEl.hidden = canWrite;
    if (open && conversation.staff) {
      setStatus("You are chatting with " + conversation.staff + " of the " + payer + " team.");
    } else if (open) {
      setStatus("Waiting for someone from the team to answer. Your messages are kept in your Message Box.");
    } else if (online) {
      setStatus("The " + payer + " team is online. Type your question to start.");
    } else {
      setStatus("No one from the team is online right now. Leave a message and the answer comes to your Message Box.");
    }
  }

  function showConversation(payload) {
    conversation = payload;
    linesEl.textContent = "";
    (payload.lines || []).forEach(addLine);
    render();
  }

  function pollPresence() {
    if (presenceTimer) { window.clearInterval(presenceTimer); }
    presenceTimer = window.setInterval(function () {
      if (socket && socket.readyState === WebSocket.OPEN && !(conversation && conversation.status !== "closed")) {
        socket.send(JSON.stringify({ type: "presence" }));
      }
    }, 30000);
  }

  function onFrame(event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    if (data.type === "state") {
      online = !!data.online;
      if (data.max_length) { maxLength = data.max_length; }
      if (data.conversation) { showConversation(data.conversation); } else { conversation = null; render(); }
    } else if (data.type === "presence") {
      online = !!data.online;
      render();
    } else if (data.type === "conversation") {
      pending = "";
      showConversation(data);
    } else if (data.type === "line") {
      if (data.role === "provider") { pending = ""; }
      addLine(data);
    } else if (data.type === "taken") {
      if (conversation) { conversation.staff = data.staff; conversation.status = "active"; }
      note(data.staff + " joined the chat.");
      render();
    } else if (data.type === "closed") {
      if (conversation) { conversation.status = "closed"; }
      note(data.by === "staff" ? "The team closed the chat. The conversation is saved in your Message Box." :
        "You ended the chat. The conversation is saved in your Message Box.");
      render();
    } else if (data.type === "error") {
      if (pending && !input.value) { input.value = pending; }
      pending = "";
      showError(data.message);
      if (data.code === "offline") { online = false; render(); }
    }
  }

  function connect() {
    if (stopped || (socket && socket.readyState <= WebSocket.OPEN)) { return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + box.getAttribute("data-chat-socket"));
    socket.addEventListener("open", function () { retries = 0; showError(""); pollPresence(); });
    socket.addEventListener("message", onFrame);
    socket.addEventListener("close", function (event) {
      socket = null;
      if (event.code === 4401) {
        stopped = true;
        setStatus("Your session has ended. Sign in again to chat.");
        form.hidden = true;
        return;
      }
      if (event.code === 4403) {
        stopped = true;
        setStatus("The live chat is not available for your login.");
        form.hidden = true;
        return;
      }
      if (event.code === 1009) {
        showError("That message was too large to send. A chat message is at most " + maxLength + " characters.");
      }
      if (retries >= 5) {
        setStatus("The chat cannot connect. Leave a message instead, or try again later.");
        form.hidden = true;
        offlineEl.hidden = false;
        return;
      }
      retries += 1;
      setStatus("Connection lost. Reconnecting…");
      window.setTimeout(connect, 1000 * retries);
    });
  }

  function open() {
    mount();
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    toggle.textContent = "Live chat";
    box.classList.add("portal-chat--open");
    remember(true);
    connect();
  }
  function close() {
    panel.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    box.classList.remove("portal-chat--open");
    remember(false);
    toggle.focus();
  }

  function mount() {
    if (panel) { return; }
    box.appendChild(template.content.cloneNode(true));
    panel = box.querySelector(".portal-chat__panel");
    statusEl = panel.querySelector("[data-chat-status]");
    linesEl = panel.querySelector("[data-chat-lines]");
    errorEl = panel.querySelector("[data-chat-error]");
    form = panel.querySelector("[data-chat-form]");
    input = panel.querySelector("[data-chat-input]");
    endButton = panel.querySelector("[data-chat-end]");
    offlineEl = panel.querySelector("[data-chat-offline]");
    minimize = panel.querySelector("[data-chat-minimize]");
    minimize.addEventListener("click", close);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      showError("");
      if (!text) { showError("Write a message."); return; }
      if (text.length > maxLength) {
        showError("A chat message is at most " + maxLength + " characters (this one has " + text.length + ").");
        return;
      }
      if (!socket || socket.readyState !== WebSocket.OPEN) { showError("The chat is reconnecting. Try again in a moment."); connect(); return; }
      pending = text;
      socket.send(JSON.stringify({ type: "message", body: text }));
      input.value = "";
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    endButton.addEventListener("click", function () {
      if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify({ type: "close" })); }
    });
  }

  toggle.setAttribute("role", "button");
  toggle.setAttribute("aria-controls", "portal-chat-panel");
  toggle.setAttribute("aria-expanded", "false");
  toggle.addEventListener("click", function (event) {
    event.preventDefault();
    if (!panel || panel.hidden) { open(); input.focus(); } else { close(); }
  });

  if (remembered()) { open(); }
})();
