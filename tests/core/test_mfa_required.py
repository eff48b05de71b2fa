"""Admins, leads and approvers cannot use the app until they have enrolled an authenticator app."""

import time
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.utils import timezone

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


# What a browser fetches besides the page itself, and what a page asks for in the background.
BACKGROUND_REQUESTS = {
    "the icon a browser asks for": ("/favicon.ico", {"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}),
    "an old browser's icon request": ("/favicon.ico", {"Accept": "image/avif,image/webp,image/*,*/*;q=0.8"}),
    "a phone's home-screen icon": ("/apple-touch-icon.png", {}),
    "a phone's older home-screen icon": ("/apple-touch-icon-precomposed.png", {}),
    "a crawler": ("/robots.txt", {}),
    "a health check": ("/healthz", {}),
    "a stylesheet": ("/static/css/dovecote.css", {"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "style"}),
    "an htmx swap": ("/?panel=my-work", {"HX-Request": "true"}),
    "a script's fetch": ("/teams/", {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}),
    "an XMLHttpRequest": ("/teams/", {"X-Requested-With": "XMLHttpRequest", "Accept": "*/*"}),
    "a prefetch of a page": (
        "/",
        {"Sec-Purpose": "prefetch", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
    ),
    "a prefetch of the activation page": (
        "/accounts/2fa/totp/activate/",
        {"Sec-Purpose": "prefetch", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
    ),
}


def _secret_on_the_page(client) -> str:
    page = client.get(
        "/accounts/2fa/totp/activate/", headers={"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    )
    assert page.status_code == 200
    return page.context["form"].secret


@pytest.mark.parametrize("what", list(BACKGROUND_REQUESTS))
def test_background_requests_of_a_lead_without_mfa_are_not_sent_to_enrolment_and_keep_the_secret(client, team, what):
    path, headers = BACKGROUND_REQUESTS[what]
    user = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    _sign_in(client, user)
    secret = _secret_on_the_page(client)

    response = client.get(path, headers=headers, follow=True)

    assert all("/accounts/2fa/" not in url for url, _ in response.redirect_chain), response.redirect_chain
    assert client.session[SECRET_SESSION_KEY] == secret
    assert _secret_on_the_page(client) == secret


def test_a_background_request_for_a_page_is_refused_with_what_to_do(client, team):
    user = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    _sign_in(client, user)

    response = client.get("/?panel=my-work", headers={"HX-Request": "true"})

    assert response.status_code == 403
    assert response["HX-Redirect"] == "/accounts/2fa/totp/activate/"
    assert "Set up your authenticator app" in response.content.decode()


def test_a_form_sent_in_the_background_by_a_lead_without_mfa_is_refused(client, team):
    user = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    _sign_in(client, user)

    response = client.post(f"/teams/{team.pk}/", {}, headers={"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"})

    assert response.status_code == 403


def test_a_page_a_lead_without_mfa_opens_in_a_browser_sends_them_to_enrolment(client, team):
    user = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    _sign_in(client, user)

    response = client.get(
        "/teams/",
        headers={"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "Accept": "text/html,*/*;q=0.8"},
    )

    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_the_secret_shown_stays_the_one_checked_until_enrolment_succeeds(client, team):
    user = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    _sign_in(client, user)
    secret = _secret_on_the_page(client)
    assert _secret_on_the_page(client) == secret  # the person reloads the page

    wrong = "000000" if _current_code(secret) != "000000" else "111111"
    assert client.post("/accounts/2fa/totp/activate/", {"code": wrong}).status_code == 200
    assert _secret_on_the_page(client) == secret

    assert client.post("/accounts/2fa/totp/activate/", {"code": _current_code(secret)}).status_code == 302
    enrolled = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert decrypt(enrolled.data["secret"]) == secret
    assert SECRET_SESSION_KEY not in client.session


def test_anyone_gets_the_icons_and_a_robots_txt_that_keeps_crawlers_out(client, db):
    for path, content_type in [
        ("/favicon.ico", "image/"),
        ("/apple-touch-icon.png", "image/png"),
        ("/apple-touch-icon-precomposed.png", "image/png"),
    ]:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith(content_type), (path, response["Content-Type"])
        assert response.redirect_chain and response.redirect_chain[-1][0].startswith("/static/images/")

    robots = client.get("/robots.txt")
    assert robots.status_code == 200
    assert robots["Content-Type"].startswith("text/plain")
    assert robots.content.decode().splitlines() == ["User-agent: *", "Disallow: /"]


def test_pages_name_their_icon_so_browsers_do_not_guess(client, team):
    assert '<link rel="icon"' in client.get("/accounts/login/").content.decode()
    user = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    _sign_in(client, user)
    page = client.get("/accounts/2fa/totp/activate/").content.decode()
    assert '<link rel="icon" href="/static/images/favicon.ico" sizes="32x32">' in page
    assert '<link rel="icon" href="/static/images/favicon.svg" type="image/svg+xml">' in page
    assert '<link rel="apple-touch-icon" href="/static/images/apple-touch-icon.png">' in page


def test_a_lead_who_has_just_enrolled_sees_their_recovery_codes_without_typing_their_password_again(client, team):
    user = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    _sign_in(client, user)
    secret = _secret_on_the_page(client)

    enrolled = client.post("/accounts/2fa/totp/activate/", {"code": _current_code(secret)})

    assert enrolled["Location"] == "/accounts/2fa/recovery-codes/"
    codes = client.get("/accounts/2fa/recovery-codes/")
    assert codes.status_code == 200
    assert len(codes.context["unused_codes"]) == 10


def test_a_lead_who_enrolled_before_this_sign_in_confirms_their_password_to_see_recovery_codes(client, team):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    from tests.conftest import enrol_totp

    user = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    secret = enrol_totp(user)
    RecoveryCodes.activate(user)
    Authenticator.objects.filter(user=user).update(created_at=timezone.now() - timedelta(days=1))
    assert _sign_in(client, user)["Location"] == "/accounts/2fa/authenticate/"
    assert client.post("/accounts/2fa/authenticate/", {"code": _current_code(secret)}).status_code == 302

    response = client.get("/accounts/2fa/recovery-codes/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")


def test_the_admin_pages_name_the_same_icon(client, admin_user):
    client.force_login(admin_user)
    for url in ["/admin/", "/admin/accounts/team/add/", "/django-rq/"]:
        page = client.get(url)
        assert page.status_code == 200, url
        assert '<link rel="icon" href="/static/images/favicon.svg" type="image/svg+xml">' in page.content.decode(), url
