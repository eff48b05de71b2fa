"""Authorising account events (X's OAuth 2.0 with PKCE) from the account's page, through the sandbox's consent page,
and everything that can go wrong on the way: nothing is kept half-way, a person reads what happened, never a 500."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection

from accounts.models import AuditEvent
from accounts.selectors import activity_access_token, activity_authorised
from tests.accounts.oauth2_helpers import authorise, come_back, consent, grant_of, start
from tests.factories import TwitterAccountFactory
from twitter_api.models import ApiCall


@pytest.fixture
def on_x(x_sandbox, account):
    x_sandbox.register_account(account)
    return x_sandbox


def _page(client, account) -> str:
    return client.get(f"/teams/accounts/{account.pk}/").content.decode()


def test_the_authorise_link_sends_the_lead_to_x_with_pkce_and_the_scopes_events_need(client, lead, account, on_x):
    client.force_login(lead)
    url = start(client, account)
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(on_x.url + "/i/oauth2/authorize?")
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert set(query["scope"][0].split()) == {"tweet.read", "users.read", "offline.access"}
    assert query["redirect_uri"] == ["http://testserver/teams/accounts/events/callback/"]
    assert len(query["state"][0]) >= 32
    # The verifier stays in the session, never in the URL.
    pending = client.session["activity_oauth2_pending"][0]
    assert pending["verifier"] not in url and pending["state"] == query["state"][0]


def test_a_lead_authorises_and_the_tokens_are_kept_encrypted_and_audited(client, lead, account, on_x):
    client.force_login(lead)
    response = authorise(client, account)
    assert response.status_code == 302 and response["Location"] == f"/teams/accounts/{account.pk}/"
    grant = grant_of(account)
    assert grant.is_usable and grant.authorised_by == lead and grant.x_user_id == account.x_user_id
    assert set(grant.scope_list) == {"tweet.read", "users.read", "offline.access"}
    assert activity_authorised(account)
    # The token works at X as the account (bearer user context), and is stored encrypted.
    assert on_x.state.oauth2_user_id(activity_access_token(account)) == account.x_user_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM accounts_activitygrant WHERE id = %s", [grant.pk])
        raw = cursor.fetchone()
    assert grant.access_token not in raw[0] and grant.refresh_token not in raw[1]
    event = AuditEvent.objects.get(action="account.activity_authorised", object_id=str(account.pk))
    assert event.actor == lead and grant.access_token not in str(event.details)
    # Metered like every call to X, at no cost.
    calls = ApiCall.objects.filter(account=account)
    assert {(c.method, c.endpoint) for c in calls} == {("POST", "/2/oauth2/token"), ("GET", "/2/users/me")}
    assert all(c.cost == 0 for c in calls)
    page = _page(client, account)
    assert "Authorised" in page and str(lead) in page
    assert grant.access_token not in page and grant.refresh_token not in page
    assert "Disconnect account events" in page


def test_the_page_says_plainly_what_works_without_it(client, member, account):
    client.force_login(member)
    page = _page(client, account)
    assert "Account events (X Activity API)" in page and "Not authorised" in page
    assert "everything else keeps working: publishing, and mentions and keyword monitors found by polling" in page
    assert "within seconds" in page and "takeover tripwire" in page
    # A member reads it but is not offered the button.
    assert "Authorise account events" not in page
    assert "Only the account&#x27;s team leads and admins" in page


def test_cancelling_on_x_keeps_nothing_and_says_so(client, lead, account, on_x):
    client.force_login(lead)
    response = authorise(client, account, decision="deny")
    assert response.status_code == 302
    assert grant_of(account) is None
    assert "Cancelled on X" in client.get(response["Location"]).content.decode()


def test_an_answer_whose_state_was_not_started_in_this_session_is_refused(client, lead, account, on_x, db):
    from django.test import Client

    client.force_login(lead)
    location = consent(start(client, account), x_user_id=account.x_user_id)
    # Another session (an attacker's link, say) cannot finish it, even as a lead of the account.
    other = Client()
    other.force_login(lead)
    response = come_back(other, location)
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert grant_of(account) is None


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"state": "made-up"},
        {"code": "x", "state": ""},
        {"state": "\x00", "code": "\x00"},
        {"error": "access_denied"},
        {"state": ["a", "b"]},
    ],
)
def test_garbage_at_the_callback_is_a_400_never_a_500(client, lead, account, query):
    client.force_login(lead)
    response = client.get("/teams/accounts/events/callback/", query)
    assert response.status_code == 400
    assert grant_of(account) is None


def test_a_state_works_once(client, lead, account, on_x):
    client.force_login(lead)
    location = consent(start(client, account), x_user_id=account.x_user_id)
    assert come_back(client, location).status_code == 302
    assert come_back(client, location).status_code == 400


def test_a_code_sent_back_without_a_code_or_with_an_error_keeps_nothing(client, lead, account, on_x):
    client.force_login(lead)
    state = parse_qs(urlsplit(start(client, account)).query)["state"][0]
    response = client.get("/teams/accounts/events/callback/", {"state": state, "error": "invalid_request"})
    assert response.status_code == 302
    assert "X did not authorise account events" in client.get(response["Location"]).content.decode()
    assert grant_of(account) is None


def test_a_code_x_does_not_accept_keeps_nothing_and_says_so(client, lead, account, on_x):
    client.force_login(lead)
    state = parse_qs(urlsplit(start(client, account)).query)["state"][0]
    response = client.get("/teams/accounts/events/callback/", {"state": state, "code": "not-a-code-x-gave"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "X did not accept the authorisation" in page
    assert grant_of(account) is None


def test_authorising_as_another_x_account_keeps_nothing_and_cancels_the_tokens(client, lead, account, on_x):
    someone = on_x.state.add_user(username="NotDeptComms", access_token="t", access_token_secret="s")
    client.force_login(lead)
    response = authorise(client, account, x_user_id=someone.id)
    page = client.get(response["Location"]).content.decode()
    assert "not @DeptComms" in page and "@NotDeptComms" in page
    assert grant_of(account) is None
    assert all(g["revoked"] for g in on_x.state.oauth2.describe()["grants"])


GOOD = {
    "token_type": "bearer",
    "access_token": "a",
    "refresh_token": "r",
    "expires_in": 7200,
    "scope": "tweet.read users.read offline.access",
}


def _without(name: str) -> dict:
    return {k: v for k, v in GOOD.items() if k != name}


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "a string",
        {},
        _without("access_token"),
        _without("refresh_token"),
        _without("expires_in"),
        _without("scope"),
        _without("token_type"),
        {**GOOD, "access_token": 12345},
        {**GOOD, "access_token": "a\x00b"},
        {**GOOD, "access_token": "a\ud800"},
        {**GOOD, "access_token": "has space"},
        {**GOOD, "refresh_token": ["r"]},
        {**GOOD, "expires_in": "7200"},
        {**GOOD, "expires_in": True},
        {**GOOD, "expires_in": -5},
        {**GOOD, "scope": "users.read"},
        {**GOOD, "scope": "tweet.read\x00 users.read offline.access"},
        {**GOOD, "token_type": "mac"},
        {"error": "invalid_grant", "error_description": ["not", "text"]},
    ],
)
def test_a_hostile_token_answer_keeps_nothing_and_says_so(client, lead, account, on_x, body):
    on_x.state.oauth2.control("POST", {"answers": [{"status": 200, "body": body}]})
    client.force_login(lead)
    response = authorise(client, account)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "nothing was saved" in page.lower() or "could not use" in page
    assert grant_of(account) is None
    assert not AuditEvent.objects.filter(action="account.activity_authorised").exists()


@pytest.mark.parametrize(
    ("faults", "words"),
    [({"force_5xx": 1}, "X is having problems"), ({"force_429": 1}, "X is limiting"), ({"drop_connection": 1}, "X")],
)
def test_x_failing_at_the_exchange_keeps_nothing_and_says_so(client, lead, account, on_x, faults, words):
    client.force_login(lead)
    location = consent(start(client, account), x_user_id=account.x_user_id)
    on_x.set_faults(**faults)
    response = come_back(client, location)
    assert response.status_code == 302
    assert words in client.get(response["Location"]).content.decode()
    assert grant_of(account) is None


def test_a_member_may_not_start_and_an_outsider_does_not_see_the_account(client, member, outsider, account, on_x):
    client.force_login(member)
    assert client.get(f"/teams/accounts/{account.pk}/events/authorise/").status_code == 403
    assert client.post(f"/teams/accounts/{account.pk}/events/disconnect/").status_code == 403
    client.force_login(outsider)
    assert client.get(f"/teams/accounts/{account.pk}/events/authorise/").status_code == 404
    assert client.post(f"/teams/accounts/{account.pk}/events/disconnect/").status_code == 404


def test_an_admin_may_authorise(client, admin_user, account, on_x):
    client.force_login(admin_user)
    authorise(client, account)
    assert grant_of(account).authorised_by == admin_user


def test_authorising_again_replaces_the_tokens_and_cancels_the_old_ones(client, lead, account, on_x):
    client.force_login(lead)
    authorise(client, account)
    first = grant_of(account).access_token
    authorise(client, account)
    second = grant_of(account).access_token
    assert first != second
    assert on_x.state.oauth2_user_id(first) is None
    assert on_x.state.oauth2_user_id(second) == account.x_user_id


def test_disconnecting_cancels_at_x_and_deletes_the_tokens(client, lead, account, on_x):
    client.force_login(lead)
    authorise(client, account)
    token = grant_of(account).access_token
    response = client.post(f"/teams/accounts/{account.pk}/events/disconnect/")
    assert response.status_code == 302
    grant = grant_of(account)
    assert grant.access_token == "" and grant.refresh_token == "" and grant.revoked_at is not None
    assert not activity_authorised(account)
    assert on_x.state.oauth2_user_id(token) is None
    assert AuditEvent.objects.filter(action="account.activity_revoked", actor=lead).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Disconnected" in page and "Authorise account events" in page


def test_disconnecting_when_x_does_not_answer_still_deletes_the_tokens_and_says_so(client, lead, account, on_x):
    client.force_login(lead)
    authorise(client, account)
    on_x.set_faults(force_5xx=5)
    response = client.post(f"/teams/accounts/{account.pk}/events/disconnect/")
    assert grant_of(account).access_token == ""
    assert "X did not confirm" in client.get(response["Location"]).content.decode()
    assert AuditEvent.objects.filter(action="account.activity_revoke_unconfirmed").exists()


def test_revoking_the_credentials_revokes_the_grant_too(client, lead, account, on_x):
    client.force_login(lead)
    authorise(client, account)
    token = grant_of(account).access_token
    client.post(f"/teams/accounts/{account.pk}/credentials/revoke/")
    assert not activity_authorised(account)
    assert on_x.state.oauth2_user_id(token) is None
    assert AuditEvent.objects.filter(action="account.activity_revoked", details__reason="credentials revoked").exists()


def test_another_accounts_grant_is_untouched(client, lead, account, team, on_x):
    other = TwitterAccountFactory(team=team, responsible_person=lead, handle="DeptOther")
    on_x.register_account(other)
    client.force_login(lead)
    authorise(client, account)
    authorise(client, other)
    client.post(f"/teams/accounts/{account.pk}/events/disconnect/")
    assert activity_authorised(other) and not activity_authorised(account)
