"""Careful reads about accounts that other apps ask (the stream worker, the account page)."""

from accounts.models import ActivityGrant, TwitterAccount


def _usable_grants():
    return ActivityGrant.objects.filter(revoked_at__isnull=True, refresh_failed_at__isnull=True).exclude(
        access_token=""
    )


def activity_authorised(account: TwitterAccount | int) -> bool:
    """Has the account authorised Dovecote, with OAuth 2.0, to receive its X Activity API events (and the grant
    has been neither revoked nor refused on refresh)? An expired access token still counts: the refresh job
    renews it (accounts.jobs.activity_grants_refresh)."""
    account_id = account if isinstance(account, int) else account.pk
    return _usable_grants().filter(account_id=account_id).exists()


def activity_authorised_ids() -> set[int]:
    """The ids of every account whose account events may be pushed (see activity_authorised)."""
    return set(_usable_grants().values_list("account_id", flat=True))


def activity_access_token(account: TwitterAccount | int) -> str | None:
    """The account's current OAuth 2.0 user access token, for calling the Activity API as the account; None when
    it has not authorised (or the grant was revoked or failed to refresh). Never show it to anyone."""
    account_id = account if isinstance(account, int) else account.pk
    grant = _usable_grants().filter(account_id=account_id).only("access_token").first()
    return grant.access_token if grant is not None else None
