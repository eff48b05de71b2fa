"""The post validator agrees with X's official conformance suite on every case of the current rules."""

from pathlib import Path

import pytest
import yaml

from twitter_api.text import validate_post_text

# ../shared/reference beside the checkout (found from any depth, so a git worktree finds it too).
CONFORMANCE_FILE = next(
    (
        parent / "shared" / "reference" / "twitter-text-conformance" / "validate.yml"
        for parent in Path(__file__).resolve().parents
        if (parent / "shared" / "reference" / "twitter-text-conformance" / "validate.yml").exists()
    ),
    Path(__file__).resolve().parents[3] / "shared" / "reference" / "twitter-text-conformance" / "validate.yml",
)
# The department refuses what X accepts in one respect: bidirectional controls (twitter_api/text.py).
BIDI_CONTROLS = {chr(code) for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]}
CURRENT_SECTIONS = ("WeightedTweetsWithDiscountedEmojiCounterTest", "UnicodeDirectionalMarkerCounterTest")


def _current_cases():
    suite = yaml.safe_load(CONFORMANCE_FILE.read_text(encoding="utf-8"))["tests"]
    return [
        pytest.param(case["text"], case["expected"], id=f"{section}: {case['description']}")
        for section in CURRENT_SECTIONS
        for case in suite[section]
    ]


CASES = _current_cases()


def test_the_suite_holds_every_case_of_the_current_sections():
    assert len(CASES) == 24


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_weighted_length_and_validity_agree_with_the_conformance_suite(text, expected):
    check = validate_post_text(text)

    assert check.weighted_length == expected["weightedLength"]
    if BIDI_CONTROLS & set(text):
        assert not check.valid
        assert any("text-direction character" in error for error in check.errors)
    else:
        assert check.valid is expected["valid"]
    if not expected["valid"]:
        assert check.errors, "an invalid post must say what to fix"
