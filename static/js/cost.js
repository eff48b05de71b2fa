// Compose page: what X will charge for the draft, recounted as the person types, with the prices the server
// rendered (tweets/costs.py is the rule; this mirrors it: a link makes a post a post with a link, the first post
// of a reply is a summoned reply, one alt text request per image).
(function () {
  "use strict";

  function extractUrls() {
    if (typeof twttr === "undefined") return null;
    if (twttr.extractUrls) return twttr.extractUrls;
    if (twttr.default && twttr.default.extractUrls) return twttr.default.extractUrls;
    return null;
  }

  function money(value) {
    return "$" + value.toFixed(3);
  }

  function recount(box) {
    var urls = extractUrls();
    if (!urls) return;
    var price = {
      post: parseFloat(box.getAttribute("data-price-post")),
      link: parseFloat(box.getAttribute("data-price-post-with-url")),
      reply: parseFloat(box.getAttribute("data-price-summoned-reply")),
      alt: parseFloat(box.getAttribute("data-price-alt-text"))
    };
    var replyField = document.getElementById("id_in_reply_to_post_id");
    var isReply = !!(replyField && replyField.value.trim());
    var lines = [];
    var total = 0;
    var anyLink = false;
    // Images' alt texts per post, as the server last counted them (attaching an image reloads the page).
    var altTexts = (box.getAttribute("data-cost-alt-texts") || "").split(",");
    // Only the posts of this draft: the boxes under "Also post this from" are other accounts' drafts, each costed on its own.
    document.querySelectorAll("textarea[name=\"posts\"][data-post-text]").forEach(function (area, index) {
      var text = area.value;
      if (!text.trim()) return;
      var alts = parseInt(altTexts[index] || "0", 10) || 0;
      var kind, cost;
      if (urls(text).length) {
        kind = "Post with a link"; cost = price.link; anyLink = true;
      } else if (isReply && lines.length === 0) {
        kind = "Summoned reply"; cost = price.reply;
      } else {
        kind = "Post"; cost = price.post;
      }
      var line = kind + ", " + money(cost);
      if (alts) line += "; alt text for " + alts + " image" + (alts === 1 ? "" : "s") + ", " + money(alts * price.alt);
      total += cost + alts * price.alt;
      lines.push(line);
    });
    var totalEl = box.querySelector("[data-cost-total]");
    var list = box.querySelector("[data-cost-lines]");
    var note = box.querySelector("[data-cost-link-note]");
    if (!lines.length) {
      totalEl.textContent = "Nothing until there is text to publish.";
    } else {
      totalEl.textContent = money(total) + " to publish " + (lines.length > 1 ? "these " + lines.length + " posts." : "this post.");
    }
    list.textContent = "";
    lines.forEach(function (line, index) {
      var item = document.createElement("li");
      item.textContent = (lines.length > 1 ? "Post " + (index + 1) + ": " : "") + line;
      list.appendChild(item);
    });
    if (note) note.classList.toggle("dovecote-hidden", !anyLink);
  }

  function start() {
    var box = document.querySelector("[data-cost-live]");
    if (!box) return;
    document.addEventListener("input", function (event) {
      if (event.target.matches("[data-post-text], #id_in_reply_to_post_id")) recount(box);
    });
    recount(box);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
