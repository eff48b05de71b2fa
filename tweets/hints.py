"""Accessibility hints from UK government guidance on social media posts (GOV.UK and GDS blogs).

Advice, not rules: the compose page shows them live (static/js/tweets.js applies the same checks) and
the draft page lists them for approvers.
"""

import re

HASHTAG = re.compile(r"(?<![\w&])#(\w+)", re.UNICODE)
URL = re.compile(r"https?://\S+|\bwww\.\S+", re.IGNORECASE)
EMOJI = re.compile("[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\U00002b00-\U00002bff]", re.UNICODE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

MAX_HASHTAGS = 2
MAX_SENTENCE_WORDS = 25
MAX_LINKS = 1
MAX_EMOJI = 3


def _looks_multiword_lowercase(tag: str) -> bool:
    """A long all-lowercase hashtag is probably several words run together (#mentalhealthawareness)."""
    return tag.isalpha() and tag == tag.lower() and len(tag) >= 12


def accessibility_hints(text: str) -> list[str]:
    hints = []
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
