"""Polling: keep cursors in step with monitors and accounts, read from X, store and route what was read.

A poll claims its cursor with a lease (a conditional UPDATE, so one poll per cursor at a time across any
number of workers), then in ONE transaction stores the posts it reads, their matches and inbox items, and
advances the cursor. Pages are read from X by a thread a few pages ahead of the storing, so waiting for X
overlaps the database's work; an error from X on any page rolls the whole poll back. A worker that dies
before the commit leaves the cursor where it was; its lease runs out and the next poll reads the same posts
again, stored once by tweet id.

Storing what was read is monitoring.storage's; routing it, monitoring.routing's.
"""

from __future__ import annotations

import gc
import logging
import queue
import secrets
import sys
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import copy_context
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import TwitterAccount
from accounts.services import x_credits_refused
from monitoring import budget, network_ingest, packing, storage
from monitoring.models import Monitor, MonitorUsage, PollCursor, PollRun
from monitoring.routing import account_handles, router_current
from networks import X
from twitter_api import client, credits
from twitter_api.errors import CreditsExhausted, RateLimited, XApiError
from twitter_api.types import XPost

log = logging.getLogger(__name__)

LEASE_SECONDS = 240


def max_pages() -> int:
    return settings.MONITORING_MAX_PAGES


# --- Cursors ---------------------------------------------------------------------------------------


def timeline_accounts():
    """Active X accounts known to X: their mentions, direct messages and stream (Bluesky and Mastodon accounts are
    polled by monitoring.network_ingest)."""
    return TwitterAccount.objects.filter(
        status=TwitterAccount.Status.ACTIVE, credentials_revoked_at__isnull=True, network=X
    ).exclude(x_user_id="")


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
        # Started, or restarted, where its accounts' own cursors stopped (after push, or timelines): the oldest of
        # them, so none is skipped and little is read again.
        own = [since for since in _own_cursor_positions(packed.monitor_ids) if since]
        cursor, created = PollCursor.objects.get_or_create(
            key=key,
            defaults={
                "kind": PollCursor.Kind.TIMELINE,
                "query": packed.query,
                "interval_seconds": interval,
                "since_id": min(own) if own and len(own) == len(packed.monitor_ids) else None,
            },
        )
        if created:
            cursor.accounts.set(packed.monitor_ids)
        elif not cursor.is_active:
            cursor.is_active = True
            if own and len(own) == len(packed.monitor_ids) and min(own) > (cursor.since_id or 0):
                cursor.since_id = min(own)
            cursor.save(update_fields=["is_active", "since_id"])


def _own_cursor_positions(account_ids) -> list[int | None]:
    """The since_id of each account's own mentions cursor (`timeline:<pk>`), where it has one."""
    keys = [f"timeline:{pk}" for pk in account_ids]
    return list(PollCursor.objects.filter(key__in=keys).values_list("since_id", flat=True))


@transaction.atomic
def cursors_sync() -> list[PollCursor]:
    """Make the cursors match the active accounts and the packing of active monitors. Keeps what it can."""
    from monitoring.direct import dm_cursors_sync

    wanted_keys = set()
    accounts = [a for a in timeline_accounts() if a.has_credentials]
    dm_cursors_sync(accounts, wanted_keys)
    streamed: list[TwitterAccount] = []
    if settings.INGESTION == "push":
        # Each streamed account has its own mentions cursor: the stream moves it, a reconnect's gap fill polls it
        # (monitoring.push); the rest are polled as configured.
        from monitoring.push import streamed_accounts

        streamed_ids = {a.pk for a in streamed_accounts()}
        streamed = [a for a in accounts if a.pk in streamed_ids]
        accounts = [a for a in accounts if a.pk not in streamed_ids]
    if mentions_source() == "search" and accounts:
        _mentions_search_cursors(accounts, settings.X_QUERY_LENGTH_LIMIT, wanted_keys)
        accounts = []
    for account in [*accounts, *streamed]:
        key = f"timeline:{account.pk}"
        wanted_keys.add(key)
        # A new cursor of its own starts where the shared mentions search left the account, if it was in one.
        shared = PollCursor.objects.filter(key__startswith="mentions:", accounts=account, since_id__isnull=False)
        start = max(shared.values_list("since_id", flat=True), default=None)
        PollCursor.objects.update_or_create(
            key=key,
            defaults={"kind": PollCursor.Kind.TIMELINE, "account": account, "is_active": True},
            create_defaults={
                "kind": PollCursor.Kind.TIMELINE,
                "account": account,
                "is_active": True,
                "interval_seconds": settings.MONITORING_TIMELINE_INTERVAL,
                "since_id": start,
            },
        )
    _search_cursors(wanted_keys)
    network_ingest.network_cursors_sync(wanted_keys)
    PollCursor.objects.filter(is_active=True).exclude(key__in=wanted_keys).update(is_active=False)
    return list(PollCursor.objects.filter(is_active=True))


def _search_cursors(wanted_keys: set) -> None:
    """A search cursor for each packed group of active monitors, kept where the group did not change."""
    suffix = packing.exclusion_suffix(exclusion_handles())
    limit = settings.X_QUERY_LENGTH_LIMIT
    monitors = list(Monitor.objects.filter(is_active=True).order_by("pk"))
    since = {m.pk: m.since_id for m in monitors}
    intervals = {m.pk: m.poll_interval_seconds for m in monitors}
    existing = {c.key: c for c in PollCursor.objects.filter(kind=PollCursor.Kind.SEARCH)}
    for packed in packing.pack([(m.pk, m.query) for m in monitors], limit=limit, suffix=suffix, intervals=intervals):
        wanted_keys.add(packed.key)
        cursor = existing.get(packed.key)
        if cursor is None:
            # A new group starts from the oldest position of its members, so no member misses a post.
            positions = [since[mid] for mid in packed.monitor_ids if since[mid] is not None]
            cursor = PollCursor.objects.create(
                kind=PollCursor.Kind.SEARCH,
                key=packed.key,
                query=packed.query,
                interval_seconds=packed.interval,
                since_id=min(positions) if positions else None,
            )
            cursor.monitors.set(packed.monitor_ids)
        elif not cursor.is_active or cursor.interval_seconds != packed.interval:
            cursor.is_active, cursor.interval_seconds = True, packed.interval
            cursor.save(update_fields=["is_active", "interval_seconds"])


