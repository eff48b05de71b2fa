"""The server-side post validator: X's weighted length plus the department's own rules."""

import pytest

from twitter_api.text import MAX_WEIGHTED_LENGTH, PostTextCheck, validate_post_text


def test_the_limit_is_280():
    assert MAX_WEIGHTED_LENGTH == 280


def test_a_plain_post_is_valid_with_no_errors():
    check = validate_post_text("Our offices are closed on Monday for the bank holiday.")

    assert check == PostTextCheck(
        text_nfc="Our offices are closed on Monday for the bank holiday.",
        weighted_length=54,
        valid=True,
        errors=[],
    )


def test_exactly_280_latin_characters_is_allowed():
    check = validate_post_text("x" * 280)

    assert check.valid
    assert check.weighted_length == 280


def test_an_overlong_post_says_how_long_it_is_and_how_much_to_remove():
    check = validate_post_text("x" * 301)

    assert not check.valid
    assert check.errors == ["Your post is 301 characters long by X's count; the limit is 280. Remove 21 characters."]


def test_one_character_over_uses_the_singular():
    assert validate_post_text("x" * 281).errors[0].endswith("Remove 1 character.")


def test_the_overlong_message_explains_why_other_scripts_count_double():
    check = validate_post_text("日" * 141)

    assert check.weighted_length == 282
    assert "Emoji and characters in some scripts count as 2" in check.errors[0]


def test_every_url_weighs_23_however_long():
    check = validate_post_text("See https://www.gov.uk/" + "a" * 400)

    assert check.weighted_length == 4 + 23
    assert check.valid


def test_the_overlong_message_mentions_links_when_there_are_links():
    check = validate_post_text("x" * 270 + " https://www.gov.uk/guidance")

    assert not check.valid
    assert "every link counts as 23" in check.errors[0].lower()


def test_an_emoji_sequence_weighs_2():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"

    assert validate_post_text(family).weighted_length == 2


def test_text_is_nfc_normalised():
    decomposed = "Cafe\u0301"

    check = validate_post_text(decomposed)

    assert check.text_nfc == "Caf\u00e9"
    assert check.weighted_length == 4


@pytest.mark.parametrize("text", ["", "   ", "\n\n", " \u200b\u200e "])
def test_an_empty_or_blank_post_is_refused(text):
    check = validate_post_text(text)

    assert not check.valid
    assert check.errors == ["Your post is empty. Write the text of the post."]


def test_windows_line_breaks_become_single_line_breaks():
    check = validate_post_text("First line\r\nSecond line\rThird")

    assert check.text_nfc == "First line\nSecond line\nThird"
    assert check.weighted_length == len("First line\nSecond line\nThird")
    assert check.valid


def test_a_tab_is_refused_with_advice_to_use_a_space():
    check = validate_post_text("Opening\thours")

    assert not check.valid
    assert check.errors == [
        "Your post contains a tab at character 8. X does not show tabs reliably: replace it with a space."
    ]


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_are_refused_naming_the_position(control):
    check = validate_post_text("ab" + control + "cd")

    assert not check.valid
    assert len(check.errors) == 1
    assert f"(U+{ord(control):04X}) at character 3" in check.errors[0]


def test_each_kind_of_bad_character_is_reported_once():
    check = validate_post_text("a\x07b\x07c\td\te")

    assert len(check.errors) == 2


@pytest.mark.parametrize("character", ["\ufffe", "\uffff", "\ufeff"])
def test_characters_x_refuses_are_reported(character):
    check = validate_post_text("Hello" + character)

    assert not check.valid
    assert "X does not allow" in check.errors[0]
    assert "at character 6" in check.errors[0]


def test_a_lone_surrogate_is_refused():
    check = validate_post_text("Hello \ud83d")

    assert not check.valid
    assert "broken character at character 7" in check.errors[0]


@pytest.mark.parametrize(
    "text",
    [
        "\u200fRight-to-left text \u05e9\u05dc\u05d5\u05dd\u200e",  # marks; embeddings are refused (test_invisible_...)
        "zero\u200bwidth space",
        "flag \U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f",
        "line\nbreaks\nare fine",
    ],
    ids=["directional-marks", "zero-width-space", "emoji-tag-sequence", "newlines"],
)
def test_legitimate_invisible_characters_are_allowed(text):
    check = validate_post_text(text)

    assert check.valid, check.errors


def test_several_problems_are_all_reported():
    check = validate_post_text("\x07" + "x" * 300)

    assert not check.valid
    assert len(check.errors) == 2
