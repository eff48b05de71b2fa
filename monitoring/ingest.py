"""Polling: keep cursors in step with monitors and accounts, read from X, store and route what was read.

A poll claims its cursor with a lease (a conditional UPDATE, so one poll per cursor at a time across any
number of workers), reads from X outside any transaction, then in ONE transaction stores the posts, their
matches and inbox items and advances the cursor. A worker that dies before that commit leaves the cursor
where it was; its lease runs out and the next poll reads the same posts again, stored once by tweet id.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache, lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from accounts.models import Team, TwitterAccount
from monitoring import budget, packing
from monitoring.models import (
    InboxItem,
    InboxItemTag,
    Mention,
    MentionMatch,
    Monitor,
    MonitorUsage,
    PollCursor,
    PollRun,
    RoutingRule,
    Watchlist,
    WatchlistEntry,
)
from monitoring.routing import PostFacts, Router, RuleSpec
from twitter_api import client
from twitter_api.errors import RateLimited, XApiError
from twitter_api.types import XPost

log = logging.getLogger(__name__)

LEASE_SECONDS = 240


def max_pages() -> int:
    return settings.MONITORING_MAX_PAGES


@cache
def _analyser() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=20_000)
def sentiment_of(text: str) -> float:
    """VADER's compound score. Cached by text: retweets and copy-paste campaigns repeat texts exactly."""
    return round(_analyser().polarity_scores(text)["compound"], 4)


# --- The router, rebuilt only when monitors, rules, watchlists or accounts change -----------------

_router_cache: dict[str, tuple[tuple, Router]] = {}


def _router_fingerprint() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM monitoring_monitor), (SELECT MAX(updated_at) FROM monitoring_monitor),"
            " (SELECT COUNT(*) FROM monitoring_routingrule), (SELECT MAX(updated_at) FROM monitoring_routingrule),"
            " (SELECT COUNT(*) FROM monitoring_watchlistentry), (SELECT MAX(id) FROM monitoring_watchlistentry),"
            " (SELECT COUNT(*) FROM accounts_twitteraccount),"
            " (SELECT MAX(updated_at) FROM monitoring_watchlist)"
        )
        return tuple(cursor.fetchone())


def triage_team_id() -> int | None:
    return Team.objects.filter(slug=settings.TRIAGE_TEAM_SLUG).values_list("pk", flat=True).first()


def router_build() -> Router:
    monitors = list(Monitor.objects.filter(is_active=True).values_list("pk", "query"))
    rules = [
        RuleSpec(
            id=r.pk,
            position=r.position,
            name=r.name,
            monitor_id=r.monitor_id,
            account_id=r.account_id,
            watchlist_id=r.watchlist_id,
            phrases=tuple(r.phrase_list),
            sentiment_below=r.sentiment_below,
            language=r.language,
            min_followers=r.min_followers,
            route_to_id=r.route_to_id,
            priority=r.priority,
            tags=tuple(r.tag_list),
        )
        for r in RoutingRule.objects.filter(is_active=True)
    ]
    watchlists: dict[int, set[str]] = defaultdict(set)
    for wid, username in WatchlistEntry.objects.values_list("watchlist_id", "username"):
        watchlists[wid].add(username)
    for wid in Watchlist.objects.values_list("pk", flat=True):
        watchlists.setdefault(wid, set())
    account_teams = dict(TwitterAccount.objects.values_list("pk", "team_id"))
    return Router(
        monitors=monitors,
        rules=rules,
        watchlists=dict(watchlists),
        account_teams=account_teams,
        triage_team_id=triage_team_id(),
    )


def router_current() -> Router:
    fingerprint = _router_fingerprint()
    cached = _router_cache.get("router")
    if cached and cached[0] == fingerprint:
        return cached[1]
    router = router_build()
    _router_cache["router"] = (fingerprint, router)
    return router


# --- Cursors ---------------------------------------------------------------------------------------


