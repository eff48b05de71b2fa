"""Which accounts have authorised account events (OAuth 2.0): the answer the stream worker asks."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from accounts.models import ActivityGrant
from accounts.selectors import activity_access_token, activity_authorised, activity_authorised_ids
from tests.factories import TwitterAccountFactory

ACCESS = "oauth2-access-token-that-must-never-be-stored-in-clear"
REFRESH = "oauth2-refresh-token-that-must-never-be-stored-in-clear"


def _grant(account, **fields) -> ActivityGrant:
    now = timezone.now()
    values = {
        "access_token": ACCESS,
        "refresh_token": REFRESH,
        "scopes": "tweet.read users.read offline.access",
        "expires_at": now + timedelta(hours=2),
        "authorised_at": now,
    }
    values.update(fields)
    return ActivityGrant.objects.create(account=account, **values)


def test_an_account_without_a_grant_is_not_authorised(account):
    assert activity_authorised(account) is False
    assert activity_authorised(account.pk) is False
    assert activity_authorised_ids() == set()
    assert activity_access_token(account) is None


def test_an_account_with_a_live_grant_is_authorised_and_only_it(account, team):
    other = TwitterAccountFactory(team=team)
    _grant(account, authorised_by=account.responsible_person)
    assert activity_authorised(account) is True
    assert activity_authorised(other) is False
    assert activity_authorised_ids() == {account.pk}
    assert activity_access_token(account.pk) == ACCESS


def test_an_expired_access_token_still_counts_because_the_refresh_job_renews_it(account):
    _grant(account, expires_at=timezone.now() - timedelta(minutes=5))
    assert activity_authorised(account) is True


def test_revoked_or_refused_grants_or_ones_without_tokens_do_not_count(account, team):
    revoked = TwitterAccountFactory(team=team)
    refused = TwitterAccountFactory(team=team)
    emptied = TwitterAccountFactory(team=team)
    _grant(account)
    _grant(revoked, revoked_at=timezone.now(), access_token="", refresh_token="")
    _grant(refused, refresh_failed_at=timezone.now(), refresh_failure="invalid_grant")
    _grant(emptied, access_token="")
    assert activity_authorised_ids() == {account.pk}
    for other in (revoked, refused, emptied):
        assert activity_authorised(other) is False
        assert activity_access_token(other) is None


def test_the_tokens_are_encrypted_at_rest(account):
    grant = _grant(account)
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM accounts_activitygrant WHERE id = %s", [grant.pk])
        raw_access, raw_refresh = cursor.fetchone()
    assert ACCESS not in raw_access and REFRESH not in raw_refresh
    assert raw_access.startswith("gAAAAA") and raw_refresh.startswith("gAAAAA")
    fresh = ActivityGrant.objects.get(pk=grant.pk)
    assert (fresh.access_token, fresh.refresh_token) == (ACCESS, REFRESH)
