// Compose page: the preview's text follows the post boxes as they are typed, with links, mentions, hashtags and
// cashtags marked by X's own twitter-text (the server renders the same preview without JavaScript).
(function () {
  "use strict";

  function extract() {
    if (typeof twttr === "undefined") return null;
    if (twttr.extractEntitiesWithIndices) return twttr.extractEntitiesWithIndices;
    if (twttr.default && twttr.default.extractEntitiesWithIndices) return twttr.default.extractEntitiesWithIndices;
    return null;
  }

  function kindOf(entity) {
    if (entity.url) return "url";
    if (entity.screenName) return "mention";
    if (entity.hashtag) return "hashtag";
    if (entity.cashtag) return "cashtag";
    return "";
  }

  function render(target, text, entities) {
    while (target.firstChild) target.removeChild(target.firstChild);
    if (!text) {
      var empty = document.createElement("span");
      empty.className = "dovecote-preview__empty";
      empty.textContent = "(no text yet)";
      target.appendChild(empty);
      return;
    }
    // twitter-text's indices count code points; JavaScript strings count UTF-16 units.
    var chars = Array.from(text);
    var at = 0;
    entities.forEach(function (entity) {
      var start = entity.indices[0], end = entity.indices[1];
      if (start < at) return;
      if (start > at) target.appendChild(document.createTextNode(chars.slice(at, start).join("")));
      var span = document.createElement("span");
      var kind = kindOf(entity);
      span.className = "dovecote-entity dovecote-entity--" + kind;
      span.title = kind;
      span.textContent = chars.slice(start, end).join("");
      target.appendChild(span);
      at = end;
    });
    if (at < chars.length) target.appendChild(document.createTextNode(chars.slice(at).join("")));
  }

  function setup() {
    var entitiesOf = extract();
    var preview = document.querySelector("[data-preview]");
    if (!entitiesOf || !preview) return;
    // The account chosen shows in the preview at once (the server names it with its display name on the next load).
    var account = document.getElementById("id_account");
    if (account && account.tagName === "SELECT") {
      account.addEventListener("change", function () {
        var option = account.options[account.selectedIndex];
        var label = option && option.value ? option.textContent.trim() : "Choose an account";
        preview.querySelectorAll("[data-preview-account]").forEach(function (span) { span.textContent = label; });
      });
    }
    var boxes = document.querySelectorAll("[data-post-text]");
    var posts = preview.querySelectorAll("[data-preview-post] [data-preview-text]");
    boxes.forEach(function (box, index) {
      var target = posts[index];
      if (!target) return;
      box.addEventListener("input", function () {
        var text = box.value.replace(/\r\n?/g, "\n");
        var entities = [];
        try { entities = entitiesOf(text, { extractUrlsWithoutProtocol: true }); } catch (e) { entities = []; }
        render(target, text, entities);
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
