// Marks the page as JavaScript-capable and starts GOV.UK Frontend and MOJ Frontend components, on the page and
// on whatever htmx swaps in later (an inbox item's actions replace the main content in place).
import { initAll } from "/static/vendor/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

document.body.addEventListener("htmx:afterSettle", function (event) {
  var swapped = document.getElementById("main-content");
  if (swapped && event.detail.target === swapped) {
    initAll({ scope: swapped });
  }
});
