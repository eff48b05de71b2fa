"""Validation of a post's text by X's official rules (twitter-text v3: weighted length, 280 limit).

The weighted length comes from `twitter-text-parser`, the Python port of X's own twitter-text library:
most characters weigh 2, Latin letters and common punctuation weigh 1, every URL weighs 23 whatever its
length, and any emoji sequence weighs 2. It agrees with every case of the current conformance sections
(tests/twitter_api/test_conformance.py). On top of X's rules we refuse what a department should never
send: an empty post, invisible control characters that usually come from copy and paste, and the
bidirectional controls that can disguise a link.
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from twitter_text import extract_urls, parse_tweet
from twitter_text.config import config as _twitter_text_config
from twitter_text.get_character_weight import get_character_weight

MAX_WEIGHTED_LENGTH = 280

# Bidirectional embeddings, overrides and isolates: X accepts them, but they can make a link or words read
# as something else (a right-to-left override shows "gov.uk/\u202egnp.exe" as "gov.uk/exe.png"), so we refuse
# them. The plain directional marks (U+200E, U+200F) only nudge neutral characters and stay allowed.
_BIDI_CONTROLS = frozenset(chr(code) for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])

# The characters X itself refuses (twitter-text's `invalid_chars`): noncharacters and the byte-order mark.
_X_INVALID_CHARACTERS = {"\ufffe": "U+FFFE", "\ufeff": "U+FEFF (byte-order mark)", "\uffff": "U+FFFF"}


@dataclass(frozen=True)
class PostTextCheck:
    """The outcome of checking a post's text: what would be sent, what X counts, and what is wrong."""

    text_nfc: str
    weighted_length: int
    valid: bool
    errors: list[str] = field(default_factory=list)


def normalise_post_text(text: str) -> str:
    """The text as it will be sent: NFC-normalised, with Windows and old Mac line endings made `\\n`.

    Browsers submit a textarea's line breaks as CRLF; X counts a line break as one character, so the
    text we count and the text we send must both use `\\n`.
    """
    text = unicodedata.normalize("NFC", text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def validate_post_text(text: str) -> PostTextCheck:
    """Check `text` as X would, plus the department's rules, and say in plain English what to fix."""
    text_nfc = normalise_post_text(text or "")
    # A lone surrogate (half an emoji, from a broken paste) crashes the counter; count it as X would count
    # its replacement character, and report it below.
    parsed = parse_tweet("".join("\ufffd" if _is_surrogate(ch) else ch for ch in text_nfc))
    weighted_length = parsed.weightedLength
    errors: list[str] = []

    if _is_blank(text_nfc):
        errors.append("Your post is empty. Write the text of the post.")
    else:
        errors.extend(_character_errors(text_nfc))
        if weighted_length > MAX_WEIGHTED_LENGTH:
            errors.append(_too_long_message(text_nfc, weighted_length))

    # parse_tweet's `valid` is X's verdict (length and X's invalid characters); errors add our own rules.
    if not parsed.valid and not errors:
        errors.append("X would refuse this text. Check it for unusual characters and try again.")
    valid = parsed.valid and not errors
    return PostTextCheck(text_nfc=text_nfc, weighted_length=weighted_length, valid=valid, errors=errors)


def _is_surrogate(ch: str) -> bool:
    return "\ud800" <= ch <= "\udfff"


def _is_blank(text: str) -> bool:
    """True when nothing would be visible: only spaces, line breaks and invisible format characters."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text)


def _character_errors(text: str) -> list[str]:
    """One message per kind of forbidden character, naming where the first one is (counting from 1)."""
    first_seen: dict[str, tuple[int, str]] = {}
    for index, ch in enumerate(text):
        if ch == "\n":
            continue
        category = unicodedata.category(ch)
        # Cc = control characters (tab, bell, escape...). Format characters (Cf) such as directional
        # marks, zero-width joiners in emoji and emoji tag sequences are legitimate and X accepts them.
        if ch == "\t":
            kind = "tab"
        elif category == "Cc":
            kind = "control"
        elif category == "Cs":
            kind = "surrogate"
        elif ch in _X_INVALID_CHARACTERS:
            kind = "x_invalid"
        elif ch in _BIDI_CONTROLS:
            kind = "bidi"
        else:
            continue
        first_seen.setdefault(kind, (index + 1, ch))

    messages = []
    for kind, (position, ch) in first_seen.items():
        if kind == "tab":
            messages.append(
                f"Your post contains a tab at character {position}. X does not show tabs reliably: "
                "replace it with a space."
            )
        elif kind == "control":
            messages.append(
                f"Your post contains an invisible control character (U+{ord(ch):04X}) at character {position}, "
                "probably copied from another program. Delete it and type that part again."
            )
        elif kind == "surrogate":
            messages.append(
                f"Your post contains a broken character at character {position} (half of an emoji or symbol). "
                "Delete it and insert the emoji or symbol again."
            )
        elif kind == "bidi":
            messages.append(
                f"Your post contains an invisible text-direction character (U+{ord(ch):04X}) at character "
                f"{position}. It can make a link or words look like something else, so posts may not contain it. "
                "Delete it: it usually comes from text copied from another program."
            )
        else:
            messages.append(
                f"Your post contains a character X does not allow ({_X_INVALID_CHARACTERS[ch]}) at character "
                f"{position}, probably copied from another program. Delete it."
            )
    return messages


# The same character rules hold for posts on every network (networks.text).
character_errors = _character_errors
is_blank = _is_blank


def _too_long_message(text: str, weighted_length: int) -> str:
    excess = weighted_length - MAX_WEIGHTED_LENGTH
    noun = "character" if excess == 1 else "characters"
    message = (
        f"Your post is {weighted_length} characters long by X's count; the limit is {MAX_WEIGHTED_LENGTH}. "
        f"Remove {excess} {noun}."
    )
    options = _twitter_text_config["defaults"]
    hints = []
    if any(get_character_weight(ch, options) > options["scale"] for ch in text):
        hints.append("emoji and characters in some scripts count as 2")
    if extract_urls(text):
        hints.append("every link counts as 23, however long it is")
    if hints:
        joined = "; ".join(hints)
        message += f" ({joined[0].upper()}{joined[1:]}.)"
    return message


# The one mention pattern (twitter-text-parser has URLs and emoji but no mention extractor): `@` or the
# full-width `＠`, then 1 to 15 of A-Z, a-z, 0-9 and `_`, not glued to a word, an email address or another `@`.
_MENTION = re.compile(r"(?<![A-Za-z0-9_@＠!#$%&*])[@＠]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@＠])")


def mentioned_handles(text: str) -> list[str]:
    """The handles a text mentions, in order, as written (without the `@`)."""
    return _MENTION.findall(text)


def mention_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """(handle, start, end) of each mention in `text`, `start` at its `@`: X's entity indices."""
    for match in _MENTION.finditer(text):
        yield match.group(1), match.start(), match.end()
