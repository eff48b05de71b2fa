"""Polling Bluesky and Mastodon: each account's mentions, and monitors' phrases searched there, into the same inbox.

X's polling (monitoring.ingest) is tuned for thousands of posts a second and keys everything by X's numeric ids; the
other networks are read here, through the account's provider (networks.provider_for), at their own modest volumes.
The rules are X's: a poll claims its cursor with the same lease, stores what it read and moves the cursor (the
network's own cursor, PollCursor.network_cursor) in ONE transaction, so a worker that dies before the commit leaves
the cursor where it was and the next poll reads the same posts again, stored once (by network and the network's own
post id). A rate limit pauses that cursor until the network's reset; any other error from the network waits for the
cursor's next turn; neither touches another cursor. Posts are routed by the same Router into the same inbox.

Nothing here is billed: X's read budget and credits never hold these polls back, and no MonitorUsage is recorded.

Keyword monitors: X takes a monitor's whole query; Bluesky's post search and Mastodon's search and hashtag timelines
take plain words or one hashtag. So each monitor's query gives the phrases and hashtags a matching post must contain
(`search_terms`), each distinct one is searched once through one of the network's active accounts, and what comes
back is kept only where the local query language (the Router) matches a monitor, or it mentions one of our accounts.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import TwitterAccount
from monitoring import services
from monitoring.models import InboxItem, Mention, MentionMatch, Monitor, PollCursor, PollRun
from monitoring.routing import PostFacts, Router, account_handles, mentioned_account_ids, router_current, sentiment_of
from networks import BLUESKY, MASTODON, X, provider_for
from networks.base import stored_id
from twitter_api import query as query_language
from twitter_api.client import clean_text
from twitter_api.errors import RateLimited, XApiError
from twitter_api.types import XPost

log = logging.getLogger(__name__)

OTHER_NETWORKS = (BLUESKY, MASTODON)
MAX_LOCAL_ID = 2**63 - 1


def is_network_cursor(cursor: PollCursor) -> bool:
    """Whether the cursor reads Bluesky or Mastodon (polled here) rather than X (monitoring.ingest)."""
    if cursor.kind == PollCursor.Kind.NETWORK_SEARCH:
        return True
    return bool(cursor.account_id) and (cursor.account.network or X) != X


# --- Cursors ---------------------------------------------------------------------------------------------------------


def network_accounts():
    """Active Bluesky and Mastodon accounts whose credentials work, in a stable order."""
    accounts = TwitterAccount.objects.filter(
        status=TwitterAccount.Status.ACTIVE, credentials_revoked_at__isnull=True, network__in=OTHER_NETWORKS
    ).order_by("pk")
    return [a for a in accounts if a.has_credentials]


def network_cursors_sync(wanted_keys: set) -> None:
    """A mentions cursor per Bluesky or Mastodon account, and a search cursor per network and monitor phrase (called
    by monitoring.ingest.cursors_sync, in its transaction; it deactivates what is not wanted)."""
    accounts = network_accounts()
    interval = settings.MONITORING_TIMELINE_INTERVAL
    for account in accounts:
        key = f"timeline:{account.pk}"
        wanted_keys.add(key)
        PollCursor.objects.update_or_create(
            key=key,
            defaults={"kind": PollCursor.Kind.TIMELINE, "account": account, "is_active": True},
            create_defaults={
                "kind": PollCursor.Kind.TIMELINE,
                "account": account,
                "is_active": True,
                "interval_seconds": interval,
            },
        )
    searchers = {}  # network -> the account its searches are read as (the first active one)
    for account in accounts:
        searchers.setdefault(account.network, account)
    if not searchers:
        return
    terms = monitor_terms(Monitor.objects.filter(is_active=True).order_by("pk"))
    searches = PollCursor.objects.filter(kind=PollCursor.Kind.NETWORK_SEARCH).prefetch_related("monitors")
    existing = {c.key: c for c in searches}
    for account in searchers.values():
        for term, (monitor_ids, every) in sorted(terms.items()):
            digest = hashlib.sha256(term.encode("utf-8", "surrogatepass")).hexdigest()[:32]
            key = f"netsearch:{account.pk}:{digest}"
            wanted_keys.add(key)
            cursor = existing.get(key)
            if cursor is None:
                cursor = PollCursor.objects.create(
                    kind=PollCursor.Kind.NETWORK_SEARCH, key=key, account=account, query=term, interval_seconds=every
                )
                cursor.monitors.set(monitor_ids)
                continue
            if not cursor.is_active or cursor.interval_seconds != every:
                cursor.is_active, cursor.interval_seconds = True, every
                cursor.save(update_fields=["is_active", "interval_seconds"])
            # The monitors it is read for (shown in the admin): changed only when they did, the sync runs every cycle.
            if {m.pk for m in cursor.monitors.all()} != set(monitor_ids):
                cursor.monitors.set(monitor_ids)


def monitor_terms(monitors) -> dict[str, tuple[list[int], int]]:
    """term -> (the monitors it is searched for, the shortest of their poll intervals)."""
    found: dict[str, tuple[list[int], int]] = {}
    for monitor in monitors:
        try:
            terms = search_terms(monitor.query)
        except query_language.QuerySyntaxError:
            continue  # a query that no longer parses is reported where it is edited, and read nowhere
        for term in terms:
            ids, every = found.get(term, ([], monitor.poll_interval_seconds))
            found[term] = ([*ids, monitor.pk], min(every, monitor.poll_interval_seconds))
    return found


def search_terms(query: str) -> list[str]:
    """The phrases and hashtags to search for on another network so that every post matching `query` is among the
    results: an OR needs all its sides' terms, an AND only one side's (the fewest, longest). Empty when the query
    has no such words (only an author, a language, a negation…): that monitor is not searched on other networks."""
    terms = _terms(query_language.parse(query).root)
    return sorted(terms) if terms else []


def _terms(node) -> frozenset[str] | None:
    if isinstance(node, query_language.Term):
        phrase = " ".join(node.tokens)
        return frozenset({phrase}) if phrase else None
    if isinstance(node, query_language.Hashtag):
        return frozenset({f"#{node.tag}"}) if node.tag else None
    if isinstance(node, query_language.Or):
        parts = [_terms(child) for child in node.children]
        return None if any(p is None for p in parts) else frozenset().union(*parts)
    if isinstance(node, query_language.And):
        options = [t for t in (_terms(child) for child in node.children) if t]
        return min(options, key=lambda t: (len(t), -sum(map(len, t)), sorted(t))) if options else None
    return None


# --- Polling ---------------------------------------------------------------------------------------------------------


def network_poll(cursor: PollCursor):
    """Poll one Bluesky or Mastodon cursor once, if nobody else is polling it (monitoring.ingest.cursor_poll's
    lease). Returns ingest.PollOutcome."""
    from monitoring.ingest import PollOutcome, _claim, _release, max_pages

    account = cursor.account
    if account is None or account.network not in OTHER_NETWORKS or not account.has_credentials:
        return PollOutcome("inactive")
    now = timezone.now()
    token = _claim(cursor.pk, now)
    if token is None:
        return PollOutcome("busy")
    provider = provider_for(account)
    later = now + timedelta(seconds=cursor.interval_seconds)
    try:
        if cursor.kind == PollCursor.Kind.NETWORK_SEARCH:
            since, pages = cursor.network_cursor, max_pages()
            page = provider.search(account, query=cursor.query, since_id=since, max_pages=pages, context=cursor.context)
        else:
            page = provider.mentions_since(
                account, since_id=cursor.network_cursor, max_pages=max_pages(), context=cursor.context
            )
        return network_store(cursor=cursor, token=token, page=page, provider=provider)
    except RateLimited as exc:
        # That cursor alone waits for the network's reset; the others poll on.
        _release(cursor.pk, token, paused_until=exc.reset_at or later, last_error=exc.message)
        return PollOutcome("rate_limited", message=exc.message)
    except XApiError as exc:
        _release(cursor.pk, token, next_poll_at=later, last_error=exc.message)
        return PollOutcome("error", message=exc.message)
    except Exception as exc:  # noqa: BLE001  (an unreadable answer must not stop the cursor or the job)
        log.exception("Unreadable answer from %s for cursor %s", provider.label, cursor.pk)
        _release(cursor.pk, token, next_poll_at=later, last_error=str(exc)[:500])
        return PollOutcome("error", message=str(exc))


@dataclass(frozen=True)
class NetworkPost:
    """A post read from Bluesky or Mastodon, checked: what is stored of it, and the post itself for routing."""

    post: XPost
    network_post_id: str
    tweet_id: int  # the local id (networks.base.stored_id)
    posted_at: datetime  # the post's time, in UTC where the network gave none
    url: str


def checked(post, *, network: str, account, provider) -> NetworkPost | None:
    """The post with its network id, local id and link, or None (logged) when it cannot be stored."""
    try:
        if type(post.id) is not str or type(post.text) is not str or not isinstance(post.created_at, datetime):
            raise ValueError("missing id, text or time")
        post_id = clean_text(post.id).strip()
        if not post_id or len(post_id) > 300:
            raise ValueError("an id that is empty or longer than 300 characters")
        created_at = post.created_at if post.created_at.utcoffset() is not None else post.created_at.replace(tzinfo=UTC)
        local_id = stored_id(post_id, created_at)
        if not 0 < local_id <= MAX_LOCAL_ID:
            raise ValueError("a time before 2010 or far in the future")
        url = _url(post, post_id, account, provider)
        return NetworkPost(post=post, network_post_id=post_id, tweet_id=local_id, posted_at=created_at, url=url)
    except (TypeError, ValueError, AttributeError, OverflowError) as exc:
        log.error("Skipping a malformed post from %s (%s): %r", network, exc, post)
        return None


def _url(post, post_id: str, account, provider) -> str:
    """Where people read the post: the link the network gave with it, else the provider's link for its id, made for
    the post's author (a provider links an account's own posts under its handle; the author's handle here)."""
    given = getattr(post, "url", None)
    if type(given) is str and given.startswith("https://") and len(given) <= 500:
        return clean_text(given)
    author = getattr(post.author, "username", "") or post.author_id
    if type(author) is not str or not author:
        return ""
    as_author = SimpleNamespace(
        pk=None, network=account.network, handle=author, instance_url=account.instance_url, x_user_id=post.author_id
    )
    try:
        made = provider.post_url(as_author, post_id)
    except Exception:  # noqa: BLE001  (a link is a nicety: the post is stored without one)
        log.warning("No link for %s post %r", provider.label, post_id)
        return ""
    if type(made) is not str or not made.startswith(("https://", "http://")):
        return ""
    user, _, domain = author.lstrip("@").partition("@")
    if account.network == MASTODON and domain:
        # An author on another instance is read, on ours, under their whole address: /@user@domain/id.
        made = made.replace(f"/@{user}/", f"/@{user}@{domain}/", 1)
    return clean_text(made)[:500]


