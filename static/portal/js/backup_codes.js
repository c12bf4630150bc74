/* Backup codes: Copy and Print buttons. Without script the page says to use the browser's
   Print command or to select the codes; the buttons stay hidden. */
(function () {
  "use strict";
  var status = document.getElementById("copy-status");
  var copy = document.querySelector("[data-copy-codes]");
  var print = document.querySelector("[data-print-codes]");
  document.querySelectorAll(".portal-no-script").forEach(function (note) { note.hidden = true; });

  function say(text) { if (status) { status.textContent = text; } }

  if (copy && navigator.clipboard && window.isSecureContext) {
    var list = document.getElementById(copy.getAttribute("data-copy-codes"));
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var codes = Array.prototype.map.call(list.querySelectorAll("li"), function (item) {
        return item.textContent.trim();
      });
      navigator.clipboard.writeText(codes.join("\n") + "\n").then(
        function () { say("The " + codes.length + " codes are copied. Paste them into your password manager."); },
        function () { say("Copying was not allowed by the browser. Select the codes and copy them instead."); }
      );
    });
  }
  if (print && typeof window.print === "function") {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();
