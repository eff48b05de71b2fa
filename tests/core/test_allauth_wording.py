"""The pages django-allauth draws speak as the rest of Dovecote does: sentence case (locale/en_GB overrides
allauth's title-case strings), checked with the same rule as every other page (tests/core/test_sentence_case.py)."""

import re

import pytest
from django.test import override_settings
from django.utils import translation

from accounts.models import Membership
from tests.core.test_sentence_case import problems_with
from tests.factories import TEST_PASSWORD, MembershipFactory

HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
TAGS = re.compile(r"<[^>]+>")


def _h1(html: str) -> str:
    return " ".join(TAGS.sub(" ", HEADING.search(html).group(1)).split())


def test_the_authenticator_page_a_new_lead_meets_is_in_sentence_case(client, team):
    lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    client.post("/accounts/login/", {"login": lead.email, "password": TEST_PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    assert _h1(page.content.decode()) == "Activate authenticator app"
    assert "Authenticator App" not in page.content.decode()


@pytest.mark.parametrize(
    "msgid",
    [
        "Activate Authenticator App",
        "Deactivate Authenticator App",
        "Authenticator App",
        "Two-Factor Authentication",
        "Recovery Codes",
        "Sign In",
        "Sign Out",
        "Trust this Browser?",
    ],
)
@override_settings(LANGUAGE_CODE="en-gb")
def test_each_allauth_heading_we_show_reads_in_sentence_case(msgid):
    with translation.override("en-gb"):
        shown = translation.gettext(msgid)
    assert shown != msgid
    assert problems_with(shown, []) == []
