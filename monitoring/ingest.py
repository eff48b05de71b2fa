"""Polling: keep cursors in step with monitors and accounts, read from X, store and route what was read.

A poll claims its cursor with a lease (a conditional UPDATE, so one poll per cursor at a time across any
number of workers), then in ONE transaction stores the posts it reads, their matches and inbox items, and
advances the cursor. Pages are read from X by a thread a few pages ahead of the storing, so waiting for X
overlaps the database's work; an error from X on any page rolls the whole poll back. A worker that dies
before the commit leaves the cursor where it was; its lease runs out and the next poll reads the same posts
again, stored once by tweet id.
"""

from __future__ import annotations

import gc
import logging
import queue
import re
import secrets
import sys
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import copy_context
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, lru_cache

import orjson
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
from twitter_api.client import clean_text
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
            " (SELECT MAX(updated_at) FROM monitoring_watchlist),"
            " (SELECT id FROM accounts_team WHERE slug = %s)",
            [settings.TRIAGE_TEAM_SLUG],
        )
        counts = tuple(cursor.fetchone())
    # Accounts have no updated_at and are few: which account is whose, so a moved or replaced one rebuilds the
    # router rather than routing to a team that no longer owns it (or no longer exists).
    return counts + tuple(TwitterAccount.objects.order_by("pk").values_list("pk", "team_id"))


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
    since = {m.pk: m.since_id for m in monitors}
    intervals = {m.pk: m.poll_interval_seconds for m in monitors}
    existing = {c.key: c for c in PollCursor.objects.filter(kind=PollCursor.Kind.SEARCH)}
    for packed in packing.pack([(m.pk, m.query) for m in monitors], limit=limit, suffix=suffix, intervals=intervals):
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
                interval_seconds=packed.interval,
                since_id=min(positions) if positions else None,
            )
            cursor.monitors.set(packed.monitor_ids)
        elif not cursor.is_active or cursor.interval_seconds != packed.interval:
            cursor.is_active, cursor.interval_seconds = True, packed.interval
            cursor.save(update_fields=["is_active", "interval_seconds"])
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
    # Newer than since_id; while a backlog is being read, only what is older than where the last poll stopped.
    between = {
        "since_id": str(cursor.since_id) if cursor.since_id else None,
        "until_id": str(cursor.backlog_until_id) if cursor.backlog_until_id else None,
        "max_pages": max_pages(),
        "context": cursor.context,
    }
    try:
        with client.metered_in_bulk():  # the poll's calls are metered in one INSERT, after it
            if cursor.kind == PollCursor.Kind.TIMELINE and cursor.account_id:
                stream = client.mentions_pages(cursor.account, **between)
            else:
                stream = client.search_pages(cursor.query, **between)
            outcome = poll_store(cursor=cursor, token=token, pages=_read_ahead(stream), stream=stream)
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
    if stream.truncated:
        log.info("Cursor %s read its page limit; its next polls read the older posts first", cursor_id)
    budget.budget_check()
    return outcome


READ_AHEAD_PAGES = 8
_END = object()


class _WhilePolling:
    """Process-wide settings of CPython changed while any poll in this process is reading, routing and writing,
    and restored when the last one ends: a shorter thread switch interval, and a frozen heap."""

    PROMPT = 0.0005

    def __init__(self):
        self.lock = threading.Lock()
        self.polls = 0
        self.saved = sys.getswitchinterval()
        self.froze = False

    @contextmanager
    def tuned(self):
        with self.lock:
            if self.polls == 0:
                self.saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self.saved, self.PROMPT))
                # Only a heap nobody else froze (a process that froze its own before forking keeps it so).
                self.froze = gc.get_freeze_count() == 0
                if self.froze:
                    gc.freeze()
            self.polls += 1
        try:
            yield
        finally:
            with self.lock:
                self.polls -= 1
                if self.polls == 0:
                    sys.setswitchinterval(self.saved)
                    if self.froze:
                        gc.unfreeze()


# Each page's request to X waits for the previous page's answer, so every wait of the reading thread for the
# GIL is on the poll's critical path; with the routing thread busy, CPython's default 5 ms interval made the
# reader wait up to that long each time an answer arrived (measured: 10 ms a page alone, 24 ms beside a busy
# thread, 17 ms with 0.5 ms).
# A poll makes and drops millions of dicts and lists (pages, posts, rows); enough of them live across a few
# collections for the garbage collector to walk the whole heap again and again, the process's modules and
# Django's state included (measured: 2.6 s of the worker's 12.6 s in bench/ingest.py). Frozen for the poll,
# that heap is left out of those walks; unfrozen after, it is collected as before.
_while_polling = _WhilePolling().tuned


