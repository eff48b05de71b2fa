// Marks the page as JavaScript-capable and starts GOV.UK Frontend and MOJ Frontend components.
import { initAll } from "/static/vendor/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
