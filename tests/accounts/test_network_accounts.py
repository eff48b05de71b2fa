"""Bluesky and Mastodon accounts beside X's: the admin's form asks for the network and checks each network's
handle rule; the account page asks for what the network needs (X: a token and secret; Bluesky: an app password;
Mastodon: an access token) and checks it with the network (its local sandbox) before keeping anything."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent, TwitterAccount
from tests.factories import TwitterAccountFactory

pytestmark = pytest.mark.django_db

DID = "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
MASTODON_TOKEN = "mastodon-token-for-press-0123456789"


def _credentials_url(account) -> str:
    return f"/teams/accounts/{account.pk}/credentials/"


@pytest.fixture
def bluesky(team, lead):
    return TwitterAccountFactory(
        team=team,
        responsible_person=lead,
        network="bluesky",
        handle="press.dept.bsky.social",
        access_token="",
        access_token_secret="",
        x_user_id="",
    )


@pytest.fixture
def mastodon(team, lead):
    return TwitterAccountFactory(
        team=team,
        responsible_person=lead,
        network="mastodon",
        handle="press@social.example.gov.uk",
        instance_url="https://social.example.gov.uk",
        access_token="",
        access_token_secret="",
        x_user_id="",
    )


# --- The account page --------------------------------------------------------------------------------------------


def test_a_bluesky_account_page_asks_for_an_app_password_only(client, lead, bluesky):
    client.force_login(lead)
    page = client.get(f"/teams/accounts/{bluesky.pk}/").content.decode()
    assert "App password" in page
    assert "Never enter the account&#x27;s main password" in page or "Never enter the account's main password" in page
    assert "Access token secret" not in page
    assert "Bluesky" in page
    assert "Account events (X Activity API)" not in page


def test_an_x_account_page_still_asks_for_the_token_and_secret(client, lead, account):
    client.force_login(lead)
    page = client.get(f"/teams/accounts/{account.pk}/").content.decode()
    assert "Access token secret" in page and "App password" not in page


def test_a_bluesky_app_password_is_checked_with_bluesky_and_kept_with_the_did(client, lead, bluesky, bluesky_sandbox):
    bluesky_sandbox.add_user(handle=bluesky.handle, did=DID, app_password=APP_PASSWORD, display_name="Press office")
    client.force_login(lead)
    response = client.post(_credentials_url(bluesky), {"access_token": APP_PASSWORD})
    assert response.status_code == 302
    bluesky.refresh_from_db()
    assert (bluesky.access_token, bluesky.access_token_secret, bluesky.x_user_id) == (APP_PASSWORD, "", DID)
    assert bluesky.has_credentials
    event = AuditEvent.objects.get(action="account.credentials_set", object_id=str(bluesky.pk))
    assert event.details["network"] == "bluesky" and event.details["user_id"] == DID
    assert APP_PASSWORD not in str(event.details)


def test_a_refused_app_password_says_so_and_keeps_nothing(client, lead, bluesky, bluesky_sandbox):
    bluesky_sandbox.add_user(handle=bluesky.handle, did=DID, app_password=APP_PASSWORD)
    client.force_login(lead)
    response = client.post(_credentials_url(bluesky), {"access_token": "wrong-pass-word-xxxx"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Bluesky refused this app password for @press.dept.bsky.social" in page
    assert "under Privacy and security, App passwords" in page
    assert "There is a problem" in page
    # The lead entering it is told what to do, not to ask the account's responsible person (the provider's words for
    # a post that failed later).
    assert "responsible person" not in page.split("There is a problem")[1].split("</ul>")[0]
    bluesky.refresh_from_db()
    assert (bluesky.access_token, bluesky.x_user_id) == ("", "")
    assert not AuditEvent.objects.filter(action="account.credentials_set").exists()


def test_a_mastodon_token_is_checked_and_the_instance_limit_kept(client, lead, mastodon, mastodon_sandbox):
    mastodon_sandbox.add_user("press@social.example.gov.uk", id="4242", access_token=MASTODON_TOKEN)
    mastodon_sandbox.set_max_characters(1000)
    client.force_login(lead)
    page = client.get(f"/teams/accounts/{mastodon.pk}/").content.decode()
    assert "Access token" in page and "Access token secret" not in page
    response = client.post(_credentials_url(mastodon), {"access_token": MASTODON_TOKEN})
    assert response.status_code == 302, response.content.decode()[:3000]
    mastodon.refresh_from_db()
    assert (mastodon.access_token, mastodon.x_user_id, mastodon.max_characters) == (MASTODON_TOKEN, "4242", 1000)
    assert "posts of up to 1000 characters" in client.get(f"/teams/accounts/{mastodon.pk}/").content.decode()


def test_a_refused_mastodon_token_keeps_nothing(client, lead, mastodon, mastodon_sandbox):
    mastodon_sandbox.add_user("press@social.example.gov.uk", id="4242", access_token=MASTODON_TOKEN)
    client.force_login(lead)
    response = client.post(_credentials_url(mastodon), {"access_token": "not-the-token"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Mastodon refused this access token" in page
    assert "under Development" in page
    assert "connect it again" not in page and "responsible person" not in page.split("There is a problem")[1]
    mastodon.refresh_from_db()
    assert (mastodon.access_token, mastodon.x_user_id, mastodon.max_characters) == ("", "", None)


def test_a_member_who_is_not_a_lead_cannot_set_credentials(client, member, bluesky):
    client.force_login(member)
    assert client.post(_credentials_url(bluesky), {"access_token": APP_PASSWORD}).status_code == 403
    bluesky.refresh_from_db()
    assert bluesky.access_token == ""


def test_an_outsider_cannot_see_or_set_the_account(client, outsider, bluesky):
    client.force_login(outsider)
    assert client.get(f"/teams/accounts/{bluesky.pk}/").status_code == 404
    assert client.post(_credentials_url(bluesky), {"access_token": APP_PASSWORD}).status_code == 404


def test_the_team_page_lists_each_account_s_network(client, lead, team, account, bluesky, mastodon):
    client.force_login(lead)
    page = client.get(f"/teams/{team.pk}/").content.decode()
    assert '<th scope="col" class="govuk-table__header">Network</th>' in page
    assert ">Bluesky<" in page and ">Mastodon<" in page and ">X<" in page


# --- The admin ---------------------------------------------------------------------------------------------------


def _admin_data(team, lead, **fields) -> dict:
    data = {
        "network": "bluesky",
        "handle": "news.dept.bsky.social",
        "display_name": "Department news",
        "kind": "corporate",
        "team": team.pk,
        "responsible_person": lead.pk,
        "instance_url": "",
        "x_user_id": "",
        "status": "active",
        "approvals_required": "",
        "approver_team": "",
        "replies_need_approval": "on",
        "approval_expiry_hours": 72,
        "api_access": "self_serve",
        "retention_years": 7,
        "new_access_token": "",
        "new_access_token_secret": "",
    }
    data.update(fields)
    return data


def test_the_admin_adds_a_bluesky_account_checking_its_app_password(client, admin_user, team, lead, bluesky_sandbox):
    bluesky_sandbox.add_user(handle="news.dept.bsky.social", did=DID, app_password=APP_PASSWORD)
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/twitteraccount/add/", _admin_data(team, lead, new_access_token=APP_PASSWORD)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    account = TwitterAccount.objects.get(handle="news.dept.bsky.social")
    assert (account.network, account.x_user_id, account.access_token) == ("bluesky", DID, APP_PASSWORD)
    assert AuditEvent.objects.filter(action="account.credentials_set", object_id=str(account.pk)).exists()


def test_the_admin_refuses_a_bluesky_app_password_bluesky_refuses(client, admin_user, team, lead, bluesky_sandbox):
    bluesky_sandbox.add_user(handle="news.dept.bsky.social", did=DID, app_password=APP_PASSWORD)
    client.force_login(admin_user)
    response = client.post("/admin/accounts/twitteraccount/add/", _admin_data(team, lead, new_access_token="nope"))
    assert response.status_code == 200
    assert "Bluesky refused this app password" in response.content.decode()
    assert not TwitterAccount.objects.filter(handle="news.dept.bsky.social").exists()


def test_the_admin_checks_each_network_s_handle_and_instance(client, admin_user, team, lead):
    client.force_login(admin_user)
    no_instance = _admin_data(team, lead, network="mastodon", handle="news@social.example.gov.uk")
    response = client.post("/admin/accounts/twitteraccount/add/", no_instance)
    assert "Mastodon server." in response.content.decode()
    x_with_instance = _admin_data(team, lead, network="x", handle="DeptNews", instance_url="https://social.example")
    response = client.post("/admin/accounts/twitteraccount/add/", x_with_instance)
    assert "Only a Mastodon account has an instance" in response.content.decode()
    assert not TwitterAccount.objects.filter(display_name="Department news").exists()


def test_the_admin_takes_no_token_secret_for_bluesky(client, admin_user, team, lead):
    client.force_login(admin_user)
    data = _admin_data(team, lead, new_access_token=APP_PASSWORD, new_access_token_secret="secret")
    response = client.post("/admin/accounts/twitteraccount/add/", data)
    assert "Only an X account has a token secret" in response.content.decode()
    assert not TwitterAccount.objects.filter(handle="news.dept.bsky.social").exists()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(token=st.text(max_size=250), secret=st.text(max_size=30))
def test_whatever_is_posted_as_bluesky_credentials_never_gives_a_server_error(
    client, lead, bluesky, bluesky_sandbox, token, secret
):
    bluesky_sandbox.add_user(handle=bluesky.handle, did=DID, app_password=APP_PASSWORD)
    client.force_login(lead)
    response = client.post(_credentials_url(bluesky), {"access_token": token, "access_token_secret": secret})
    assert response.status_code in (302, 400)
    bluesky.refresh_from_db()
    assert bluesky.access_token in ("", APP_PASSWORD)


def test_a_mastodon_server_typed_without_its_scheme_is_taken_as_https():
    field = TwitterAccount._meta.get_field("instance_url").formfield()
    assert field.clean("social.example.gov.uk") == "https://social.example.gov.uk"
    assert field.clean("http://social.example.gov.uk") == "http://social.example.gov.uk"  # as typed
