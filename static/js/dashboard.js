// Dashboard: after an in-place action (approve), say what happened and refresh the counts without a reload.
// The panels themselves refresh every 60 seconds through htmx attributes in the page.
(function () {
  "use strict";
  var status = document.getElementById("dashboard-status");

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-dashboard-action")) {
      return;
    }
    if (event.detail.successful) {
      say(form.getAttribute("data-dashboard-action"));
    } else if (event.detail.xhr && event.detail.xhr.status === 409) {
      say("Nothing was approved: this draft changed since you opened the dashboard. Open the post to see what changed.");
    } else {
      say("That did not work: someone may have acted on it first, or your training needs renewing. Open the post to see why.");
    }
    document.body.dispatchEvent(new CustomEvent("dashboard:refresh"));
  });
})();
