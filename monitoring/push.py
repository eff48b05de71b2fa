"""Push ingestion (settings.INGESTION = "push"): the `stream` process holds X's Activity API stream open and stores
what it delivers; polling stays the fallback.

- Which accounts are streamed: `streamed_accounts` (the one place that chooses).
- Mentions are stored through the poll's own path (monitoring.storage: `prepared_chunks`, `chunk_write`, inbox items
  through `services.items_arrive`), in batches, so a post is stored once by tweet id whether polled or pushed. Each
  streamed account has its own mentions cursor (`timeline:<account pk>`, monitoring.ingest.cursors_sync), which a
  stored batch moves forward: after a switch back to polling, polling starts where the stream stopped.
- On every (re)connect the gap is filled by polling those cursors once (the mentions timeline since the last stored
  id), after the stream is open: what came before is read, what comes after is pushed, the overlap stored once.
- Account events (own posts, deletions, profile changes) are stored once by X's event id (`AccountEvent`) and
  `twitter_api.signals.account_activity` is sent for each after the commit.
- The worker's heartbeat (the shared cache) says whether the stream is up. While it is, the poll cycle leaves the
  streamed accounts' mentions alone; down for longer than settings.STREAM_FALLBACK_SECONDS (or the process gone),
  the poll cycle polls them again (`covered_account_ids`).
"""

from __future__ import annotations

import logging
import queue
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q

from accounts.models import TwitterAccount
from accounts.selectors import activity_authorised_ids
from monitoring import storage
from monitoring.models import AccountEvent, PollCursor
from monitoring.routing import account_handles, router_current
from twitter_api import stream as x_stream
from twitter_api.errors import XApiError
from twitter_api.models import ApiCall
from twitter_api.signals import account_activity

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "dovecote:stream:heartbeat"
HEARTBEAT_SECONDS = 2.0
MENTION_EVENTS = frozenset({"post.mention.create"})
RESUBSCRIBE_SECONDS = 300
GAP_FILL_ROUNDS = 20  # polls of one cursor per gap fill at most (each reads up to MONITORING_MAX_PAGES pages)


def push_on() -> bool:
    return settings.INGESTION == "push"


def streamed_accounts() -> list[TwitterAccount]:
    """The governed accounts whose mentions and events X pushes: active and known to X, authorised for the Activity
    API with OAuth 2.0 (X delivers a mention, a private event, only then), and with working OAuth 1.0a credentials
    (a reconnect's gap fill reads the account's mentions timeline). The others' mentions are polled."""
    from monitoring.ingest import timeline_accounts

    authorised = activity_authorised_ids()
    return [a for a in timeline_accounts().order_by("pk") if a.pk in authorised and a.has_credentials]


def mention_cursor_key(account_pk: int) -> str:
    return f"timeline:{account_pk}"


# --- Health ---------------------------------------------------------------------------------------------------------


def heartbeat_write(health: dict) -> None:
    try:
        cache.set(HEARTBEAT_KEY, {**health, "beat_at": time.time()}, timeout=24 * 3600)
    except Exception:  # noqa: BLE001  (a cache outage must not stop the stream; polling then takes over)
        log.warning("Could not write the stream's heartbeat", exc_info=True)


def stream_health() -> dict | None:
    """The stream worker's last heartbeat (see Worker._health), or None."""
    try:
        health = cache.get(HEARTBEAT_KEY)
    except Exception:  # noqa: BLE001
        return None
    return health if isinstance(health, dict) else None


def stream_down_for(health: dict | None, now: float | None = None) -> float | None:
    """Seconds the stream has been down (no heartbeat counts from the last one), or None while it is up."""
    if not health:
        return float("inf")
    now = now or time.time()
    if now - health.get("beat_at", 0) > max(10.0, 5 * HEARTBEAT_SECONDS):
        return now - health.get("beat_at", 0)
    if health.get("connected"):
        return None
    return now - (health.get("down_since") or health.get("beat_at", now))


def covered_account_ids(now: float | None = None) -> set[int]:
    """Accounts whose mentions the stream covers now: empty unless push is on and the stream has not been down for
    longer than settings.STREAM_FALLBACK_SECONDS (then the poll cycle polls them again)."""
    if not push_on():
        return set()
    health = stream_health()
    down = stream_down_for(health, now)
    if down is not None and down > settings.STREAM_FALLBACK_SECONDS:
        return set()
    return set(health.get("accounts", ())) if health else set()


