"""In a real browser the compose box's live count agrees with the server and with X's conformance suite on emoji
sequences (a family emoji counts 2), and the hints warn about invisible characters as the server does."""

import re

import pytest
import yaml
from playwright.sync_api import expect

from accounts.models import Membership
from tests.factories import MembershipFactory
from tests.twitter_api.test_conformance import CONFORMANCE_FILE, CURRENT_SECTIONS
from tweets.hints import accessibility_hints
from twitter_api.text import validate_post_text

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
SEQUENCES = [
    FAMILY,
    "\U0001f44d\U0001f3fd",  # thumbs up, medium skin tone
    "\U0001f1ec\U0001f1e7",  # flag: United Kingdom
    "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f",  # flag: Wales (tag sequence)
    "\U0001f469\U0001f3fd\u200d\U0001f4bb",  # woman technologist, medium skin tone
    f"Happy families day {FAMILY}\U0001f44d\U0001f3fd\U0001f1ec\U0001f1e7 https://www.gov.uk/families",
]


@pytest.mark.django_db(transaction=True)
def test_the_live_count_agrees_with_the_server_on_emoji_sequences_and_invisible_characters_get_a_hint(
    journeys, team, account
):
    member = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
    author = journeys.start("author")
    author.sign_in(member.email)
    page = author.goto("/drafts/new/")
    box = page.get_by_label("Post", exact=True)
    count = page.locator("[data-post-count]").first
    hints = page.locator("[data-post-hints]").first

    box.fill(FAMILY)
    expect(count).to_have_text("2 of 280 characters")
    for text in SEQUENCES:
        box.fill(text)
        expect(count).to_have_text(f"{validate_post_text(text).weighted_length} of 280 characters")
        expect(hints).not_to_contain_text("invisible")  # the joiners inside the emoji are not hidden characters

    box.fill("Apply at gov\u200b.uk today")
    expect(hints).to_be_visible()
    expect(hints).to_contain_text(accessibility_hints("Apply at gov\u200b.uk today")[0])

    box.fill("Refunds: gov.uk/\u202egnp.exe")
    expect(hints).to_contain_text(re.compile(r"text-direction character \(U\+202E\).*will be refused"))

    # The page's own twitter-text, on every case of the conformance sections the server is tested against.
    suite = yaml.safe_load(CONFORMANCE_FILE.read_text(encoding="utf-8"))["tests"]
    cases = [case for section in CURRENT_SECTIONS for case in suite[section]]
    counted = page.evaluate(
        "texts => texts.map(t => twttr.parseTweet(t.normalize('NFC').replace(/\\r\\n?/g, '\\n')).weightedLength)",
        [case["text"] for case in cases],
    )
    assert counted == [case["expected"]["weightedLength"] for case in cases]
