"""Signing in with a password and an authenticator code, in a real browser."""

import pytest

from tests.conftest import enrol_totp


@pytest.mark.django_db(transaction=True)
def test_a_lead_signs_in_with_a_totp_code_and_sees_their_teams(journeys, lead, account):
    secret = enrol_totp(lead)
    journey = journeys.start("lead")
    page = journey.sign_in(lead.email, totp_secret=secret)
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.get_by_role("link", name="@DeptComms").first.is_visible()
    assert page.locator("[aria-current=true]").inner_text() == "Dashboard"
