"""A lead authorises account events (X's OAuth 2.0) from the account's page: off to X's consent page (the sandbox's),
approve, back on the account's page, which says it is authorised; then disconnects it."""

import re

import pytest

from accounts.selectors import activity_access_token, activity_authorised
from tests.conftest import enrol_totp


@pytest.mark.django_db(transaction=True)
def test_a_lead_authorises_account_events_on_x_and_sees_them_authorised(journeys, lead, account, x_sandbox):
    x_sandbox.register_account(account)
    totp_secret = enrol_totp(lead)

    journey = journeys.start("lead")
    journey.sign_in(lead.email, totp_secret=totp_secret)
    page = journey.goto(f"/teams/accounts/{account.pk}/")
    assert page.get_by_role("heading", name="Account events (X Activity API)").is_visible()
    assert page.get_by_text("Not authorised").is_visible()
    page.get_by_role("button", name="Authorise account events").click()

    # X's consent page (the sandbox stands in for it).
    page.wait_for_url(re.compile(r"/i/oauth2/authorize\?"))
    journey.check()
    assert page.get_by_role("heading", name="Authorise Dovecote to read your account events?").is_visible()
    page.get_by_label("Signed in to X as").select_option(label="@DeptComms")
    page.get_by_role("button", name="Authorise app").click()

    page.wait_for_url(re.compile(rf"/teams/accounts/{account.pk}/$"))
    journey.check()
    assert page.get_by_text("Authorised: X will push @DeptComms's mentions and account events.").is_visible()
    assert page.locator(".govuk-tag", has_text="Authorised").is_visible()
    assert page.get_by_text(str(lead)).first.is_visible()
    assert activity_authorised(account)
    assert x_sandbox.state.oauth2_user_id(activity_access_token(account)) == account.x_user_id

    page.get_by_role("button", name="Disconnect account events").click()
    journey.check()
    assert page.get_by_text("Disconnected: X no longer sends @DeptComms's account events").is_visible()
    assert not activity_authorised(account)
