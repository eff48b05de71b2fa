"""X's push interface for governed accounts: the X Activity API (subscriptions, and the stream of their events).

Reference: ../shared/reference/x-platform-2026.md section 5. The stream is one long HTTP response of newline-delimited
JSON, one event envelope a line (`{"data": {"event_uuid", "filter", "event_type", "tag", "payload", "includes"}}`),
with a blank line as keep-alive every 20 s. `StreamReader` holds it open in a thread of its own: it reconnects with
backoff and jitter (and after a stall: no byte for `stall_factor` keep-alive intervals), honours a 429's reset, reads
every line defensively (one bad line is counted, logged and passed over) and hands what it read to the caller through
a queue. It never touches the database: the caller meters, stores and fills gaps (monitoring/push.py).

Calls are routed to settings.X_API_BASE_URL (the sandbox) as twitter_api.client routes them. Subscription calls are
metered per request (client.MeteredAdapter); the stream's connects are returned as `Connect` messages and its
deliveries as events, for the caller to meter in bulk (`delivery_meter`): one row per stored batch, not per event.
"""

from __future__ import annotations

import json
import logging
import queue
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import orjson
import requests
from django.conf import settings

from twitter_api import prices
from twitter_api.client import (
    API_HOST,
    MeteredAdapter,
    Unreadable,
    XPost,
    clean_text,
    included_users,
    parse_post,
    parse_rate_limit_reset,
    x_id,
)
from twitter_api.errors import CreditsExhausted, RateLimited, XApiError
from twitter_api.models import ApiCall

log = logging.getLogger(__name__)

STREAM_ENDPOINT = "/2/activity/stream"
SUBSCRIPTIONS = "/2/activity/subscriptions"
# Post events carry a whole post in `payload`; the rest are about the account itself.
POST_EVENTS = frozenset(
    {"post.create", "post.mention.create", "post.reply.create", "post.quote.create", "post.repost.create"}
)
# What Dovecote subscribes to for each governed account authorised for it.
ACCOUNT_EVENTS = (
    "post.mention.create",
    "post.create",
    "post.delete",
    "profile.update.bio",
    "profile.update.profile_picture",
    "profile.update.banner_picture",
    "profile.update.screenname",
    "profile.update.handle",
    "profile.update.url",
)
MAX_LINE = 1_000_000  # a line longer than this is not an event X sends: dropped rather than held in memory


# --- Events ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityEvent:
    """One event from the stream, cleaned: `post` for post events; `payload` otherwise (post.delete: "id",
    "author_id"; profile.update.*: "before", "after", each text or None)."""

    event_id: str
    event_type: str
    user_id: str  # the subscription's filter: the governed account's X id
    tag: str
    occurred_at: datetime
    post: XPost | None = None
    payload: dict = field(default_factory=dict)


def _loads(line: bytes):
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        pass
    try:  # what orjson refuses and Python's reader accepts (an escaped lone surrogate)
        return json.loads(line.decode("utf-8", "replace"))
    except ValueError:
        raise Unreadable(f"a line that is not JSON: {line[:80]!r}") from None


def _optional_text(value) -> str | None:
    return clean_text(value)[:1000] if type(value) is str else None


def parse_event(line: bytes) -> ActivityEvent:
    """One stream line as an ActivityEvent; raises Unreadable (with the reason) for anything else."""
    envelope = _loads(line)
    if type(envelope) is not dict:
        raise Unreadable(f"a line that is not an object: {envelope!r:.80}")
    data = envelope.get("data")
    if type(data) is not dict:
        errors = envelope.get("errors")
        raise Unreadable(f"a line with no event: {errors!r:.160}" if errors else "a line with no event")
    event_id = x_id(data.get("event_uuid"))
    if event_id is None:
        raise Unreadable(f"an event with no usable event_uuid: {data.get('event_uuid')!r:.80}")
    event_type = data.get("event_type")
    if type(event_type) is not str or not event_type or len(event_type) > 64 or not event_type.isascii():
        raise Unreadable(f"an event with no usable event_type: {event_type!r:.80}", event_id)
    filter_ = data.get("filter")
    user_id = x_id(filter_.get("user_id")) if type(filter_) is dict else None
    if user_id is None:
        raise Unreadable("an event with no user in its filter", event_id)
    tag = clean_text(data["tag"])[:200] if type(data.get("tag")) is str else ""
    payload = data.get("payload")
    if event_type in POST_EVENTS:
        post = parse_post(payload, included_users(data))
        return ActivityEvent(event_id, event_type, user_id, tag, post.created_at, post=post)
    if type(payload) is not dict:
        raise Unreadable(f"a {event_type} event with no payload", event_id)
    now = datetime.now(tz=UTC)
    if event_type == "post.delete":
        post_id = x_id(payload.get("id"))
        if post_id is None:
            raise Unreadable("a post.delete event with no post id", event_id)
        cleaned = {"id": post_id, "author_id": x_id(payload.get("author_id"))}
        return ActivityEvent(event_id, event_type, user_id, tag, now, payload=cleaned)
    cleaned = {"before": _optional_text(payload.get("before")), "after": _optional_text(payload.get("after"))}
    return ActivityEvent(event_id, event_type, user_id, tag, now, payload=cleaned)