class _Counted:
    """Pages passed through, counted: each page is one call to X, each post in it one post read."""

    def __init__(self, pages: Iterable[list[XPost]]):
        self.pages_iter = iter(pages)
        self.pages = self.posts = 0

    def __iter__(self):
        return self

    def __next__(self) -> list[XPost]:
        page = next(self.pages_iter)
        self.pages += 1
        self.posts += len(page)
        return page

    def close(self) -> None:
        close = getattr(self.pages_iter, "close", None)
        if close is not None:
            close()


def _read_ahead(pages: Iterable, depth: int = READ_AHEAD_PAGES, *, name: str = "x-read-ahead") -> Iterator:
    """Iterate `pages` in a thread, up to `depth` pages ahead of the caller, and pass on what it raises.

    The thread runs in a copy of the caller's context (so bulk metering sees its calls) and never touches
    the database. If the caller stops early, the thread stops at its next page.
    """
    ahead: queue.Queue = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def put(item) -> bool:
        while not stopped.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        iterator = iter(pages)
        try:
            for page in iterator:
                if not put(page):
                    return
        except BaseException as exc:  # noqa: BLE001  (handed to the caller, who raises it)
            put(exc)
            return
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()  # a generator upstream runs its own clean-up (another read-ahead stops its thread)
        put(_END)

    context = copy_context()
    thread = threading.Thread(target=context.run, args=(read,), name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = ahead.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stopped.set()
        thread.join()


def poll_store(
    *, cursor: PollCursor, token: str, pages: Iterable[list[XPost]], stream: client.PageStream | None = None
) -> PollOutcome:
    """Store what one poll reads (`pages` yields each page's posts) and advance its cursor, in one transaction.

    `stream` is where the pages come from: if it stopped at its page limit before reaching the cursor's
    since_id, the cursor keeps since_id and records the backlog instead (see PollCursor)."""
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Safe here: a commit lost in a crash loses the posts and the cursor's advance together, and
            # the next poll reads them again. Saves a disk flush per poll.
            with connection.cursor() as db:
                db.execute("SET LOCAL synchronous_commit TO OFF")
                # Foreign keys checked as each chunk is written, while the next is read and routed, rather than
                # all at the commit with nothing left to overlap them (rows are written referenced-first).
                db.execute("SET CONSTRAINTS ALL IMMEDIATE")
        locked = PollCursor.objects.select_for_update().get(pk=cursor.pk)
        result = StoreResult()
        counted = _Counted(pages)
        source = cursor.account_id if cursor.account_id else None
        # Three stages at once: a thread reads pages from X, another checks and routes them a chunk at a
        # time, and this one writes each chunk, so X's and the database's waits overlap Python's work.
        chunks = _prepared_chunks(counted, source, router_current(), _account_handles())
        with _while_polling():
            for chunk in _read_ahead(chunks, depth=2, name="route-ahead"):
                _write_chunk(chunk, result)
        # Posts X sent that the client set aside as unreadable: read (and billed) but not stored.
        set_aside = stream.set_aside if stream is not None else 0
        api_calls, posts_read, skipped = counted.pages, counted.posts + set_aside, result.skipped + set_aside
        position = _position(locked, result.ids_read, stream)
        newest = position["since_id"]
        member_ids = list(locked.monitors.values_list("pk", flat=True)) if locked.kind == PollCursor.Kind.SEARCH else []
        if newest and member_ids:
            Monitor.objects.filter(pk__in=member_ids).filter(Q(since_id__isnull=True) | Q(since_id__lt=newest)).update(
                since_id=newest
            )
        catching_up = position["backlog_until_id"] is not None
        PollCursor.objects.filter(pk=locked.pk).update(
            **position,
            last_polled_at=now,
            # A backlog is read at the next poll cycle rather than after the cursor's interval.
            next_poll_at=now if catching_up else now + timedelta(seconds=locked.interval_seconds),
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
            skipped=skipped,
        )
        usage_record(
            day=timezone.localdate(now),
            cursor=locked,
            member_ids=member_ids,
            matches=result.monitor_matches,
            api_calls=api_calls,
            posts_read=posts_read,
        )
    return PollOutcome("stored", posts_read=posts_read, posts_new=result.new, api_calls=api_calls, skipped=skipped)


def _position(cursor: PollCursor, ids_read: list[int], stream: client.PageStream | None) -> dict:
    """Where the cursor stands after a poll: its since_id, and the backlog still to read, if any."""
    in_backlog = cursor.backlog_until_id is not None
    newest = max([cursor.since_id or 0, *ids_read, (stream.newest if stream else None) or 0]) or None
    top = cursor.backlog_newest_id if in_backlog else newest
    if cursor.since_id and stream is not None and stream.truncated and stream.oldest:
        # Stopped before reaching since_id: what lies between is read by the next polls. (A cursor's first
        # poll has no since_id: it starts from now, and X's week of history before it is not read.)
        return {"since_id": cursor.since_id, "backlog_until_id": stream.oldest, "backlog_newest_id": top}
    return {"since_id": top, "backlog_until_id": None, "backlog_newest_id": None}


# --- Storing and routing ---------------------------------------------------------------------------


@dataclass
class StoreResult:
    new: int = 0
    skipped: int = 0
    ids_read: list[int] = field(default_factory=list)
    monitor_matches: dict[int, tuple[int, ...]] = field(default_factory=dict)  # tweet id -> monitor ids


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


def _prepared_chunks(
    pages: Iterable[list[XPost]], source_account_id, router: Router, handles: dict[str, int]
) -> Iterator[_PreparedChunk]:
    """Pages regrouped into chunks of about STORE_CHUNK posts, each prepared for writing."""
    pending: list[XPost] = []
    try:
        for page in pages:
            pending.extend(page)
            if len(pending) >= STORE_CHUNK:
                yield _prepare_chunk(pending, source_account_id, router, handles)
                pending = []
        if pending:
            yield _prepare_chunk(pending, source_account_id, router, handles)
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()  # stop reading from X when the writing stopped


STORE_CHUNK = 1000


MENTION_COLUMNS = (
    "tweet_id", "text", "posted_at", "lang", "author_x_id", "author_username", "author_name", "author_verified",
    "author_followers", "conversation_id", "reply_to_post_id", "is_retweet", "sentiment",
)  # fmt: skip


def _bulk_insert(model, columns, rows, *, same=None) -> None:
    """INSERT ... ON CONFLICT DO NOTHING for many rows at once; `same` maps columns to the value every row has.

    On PostgreSQL one statement, the rows sent as one JSON document (see _chunk_sql); elsewhere (SQLite for
    the demo) through bulk_create.
    """
    if not rows:
        return
    same = same or {}
    if connection.vendor == "postgresql":
        # Table, column and type names come from our models and constants, never from input.
        values = [f"(row->>{i})::{_db_type(model, column)}" for i, column in enumerate(columns)]
        values += [f"%s::{_db_type(model, column)}" for column in same]
        sql = (
            f"INSERT INTO {model._meta.db_table} ({', '.join([*columns, *same])}) "  # noqa: S608
            f"SELECT {', '.join(values)} FROM jsonb_array_elements(%s::jsonb) AS row ON CONFLICT DO NOTHING"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*same.values(), _json(rows)])
        return
    model.objects.bulk_create(
        [model(**dict(zip(columns, row, strict=True)), **same) for row in rows], ignore_conflicts=True, batch_size=500
    )


