// After django-otp-webauthn's script has created or used a passkey, go where the server says
// (the Security page with its message). Its own script already follows redirect_url after a
// sign-in; creating a passkey only reports success, so this does the same there.
(function () {
  "use strict";
  document.addEventListener("otp_webauthn.register_complete", function (event) {
    var data = event.detail && event.detail.response;
    var target = data && typeof data.redirect_url === "string" ? data.redirect_url : "";
    // Only a path on this site.
    if (target.charAt(0) === "/" && target.charAt(1) !== "/") {
      window.location.assign(target);
    } else {
      window.location.reload();
    }
  });
})();
