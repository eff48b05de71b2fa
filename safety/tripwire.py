"""Finding possible takeovers: posts on a governed account that did not come out of Dovecote, and changes to its
profile, by reading the account on X (polling, `account_watch`) or from X's pushed account activity
(safety.receivers). Both routes name a finding the same way, so one found twice is one incident.

The first read of an account is its baseline: the posts already there and the profile as it is raise nothing.
Data from X is hostile (twitter_api.client cleans it); one account that cannot be read never stops another (each
has its own job, and a failure is recorded on its Watch).
"""

import hashlib
import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import TwitterAccount
from accounts.services import x_credits_refused
from networks import X, provider_for
from safety.models import Incident, Watch
from safety.services import incident_raise
from tweets import provenance
from twitter_api import client, credits
from twitter_api.client import Unreadable
from twitter_api.errors import CreditsExhausted, RateLimited, XApiError
from twitter_api.types import XPost, XProfile

log = logging.getLogger(__name__)

# X's profile.update.* event names, as the profile fields Dovecote reads (others, e.g. the banner, keep X's name).
EVENT_FIELDS = {
    "bio": "description",
    "screenname": "name",
    "handle": "username",
    "profile_picture": "profile_image_url",
    "url": "url",
}


def post_finding(post_id: str) -> str:
    return f"post:{post_id}"