def _text(value, limit: int) -> str:
    return clean_text(value)[:limit] if type(value) is str else ""


def _mention_fields(checked_post: NetworkPost, network: str, sentiment: float, found_at) -> dict:
    post, author = checked_post.post, checked_post.post.author
    followers = getattr(author, "followers_count", 0) if author else 0
    return {
        "tweet_id": checked_post.tweet_id,
        "network": network,
        "network_post_id": checked_post.network_post_id,
        "network_url": checked_post.url or None,
        "text": clean_text(post.text),
        "posted_at": checked_post.posted_at,
        "lang": _text(post.lang, 10),
        "author_x_id": _text(post.author_id, 255),
        "author_username": _text(getattr(author, "username", ""), 50),
        "author_name": _text(getattr(author, "name", ""), 100),
        "author_verified": getattr(author, "verified", False) is True,
        "author_followers": min(max(0, followers), 2**31 - 1) if type(followers) is int else 0,
        "conversation_id": _text(post.conversation_id, 300),
        "reply_to_post_id": _text(post.reply_to_post_id, 300),
        "quoted_post_id": _text(post.quoted_post_id, 30) or None,
        "is_retweet": post.is_retweet is True,
        "sentiment": sentiment,
        "found_at": found_at,
    }


def network_store(*, cursor: PollCursor, token: str, page, provider):
    """Store what one poll read and move the cursor to the page's newest_id, in one transaction. Each post is checked
    on its own: one that cannot be read or stored is skipped and logged, and the rest are kept."""
    from monitoring.ingest import PollOutcome

    now = timezone.now()
    account = cursor.account
    network = account.network
    router = router_current()
    handles = account_handles(network=network)
    ids = dict(TwitterAccount.objects.filter(network=network).exclude(x_user_id="").values_list("x_user_id", "pk"))
    posts = list(page.posts or [])
    searched = cursor.kind == PollCursor.Kind.NETWORK_SEARCH
    source_account_id = None if searched else account.pk
    new = skipped = 0
    with transaction.atomic():
        locked = PollCursor.objects.select_for_update().get(pk=cursor.pk)
        seen: set[str] = set()
        for post in posts:
            item = checked(post, network=network, account=account, provider=provider)
            if item is None:
                skipped += 1
                continue
            if item.network_post_id in seen:
                continue
            seen.add(item.network_post_id)
            try:
                with transaction.atomic():
                    accounts = _mentioned(post, handles, ids)
                    stored = _store_one(item, network, source_account_id, accounts, router, now, searched=searched)
            except Exception:  # noqa: BLE001  (one post the database refuses must not cost the others)
                log.exception("Skipping a %s post that could not be stored: %r", provider.label, post)
                skipped += 1
                continue
            new += stored
        set_aside = max(0, _count(page.posts_read) - len(posts))
        run = PollRun.objects.create(
            cursor=locked,
            started_at=now,
            api_calls=_count(page.pages_read),
            posts_read=max(_count(page.posts_read), len(posts)),
            posts_new=new,
            skipped=skipped + set_aside,
        )
        newest = page.newest_id if type(page.newest_id) is str and page.newest_id else None
        if page.truncated is True:
            # Unlike X's polls (a backlog read older-first, monitoring.ingest._position), the network's cursors only
            # move forward: what lay beyond the page limit is not read. Said, so a busy account's limit can be raised.
            log.warning(
                "%s cursor %s read its page limit (%s pages): older posts since its last poll were not read",
                account.network_label,
                cursor.pk,
                run.api_calls,
            )
        PollCursor.objects.filter(pk=locked.pk).update(
            network_cursor=clean_text(newest)[:500] if newest else locked.network_cursor,
            last_polled_at=now,
            next_poll_at=now + timedelta(seconds=locked.interval_seconds),
            last_error="",
            paused_until=None,
            **({"lease_token": "", "lease_until": None} if locked.lease_token == token else {}),
        )
    return PollOutcome("stored", posts_read=run.posts_read, posts_new=new, api_calls=run.api_calls, skipped=run.skipped)


