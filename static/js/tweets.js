// Compose page: a live character count by the account's network (static/js/compose_count.js: X's weighted count
// with twitter-text, Bluesky's and Mastodon's by grapheme) and accessibility hints for each post of a draft. The
// same rules and hints are checked on the server (networks/text.py, tweets/hints.py).
(function () {
  "use strict";

  function parser() {
    if (typeof twttr === "undefined") return null;
    if (twttr.parseTweet) return twttr.parseTweet;
    if (twttr.default && twttr.default.parseTweet) return twttr.default.parseTweet;
    return null;
  }

  var HASHTAG = /(^|[^\w&])#(\w+)/gu;
  var URL = /https?:\/\/\S+|\bwww\.\S+/gi;
  var EMOJI = /[\u{1F300}-\u{1FAFF}\u{2600}-\u{27BF}\u{1F1E6}-\u{1F1FF}\u{2B00}-\u{2BFF}]/gu;
  // As tweets/hints.py: zero-width characters (a joiner between two emoji is part of the emoji sequence).
  var ZERO_WIDTH = {
    "\u200B": "U+200B, zero width space",
    "\u200C": "U+200C, zero width non-joiner",
    "\u200D": "U+200D, zero width joiner",
    "\u2060": "U+2060, word joiner",
    "\uFEFF": "U+FEFF, zero width no-break space"
  };
  var EMOJI_PART = /^[\u{1F000}-\u{1FAFF}\u{2190}-\u{21FF}\u{2300}-\u{23FF}\u{2600}-\u{27BF}\u{2B00}-\u{2BFF}\u00A9\u00AE\u203C\u2049\u2122\u2139\u3030\u303D\u3297\u3299]$/u;
  var EMOJI_MODIFIER = /^[\uFE0E\uFE0F\u{1F3FB}-\u{1F3FF}\u{E0020}-\u{E007F}]$/u;
  // As twitter_api/text.py: bidirectional controls are refused when the draft is saved.
  var BIDI = /[\u202A-\u202E\u2066-\u2069]/u;

  function joinsEmoji(chars, index) {
    var before = index - 1;
    while (before >= 0 && EMOJI_MODIFIER.test(chars[before])) before -= 1;
    var after = index + 1;
    return before >= 0 && after < chars.length && EMOJI_PART.test(chars[before]) && EMOJI_PART.test(chars[after]);
  }

  function invisible(text) {
    var chars = Array.from(text);
    var names = [];
    chars.forEach(function (ch, index) {
      var name = ZERO_WIDTH[ch];
      if (name && names.indexOf(name) === -1 && !(ch === "\u200D" && joinsEmoji(chars, index))) names.push(name);
    });
    return names;
  }

  function hints(text) {
    var found = [];
    var bidi = text.match(BIDI);
    if (bidi) {
      var code = bidi[0].codePointAt(0).toString(16).toUpperCase();
      found.push("This post contains an invisible text-direction character (U+" + code + "). It can make a link or words look like something else, so the post will be refused: delete it.");
    }
    invisible(text).forEach(function (name) {
      found.push("This post contains an invisible character (" + name + "). It hides from readers, can break links and search, and screen readers may stumble on it: delete it unless you put it there on purpose.");
    });
    var tags = [];
    var match;
    HASHTAG.lastIndex = 0;
    while ((match = HASHTAG.exec(text)) !== null) tags.push(match[2]);
    if (tags.length > 2) {
      found.push("This post has " + tags.length + " hashtags. Use no more than 2: screen readers read each one out.");
    }
    tags.forEach(function (tag) {
      if (/^[a-z]+$/.test(tag) && tag.length >= 12) {
        found.push("Write #" + tag + " in CamelCase (capital letter for each word) so screen readers say the words.");
      }
    });
    var sentences = text.replace(URL, "").split(/(?<=[.!?])\s+/);
    for (var i = 0; i < sentences.length; i++) {
      var words = sentences[i].split(/\s+/).filter(Boolean).length;
      if (words > 25) {
        found.push("A sentence has " + words + " words. Keep sentences to 25 words or fewer so they are easy to read.");
        break;
      }
    }
    var links = text.match(URL) || [];
    if (links.length > 1) found.push("This post has " + links.length + " links. Use one link so people know where to go.");
    var emoji = text.match(EMOJI) || [];
    if (emoji.length > 3) {
      found.push("This post has " + emoji.length + " emoji. Screen readers read out every emoji's name; use 3 or fewer and put them at the end.");
    }
    return found;
  }

  function update(post) {
    var textarea = post.querySelector("[data-post-text]");
    var count = post.querySelector("[data-post-count]");
    var box = post.querySelector("[data-post-hints]");
    var list = post.querySelector("[data-post-hints-list]");
    var max = parseInt(textarea.getAttribute("data-max"), 10) || 280;
    var network = textarea.getAttribute("data-network") || "x";
    var text = textarea.value.normalize("NFC").replace(/\r\n?/g, "\n");
    var parse = parser();
    var length;
    if (window.DovecoteCount) length = window.DovecoteCount.length(network, text);
    else length = parse ? parse(text).weightedLength : Array.from(text).length;
    var over = length - max;
    count.textContent = over > 0 ? length + " of " + max + " characters: " + over + " too many" : length + " of " + max + " characters";
    count.classList.toggle("dovecote-count--over", over > 0);
    var found = hints(text);
    list.replaceChildren.apply(list, found.map(function (hint) {
      var item = document.createElement("li");
      item.textContent = hint;
      return item;
    }));
    box.classList.toggle("dovecote-hidden", found.length === 0);
  }

  function bind(root) {
    var posts = Array.from(root.querySelectorAll("[data-post]"));
    if (root.matches && root.matches("[data-post]")) posts.push(root);
    posts.forEach(function (post) {
      if (post.hasAttribute("data-post-bound")) return;
      post.setAttribute("data-post-bound", "");
      var textarea = post.querySelector("[data-post-text]");
      textarea.addEventListener("input", function () { update(post); });
      update(post);
    });
  }

  // The compose page's account: its network and limit (on its <option>) become the main post boxes' rule, and it
  // leaves the 'Also post this from' list (it is posted from anyway).
  function followAccount(select) {
    var option = select.options[select.selectedIndex];
    var network = (option && option.getAttribute("data-network")) || "x";
    var max = (option && option.getAttribute("data-max")) || "280";
    document.querySelectorAll("[data-follows-account]").forEach(function (textarea) {
      textarea.setAttribute("data-network", network);
      textarea.setAttribute("data-max", max);
      var post = textarea.closest("[data-post]");
      var rule = post && post.querySelector("[data-post-rule]");
      if (rule && window.DovecoteCount) rule.textContent = window.DovecoteCount.rule(network, max);
      if (post) update(post);
    });
    // What X charges is X's: an account on another network posts for nothing.
    document.querySelectorAll("[data-cost-live]").forEach(function (box) {
      box.classList.toggle("dovecote-hidden", network !== "x");
    });
    document.querySelectorAll("[data-cost-free]").forEach(function (note) {
      note.classList.toggle("dovecote-hidden", network === "x");
    });
    document.querySelectorAll("[data-also-item]").forEach(function (item) {
      var isMain = option && item.getAttribute("data-also-item") === option.value;
      item.classList.toggle("dovecote-hidden", Boolean(isMain));
      if (isMain) {
        var box = item.querySelector("input");
        var conditional = document.getElementById(box.getAttribute("aria-controls") || box.getAttribute("data-aria-controls"));
        if (conditional) conditional.classList.add("govuk-checkboxes__conditional--hidden");
        box.checked = false;
      }
    });
  }

  document.querySelectorAll("[data-account-select]").forEach(function (select) {
    select.addEventListener("change", function () { followAccount(select); });
    if (select.value) followAccount(select);
  });

  bind(document);
  // Reply boxes that htmx brings into the page (the inbox's inline reply, a saved reply filled in) count too.
  document.addEventListener("htmx:load", function (event) { bind(event.detail.elt); });
})();