# --- Storing a batch -------------------------------------------------------------------------------------------------


@dataclass
class Batch:
    """What arrived since the last flush."""

    mentions: dict[int, list] = field(default_factory=lambda: defaultdict(list))  # account pk -> XPosts
    account_events: list = field(default_factory=list)  # (account pk, ActivityEvent)
    delivered: Counter = field(default_factory=Counter)  # event type -> events delivered (billed)
    meter_rows: list = field(default_factory=list)  # ApiCall rows of connects
    size: int = 0

    def __bool__(self) -> bool:
        return bool(self.size or self.meter_rows)


@dataclass
class BatchOutcome:
    mentions_new: int = 0
    events_new: int = 0


def batch_store(*, batch: Batch) -> BatchOutcome:
    """Store a batch in one transaction: mentions (once by tweet id, through monitoring.storage), the mentions cursors
    moved forward, account events (once by event id) and the meter rows; the signals go after the commit."""
    outcome = BatchOutcome()
    with transaction.atomic():
        if batch.mentions:
            result = storage.StoreResult()
            router, handles = router_current(), account_handles()
            for account_pk, posts in batch.mentions.items():
                for chunk in storage.prepared_chunks([posts], account_pk, router, handles):
                    storage.chunk_write(chunk, result)
                _cursor_forward(account_pk, max(int(p.id) for p in posts))
            outcome.mentions_new = result.new
        if batch.account_events:
            outcome.events_new = _account_events_store(batch.account_events)
        rows = [*batch.meter_rows, x_stream.delivery_meter(batch.delivered)]
        ApiCall.objects.bulk_create([row for row in rows if row is not None])
    return outcome


def _cursor_forward(account_pk: int, newest: int) -> None:
    """The account's mentions cursor moved to the newest pushed mention: every mention up to it is stored (the stream
    delivers in order, and a reconnect's gap fill read what came before). A cursor reading a backlog keeps its
    place and only raises the position it will take when the backlog is read."""
    cursors = PollCursor.objects.filter(key=mention_cursor_key(account_pk))
    cursors.filter(backlog_until_id__isnull=True).filter(Q(since_id__isnull=True) | Q(since_id__lt=newest)).update(
        since_id=newest
    )
    cursors.filter(backlog_until_id__isnull=False, backlog_newest_id__lt=newest).update(backlog_newest_id=newest)


def _account_events_store(events: list) -> int:
    """New AccountEvent rows for events not seen before; account_activity sent for each after the commit."""
    unique = {}
    for account_pk, event in events:
        unique.setdefault(event.event_id, (account_pk, event))
    seen = set(AccountEvent.objects.filter(event_id__in=list(unique)).values_list("event_id", flat=True))
    fresh = [(pk, event) for event_id, (pk, event) in unique.items() if event_id not in seen]
    AccountEvent.objects.bulk_create(
        [
            AccountEvent(
                event_id=event.event_id,
                event_type=event.event_type,
                account_id=pk,
                occurred_at=event.occurred_at,
                summary=_summary(event),
            )
            for pk, event in fresh
        ],
        ignore_conflicts=True,
    )
    for pk, event in fresh:
        transaction.on_commit(lambda pk=pk, event=event: _signal(pk, event))
    return len(fresh)


def _summary(event) -> str:
    if event.post is not None:
        return f"post {event.post.id}"
    if "id" in event.payload:
        return f"post {event.payload['id']}"
    return f"{event.payload.get('before') or ''} → {event.payload.get('after') or ''}"[:300]


def _signal(account_pk: int, event) -> None:
    payload = {"post": event.post} if event.post is not None else dict(event.payload)
    if event.event_type == "post.delete":
        payload["post_id"] = event.payload.get("id")
    try:
        account_activity.send(
            sender=AccountEvent,
            account_id=account_pk,
            event_type=event.event_type,
            event_id=event.event_id,
            payload=payload,
            occurred_at=event.occurred_at,
        )
    except Exception:  # noqa: BLE001  (a receiver's failure must not stop the stream; the row records the event)
        log.exception("A receiver of account_activity failed for event %s", event.event_id)


