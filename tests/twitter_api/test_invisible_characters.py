"""Bidirectional controls can make a link read as another address: posts may not contain them. Zero-width
characters are only warned about (hints), except the joiner inside an emoji sequence, which is part of it."""

import pytest

from tweets.hints import accessibility_hints
from twitter_api.text import validate_post_text

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


@pytest.mark.parametrize("ch", BIDI)
def test_it_refuses_each_bidirectional_control_saying_where_and_why(ch):
    check = validate_post_text(f"Apply at https://www.gov.uk/{ch}kcab-no-dnuf today")

    assert not check.valid
    assert check.errors == [
        f"Your post contains an invisible text-direction character (U+{ord(ch):04X}) at character 29. It can make "
        "a link or words look like something else, so posts may not contain it. Delete it: it usually comes from "
        "text copied from another program."
    ]


def test_a_right_to_left_override_disguising_a_link_is_refused_once_with_the_first_position():
    check = validate_post_text("Claim your refund: gov.uk/\u202egnp.refund\u202c and \u2067more\u2069")

    assert len(check.errors) == 1
    assert "U+202E" in check.errors[0] and "at character 27" in check.errors[0]


def test_directional_marks_that_cannot_disguise_text_are_still_allowed():
    assert validate_post_text("Hello \u200e\u200f world").valid  # LRM and RLM: no embedding, no override


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("gov\u200b.uk/apply", "U+200B, zero width space"),
        ("pass\u200cport", "U+200C, zero width non-joiner"),
        ("pass\u200dport", "U+200D, zero width joiner"),
        ("pass\u2060port", "U+2060, word joiner"),
        ("pass\ufeffport", "U+FEFF, zero width no-break space"),
    ],
)
def test_a_zero_width_character_is_a_hint_not_a_refusal(text, name):
    hints = accessibility_hints(text)

    assert [h for h in hints if "invisible" in h] == [
        f"This post contains an invisible character ({name}). It hides from readers, can break links and search, "
        "and screen readers may stumble on it: delete it unless you put it there on purpose."
    ]
    if "\ufeff" not in text:  # X itself refuses the byte-order mark
        assert validate_post_text(text).valid


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        (FAMILY, 2),
        ("\U0001f3f3\ufe0f\u200d\U0001f308", 2),  # rainbow flag
        ("\U0001f469\U0001f3fd\u200d\U0001f4bb", 2),  # woman technologist, medium skin tone
        ("\U0001f3c3\u200d\u2640\ufe0f", 2),  # woman running
        ("\u2764\ufe0f\u200d\U0001f525", 5),  # heart on fire: newer than twitter-text's emoji list (so in the browser)
    ],
)
def test_the_joiner_inside_an_emoji_sequence_is_not_flagged(text, weight):
    assert [h for h in accessibility_hints(f"Happy families day {text}") if "invisible" in h] == []
    assert validate_post_text(text).weighted_length == weight