# --- Subscriptions -------------------------------------------------------------------------------------------------


def _url(path: str) -> str:
    return (settings.X_API_BASE_URL.rstrip("/") or API_HOST) + path


def _app_session(*, context: str, metered: bool) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {settings.X_BEARER_TOKEN}"
    if metered:
        adapter = MeteredAdapter(context=context, timeout=settings.X_REQUEST_TIMEOUT_SECONDS)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
    if settings.X_API_BASE_URL:
        session.trust_env = False  # never send loopback sandbox traffic through a proxy
    return session


def _refusal(response: requests.Response) -> XApiError:
    """X's refusal as the domain's error: money (402, a usage-capped 429), a rate limit, or anything else."""
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    kind, title = str(body.get("type", "")), str(body.get("title", ""))
    detail = clean_text(str(body.get("detail", "")))[:300]
    status = response.status_code
    if status == 402 or (status == 429 and (kind.endswith("/usage-capped") or title == "UsageCapExceeded")):
        return CreditsExhausted(usage_cap=status == 429, detail=detail, status_code=status)
    if status == 429:
        return RateLimited(reset_at=parse_rate_limit_reset(response.headers) or _later(), status_code=429)
    reason = detail or title or "no reason given"
    return XApiError(f"X refused the stream request ({status}): {reason}", status_code=status)


def _later() -> datetime:
    return datetime.now(tz=UTC) + timedelta(minutes=1)


@dataclass(frozen=True)
class Subscription:
    id: str
    event_type: str
    user_id: str


def subscriptions_list(*, context: str = "activity subscriptions") -> list[Subscription]:
    """The app's Activity API subscriptions (the readable ones)."""
    response = _app_session(context=context, metered=True).get(_url(SUBSCRIPTIONS), params={"max_results": 1000})
    if response.status_code != 200:
        raise _refusal(response)
    found = []
    for item in response.json().get("data") or []:
        if type(item) is not dict or type(item.get("filter")) is not dict:
            continue
        sub_id, user_id = x_id(item.get("subscription_id")), x_id(item["filter"].get("user_id"))
        if sub_id and user_id and type(item.get("event_type")) is str:
            found.append(Subscription(sub_id, item["event_type"], user_id))
    return found


def subscription_create(*, user_id: str, event_type: str, tag: str = "", context: str = "activity subscriptions"):
    body = {"event_type": event_type, "filter": {"user_id": user_id}} | ({"tag": tag} if tag else {})
    response = _app_session(context=context, metered=True).post(_url(SUBSCRIPTIONS), json=body)
    if response.status_code == 409:
        return  # it exists already: what was wanted
    if response.status_code != 200:
        raise _refusal(response)


def subscription_delete(*, subscription_id: str, context: str = "activity subscriptions") -> None:
    response = _app_session(context=context, metered=True).delete(_url(f"{SUBSCRIPTIONS}/{subscription_id}"))
    if response.status_code not in (200, 404):
        raise _refusal(response)


def subscriptions_ensure(user_ids: dict[str, str], *, events=ACCOUNT_EVENTS) -> tuple[int, int]:
    """Make the app's subscriptions exactly ACCOUNT_EVENTS for each X user id in `user_ids` (id -> tag): creates what
    is missing, deletes subscriptions of users no longer wanted. Returns (created, deleted)."""
    existing = subscriptions_list()
    have = {(s.user_id, s.event_type) for s in existing}
    created = deleted = 0
    for user_id, tag in user_ids.items():
        for event_type in events:
            if (user_id, event_type) not in have:
                subscription_create(user_id=user_id, event_type=event_type, tag=tag)
                created += 1
    for sub in existing:
        if sub.user_id not in user_ids and sub.event_type in events:
            subscription_delete(subscription_id=sub.id)
            deleted += 1
    return created, deleted


