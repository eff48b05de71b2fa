// Marks the page as JavaScript-capable and starts GOV.UK Frontend and MOJ Frontend components, on the page and
// on whatever htmx swaps in later.
//
// Forms inside a [data-in-place] container post through htmx (hx-boost) and swap the page's main content with
// the page the server answers with, so acting on an item needs no reload. A refusal (400 or 403) comes back as
// the same page explaining why, so it is swapped in too rather than dropped as an error.
import { initAll } from "/static/vendor/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

document.body.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  // The form that asked (htmx 2 gives the swap target as detail.elt, which sits outside the in-place block).
  var elt = (event.detail.requestConfig && event.detail.requestConfig.elt) || event.detail.elt;
  if (status >= 400 && status < 500 && elt && elt.closest && elt.closest("[data-in-place]") &&
      event.detail.xhr.responseText.indexOf('id="main-content"') !== -1) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

document.body.addEventListener("htmx:afterSettle", function (event) {
  var swapped = document.getElementById("main-content");
  if (swapped && event.detail.target === swapped) {
    initAll({ scope: swapped });
  }
});
