// The unsubscribe page (/afmelden/?token=…): copy the token from the address into the form.
// A separate file because the site's Content-Security-Policy forbids inline scripts.
// Opening the page changes nothing; only submitting the form (a POST) unsubscribes.
(function () {
  "use strict";
  var form = document.querySelector("form.unsubscribe-form");
  if (!form) {
    return;
  }
  var token = new URLSearchParams(window.location.search).get("token") || "";
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
    form.elements.token.value = token;
  } else {
    form.querySelector("button[type=submit]").disabled = true;
    form.querySelector(".unsubscribe-missing").hidden = false;
  }
})();