# --- Metering ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Connect:
    """One attempt to open the stream, for the caller to meter: its status (None: X never answered)."""

    status: int | None
    duration_ms: int
    error: str = ""
    at: float = 0.0  # time.time() when it was tried
    rate_limit_limit: int | None = None
    rate_limit_remaining: int | None = None
    rate_limit_reset: datetime | None = None


def connect_meter(connect: Connect) -> ApiCall:
    """The ApiCall row of a connect attempt (unsaved): a connect itself is not billed, what it delivers is."""
    return ApiCall(
        endpoint=STREAM_ENDPOINT,
        method="GET",
        context="activity stream: connect",
        status_code=connect.status,
        duration_ms=connect.duration_ms,
        error=connect.error[:300],
        cost=0,
        rate_limit_limit=connect.rate_limit_limit,
        rate_limit_remaining=connect.rate_limit_remaining,
        rate_limit_reset=connect.rate_limit_reset,
    )


def delivery_meter(event_types: Counter, *, account=None) -> ApiCall | None:
    """One ApiCall row (unsaved) for a batch of delivered events: X bills each event it delivers (section 5), so
    the row counts the post events as posts read and costs every event at its price."""
    if not event_types:
        return None
    price_list = prices.current()
    cost = sum((prices.event_cost(kind, prices=price_list) * n for kind, n in event_types.items()), start=0)
    posts = sum(n for kind, n in event_types.items() if kind.startswith("post."))
    return ApiCall(
        endpoint=STREAM_ENDPOINT,
        method="GET",
        account=account,
        context=f"activity stream: {sum(event_types.values())} events"[:100],
        status_code=200,
        posts_read=posts,
        cost=cost,
    )


# --- The stream ----------------------------------------------------------------------------------------------------


@dataclass
class StreamStats:
    connected: bool = False
    connects: int = 0
    reconnects: int = 0
    events: int = 0
    keepalives: int = 0
    unreadable: int = 0
    last_byte_at: float | None = None  # time.time()
    last_event_at: float | None = None
    last_error: str = ""


class Backoff:
    """X's guidance for streams, with full jitter: network errors and stalls from 0.25 s doubling to 16 s; HTTP errors
    from 5 s doubling to 320 s; a 429 from 60 s doubling, and never before its reset."""

    def __init__(self, *, network=0.25, http=5.0, rate=60.0, network_max=16.0, http_max=320.0, rng=None):
        self.bases = {"network": (network, network_max), "http": (http, http_max), "rate": (rate, 15 * 60.0)}
        self.attempts = 0
        self.rng = rng or random.Random()

    def delay(self, kind: str, *, not_before: float = 0.0) -> float:
        base, cap = self.bases[kind]
        ceiling = min(cap, base * 2**self.attempts)
        self.attempts += 1
        return max(not_before, ceiling / 2 + self.rng.uniform(0, ceiling / 2))

    def reset(self) -> None:
        self.attempts = 0