def _json(rows: list) -> str:
    """Rows as one JSON document; datetimes in ISO 8601 with their offset, which PostgreSQL reads as they are."""
    return orjson.dumps(rows).decode()


@cache
def _db_type(model, column: str) -> str:
    field = model._meta.get_field(column)
    return field.target_field.db_type(connection) if field.is_relation else field.db_type(connection)


@cache
def _chunk_sql() -> str:
    """One statement that stores a chunk on PostgreSQL: the posts not stored yet, and for exactly those (joined
    on tweet id to the ids the INSERT returns) their matches, inbox items and tags; it returns the tweet ids
    it inserted.

    Each kind of row arrives as one JSON document that the server takes apart, so the worker's only work is
    orjson.dumps (in C, done by the routing thread), where psycopg2 adapting lists held the GIL for a call per
    value and left the server thousands of array constants to parse. Matches, items and tags belong to
    mentions this statement created, so nothing can conflict with them (the mention is not visible to anyone
    else before the commit) and they are plain INSERTs.
    """
    mention = ", ".join(f"(row->>{i})::{_db_type(Mention, column)}" for i, column in enumerate(MENTION_COLUMNS))
    # Cast to the column's own type, as for the mention's columns: a tag longer than its column is cut, as
    # bulk inserts always did, rather than failing the poll.
    priority, tag = _db_type(InboxItem, "priority"), _db_type(InboxItemTag, "name")
    return f"""
        WITH new AS (
            INSERT INTO {Mention._meta.db_table} ({", ".join(MENTION_COLUMNS)}, found_at)
            SELECT {mention}, %(found_at)s FROM jsonb_array_elements(%(mentions)s::jsonb) AS row
            ON CONFLICT DO NOTHING
            RETURNING tweet_id, id
        ), matches AS (
            INSERT INTO {MentionMatch._meta.db_table} (mention_id, monitor_id, account_id, matched_at)
            SELECT new.id, (row->>1)::bigint, (row->>2)::bigint, %(found_at)s
            FROM jsonb_array_elements(%(matches)s::jsonb) AS row JOIN new ON new.tweet_id = (row->>0)::bigint
        ), items AS (
            INSERT INTO {InboxItem._meta.db_table}
                (mention_id, team_id, account_id, priority, due_at, status, escalation_note, created_at, updated_at)
            SELECT new.id, (row->>1)::bigint, (row->>2)::bigint, (row->>3)::{priority}, (row->>4)::timestamptz,
                %(status)s, '', %(found_at)s, %(found_at)s
            FROM jsonb_array_elements(%(items)s::jsonb) AS row JOIN new ON new.tweet_id = (row->>0)::bigint
            RETURNING mention_id, id
        ), tags AS (
            INSERT INTO {InboxItemTag._meta.db_table} (item_id, name)
            SELECT items.id, (row->>1)::{tag}
            FROM jsonb_array_elements(%(tags)s::jsonb) AS row
            JOIN new ON new.tweet_id = (row->>0)::bigint JOIN items ON items.mention_id = new.id
        )
        SELECT tweet_id FROM new
    """  # noqa: S608  (table, column and type names come from our models and constants, never from input)


