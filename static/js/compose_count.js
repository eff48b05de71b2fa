// How long a post is by its network's count, as networks/text.py counts it on the server (which stays the judge):
// X's weighted length (the twitter-text package), Bluesky's grapheme clusters, and Mastodon's grapheme clusters
// with every link as 23 and @name@server as @name. Used by static/js/tweets.js for each post box's live count.
(function () {
  "use strict";

  var MASTODON_URL_LENGTH = 23;
  var URL = /https?:\/\/[^\s<>"]+/giu;
  var REMOTE_MENTION = /(?<![\p{L}\p{M}\p{N}_@])@([\p{L}\p{M}\p{N}_]+)@[\p{L}\p{M}\p{N}_.-]+[\p{L}\p{M}\p{N}_]/gu;
  var LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
  var segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

  function graphemes(text) {
    if (!segmenter) return Array.from(text).length;  // an older browser: close, and the server checks anyway
    var count = 0;
    for (var _ of segmenter.segment(text)) count += 1;  // eslint-disable-line no-unused-vars
    return count;
  }

  function xLength(text) {
    if (typeof twttr !== "undefined") {
      var parse = twttr.parseTweet || (twttr.default && twttr.default.parseTweet);
      if (parse) return parse(text).weightedLength;
    }
    return Array.from(text).length;
  }

  function length(network, text) {
    text = text.replace(LONE_SURROGATE, "\uFFFD");
    if (network === "bluesky") return graphemes(text);
    if (network === "mastodon") {
      var countable = text.replace(URL, "x".repeat(MASTODON_URL_LENGTH));
      countable = countable.replace(REMOTE_MENTION, function (match, user) { return "@" + user; });
      return graphemes(countable);
    }
    return xLength(text);
  }

  function rule(network, max) {
    if (network === "bluesky") return "Up to " + max + " characters as Bluesky counts them: an emoji, with its skin tone or parts, counts as 1.";
    if (network === "mastodon") return "Up to " + max + " characters as this Mastodon server counts them: links count as 23, and @name@server as @name.";
    return "Up to " + max + " characters as X counts them: links count as 23, most emoji and many non-Latin characters as 2.";
  }

  window.DovecoteCount = { length: length, rule: rule };
})();