# --- Filling the gap -------------------------------------------------------------------------------------------------


def gap_fill(*, account_ids: list[int]) -> int:
    """Poll each streamed account's mentions cursor until it has caught up (the mentions timeline since the last
    stored id); how many posts it stored. Called after each (re)connect, once the stream is open."""
    from monitoring.ingest import cursor_poll, cursors_sync

    cursors_sync()
    stored = 0
    keys = [mention_cursor_key(pk) for pk in account_ids]
    for cursor_id in PollCursor.objects.filter(key__in=keys, is_active=True).values_list("pk", flat=True):
        for _ in range(GAP_FILL_ROUNDS):
            outcome = cursor_poll(cursor_id=cursor_id)
            stored += outcome.posts_new
            if outcome.status != "stored":
                log.warning("Gap fill of cursor %s: %s %s", cursor_id, outcome.status, outcome.message)
                break
            if not PollCursor.objects.filter(pk=cursor_id, backlog_until_id__isnull=False).exists():
                break
    return stored


# --- The worker ------------------------------------------------------------------------------------------------------


class Worker:
    """The `stream` process's loop: subscriptions ensured, the stream read (twitter_api.stream.StreamReader, in its
    own thread), batches stored every `batch_size` events or `flush_ms`, gaps filled on each connect, a heartbeat.

    `until_events` / `until_seconds` bound a run (tests and the bench); otherwise it runs until `stop()`."""

    def __init__(
        self,
        *,
        reader: x_stream.StreamReader | None = None,
        batch_size: int | None = None,
        flush_ms: int | None = None,
        until_events: int | None = None,
        until_seconds: float | None = None,
    ):
        self.reader = reader or x_stream.StreamReader()
        self.batch_size = batch_size or settings.STREAM_BATCH_SIZE
        self.flush_seconds = (flush_ms or settings.STREAM_FLUSH_MS) / 1000
        self.until_events = until_events
        self.until_seconds = until_seconds
        self.accounts: dict[str, int] = {}  # X user id -> account pk
        self.events = 0
        self.mentions_new = 0
        self.gap_filled = 0
        self.unreadable = 0
        self.down_since: float | None = time.time()
        self.stopping = False
        self._beat_at = 0.0
        self._subscribed_at = 0.0

    def stop(self) -> None:
        self.stopping = True

    def subscribe(self) -> None:
        """Subscriptions made to match the streamed accounts now (an account added or revoked since is seen here)."""
        self._subscribed_at = time.monotonic()
        accounts = streamed_accounts()
        self.accounts = {a.x_user_id: a.pk for a in accounts}
        try:
            x_stream.subscriptions_ensure({a.x_user_id: f"dovecote:{a.pk}" for a in accounts})
        except (XApiError, requests.RequestException) as exc:
            log.warning("Could not update the activity subscriptions (tried again shortly): %s", exc)
            self._subscribed_at -= RESUBSCRIBE_SECONDS - 30

    def run(self) -> Worker:
        started = time.monotonic()
        self.subscribe()
        self.reader.start()
        batch, deadline = Batch(), None
        try:
            while not self.stopping:
                if self.until_seconds is not None and time.monotonic() - started >= self.until_seconds:
                    break
                if self.until_events is not None and self.events >= self.until_events:
                    break
                timeout = self.flush_seconds if deadline is None else max(0.0, deadline - time.monotonic())
                try:
                    kind, value = self.reader.messages.get(timeout=min(timeout, HEARTBEAT_SECONDS))
                except queue.Empty:
                    kind, value = None, None
                if kind == "connected":
                    batch = self._flush(batch)  # what the last connection delivered, before the gap is read
                    self._connected()
                elif kind is not None:
                    self._take(batch, kind, value)
                    if deadline is None:
                        deadline = time.monotonic() + self.flush_seconds
                if batch and (batch.size >= self.batch_size or deadline is None or time.monotonic() >= deadline):
                    batch, deadline = self._flush(batch), None
                self._heartbeat()
                if time.monotonic() - self._subscribed_at >= RESUBSCRIBE_SECONDS:
                    self.subscribe()
        finally:
            self.reader.stop()
            self._drain(batch)
            self._flush(batch)
            self.down_since = self.down_since or time.time()
            self._heartbeat(force=True, running=False)
        return self

    def _drain(self, batch: Batch) -> None:
        while True:
            try:
                kind, value = self.reader.messages.get_nowait()
            except queue.Empty:
                return
            if kind != "connected":
                self._take(batch, kind, value)

    def _take(self, batch: Batch, kind: str, value) -> None:
        if kind == "event":
            self.events += 1
            batch.size += 1
            batch.delivered[value.event_type] += 1
            account_pk = self.accounts.get(value.user_id)
            if account_pk is None:
                log.warning("An event for X user %s, not a streamed account: passed over", value.user_id)
            elif value.event_type in MENTION_EVENTS:
                batch.mentions[account_pk].append(value.post)
            else:
                batch.account_events.append((account_pk, value))
        elif kind == "connect":
            batch.meter_rows.append(x_stream.connect_meter(value))
        elif kind == "unreadable":
            self.unreadable += 1
        elif kind == "down":
            self.down_since = time.time()
        elif kind == "refused":
            from accounts.services import x_credits_refused

            x_credits_refused(exc=value, endpoint="activity stream", reads=True)

    def _flush(self, batch: Batch) -> Batch:
        if batch:
            try:
                self.mentions_new += batch_store(batch=batch).mentions_new
            except Exception:  # noqa: BLE001  (a gap fill reads again what the batch held: its cursors did not move)
                log.exception("Could not store a batch of %s pushed events; filling the gap", batch.size)
                if connection.connection is not None and not connection.is_usable():
                    connection.close()  # one the database dropped is opened afresh by the next query
                self._gap_fill()
        return Batch()

    def _connected(self) -> None:
        self.down_since = None
        self._heartbeat(force=True)
        self._gap_fill()

    def _gap_fill(self) -> None:
        try:
            self.gap_filled += gap_fill(account_ids=list(self.accounts.values()))
        except Exception:  # noqa: BLE001  (the stream goes on; the poll cycle is the fallback)
            log.exception("Gap fill failed")

    def _health(self, *, running: bool = True) -> dict:
        stats = self.reader.stats
        return {
            "running": running,
            "connected": bool(stats.connected and running),
            "down_since": self.down_since,
            "last_event_at": stats.last_event_at,
            "last_byte_at": stats.last_byte_at,
            "reconnects": stats.reconnects,
            "events": self.events,
            "unreadable": self.unreadable,
            "last_error": stats.last_error,
            "accounts": sorted(self.accounts.values()),
        }

    def _heartbeat(self, *, force: bool = False, running: bool = True) -> None:
        now = time.monotonic()
        if force or now - self._beat_at >= HEARTBEAT_SECONDS:
            self._beat_at = now
            heartbeat_write(self._health(running=running))