def _mention_row(tweet_id: int, post: XPost, sentiment: float) -> tuple:
    # The client cleans what it reads from X; cleaned again here (a no-op then) since a NUL or a lone surrogate
    # would fail the whole chunk's INSERT, and with it the poll.
    author = post.author
    return (
        tweet_id,
        clean_text(post.text),
        post.created_at,
        clean_text(post.lang or "")[:10],
        clean_text(str(post.author_id or ""))[:30],
        clean_text(author.username if author else "")[:50],
        clean_text(author.name if author else "")[:100],
        bool(author.verified) if author else False,
        max(0, int(author.followers_count or 0)) if author else 0,
        str(post.conversation_id or "")[:30],
        str(post.reply_to_post_id or "")[:30],
        bool(post.is_retweet),
        sentiment,
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


@dataclass
class _PreparedChunk:
    """Up to STORE_CHUNK posts read and routed, ready to write (made without touching the database). Rows
    name their post by tweet id; the writer gives them its Mention id."""

    valid: list[int]  # tweet ids, first copy of each
    skipped: int
    monitor_ids: dict[int, tuple[int, ...]]  # tweet id -> the monitors whose queries match it
    mentions: list[tuple]  # Mention rows, in MENTION_COLUMNS order
    matches: list[tuple]  # (tweet id, monitor id, account id), one of the two None
    items: list[tuple]  # (tweet id, team id, account id, priority, due at): its inbox item, if it is new
    tags: list[tuple]  # (tweet id, tag name) for its inbox item
    unrouted: list[int]  # tweet ids no team claims
    found_at: datetime
    documents: dict[str, str] | None = None  # the rows as JSON for _chunk_sql, when on PostgreSQL


def _prepare_chunk(posts: list[XPost], source_account_id, router: Router, handles: dict) -> _PreparedChunk:
    """The Python half of storing: check, analyse and route every post. No database, so it can run in a
    thread while the previous chunk is written. Posts found to be stored already waste their routing."""
    valid: dict[int, XPost] = {}
    skipped = 0
    for post in posts:
        tweet_id = _valid(post)
        if tweet_id is None:
            skipped += 1
            continue
        valid.setdefault(tweet_id, post)
    now = timezone.now()
    monitor_ids, mentions, matches, items, tags, unrouted = {}, [], [], [], [], []
    due_by_priority: dict[str, datetime] = {}
    route = router.route
    for tweet_id, post in valid.items():
        accounts = mentioned_account_ids(post, handles)
        if source_account_id:
            accounts.add(source_account_id)
        sentiment = sentiment_of(post.text)
        mentions.append(_mention_row(tweet_id, post, sentiment))
        decision = route(PostFacts(post=post, sentiment=sentiment, account_ids=frozenset(accounts)))
        # Kept until the poll ends (usage_record) as a tuple of ints, which the garbage collector soon stops
        # tracking; a list per post read would be walked by every collection for the rest of the poll.
        monitor_ids[tweet_id] = tuple(decision.monitor_ids)
        for aid in accounts:
            matches.append((tweet_id, None, aid))
        for mid in decision.monitor_ids:
            matches.append((tweet_id, mid, None))
        if decision.team_id is None:
            unrouted.append(tweet_id)
            continue
        due = due_by_priority.get(decision.priority)
        if due is None:
            due = due_by_priority[decision.priority] = InboxItem.due_for(decision.priority, now)
        items.append((tweet_id, decision.team_id, min(accounts) if accounts else None, decision.priority, due))
        tags.extend((tweet_id, name) for name in decision.tags)
    chunk = _PreparedChunk(list(valid), skipped, monitor_ids, mentions, matches, items, tags, unrouted, now)
    if connection.vendor == "postgresql":
        rows = {"mentions": mentions, "matches": matches, "items": items, "tags": tags}
        chunk.documents = {name: _json(value) for name, value in rows.items()}
    return chunk


def _write_chunk(chunk: _PreparedChunk, result: StoreResult) -> None:
    """The database half: insert the posts not stored yet, with their matches, inbox items and tags; posts
    stored already (by an earlier poll, or another worker just now) gain only their account matches."""
    result.skipped += chunk.skipped
    result.ids_read.extend(chunk.valid)
    result.monitor_matches.update(chunk.monitor_ids)
    if not chunk.valid:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _chunk_sql(), {**chunk.documents, "found_at": chunk.found_at, "status": InboxItem.Status.NEW}
            )
            inserted = {tweet_id for (tweet_id,) in cursor.fetchall()}
        # Looked up in a statement of their own: one committed by another worker since the INSERT began is
        # visible only to a later statement.
        existing = _stored_ids([tweet_id for tweet_id in chunk.valid if tweet_id not in inserted])
    else:
        existing = _stored_ids(chunk.valid)
        fresh = [row for row in chunk.mentions if row[0] not in existing]
        _bulk_insert(Mention, MENTION_COLUMNS, fresh, same={"found_at": chunk.found_at})
        new_ids = _stored_ids([row[0] for row in fresh])
        _write_rows(chunk, new_ids)
        inserted = set(new_ids)
    account_matches = [(existing[t], None, aid) for t, _, aid in chunk.matches if aid is not None and t in existing]
    _bulk_insert(
        MentionMatch, ("mention_id", "monitor_id", "account_id"), account_matches, same={"matched_at": chunk.found_at}
    )
    for tweet_id in chunk.unrouted:
        if tweet_id in inserted:
            log.error("No team for mention %s: set TRIAGE_TEAM_SLUG to an existing team", tweet_id)
    result.new += len(inserted)


