"""Keeping account events authorised: the periodic refresh of OAuth 2.0 grants (X rotates the refresh token), safe
to run twice or on two workers at once; X refusing marks the grant for authorising again and tells the leads."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from accounts import oauth2 as grants
from accounts.jobs import activity_grants_refresh
from accounts.models import ActivityGrant, AuditEvent
from accounts.selectors import activity_access_token, activity_authorised
from tests.accounts.oauth2_helpers import authorise, grant_of
from twitter_api import oauth2 as x_oauth2


@pytest.fixture
def authorised(client, lead, account, x_sandbox):
    x_sandbox.register_account(account)
    client.force_login(lead)
    authorise(client, account)
    grant = grant_of(account)
    assert grant.is_usable
    return grant


def _lapsing(grant, minutes: int = 10) -> None:
    ActivityGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() + timedelta(minutes=minutes))


def test_a_grant_not_due_is_left_alone(authorised):
    before = authorised.access_token
    assert activity_grants_refresh() == {}
    assert grant_of(authorised.account).access_token == before


def test_a_grant_lapsing_soon_is_refreshed_and_x_rotates_the_refresh_token(authorised, x_sandbox):
    old_access, old_refresh = authorised.access_token, authorised.refresh_token
    _lapsing(authorised)
    assert activity_grants_refresh() == {"refreshed": 1}
    grant = grant_of(authorised.account)
    assert grant.access_token != old_access and grant.refresh_token != old_refresh
    assert grant.expires_at > timezone.now() + timedelta(hours=1, minutes=50)
    assert grant.refreshed_at is not None and grant.generation == authorised.generation + 1
    assert x_sandbox.state.oauth2_user_id(grant.access_token) == authorised.account.x_user_id
    # The old refresh token no longer works at X.
    with pytest.raises(x_oauth2.GrantRefused):
        x_oauth2.token_refresh(refresh_token=old_refresh)
    # Run again straight away: nothing more to do.
    assert activity_grants_refresh() == {}


def test_an_already_lapsed_grant_is_refreshed_too(authorised, x_sandbox):
    x_sandbox.state.oauth2.control("POST", {"expire_access": True})
    ActivityGrant.objects.filter(pk=authorised.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert activity_grants_refresh() == {"refreshed": 1}
    assert x_sandbox.state.oauth2_user_id(activity_access_token(authorised.account)) is not None


def test_a_refresh_that_lost_the_race_keeps_the_winners_tokens_and_does_not_fail_the_grant(authorised, monkeypatch):
    """Two workers read the same refresh token; the other one refreshes first (X rotates the token), so X refuses
    this one: the grant keeps the winner's tokens, and is not marked as failed."""
    _lapsing(authorised)
    real = x_oauth2.token_refresh
    winner = {}

    def the_other_worker_first(*, refresh_token, **kwargs):
        tokens = real(refresh_token=refresh_token)  # the other worker, with the same token, and it commits
        ActivityGrant.objects.filter(pk=authorised.pk).update(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            generation=F("generation") + 1,
        )
        winner.update(access=tokens.access_token)
        return real(refresh_token=refresh_token, **kwargs)  # this worker, with the now rotated token

    monkeypatch.setattr(x_oauth2, "token_refresh", the_other_worker_first)
    assert grants.activity_grant_refresh(grant_id=authorised.pk) == "lost_race"
    grant = grant_of(authorised.account)
    assert grant.is_usable and grant.refresh_failed_at is None
    assert grant.access_token == winner["access"]
    assert not AuditEvent.objects.filter(action="account.activity_refresh_failed").exists()


def test_a_grant_disconnected_while_x_was_asked_keeps_no_new_tokens(authorised, monkeypatch, x_sandbox):
    _lapsing(authorised)
    real = x_oauth2.token_refresh
    issued = {}

    def disconnected_meanwhile(**kwargs):
        tokens = real(**kwargs)
        issued.update(access=tokens.access_token)
        ActivityGrant.objects.filter(pk=authorised.pk).update(
            access_token="", refresh_token="", revoked_at=timezone.now(), generation=F("generation") + 1
        )
        return tokens

    monkeypatch.setattr(x_oauth2, "token_refresh", disconnected_meanwhile)
    assert grants.activity_grant_refresh(grant_id=authorised.pk) == "lost_race"
    assert grant_of(authorised.account).access_token == ""
    assert x_sandbox.state.oauth2_user_id(issued["access"]) is None  # cancelled at X


def test_x_refusing_the_refresh_marks_the_grant_and_tells_the_leads(
    authorised, x_sandbox, client, lead, member, django_capture_on_commit_callbacks
):
    from accounts.oauth2 import activity_grant_failed

    told = []
    activity_grant_failed.connect(
        lambda sender, grant, account, **kw: told.append(account.pk), weak=False, dispatch_uid="test-told"
    )
    account = authorised.account
    x_sandbox.state.oauth2.control("POST", {"revoke_user": account.x_user_id})  # removed in X's settings
    _lapsing(authorised)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert activity_grants_refresh() == {"failed": 1}
    finally:
        activity_grant_failed.disconnect(dispatch_uid="test-told")
    grant = grant_of(account)
    assert grant.refresh_failed_at is not None and "authorise account events again" in grant.refresh_failure
    assert not activity_authorised(account)
    assert AuditEvent.objects.filter(action="account.activity_refresh_failed", object_id=str(account.pk)).exists()
    assert told == [account.pk]
    # The lead sees it on every page, and on the account's page; a member sees no banner.
    client.force_login(lead)
    assert "Account events stopped" in client.get("/").content.decode()
    page = client.get(f"/teams/accounts/{account.pk}/").content.decode()
    assert "Stopped" in page and "authorise again" in page
    client.force_login(member)
    assert "Account events stopped" not in client.get("/").content.decode()
    # The sweep does not ask X again about a failed grant; authorising again clears it.
    assert activity_grants_refresh() == {}
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        authorise(client, account)
    assert activity_authorised(account)
    assert "Account events stopped" not in client.get("/").content.decode()


def test_x_failing_for_now_leaves_the_grant_for_the_next_sweep(authorised, x_sandbox):
    _lapsing(authorised)
    x_sandbox.set_faults(force_5xx=1)
    assert activity_grants_refresh() == {"retry": 1}
    grant = grant_of(authorised.account)
    assert grant.is_usable and grant.access_token == authorised.access_token
    assert activity_grants_refresh() == {"refreshed": 1}


@pytest.mark.parametrize(
    "body",
    [
        {"token_type": "bearer", "access_token": "a\x00", "refresh_token": "r", "expires_in": 7200, "scope": "x"},
        {"error": "server_error"},
        ["not", "an", "object"],
    ],
)
def test_a_hostile_refresh_answer_changes_nothing(authorised, x_sandbox, body):
    _lapsing(authorised)
    x_sandbox.state.oauth2.control("POST", {"answers": [{"status": 200, "body": body}]})
    assert activity_grants_refresh() == {"retry": 1}
    grant = grant_of(authorised.account)
    assert grant.is_usable and grant.refresh_token == authorised.refresh_token
