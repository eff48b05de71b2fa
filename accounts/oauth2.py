"""An account's OAuth 2.0 grant for X's Activity API (accounts.models.ActivityGrant): authorising it, refreshing it
before it lapses, disconnecting it. The one writer of ActivityGrant; X's side is twitter_api.oauth2.

Without a grant, everything else keeps working: publishing (OAuth 1.0a), polled mentions and keyword monitors, and
the takeover tripwire's polling of the account's timeline. With one, X pushes the account's mentions and events
within seconds, and the tripwire hears of a post or a profile change at once.
"""

import logging
import time
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from accounts.models import ActivityGrant, TwitterAccount, User
from accounts.services import audit_record
from core.cache import forget
from core.permissions import ensure
from twitter_api import oauth2
from twitter_api.errors import XApiError

log = logging.getLogger(__name__)

# Refresh a grant whose access token lapses within this (the sweep runs every few minutes, so a failing X gets
# several tries before the token lapses).
REFRESH_MARGIN = timedelta(minutes=30)
# The authorisations a person has started and not finished, kept in their session (at most this many, this long).
SESSION_KEY = "activity_oauth2_pending"
MAX_PENDING = 5
PENDING_SECONDS = 15 * 60
BANNERS_CACHE_KEY = "dovecote:activity-grant-failures"

# Sent after commit when X refuses to refresh a grant (the account must be authorised again): grant, account.
activity_grant_failed = Signal()


class ActivityGrantError(Exception):
    """The authorisation could not be completed; the message says why and what to do next."""


# --- Starting: the PKCE pair and state, kept in the person's session -------------------------------------------


def activity_authorisation_start(*, by: User, account: TwitterAccount, redirect_uri: str, session) -> str:
    """The URL of X's authorise page for the account; what the callback will need is kept in the session."""
    ensure(by, "accounts.authorise_activity", account)
    pkce, state = oauth2.pkce_pair(), oauth2.new_state()
    now = time.time()
    pending = [p for p in session.get(SESSION_KEY, []) if now - p.get("started", 0) < PENDING_SECONDS]
    pending.append(
        {
            "state": state,
            "account_id": account.pk,
            "verifier": pkce.verifier,
            "redirect_uri": redirect_uri,
            "started": now,
        }
    )
    session[SESSION_KEY] = pending[-MAX_PENDING:]
    return oauth2.authorize_url(redirect_uri=redirect_uri, state=state, code_challenge=pkce.challenge)


def pending_take(session, state: str) -> dict | None:
    """The authorisation this session started with `state`, removed from the session (a state works once); None
    when there is none, or it is too old."""
    pending = session.get(SESSION_KEY, [])
    found = next((p for p in pending if isinstance(p, dict) and p.get("state") == state), None) if state else None
    if found is None:
        return None
    session[SESSION_KEY] = [p for p in pending if p is not found]
    if time.time() - found.get("started", 0) >= PENDING_SECONDS:
        return None
    return found


# --- Finishing: the code exchanged, the tokens checked and kept ------------------------------------------------


def _revoke_quietly(tokens, account) -> bool:
    """Cancel tokens at X that Dovecote will not keep; True if X confirmed each."""
    told = True
    for token, hint in ((tokens[1], "refresh_token"), (tokens[0], "access_token")):
        if not token:
            continue
        try:
            told = oauth2.token_revoke(token=token, hint=hint, account=account, context="oauth2:revoke") and told
        except XApiError as exc:
            log.warning("X did not confirm revoking a token of %s: %s", account, exc.message)
            told = False
    return told


def activity_grant_create(
    *, by: User, account: TwitterAccount, code: str, code_verifier: str, redirect_uri: str, request=None
) -> ActivityGrant:
    """Exchange the code X sent back and keep the tokens, after checking they are the account's own (a lead signed
    in to X as someone else would otherwise connect the wrong account). Audited; nothing is kept on any failure."""
    ensure(by, "accounts.authorise_activity", account)
    context = "oauth2:authorise"
    try:
        tokens = oauth2.code_exchange(
            code=code, code_verifier=code_verifier, redirect_uri=redirect_uri, account=account, context=context
        )
    except XApiError as exc:
        raise ActivityGrantError(exc.message) from exc
    try:
        x_user = oauth2.token_user(tokens.access_token, account=account, context=context)
    except XApiError as exc:
        _revoke_quietly((tokens.access_token, tokens.refresh_token), account)
        raise ActivityGrantError(exc.message) from exc
    if account.x_user_id and x_user.id != account.x_user_id:
        _revoke_quietly((tokens.access_token, tokens.refresh_token), account)
        name = f"@{x_user.username}" if x_user.username else "another X account"
        raise ActivityGrantError(
            f"X says you authorised as {name}, not @{account.handle}, so nothing was saved. Sign in to X as "
            f"@{account.handle} and authorise again."
        )
    now = timezone.now()
    with transaction.atomic():
        grant, _ = ActivityGrant.objects.select_for_update().get_or_create(account=account)
        replaced = (grant.access_token, grant.refresh_token) if grant.access_token or grant.refresh_token else None
        grant.access_token = tokens.access_token
        grant.refresh_token = tokens.refresh_token
        grant.scopes = " ".join(tokens.scopes)[:500]
        grant.expires_at = tokens.expires_at
        grant.x_user_id = x_user.id
        grant.authorised_by = by
        grant.authorised_at = now
        grant.refreshed_at = grant.revoked_at = grant.refresh_failed_at = None
        grant.refresh_failure = ""
        grant.generation = (grant.generation or 0) + 1
        grant.save()
        audit_record(
            action="account.activity_authorised",
            actor=by,
            obj=account,
            team=account.team,
            details={"scopes": list(tokens.scopes), "x_user_id": x_user.id, "replaced_earlier": replaced is not None},
            request=request,
        )
        transaction.on_commit(lambda: forget(BANNERS_CACHE_KEY))
    if replaced is not None:
        _revoke_quietly(replaced, account)
    return grant