def _write_rows(chunk: _PreparedChunk, mention_ids: dict[int, int]) -> None:
    """Matches, inbox items and tags of the posts just stored (tweet id -> Mention id), where _chunk_sql is
    not available."""
    now = chunk.found_at
    matches = [(mention_ids[t], mid, aid) for t, mid, aid in chunk.matches if t in mention_ids]
    _bulk_insert(MentionMatch, ("mention_id", "monitor_id", "account_id"), matches, same={"matched_at": now})
    items = [(mention_ids[t], *rest) for t, *rest in chunk.items if t in mention_ids]
    fields = {"status": InboxItem.Status.NEW, "escalation_note": "", "created_at": now, "updated_at": now}
    _bulk_insert(InboxItem, ("mention_id", "team_id", "account_id", "priority", "due_at"), items, same=fields)
    tagged = [mention_ids[t] for t, _ in chunk.tags if t in mention_ids]
    if not tagged:
        return
    item_ids = dict(
        InboxItem.objects.filter(mention_id__in=tagged, escalated_from__isnull=True).values_list("mention_id", "pk")
    )
    tags = [(item_ids[mention_ids[t]], name) for t, name in chunk.tags if mention_ids.get(t) in item_ids]
    _bulk_insert(InboxItemTag, ("item_id", "name"), tags)


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


__all__ = ["MonitorUsage", "cursor_poll", "cursors_sync", "poll_store", "router_current"]
