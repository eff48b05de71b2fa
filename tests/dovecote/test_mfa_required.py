"""Admins, leads and approvers cannot use the app until they have enrolled an authenticator app."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from accounts.models import Membership
from tests.factories import TEST_PASSWORD, AdminFactory, MembershipFactory


def _sign_in(client, user):
    response = client.post("/accounts/login/", {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content
    return response


def _current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.mark.parametrize("role", [Membership.Role.LEAD, Membership.Role.APPROVER])
def test_it_sends_leads_and_approvers_without_mfa_to_enrolment(client, team, role):
    user = MembershipFactory(team=team, role=role).user
    _sign_in(client, user)
    for url in ["/", "/teams/", f"/teams/{team.pk}/", "/teams/audit/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_it_sends_admins_without_mfa_to_enrolment(client, db):
    admin = AdminFactory()
    _sign_in(client, admin)
    assert client.get("/admin/")["Location"] == "/accounts/2fa/totp/activate/"


def test_it_lets_members_in_without_mfa(client, member):
    _sign_in(client, member)
    assert client.get("/").status_code == 200


def test_it_lets_a_lead_in_after_enrolling_with_a_real_totp_code(client, team):
    user = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    _sign_in(client, user)
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret

    wrong = client.post(
        "/accounts/2fa/totp/activate/", {"code": "000000" if _current_code(secret) != "000000" else "111111"}
    )
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=user).exists()

    enrolled = client.post("/accounts/2fa/totp/activate/", {"code": _current_code(secret)})
    assert enrolled.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get("/").status_code == 200
    assert client.get(f"/teams/{team.pk}/").status_code == 200


def test_removing_the_authenticator_sends_a_lead_back_to_enrolment_at_once(client, team):
    from tests.conftest import enrol_totp

    user = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    enrol_totp(user)
    client.force_login(user)
    assert client.get("/").status_code == 200  # the enrolment is now remembered in the cache

    Authenticator.objects.filter(user=user).delete()

    assert client.get("/")["Location"] == "/accounts/2fa/totp/activate/"