def health_summary() -> dict | None:
    """For the usage page and the admins' banner: None unless push is on; else whether the stream is up, since when
    it is down, its last event and reconnects, as aware datetimes."""
    if not push_on():
        return None
    health = stream_health() or {}
    down = stream_down_for(health or None)

    def when(value):
        return datetime.fromtimestamp(value, tz=UTC) if isinstance(value, int | float) else None

    return {
        "up": down is None,
        "down_seconds": None if down is None or down == float("inf") else int(down),
        "never_seen": not health,
        "falling_back": down is not None and down > settings.STREAM_FALLBACK_SECONDS,
        "last_event_at": when(health.get("last_event_at")),
        "beat_at": when(health.get("beat_at")),
        "reconnects": health.get("reconnects", 0),
        "events": health.get("events", 0),
        "unreadable": health.get("unreadable", 0),
        "last_error": health.get("last_error", ""),
        "accounts": len(health.get("accounts", ())),
    }


def health_state() -> str | None:
    """The stream's state in a word, for /healthz (core.health): None unless push is on."""
    summary = health_summary()
    if summary is None:
        return None
    if summary["up"]:
        return "connected"
    if summary["never_seen"]:
        return "not running (mentions polled)"
    return "down (mentions polled)" if summary["falling_back"] else "reconnecting"
