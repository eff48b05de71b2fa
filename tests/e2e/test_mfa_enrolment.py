"""A new admin, lead, approver or trainer enrols an authenticator app in a real browser from nothing but what the page
shows, and a person who has lost their phone signs in with a recovery code. The browser loads each page as
it would for a person (its icon, its stylesheets and scripts): none of those requests may change the secret."""

import re

import pytest
from allauth.mfa.models import Authenticator

from accounts.models import Membership
from tests.e2e.conftest import totp_code
from tests.factories import TEST_PASSWORD, AdminFactory, MembershipFactory
from tests.training.factories import TrainerFactory

ACTIVATE = re.compile(r"/accounts/2fa/totp/activate/$")
NEW_USERS = {
    "admin": lambda team: AdminFactory(),
    "lead": lambda team: MembershipFactory(team=team, role=Membership.Role.LEAD).user,
    "approver": lambda team: MembershipFactory(team=team, role=Membership.Role.APPROVER).user,
    "trainer": lambda team: TrainerFactory(mfa=False),
}


def _secret_shown(page) -> str:
    """What a person copies into their authenticator app: the secret printed under the QR code."""
    secret = page.get_by_label("Authenticator secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), secret
    return secret


def _enrol(journey, user, *, reload: bool = False):
    """Sign in with a password, meet the activation page, type the code the app shows for the secret."""
    page = journey.sign_in(user.email)
    assert ACTIVATE.search(page.url), page.url
    assert page.get_by_role("heading", name="Activate authenticator app").is_visible()
    secret = _secret_shown(page)

    if reload:
        # A person who reloads the page, or whose phone or a crawler asks for what browsers ask for by
        # themselves, still sees the secret they scanned.
        page.reload()
        journey.check()
        assert _secret_shown(page) == secret
        for path in ["/favicon.ico", "/apple-touch-icon.png", "/robots.txt"]:
            assert page.request.get(path).ok, path
        assert _secret_shown(page) == secret

    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    journey.check()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return page, secret


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", list(NEW_USERS))
def test_a_new_person_who_must_use_mfa_enrols_from_what_the_page_shows_and_reaches_the_dashboard(journeys, team, role):
    user = NEW_USERS[role](team)
    assert not Authenticator.objects.filter(user=user).exists()
    journey = journeys.start(role)

    page, secret = _enrol(journey, user)

    page = journey.goto("/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()

    # The authenticator they enrolled is the one asked for at their next sign-in.
    journey.sign_out()
    page = journey.sign_in(user.email, totp_secret=secret)
    assert page.get_by_role("heading", name="Dashboard").is_visible()


@pytest.mark.django_db(transaction=True)
def test_a_lead_who_lost_their_phone_signs_in_with_a_recovery_code(journeys, team):
    lead = NEW_USERS["lead"](team)
    journey = journeys.start("lead")
    page, _ = _enrol(journey, lead, reload=True)

    # Enrolling shows the recovery codes at once; the lead makes a fresh set, which voids the first.
    first_codes = page.get_by_label("Unused codes").input_value().split()
    assert len(first_codes) == 10
    page.get_by_role("link", name="Generate new codes").click()
    journey.check()
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    journey.check()
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == 10 and not set(codes) & set(first_codes)

    journey.sign_out()
    page = journey.goto("/accounts/login/")
    page.get_by_label("Email").fill(lead.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.wait_for_url(re.compile("/accounts/2fa/authenticate/"))
    journey.check()

    page.get_by_label(re.compile("code", re.I)).fill(first_codes[0])
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.get_by_text("Incorrect code").first.wait_for()
    journey.check()

    page.get_by_label(re.compile("code", re.I)).fill(codes[0])
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.wait_for_url(re.compile(r"/$"))
    journey.check()
    assert page.get_by_role("heading", name="Dashboard").is_visible()

    # A recovery code works once; seeing the rest, from a sign-in without the app, needs the password again.
    page = journey.goto("/accounts/2fa/recovery-codes/")
    assert page.get_by_role("heading", name="Confirm Access").is_visible()
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    journey.check()
    assert page.get_by_label("Unused codes").input_value().split() == codes[1:]
