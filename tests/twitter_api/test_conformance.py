"""The post validator agrees with X's official conformance suite on every case of the current rules."""

from pathlib import Path

import pytest
import yaml

from twitter_api.text import validate_post_text

CONFORMANCE_FILE = (
    Path(__file__).resolve().parents[3] / "shared" / "reference" / "twitter-text-conformance" / "validate.yml"
)
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
    assert check.valid is expected["valid"]
    if not expected["valid"]:
        assert check.errors, "an invalid post must say what to fix"