def timeline_accounts():
    return TwitterAccount.objects.filter(
        status=TwitterAccount.Status.ACTIVE, credentials_revoked_at__isnull=True
    ).exclude(x_user_id="")


def newest_stored_id() -> int | None:
    return Mention.objects.aggregate(newest=Max("tweet_id"))["newest"]


def monitor_start_from_now(monitor: Monitor) -> None:
    """A new (or re-activated, or edited) monitor reads only what is posted from now on."""
    monitor.since_id = newest_stored_id()


def exclusion_handles() -> list[str]:
    """Handles whose mention timelines are polled: searches leave their mentions to the timelines."""
    if not settings.MONITORING_EXCLUDE_OWN_MENTIONS:
        return []
    return [a.handle for a in timeline_accounts() if a.has_credentials]


def mentions_source() -> str:
    """How our accounts' mentions are read: "timeline" (each account's mentions endpoint) or "search" (one
    search for all our handles, so a post mentioning two of our accounts is read, and billed, once)."""
    return settings.MONITORING_MENTIONS_SOURCE


def _mentions_search_cursors(accounts, limit: int, wanted_keys: set) -> None:
    interval = settings.MONITORING_TIMELINE_INTERVAL
    for packed in packing.pack([(a.pk, f"@{a.handle}") for a in accounts], limit=limit):
        key = f"mentions:{packed.key}"[:64]
        wanted_keys.add(key)
        cursor, created = PollCursor.objects.get_or_create(
            key=key,
            defaults={"kind": PollCursor.Kind.TIMELINE, "query": packed.query, "interval_seconds": interval},
        )
        if created:
            cursor.accounts.set(packed.monitor_ids)
        elif not cursor.is_active:
            cursor.is_active = True
            cursor.save(update_fields=["is_active"])


@transaction.atomic
def cursors_sync() -> list[PollCursor]:
    """Make the cursors match the active accounts and the packing of active monitors. Keeps what it can."""
    wanted_keys = set()
    accounts = [a for a in timeline_accounts() if a.has_credentials]
    if mentions_source() == "search" and accounts:
        _mentions_search_cursors(accounts, settings.X_QUERY_LENGTH_LIMIT, wanted_keys)
        accounts = []
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
                "interval_seconds": settings.MONITORING_TIMELINE_INTERVAL,
            },
        )
    suffix = packing.exclusion_suffix(exclusion_handles())
    limit = settings.X_QUERY_LENGTH_LIMIT
    monitors = list(Monitor.objects.filter(is_active=True).order_by("pk"))
    by_interval: dict[int, list[Monitor]] = defaultdict(list)
    for monitor in monitors:
        by_interval[monitor.poll_interval_seconds].append(monitor)
    since = {m.pk: m.since_id for m in monitors}
    existing = {c.key: c for c in PollCursor.objects.filter(kind=PollCursor.Kind.SEARCH)}
    for interval, group in by_interval.items():
        for packed in packing.pack([(m.pk, m.query) for m in group], limit=limit, suffix=suffix):
            key = packed.key
            wanted_keys.add(key)
            cursor = existing.get(key)
            if cursor is None:
                # A new group starts from the oldest position of its members, so no member misses a post.
                positions = [since[mid] for mid in packed.monitor_ids if since[mid] is not None]
                cursor = PollCursor.objects.create(
                    kind=PollCursor.Kind.SEARCH,
                    key=key,
                    query=packed.query,
                    interval_seconds=interval,
                    since_id=min(positions) if positions else None,
                )
                cursor.monitors.set(packed.monitor_ids)
            elif not cursor.is_active:
                cursor.is_active = True
                cursor.save(update_fields=["is_active"])
    PollCursor.objects.filter(is_active=True).exclude(key__in=wanted_keys).update(is_active=False)
    return list(PollCursor.objects.filter(is_active=True))