# --- Disconnecting -----------------------------------------------------------------------------------------------


def activity_grant_revoke(
    *, by: User | None, account: TwitterAccount, reason: str = "disconnected", request=None
) -> bool | None:
    """Delete the account's OAuth 2.0 tokens and cancel them at X. None when there was nothing to revoke; else
    whether X confirmed (the tokens are deleted here either way; an unconfirmed revocation is audited)."""
    if by is not None:
        ensure(by, "accounts.authorise_activity", account)
    with transaction.atomic():
        grant = ActivityGrant.objects.select_for_update().filter(account=account).first()
        if grant is None or not (grant.access_token or grant.refresh_token):
            return None
        tokens = (grant.access_token, grant.refresh_token)
        grant.access_token = grant.refresh_token = ""
        grant.revoked_at = timezone.now()
        grant.generation = (grant.generation or 0) + 1
        grant.save(update_fields=["access_token", "refresh_token", "revoked_at", "generation"])
        audit_record(
            action="account.activity_revoked",
            actor=by,
            obj=account,
            team=account.team,
            details={"reason": reason},
            request=request,
        )
        transaction.on_commit(lambda: forget(BANNERS_CACHE_KEY))
    told = _revoke_quietly(tokens, account)
    if not told:
        audit_record(
            action="account.activity_revoke_unconfirmed",
            actor=by,
            obj=account,
            team=account.team,
            details={"reason": "X did not confirm; the tokens were deleted in Dovecote"},
            request=request,
        )
    return told


# --- Refreshing ------------------------------------------------------------------------------------------------


def grants_due(*, margin: timedelta = REFRESH_MARGIN):
    """Ids of usable grants whose access token lapses within `margin` (or has lapsed)."""
    return list(
        ActivityGrant.objects.filter(
            revoked_at__isnull=True, refresh_failed_at__isnull=True, expires_at__lte=timezone.now() + margin
        )
        .exclude(refresh_token="")
        .order_by("expires_at")
        .values_list("pk", flat=True)
    )


def activity_grant_refresh(*, grant_id: int, margin: timedelta = REFRESH_MARGIN) -> str:
    """Trade the grant's refresh token for new tokens if its access token lapses within `margin`. Returns what
    happened: "refreshed", "not_due" (nothing to do, e.g. another worker just did it), "lost_race", "failed" (X
    refused: the grant needs authorising again, and the team's leads are told) or "retry" (X did not answer; the
    next sweep tries again).

    Safe to run twice and on two workers at once: the grant's row is locked while X is asked (PostgreSQL), and the
    new tokens are written only if the grant's generation is still the one read (every database), so of two
    refreshes racing, the loser neither overwrites the winner's tokens nor marks the grant as failed."""
    with transaction.atomic():
        grant = (
            ActivityGrant.objects.select_for_update(skip_locked=True)
            .select_related("account", "account__team")
            .filter(pk=grant_id)
            .first()
        )
        if grant is None or not grant.is_usable or not grant.refresh_token:
            return "not_due"
        if grant.expires_at is not None and grant.expires_at > timezone.now() + margin:
            return "not_due"
        generation, account = grant.generation, grant.account
        try:
            tokens = oauth2.token_refresh(refresh_token=grant.refresh_token, account=account, context="oauth2:refresh")
        except oauth2.GrantRefused as exc:
            return _refresh_failed(grant, generation, exc)
        except XApiError as exc:
            log.warning("Refreshing the account events grant of %s failed for now: %s", account, exc.message)
            return "retry"
        changed = ActivityGrant.objects.filter(pk=grant.pk, generation=generation, revoked_at__isnull=True).update(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            scopes=" ".join(tokens.scopes)[:500],
            expires_at=tokens.expires_at,
            refreshed_at=timezone.now(),
            refresh_failed_at=None,
            refresh_failure="",
            generation=F("generation") + 1,
        )
    if not changed:
        # Disconnected (or refreshed) meanwhile: the new tokens are not kept, so cancel them at X.
        _revoke_quietly((tokens.access_token, tokens.refresh_token), account)
        return "lost_race"
    return "refreshed"


def _refresh_failed(grant: ActivityGrant, generation: int, exc: XApiError) -> str:
    marked = ActivityGrant.objects.filter(
        pk=grant.pk, generation=generation, revoked_at__isnull=True, refresh_failed_at__isnull=True
    ).update(refresh_failed_at=timezone.now(), refresh_failure=exc.message[:200])
    if not marked:
        return "lost_race"  # another refresh rotated the token first: its tokens stand
    account = grant.account
    audit_record(
        action="account.activity_refresh_failed",
        obj=account,
        team=account.team,
        actor_label="X",
        details={"error": getattr(exc, "error", ""), "message": exc.message[:200]},
    )
    grant.refresh_from_db()
    transaction.on_commit(lambda: forget(BANNERS_CACHE_KEY))
    transaction.on_commit(lambda: activity_grant_failed.send(sender=ActivityGrant, grant=grant, account=account))
    return "failed"