def cursors_due(now=None) -> list[int]:
    now = now or timezone.now()
    qs = PollCursor.objects.filter(is_active=True, next_poll_at__lte=now).filter(
        Q(paused_until__isnull=True) | Q(paused_until__lte=now)
    )
    qs = qs.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    if credits.blocked(reads=True):
        # X refuses reads for money: nothing on X is polled until an admin says credits are restored. Bluesky and
        # Mastodon are free, and carry on.
        return list(qs.filter(network_ingest.due_filter()).values_list("pk", flat=True))
    if settings.INGESTION == "push":
        from monitoring.push import covered_account_ids

        # The stream delivers these accounts' mentions (and fills its own gaps) while it is up.
        if covered := covered_account_ids():
            qs = qs.exclude(kind=PollCursor.Kind.TIMELINE, account_id__in=covered)
    if budget.search_paused():
        # The budget is X's: searches on Bluesky and Mastodon carry on.
        qs = qs.filter(Q(kind__in=[PollCursor.Kind.TIMELINE, PollCursor.Kind.DIRECT]) | network_ingest.due_filter())
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


CREDITS_PAUSE = "X refuses reads for money (credits used up, or the monthly read cap): polling waits for an admin."


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
    if network_ingest.is_network_cursor(cursor):
        return network_ingest.network_poll(cursor)  # Bluesky or Mastodon: free, and read through its provider
    if cursor.kind == PollCursor.Kind.SEARCH and budget.search_paused():
        return PollOutcome("paused", message="This month's read budget is used up; search monitors are paused.")
    if credits.blocked(reads=True):
        return PollOutcome("paused", message=CREDITS_PAUSE)
    if cursor.kind == PollCursor.Kind.DIRECT:
        from monitoring.direct import dm_poll

        return dm_poll(cursor) if cursor.account_id else PollOutcome("inactive")
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
    except CreditsExhausted as exc:
        # Nothing read is kept (the cursor stays where it was) and nothing is retried on a timer: polling resumes
        # from here when an admin says credits are restored (twitter_api.credits).
        x_credits_refused(exc=exc, endpoint=cursor.context or cursor.kind, reads=True)
        _release(cursor_id, token, last_error=exc.message)
        return PollOutcome("paused", message=CREDITS_PAUSE)
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
        _tune_transaction()
        locked = PollCursor.objects.select_for_update().get(pk=cursor.pk)
        counted = _Counted(pages)
        result = _store_pages(counted, source_account_id=cursor.account_id or None)
        # Posts X sent that the client set aside as unreadable: read (and billed) but not stored.
        set_aside = stream.set_aside if stream is not None else 0
        run = PollRun.objects.create(
            cursor=locked,
            started_at=now,
            api_calls=counted.pages,
            posts_read=counted.posts + set_aside,
            posts_new=result.new,
            skipped=result.skipped + set_aside,
        )
        member_ids = _cursor_advance(locked, token, now, position=_position(locked, result.ids_read, stream))
        usage_record(
            day=timezone.localdate(now),
            cursor=locked,
            member_ids=member_ids,
            matches=result.monitor_matches,
            api_calls=run.api_calls,
            posts_read=run.posts_read,
        )
    return PollOutcome(
        "stored", posts_read=run.posts_read, posts_new=run.posts_new, api_calls=run.api_calls, skipped=run.skipped
    )


def _tune_transaction() -> None:
    # PostgreSQL only, because SQLite (the demo) has neither setting (no figure: nothing portable to compare).
    if connection.vendor == "postgresql":
        with connection.cursor() as db:
            # Safe here: a commit lost in a crash loses the posts and the cursor's advance together, and the
            # next poll reads them again. Saves a disk flush per poll.
            db.execute("SET LOCAL synchronous_commit TO OFF")
            # Foreign keys checked as each chunk is written, while the next is read and routed, rather than
            # all at the commit with nothing left to overlap them (rows are written referenced-first).
            db.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _store_pages(pages: _Counted, *, source_account_id: int | None) -> storage.StoreResult:
    """Three stages at once: a thread reads pages from X, another checks and routes them a chunk at a time,
    and this one writes each chunk, so X's and the database's waits overlap Python's work."""
    result = storage.StoreResult()
    chunks = storage.prepared_chunks(pages, source_account_id, router_current(), account_handles())
    with _while_polling():
        for chunk in _read_ahead(chunks, depth=2, name="route-ahead"):
            storage.chunk_write(chunk, result)
    return result


def _cursor_advance(locked: PollCursor, token: str, now, *, position: dict) -> list[int]:
    """Move the cursor (and its monitors) to `position`, and end this poll's lease; returns its monitors."""
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
    return member_ids


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


def usage_record(*, day, cursor: PollCursor, member_ids: list[int], matches: dict, api_calls: int, posts_read: int):
    """Attribute a poll's calls and reads: to the timeline's account, or split across the group's monitors."""
    if cursor.kind in (PollCursor.Kind.TIMELINE, PollCursor.Kind.DIRECT):
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


__all__ = ["MonitorUsage", "cursor_poll", "cursors_sync", "poll_store"]