def cursors_due(now=None) -> list[int]:
    now = now or timezone.now()
    qs = PollCursor.objects.filter(is_active=True, next_poll_at__lte=now).filter(
        Q(paused_until__isnull=True) | Q(paused_until__lte=now)
    )
    qs = qs.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    if budget.search_paused():
        qs = qs.filter(kind=PollCursor.Kind.TIMELINE)
    return list(qs.values_list("pk", flat=True))


def _claim(cursor_id: int, now) -> str | None:
    token = secrets.token_hex(16)
    claimed = (
        PollCursor.objects.filter(pk=cursor_id, is_active=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .filter(Q(paused_until__isnull=True) | Q(paused_until__lte=now))
        .update(lease_token=token, lease_until=now + timedelta(seconds=LEASE_SECONDS))
    )
    return token if claimed == 1 else None


def _release(cursor_id: int, token: str, **fields) -> None:
    PollCursor.objects.filter(pk=cursor_id, lease_token=token).update(lease_token="", lease_until=None, **fields)


@dataclass
class PollOutcome:
    status: str  # "stored", "busy", "paused", "rate_limited", "error", "inactive"
    posts_read: int = 0
    posts_new: int = 0
    api_calls: int = 0
    skipped: int = 0
    message: str = ""


def cursor_poll(*, cursor_id: int) -> PollOutcome:
    """Poll one cursor once, if nobody else is polling it. Safe to call twice or on several workers."""
    now = timezone.now()
    cursor = PollCursor.objects.select_related("account").filter(pk=cursor_id).first()
    if cursor is None or not cursor.is_active:
        return PollOutcome("inactive")
    if cursor.kind == PollCursor.Kind.SEARCH and budget.search_paused():
        return PollOutcome("paused", message="This month's read budget is used up; search monitors are paused.")
    token = _claim(cursor_id, now)
    if token is None:
        return PollOutcome("busy")
    since = str(cursor.since_id) if cursor.since_id else None
    try:
        if cursor.kind == PollCursor.Kind.TIMELINE and cursor.account_id:
            page = client.mentions_since(cursor.account, since_id=since, max_pages=max_pages(), context=cursor.context)
        else:
            page = client.search_recent(cursor.query, since_id=since, max_pages=max_pages(), context=cursor.context)
    except RateLimited as exc:
        _release(cursor_id, token, paused_until=exc.reset_at, last_error=exc.message)
        return PollOutcome("rate_limited", message=exc.message)
    except XApiError as exc:
        _release(
            cursor_id, token, next_poll_at=now + timedelta(seconds=cursor.interval_seconds), last_error=exc.message
        )
        return PollOutcome("error", message=exc.message)
    except Exception as exc:  # noqa: BLE001  (an unreadable payload must not stop the cursor or the job)
        log.exception("Unreadable answer from X for cursor %s", cursor_id)
        _release(cursor_id, token, next_poll_at=now + timedelta(seconds=cursor.interval_seconds), last_error=str(exc))
        return PollOutcome("error", message=str(exc))
    if page.truncated:
        log.warning("Cursor %s read its page limit; older posts before this poll were not read", cursor_id)
    outcome = poll_store(
        cursor=cursor, token=token, posts=page.posts, api_calls=page.pages_read, posts_read=page.posts_read
    )
    budget.budget_check()
    return outcome


def poll_store(*, cursor: PollCursor, token: str, posts: list[XPost], api_calls: int, posts_read: int) -> PollOutcome:
    """Store what one poll read and advance its cursor, in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Safe here: a commit lost in a crash loses the posts and the cursor's advance together, and
            # the next poll reads them again. Saves a disk flush per poll.
            with connection.cursor() as db:
                db.execute("SET LOCAL synchronous_commit TO OFF")
        locked = PollCursor.objects.select_for_update().get(pk=cursor.pk)
        result = posts_store(posts=posts, source_account_id=cursor.account_id if cursor.account_id else None)
        newest = max([locked.since_id or 0, *result.ids_read]) or None
        member_ids = list(locked.monitors.values_list("pk", flat=True)) if locked.kind == PollCursor.Kind.SEARCH else []
        if newest and member_ids:
            Monitor.objects.filter(pk__in=member_ids).filter(Q(since_id__isnull=True) | Q(since_id__lt=newest)).update(
                since_id=newest
            )
        PollCursor.objects.filter(pk=locked.pk).update(
            since_id=newest,
            last_polled_at=now,
            next_poll_at=now + timedelta(seconds=locked.interval_seconds),
            last_error="",
            paused_until=None,
            **({"lease_token": "", "lease_until": None} if locked.lease_token == token else {}),
        )
        PollRun.objects.create(
            cursor=locked,
            started_at=now,
            api_calls=api_calls,
            posts_read=posts_read,
            posts_new=result.new,
            skipped=result.skipped,
        )
        usage_record(
            day=timezone.localdate(now),
            cursor=locked,
            member_ids=member_ids,
            matches=result.monitor_matches,
            api_calls=api_calls,
            posts_read=posts_read,
        )
    return PollOutcome(
        "stored", posts_read=posts_read, posts_new=result.new, api_calls=api_calls, skipped=result.skipped
    )


# --- Storing and routing ---------------------------------------------------------------------------


@dataclass
class StoreResult:
    new: int = 0
    skipped: int = 0
    ids_read: list[int] = field(default_factory=list)
    monitor_matches: dict[int, list[int]] = field(default_factory=dict)  # tweet id -> monitor ids


def _valid(post: XPost) -> int | None:
    """The post's id as an integer, or None (logged with the raw post) when it is unusable."""
    try:
        tweet_id = int(post.id)
        if tweet_id <= 0 or not isinstance(post.text, str) or post.created_at is None:
            raise ValueError("missing id, text or time")
        post.created_at.utcoffset()
        return tweet_id
    except (TypeError, ValueError, AttributeError) as exc:
        log.error("Skipping a malformed post from X (%s): %r", exc, post)
        return None


_TEXT_MENTION = re.compile(r"(?<![A-Za-z0-9_@!#$%&*])@([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@])")


def mentioned_account_ids(post: XPost, handles: dict[str, int]) -> set[int]:
    """Our accounts a post mentions: from X's entities, or from the text when X sent none."""
    try:
        entities = post.entities or {}
        if "mentions" in entities:
            names = [str(item.get("username", "")) for item in entities["mentions"]]
        else:
            names = _TEXT_MENTION.findall(post.text)
    except (AttributeError, TypeError):
        log.error("Unexpected entities on post %s: %r", post.id, post.entities)
        names = _TEXT_MENTION.findall(post.text)
    found = set()
    for name in names:
        account_id = handles.get(name.lower())
        if account_id is not None:
            found.add(account_id)
    return found


def _account_handles() -> dict[str, int]:
    return {h.lower(): pk for pk, h in TwitterAccount.objects.values_list("pk", "handle")}


def posts_store(
    *, posts: list[XPost], source_account_id: int | None = None, router: Router | None = None
) -> StoreResult:
    """Store posts once each (by tweet id) with every monitor and account they match; route the new ones.

    Call inside a transaction. Posts already stored gain only this source's account match.
    """
    result = StoreResult()
    valid: dict[int, XPost] = {}
    for post in posts:
        tweet_id = _valid(post)
        if tweet_id is None:
            result.skipped += 1
            continue
        valid.setdefault(tweet_id, post)
    result.ids_read = list(valid)
    if not valid:
        return result
    router = router or router_current()
    handles = _account_handles()
    items = list(valid.items())
    for start in range(0, len(items), STORE_CHUNK):
        _store_chunk(dict(items[start : start + STORE_CHUNK]), source_account_id, router, handles, result)
    return result


STORE_CHUNK = 2000


MENTION_COLUMNS = (
    "tweet_id", "text", "posted_at", "lang", "author_x_id", "author_username", "author_name", "author_verified",
    "author_followers", "conversation_id", "reply_to_post_id", "is_retweet", "sentiment", "found_at",
)  # fmt: skip
MATCH_COLUMNS = ("mention_id", "monitor_id", "account_id", "matched_at")
ITEM_COLUMNS = (
    "mention_id", "team_id", "account_id", "status", "priority", "due_at", "escalation_note", "created_at",
    "updated_at",
)  # fmt: skip


def _bulk_insert(model, columns, rows, *, returning=()) -> list | None:
    """INSERT ... ON CONFLICT DO NOTHING for many rows at once.

    On PostgreSQL one statement per call (callers pass at most STORE_CHUNK posts' rows), returning the
    `returning` columns of the rows actually inserted; elsewhere (SQLite for the demo) through
    bulk_create, returning None.
    """
    if not rows:
        return []
    if connection.vendor == "postgresql":
        from psycopg2.extras import execute_values

        # Table and column names come from our models and constants, never from input.
        sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES %s ON CONFLICT DO NOTHING"  # noqa: S608
        if returning:
            sql += f" RETURNING {', '.join(returning)}"
        with connection.cursor() as cursor:
            found = execute_values(cursor.cursor, sql, rows, page_size=len(rows), fetch=bool(returning))
        return found or []
    model.objects.bulk_create(
        [model(**dict(zip(columns, row, strict=True))) for row in rows], ignore_conflicts=True, batch_size=500
    )
    return None


def _mention_row(tweet_id: int, post: XPost, sentiment: float, now) -> tuple:
    author = post.author
    return (
        tweet_id,
        post.text,
        post.created_at,
        (post.lang or "")[:10],
        str(post.author_id or "")[:30],
        (author.username if author else "")[:50],
        (author.name if author else "")[:100],
        bool(author.verified) if author else False,
        max(0, int(author.followers_count or 0)) if author else 0,
        str(post.conversation_id or "")[:30],
        str(post.reply_to_post_id or "")[:30],
        bool(post.is_retweet),
        sentiment,
        now,
    )


def _stored_ids(tweet_ids: list[int]) -> dict[int, int]:
    """tweet id -> Mention id for those already stored. On PostgreSQL one array parameter rather than the
    ORM's thousands of IN placeholders, each resolved in Python."""
    if not tweet_ids:
        return {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT tweet_id, id FROM {Mention._meta.db_table} WHERE tweet_id = ANY(%s::bigint[])",  # noqa: S608
                [tweet_ids],
            )
            return dict(cursor.fetchall())
    return dict(Mention.objects.filter(tweet_id__in=tweet_ids).values_list("tweet_id", "pk"))


def _store_chunk(valid: dict, source_account_id, router: Router, handles: dict, result: StoreResult) -> None:
    existing = _stored_ids(list(valid))
    now = timezone.now()
    rows, fresh, accounts_of = [], {}, {}
    for tweet_id, post in valid.items():
        accounts = mentioned_account_ids(post, handles)
        if source_account_id:
            accounts.add(source_account_id)
        accounts_of[tweet_id] = accounts
        if tweet_id in existing:
            continue
        sentiment = sentiment_of(post.text)
        rows.append(_mention_row(tweet_id, post, sentiment, now))
        fresh[tweet_id] = PostFacts(post=post, sentiment=sentiment, account_ids=frozenset(accounts))
    returned = _bulk_insert(Mention, MENTION_COLUMNS, rows, returning=("tweet_id", "id"))
    if returned is None:
        inserted = dict(Mention.objects.filter(tweet_id__in=list(fresh)).values_list("tweet_id", "pk"))
    else:
        inserted = dict(returned)
        raced = [t for t in fresh if t not in inserted]
        if raced:  # another worker stored these between our look-up and our insert: it routes them
            existing.update(_stored_ids(raced))
    matches, items, item_tags = [], [], {}
    due_by_priority: dict[str, object] = {}
    route = router.route
    for tweet_id, mention_id in existing.items():
        for aid in accounts_of[tweet_id]:
            matches.append((mention_id, None, aid, now))
        result.monitor_matches[tweet_id] = router.match_monitors(valid[tweet_id])
    for tweet_id, mention_id in inserted.items():
        for aid in accounts_of[tweet_id]:
            matches.append((mention_id, None, aid, now))
        decision = route(fresh[tweet_id])
        result.monitor_matches[tweet_id] = decision.monitor_ids
        for mid in decision.monitor_ids:
            matches.append((mention_id, mid, None, now))
        if decision.team_id is None:
            log.error("No team for mention %s: set TRIAGE_TEAM_SLUG to an existing team", tweet_id)
            continue
        accounts = accounts_of[tweet_id]
        due = due_by_priority.get(decision.priority)
        if due is None:
            due = due_by_priority[decision.priority] = InboxItem.due_for(decision.priority, now)
        items.append(
            (
                mention_id,
                decision.team_id,
                min(accounts) if accounts else None,
                "new",
                decision.priority,
                due,
                "",
                now,
                now,
            )
        )
        if decision.tags:
            item_tags[mention_id] = decision.tags
    _bulk_insert(MentionMatch, MATCH_COLUMNS, matches)
    item_ids = _bulk_insert(InboxItem, ITEM_COLUMNS, items, returning=("mention_id", "id"))
    if item_tags:
        if item_ids is None:
            item_ids = InboxItem.objects.filter(
                mention_id__in=list(item_tags), escalated_from__isnull=True
            ).values_list("mention_id", "pk")
        item_ids = dict(item_ids)
        tags = [(item_ids[m], t) for m, names in item_tags.items() if m in item_ids for t in names]
        _bulk_insert(InboxItemTag, ("item_id", "name"), tags)
    result.new += len(inserted)


def usage_record(*, day, cursor: PollCursor, member_ids: list[int], matches: dict, api_calls: int, posts_read: int):
    """Attribute a poll's calls and reads: to the timeline's account, or split across the group's monitors."""
    if cursor.kind == PollCursor.Kind.TIMELINE:
        account_ids = [cursor.account_id] if cursor.account_id else list(cursor.accounts.values_list("pk", flat=True))
        if not account_ids:
            return
        share = (api_calls / len(account_ids), posts_read / len(account_ids))
        shares = {("account", pk): share for pk in account_ids}
    else:
        if not member_ids:
            return
        members = set(member_ids)
        reads: dict[int, float] = defaultdict(float)
        unattributed = max(0, posts_read - len(matches))
        for monitor_ids in matches.values():
            mine = [m for m in monitor_ids if m in members]
            if not mine:
                unattributed += 1
                continue
            for m in mine:
                reads[m] += 1 / len(mine)
        shares = {
            ("monitor", m): (api_calls / len(member_ids), reads[m] + unattributed / len(member_ids)) for m in member_ids
        }
    with connection.cursor() as db:
        for (kind, pk), (calls, read) in shares.items():
            db.execute(
                f"INSERT INTO monitoring_monitorusage (day, {kind}_id, api_calls, posts_read) VALUES (%s, %s, %s, %s) "  # noqa: S608
                f"ON CONFLICT (day, {kind}_id) WHERE {kind}_id IS NOT NULL DO UPDATE SET "
                "api_calls = monitoring_monitorusage.api_calls + excluded.api_calls, "
                "posts_read = monitoring_monitorusage.posts_read + excluded.posts_read",
                [day, pk, calls, read],
            )


__all__ = ["MonitorUsage", "cursor_poll", "cursors_sync", "posts_store", "router_current"]