class StreamReader:
    """Holds the Activity API stream open in a daemon thread and puts on `messages`, in order:

    ("connect", Connect) for each attempt; ("connected", n) when the n-th connection is open (what arrives after it
    follows; the caller fills the gap before it); ("event", ActivityEvent); ("unreadable", reason); ("down", reason)
    when a connection ends; ("refused", CreditsExhausted) when X refuses for money. `stats` is kept up to date for
    the health page.
    """

    def __init__(
        self,
        *,
        keepalive_seconds: float | None = None,
        stall_factor: float | None = None,
        backoff: Backoff | None = None,
        queue_size: int = 20_000,
    ):
        keepalive = keepalive_seconds if keepalive_seconds is not None else settings.STREAM_KEEPALIVE_SECONDS
        self.stall_seconds = keepalive * (stall_factor if stall_factor is not None else settings.STREAM_STALL_FACTOR)
        self.backoff = backoff or Backoff()
        self.messages: queue.Queue = queue.Queue(maxsize=queue_size)
        self.stats = StreamStats()
        self.stopping = threading.Event()
        self._response: requests.Response | None = None
        self._thread: threading.Thread | None = None
        self._session = _app_session(context="activity stream", metered=False)
        self._url = _url(STREAM_ENDPOINT)
        self._timeout = settings.X_REQUEST_TIMEOUT_SECONDS

    def start(self) -> StreamReader:
        self._thread = threading.Thread(target=self._run, name="x-activity-stream", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self.stopping.set()
        response = self._response
        if response is not None:
            response.close()  # wakes a read blocked on the socket
        if self._thread is not None:
            self._thread.join(timeout)

    def _put(self, message) -> bool:
        while not self.stopping.is_set():
            try:
                self.messages.put(message, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _sleep(self, seconds: float) -> None:
        self.stopping.wait(seconds)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                wait = self._once()
            except Exception as exc:  # noqa: BLE001  (a bug here must not end the stream for good)
                if self.stopping.is_set():
                    break  # the response was closed under the read by stop()
                log.exception("The activity stream failed")
                self.stats.last_error = f"{type(exc).__name__}: {exc}"[:300]
                wait = self.backoff.delay("http")
            if self.stats.connected:
                self.stats.connected = False
                self._put(("down", self.stats.last_error))
            if wait and not self.stopping.is_set():
                self._sleep(wait)

    def _once(self) -> float:
        """One connection, read until it ends; returns how long to wait before the next."""
        started, at = time.monotonic(), time.time()
        try:
            response = self._session.get(self._url, stream=True, timeout=(self._timeout, self.stall_seconds))
        except requests.RequestException as exc:
            self.stats.last_error = f"could not connect: {type(exc).__name__}"
            self._put(("connect", Connect(None, _ms(started), error=f"{type(exc).__name__}: {exc}", at=at)))
            return self.backoff.delay("network")
        headers = response.headers
        connect = Connect(
            response.status_code,
            _ms(started),
            rate_limit_limit=_int(headers.get("x-rate-limit-limit")),
            rate_limit_remaining=_int(headers.get("x-rate-limit-remaining")),
            rate_limit_reset=parse_rate_limit_reset(headers),
            at=at,
        )
        if response.status_code != 200:
            refusal = _refusal(response)
            response.close()
            self.stats.last_error = refusal.message[:300]
            self._put(("connect", Connect(**{**connect.__dict__, "error": response.text[:300]})))
            if isinstance(refusal, CreditsExhausted):
                self._put(("refused", refusal))  # not retried on a timer: the caller waits for an admin
                return self.backoff.delay("http")
            if isinstance(refusal, RateLimited):
                return self.backoff.delay("rate", not_before=(refusal.reset_at - datetime.now(tz=UTC)).total_seconds())
            return self.backoff.delay("http")
        self._put(("connect", connect))
        self._response = response
        self.stats.connects += 1
        if self.stats.connects > 1:
            self.stats.reconnects += 1
        self.stats.connected = True
        self._put(("connected", self.stats.connects))
        delivered = self._read(response)
        response.close()
        self._response = None
        if delivered:
            self.backoff.reset()
        return 0.0 if self.stopping.is_set() else self.backoff.delay("network")

    def _read(self, response: requests.Response) -> int:
        """Read lines until the connection ends or stalls; how many events were read."""
        events = 0
        pending = b""
        try:
            for chunk in response.iter_content(chunk_size=65_536):
                self.stats.last_byte_at = time.time()
                pending += chunk
                *lines, pending = pending.split(b"\n")
                if len(pending) > MAX_LINE:
                    self._unreadable(f"a line longer than {MAX_LINE} bytes")
                    pending = b""
                for line in lines:
                    line = line.rstrip(b"\r")
                    if not line.strip():
                        self.stats.keepalives += 1
                        continue
                    if self._line(line):
                        events += 1
                if self.stopping.is_set():
                    break
        except requests.RequestException as exc:
            # A stall (no byte within the read timeout) or a broken connection: reconnect.
            stalled = "timed out" in str(exc).lower()
            self.stats.last_error = "stalled: no data from X" if stalled else f"disconnected: {type(exc).__name__}"
        else:
            self.stats.last_error = "X closed the stream"
        return events

    def _line(self, line: bytes) -> bool:
        try:
            event = parse_event(line)
        except Unreadable as exc:
            self._unreadable(exc.reason)
            return False
        self.stats.events += 1
        self.stats.last_event_at = time.time()
        return self._put(("event", event))

    def _unreadable(self, reason: str) -> None:
        self.stats.unreadable += 1
        log.warning("Passed over an unreadable line from X's activity stream: %s", reason)
        self._put(("unreadable", reason))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
