"""Accessibility hints from UK government guidance on social media posts (GOV.UK and GDS blogs).

Advice, not rules: the compose page shows them live (static/js/tweets.js applies the same checks) and
the draft page lists them for approvers.
"""

import re

HASHTAG = re.compile(r"(?<![\w&])#(\w+)", re.UNICODE)
URL = re.compile(r"https?://\S+|\bwww\.\S+", re.IGNORECASE)
EMOJI = re.compile("[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\U00002b00-\U00002bff]", re.UNICODE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

# Invisible characters worth a warning (not a refusal: some have real uses, as the non-joiner in Persian).
ZERO_WIDTH = {
    "\u200b": "U+200B, zero width space",
    "\u200c": "U+200C, zero width non-joiner",
    "\u200d": "U+200D, zero width joiner",
    "\u2060": "U+2060, word joiner",
    "\ufeff": "U+FEFF, zero width no-break space",
}
# What may stand either side of the joiner in an emoji sequence (👨‍👩‍👧‍👦, 🏳️‍🌈, 🏃‍♀️), and the variation
# selectors, skin tones and tag characters that may come between an emoji and the joiner.
EMOJI_PART = re.compile(
    "[\U0001f000-\U0001faff\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\u00a9\u00ae\u203c\u2049\u2122\u2139\u3030\u303d\u3297\u3299]"
)
EMOJI_MODIFIER = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")

MAX_HASHTAGS = 2
MAX_SENTENCE_WORDS = 25
MAX_LINKS = 1
MAX_EMOJI = 3


def _looks_multiword_lowercase(tag: str) -> bool:
    """A long all-lowercase hashtag is probably several words run together (#mentalhealthawareness)."""
    return tag.isalpha() and tag == tag.lower() and len(tag) >= 12


def _joins_emoji(text: str, index: int) -> bool:
    """Is the zero width joiner at `index` part of an emoji sequence (an emoji either side of it)?"""
    before = index - 1
    while before >= 0 and EMOJI_MODIFIER.match(text[before]):
        before -= 1
    after = index + 1
    return before >= 0 and after < len(text) and bool(EMOJI_PART.match(text[before]) and EMOJI_PART.match(text[after]))


def invisible_characters(text: str) -> list[str]:
    """The names of the zero-width characters in the text, in order of first appearance (a joiner inside an
    emoji sequence is part of the emoji, not a hidden character)."""
    found = []
    for index, ch in enumerate(text or ""):
        if ch in ZERO_WIDTH and ZERO_WIDTH[ch] not in found and not (ch == "\u200d" and _joins_emoji(text, index)):
            found.append(ZERO_WIDTH[ch])
    return found


def accessibility_hints(text: str) -> list[str]:
    hints = []
    for name in invisible_characters(text):
        hints.append(
            f"This post contains an invisible character ({name}). It hides from readers, can break links and "
            "search, and screen readers may stumble on it: delete it unless you put it there on purpose."
        )
    tags = HASHTAG.findall(text or "")
    if len(tags) > MAX_HASHTAGS:
        hints.append(
            f"This post has {len(tags)} hashtags. Use no more than {MAX_HASHTAGS}: screen readers read each one out."
        )
    for tag in tags:
        if _looks_multiword_lowercase(tag):
            hints.append(f"Write #{tag} in CamelCase (capital letter for each word) so screen readers say the words.")
    for sentence in SENTENCE_END.split(URL.sub("", text or "")):
        words = len(sentence.split())
        if words > MAX_SENTENCE_WORDS:
            hints.append(
                f"A sentence has {words} words. Keep sentences to {MAX_SENTENCE_WORDS} words or fewer so they are "
                "easy to read."
            )
            break
    links = URL.findall(text or "")
    if len(links) > MAX_LINKS:
        hints.append(f"This post has {len(links)} links. Use one link so people know where to go.")
    emoji = EMOJI.findall(text or "")
    if len(emoji) > MAX_EMOJI:
        hints.append(
            f"This post has {len(emoji)} emoji. Screen readers read out every emoji's name; use {MAX_EMOJI} or fewer "
            "and put them at the end."
        )
    return hints
