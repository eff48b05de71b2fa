"""The entities X will mark in a post's text (links, mentions, hashtags, cashtags), with their indices, for a
preview of the post as it will appear.

Links come from twitter-text-parser (X's own URL rules); mentions from twitter_api.text's one mention pattern;
hashtags and cashtags from twitter-text's patterns (the Python port has no extractor for them). The browser's
live preview uses the npm twitter-text's `extractEntitiesWithIndices`, which agrees on the usual cases.
"""

import re
from dataclasses import dataclass

from twitter_text import extract_urls_with_indices

from twitter_api.text import mention_spans

# twitter-text's hashtag: `#` or `＃` not glued to a word or `&`, then letters, marks, digits and `_`, not only
# digits; a cashtag: `$` and 1 to 6 letters (an optional `.` or `_` and 1 or 2 more), not glued either side.
_HASHTAG = re.compile(r"(?<![\w#＃&])[#＃](\w*[^\W\d]\w*)")
_CASHTAG = re.compile(r"(?<![\w$])\$([A-Za-z]{1,6}(?:[._][A-Za-z]{1,2})?)(?![\w$])")


@dataclass(frozen=True)
class Entity:
    kind: str  # url, mention, hashtag, cashtag
    start: int
    end: int
    value: str  # the link, the handle, the tag (without its sign)


def post_entities(text: str) -> list[Entity]:
    """Entities in the order they appear; a `#` or `@` inside a link belongs to the link."""
    found = [Entity("url", u["indices"][0], u["indices"][1], u["url"]) for u in extract_urls_with_indices(text)]
    found += [Entity("mention", start, end, handle) for handle, start, end in mention_spans(text)]
    found += [Entity("hashtag", m.start(), m.end(), m.group(1)) for m in _HASHTAG.finditer(text)]
    found += [Entity("cashtag", m.start(), m.end(), m.group(1)) for m in _CASHTAG.finditer(text)]
    found.sort(key=lambda e: (e.start, e.kind != "url"))
    kept: list[Entity] = []
    for entity in found:
        if kept and entity.start < kept[-1].end:
            continue
        kept.append(entity)
    return kept


def segments(text: str) -> list[tuple[str, str, str]]:
    """The text cut into (kind, text, value) pieces: kind "" for plain text, else the entity's kind."""
    pieces, at = [], 0
    for entity in post_entities(text):
        if entity.start > at:
            pieces.append(("", text[at : entity.start], ""))
        pieces.append((entity.kind, text[entity.start : entity.end], entity.value))
        at = entity.end
    if at < len(text):
        pieces.append(("", text[at:], ""))
    return pieces