def _count(value) -> int:
    return value if type(value) is int and value > 0 else 0


def _mentioned(post, handles: dict[str, int], ids: dict[str, int]) -> set[int]:
    """Our accounts on the post's network it mentions: by handle, or by the id the network knows them by (Bluesky's
    mentions name a DID)."""
    found = mentioned_account_ids(post, handles)
    mentions = post.entities.get("mentions") if type(post.entities) is dict else None
    for mention in mentions if type(mentions) is list else ():
        account_id = ids.get(mention.get("id")) if type(mention) is dict and type(mention.get("id")) is str else None
        if account_id is not None:
            found.add(account_id)
    return found


def _store_one(item: NetworkPost, network, source_account_id, accounts, router: Router, now, *, searched) -> int:
    """Store one post (1) or, when it is stored already, add only the accounts it mentions (0)."""
    post = item.post
    if source_account_id:
        accounts.add(source_account_id)
    existing = Mention.objects.filter(network=network, network_post_id=item.network_post_id).first()
    if existing is not None:
        _matches(existing, [], accounts, now)
        _name_account(existing, accounts)
        return 0
    sentiment = sentiment_of(post.text)
    decision = router.route(PostFacts(post=post, sentiment=sentiment, account_ids=frozenset(accounts)))
    if searched and not decision.monitor_ids and not accounts:
        return 0  # a phrase search reads more than the monitors want: kept only where a monitor's query matches
    try:
        with transaction.atomic():
            mention = Mention.objects.create(**_mention_fields(item, network, sentiment, now))
    except IntegrityError:
        # Stored meanwhile by another poll (a search and a mentions timeline can read the same post).
        existing = Mention.objects.filter(network=network, network_post_id=item.network_post_id).first()
        if existing is None:
            raise
        _matches(existing, [], accounts, now)
        _name_account(existing, accounts)
        return 0
    _matches(mention, decision.monitor_ids, accounts, now)
    if decision.team_id is None:
        log.error("No team for mention %s: set TRIAGE_TEAM_SLUG to an existing team", mention.pk)
        return 1
    account_id = min(accounts) if accounts else None
    due = InboxItem.due_for(decision.priority, now)
    services.items_arrive(
        arrivals=[(mention.pk, decision.team_id, account_id, decision.priority, due, tuple(decision.tags))], at=now
    )
    return 1


def _name_account(mention: Mention, account_ids) -> None:
    """A post a phrase search stored first (a Bluesky post without mention facets names no account) that a mentions
    poll then finds: its inbox item gains the account mentioned, so the item says so and the reply goes from it."""
    if account_ids:
        InboxItem.objects.filter(mention=mention, account__isnull=True).update(account_id=min(account_ids))


def _matches(mention: Mention, monitor_ids, account_ids, now) -> None:
    rows = [MentionMatch(mention=mention, monitor_id=m, matched_at=now) for m in monitor_ids]
    rows += [MentionMatch(mention=mention, account_id=a, matched_at=now) for a in account_ids]
    if rows:
        MentionMatch.objects.bulk_create(rows, ignore_conflicts=True)


def due_filter() -> Q:
    """Cursors that read Bluesky or Mastodon: never held back by X's read budget or credits."""
    return Q(kind=PollCursor.Kind.NETWORK_SEARCH) | Q(account__network__in=OTHER_NETWORKS)