def profile_finding(field: str, after: str) -> str:
    digest = hashlib.sha256(after.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return f"profile:{field}:{digest}"


def watchable_accounts():
    """The governed accounts the tripwire may read: active, known to X, credentials not revoked (whether there are
    credentials to read with is asked of each: they are encrypted)."""
    active = TwitterAccount.objects.filter(status=TwitterAccount.Status.ACTIVE, credentials_revoked_at__isnull=True)
    return active.exclude(x_user_id="")


def posts_judge(
    *, account: TwitterAccount, posts: Iterable[XPost], source: str, x_event_id: str = ""
) -> list[Incident]:
    """An incident for each of the account's own posts that Dovecote did not make (or is not making right now)."""
    own = [post for post in posts if post.author_id in ("", account.x_user_id)]
    ours = provenance.made_by_dovecote(account, own)
    raised = []
    # Oldest first: X's ids by number; Bluesky's and Mastodon's by the time the network gives.
    for post in sorted(
        own, key=lambda p: (p.created_at, int(p.id)) if (p.id.isascii() and p.id.isdigit()) else (p.created_at, 0)
    ):
        if post.id in ours:
            continue
        incident, created = incident_raise(
            account=account,
            kind=Incident.Kind.FOREIGN_POST,
            event_id=post_finding(post.id),
            source=source,
            occurred_at=post.created_at,
            post_id=post.id,
            post_text=post.text,
            x_event_id=x_event_id,
        )
        if created:
            raised.append(incident)
    return raised


def profile_judge(
    *, account: TwitterAccount, changes: Iterable[tuple[str, str | None, str]], source: str, x_event_id: str = ""
) -> list[Incident]:
    """An incident for each (field, before, after) change of the account's profile."""
    raised = []
    for field, before, after in changes:
        incident, created = incident_raise(
            account=account,
            kind=Incident.Kind.PROFILE_CHANGE,
            event_id=profile_finding(field, after),
            source=source,
            profile_field=field,
            before=before or "",
            after=after,
            x_event_id=x_event_id,
        )
        if created:
            raised.append(incident)
    return raised


def profile_changes(seen: dict, now: XProfile) -> list[tuple[str, str, str]]:
    """What changed between the profile as last seen and now; a field X did not send is not a change."""
    changes = []
    for field in XProfile.FIELDS:
        after = getattr(now, field)
        if after is None or field not in seen or not isinstance(seen[field], str):
            continue
        if seen[field] != after:
            changes.append((field, seen[field], after))
    return changes


# Pages of the account's posts read at most per cycle (100 each): more than 1,000 posts since the last read (after a
# long outage) and the oldest of them are passed over, with a warning.
MAX_PAGES = 10


def _read_posts_elsewhere(watch: Watch, account: TwitterAccount, now) -> int:
    """Bluesky and Mastodon: the account's latest posts (one page, free); those made since the baseline are judged,
    each finding raising its incident once however often it is read again."""
    first = watch.posts_baseline_at is None
    posts = provider_for(account).recent_posts(account, context="tripwire")
    since = watch.posts_baseline_at
    fresh = [] if first else [post for post in posts if post.created_at and post.created_at > since]
    raised = posts_judge(account=account, posts=fresh, source=Incident.Source.POLL) if fresh else []
    watch.posts_baseline_at = watch.posts_baseline_at or now
    watch.posts_read_at = now
    return len(raised)


def _read_posts(watch: Watch, account: TwitterAccount, now) -> int:
    if (account.network or X) != X:
        return _read_posts_elsewhere(watch, account, now)
    first = watch.posts_baseline_at is None
    stream = client.own_posts_pages(
        account,
        since_id=watch.since_id or None,
        max_pages=1 if first else MAX_PAGES,
        max_results=5 if first else 100,
        context="tripwire",
    )
    page = stream.read_all()
    if stream.truncated and not first:
        log.warning(
            "More than %s posts on %s since the last read: the oldest were not checked", page.posts_read, account
        )
    raised = [] if first else posts_judge(account=account, posts=page.posts, source=Incident.Source.POLL)
    if page.newest_id and int(page.newest_id) > int(watch.since_id or 0):
        watch.since_id = page.newest_id
    watch.posts_baseline_at = watch.posts_baseline_at or now
    watch.posts_read_at = now
    return len(raised)


def _read_profile(watch: Watch, account: TwitterAccount, now) -> int:
    profile = provider_for(account).profile(account, context="tripwire")
    raised = profile_judge(
        account=account, changes=profile_changes(watch.profile, profile), source=Incident.Source.POLL
    )
    watch.profile = {**watch.profile, **{k: v for k, v in profile.as_dict().items() if v is not None}}
    watch.profile_read_at = now
    return len(raised)


def _profile_due(watch: Watch, now) -> bool:
    return watch.profile_read_at is None or now - watch.profile_read_at >= timedelta(
        seconds=settings.SAFETY_PROFILE_INTERVAL
    )


def account_watch(*, account_id: int) -> str:
    """Read one account's new posts (and its profile, when due) and raise an incident for each finding; the cursor
    moves in the same transaction. Returns what happened: "read", "baseline", "busy", "skipped", "paused",
    "rate_limited" (until X's reset, read from its answer) or "error" (logged when it is not the last one again)."""
    account = watchable_accounts().select_related("team").filter(pk=account_id).first()
    if account is None or not account.has_credentials:
        return "skipped"
    if (account.network or X) == X and credits.blocked(reads=True):
        return "paused"
    known, _ = Watch.objects.get_or_create(account=account)
    now = timezone.now()
    if known.paused_until is not None and now < known.paused_until:
        return "rate_limited"
    with transaction.atomic():
        # Another worker reading this account now: it will find what there is.
        watch = Watch.objects.select_for_update(skip_locked=True).filter(account=account).first()
        if watch is None:
            return "busy"
        first, previous = watch.posts_baseline_at is None, watch.error
        watch.paused_until = None
        try:
            _read_posts(watch, account, now)
            if _profile_due(watch, now):
                _read_profile(watch, account, now)
            watch.error = ""
            status = "baseline" if first else "read"
        except RateLimited as exc:
            watch.error, watch.paused_until, status = exc.message, exc.reset_at, "rate_limited"
        except CreditsExhausted as exc:
            x_credits_refused(exc=exc, endpoint="tripwire", reads=True)
            watch.error, status = exc.message, "paused"
        except XApiError as exc:
            watch.error, status = exc.message, "error"
        except Unreadable as exc:
            watch.error, status = f"{account.network_label}'s answer could not be read: {exc.reason}", "error"
        watch.save()
    if status == "error" and watch.error != previous:  # every few seconds: said once until it changes
        log.warning("The tripwire could not read %s: %s", account, watch.error)
    return status


def accounts_due() -> list[int]:
    """Every account to read now (its posts are read at every cycle: an empty read is not billed)."""
    return [account.pk for account in watchable_accounts().order_by("pk") if account.has_credentials]
