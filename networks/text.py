"""Each network's rule for a post's text: how it counts, its limit, and what to fix, in one `check`.

- X: weighted length 280 (twitter-text, `twitter_api.text`).
- Bluesky: 300 grapheme clusters (what a reader sees as one character: an emoji with its modifiers is one) and
  3,000 bytes of UTF-8 (`app.bsky.feed.post` `text`: maxGraphemes 300, maxLength 3000).
- Mastodon: the instance's limit (500 unless it says otherwise, read from `/api/v2/instance` when the account is
  connected), counted in grapheme clusters, a link as `characters_reserved_per_url` (23) whatever its length, and
  a mention of `@user@instance` as `@user` (upstream `StatusLengthValidator`).
The character rules (no control, broken or text-direction characters; not empty) are the same everywhere.
The browser counts the same way (static/js/compose_count.js) so the number people see is the one checked.
"""

import re

import regex

from networks.base import BLUESKY, LABELS, MASTODON, X
from twitter_api.text import PostTextCheck, character_errors, is_blank, normalise_post_text, validate_post_text

BLUESKY_MAX_GRAPHEMES = 300
BLUESKY_MAX_BYTES = 3000
MASTODON_DEFAULT_MAX_CHARACTERS = 500
MASTODON_URL_LENGTH = 23

_GRAPHEME = regex.compile(r"\X")
_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_REMOTE_MENTION = re.compile(r"(?<![\w@])@(\w+)@[\w.-]+\w", re.UNICODE)


def graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters, Unicode UAX #29)."""
    return len(_GRAPHEME.findall(text))


def mastodon_length(text: str, *, url_length: int = MASTODON_URL_LENGTH) -> int:
    countable = _URL.sub("x" * url_length, text)
    countable = _REMOTE_MENTION.sub(lambda match: "@" + match.group(1), countable)
    return graphemes(countable)


def limit_for(network: str, *, max_characters: int | None = None) -> int:
    if network == BLUESKY:
        return BLUESKY_MAX_GRAPHEMES
    if network == MASTODON:
        return max_characters or MASTODON_DEFAULT_MAX_CHARACTERS
    return 280


def check(network: str, text: str, *, max_characters: int | None = None) -> PostTextCheck:
    """The text as it will be sent, the network's count of it (`weighted_length`) and what is wrong."""
    if network not in (BLUESKY, MASTODON):
        return validate_post_text(text)
    text_nfc = normalise_post_text(text or "")
    # A lone surrogate (from a broken paste) is reported below; it is counted as the character it replaces.
    countable = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text_nfc)
    limit = limit_for(network, max_characters=max_characters)
    length = graphemes(countable) if network == BLUESKY else mastodon_length(countable)
    errors: list[str] = []
    if is_blank(text_nfc):
        errors.append("Your post is empty. Write the text of the post.")
    else:
        errors.extend(character_errors(text_nfc))
        label = LABELS[network]
        if length > limit:
            excess = length - limit
            message = (
                f"Your post is {length} characters long by {label}'s count; the limit is {limit}. "
                f"Remove {excess} character{'s' if excess != 1 else ''}."
            )
            if network == MASTODON and _URL.search(countable):
                message += " (Every link counts as 23, however long it is.)"
            errors.append(message)
        elif network == BLUESKY and len(countable.encode("utf-8")) > BLUESKY_MAX_BYTES:
            errors.append(
                f"Your post is too long for Bluesky: it may take at most {BLUESKY_MAX_BYTES} bytes. Shorten it."
            )
    return PostTextCheck(text_nfc=text_nfc, weighted_length=length, valid=not errors, errors=errors)


def check_for(account, text: str) -> PostTextCheck:
    """`check` by the account's network and, on Mastodon, its instance's limit."""
    return check(getattr(account, "network", X) or X, text, max_characters=getattr(account, "max_characters", None))
