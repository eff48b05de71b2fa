"""The sandbox's push interfaces: the X Activity API (subscriptions, GET /2/activity/stream) and the filtered stream
(rules, GET /2/tweets/search/stream), in X's shapes (../shared/reference/x-platform-2026.md section 5).

A stream is newline-delimited JSON, one event per line (`\\r\\n`), with a blank line as keep-alive every
`Faults.stream_keepalive_seconds` (20 s at X). Each connection receives what happens after it connects (no backfill:
X keeps that for Enterprise). Faults (POST /_sandbox/faults), each taken by the next stream connection:
`stream_disconnect_after` N events then the connection is closed; `stream_stall_seconds` S of silence (not even
keep-alives) after `stream_stall_after` events; `force_429` answers the connect with a 429.

Events are made where the world changes: a post added (post.create for its author, post.mention.create for each
subscribed user it mentions, and a filtered-stream line for the rules it matches), a post deleted (post.delete), and
anything else through `SandboxState.activity_emit` (profile changes, a simulated takeover).

Control: POST /_sandbox/activity {"raw": ["<a line as sent>", ...]} puts hostile lines into the activity stream;
{"burst": {"username": ..., "rate": 1000, "seconds": 10}} posts mentions of a user at that rate from a thread
(the bench's 1,000 events a second).
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from twitter_api.sandbox import state as _state
from twitter_api.sandbox.policy import PROBLEMS
from twitter_api.types import snowflake_for

# X's subscribable event types (spec 2.167 CreateActivitySubscriptionRequest.event_type).
EVENT_TYPES = frozenset(
    {
        *(
            f"profile.update.{part}"
            for part in (
                "bio",
                "profile_picture",
                "banner_picture",
                "screenname",
                "geo",
                "url",
                "verified_badge",
                "affiliate_badge",
                "handle",
            )
        ),
        "news.new",
        "follow.follow",
        "follow.unfollow",
        "spaces.start",
        "spaces.end",
        "chat.received",
        "chat.sent",
        "chat.conversation_join",
        "dm.sent",
        "dm.received",
        "dm.indicate_typing",
        "dm.read",
        "post.create",
        "post.delete",
        "post.mention.create",
        "like.create",
        "mute.mute",
        "mute.unmute",
        "block.block",
        "block.unblock",
    }
)
MAX_SUBSCRIPTIONS = 1_500  # self-serve
MAX_RULES = 1_000  # pay-per-use
MAX_RULE_LENGTH = 1_024
CONNECTIONS = {"activity": 2, "filtered": 1}
KEEP_ALIVE = b"\r\n"


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Feed:
    """Lines for the stream connections: appended once, read by each connection from where it joined."""

    def __init__(self, keep: int = 500_000):
        self.cond = threading.Condition()
        self.lines: deque[bytes] = deque(maxlen=keep)
        self.next_seq = 0  # the sequence number the next line gets
        self.closed = False
        self.connections = 0

    def append(self, lines: list[bytes]) -> None:
        if not lines:
            return
        with self.cond:
            self.lines.extend(lines)
            self.next_seq += len(lines)
            self.cond.notify_all()

    def wait(self, seq: int, timeout: float) -> tuple[list[bytes], int]:
        """The lines from `seq` on (waiting up to `timeout` for one), and the sequence to read from next."""
        with self.cond:
            if seq >= self.next_seq and not self.closed:
                self.cond.wait(timeout)
            if self.closed:
                raise ConnectionAbortedError("the sandbox was reset")
            first = self.next_seq - len(self.lines)
            start = max(seq, first)
            lines = [self.lines[i - first] for i in range(start, self.next_seq)]
            return lines, self.next_seq

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()


@dataclass
class Subscription:
    id: str
    event_type: str
    user_id: str
    tag: str | None
    created_at: datetime

    def render(self) -> dict:
        data = {
            "subscription_id": self.id,
            "event_type": self.event_type,
            "filter": {"user_id": self.user_id},
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.created_at),
        }
        if self.tag is not None:
            data["tag"] = self.tag
        return data


class Activity:
    """Subscriptions, rules and the two feeds, behind the state's lock (the feeds have their own)."""

    def __init__(self):
        self.subscriptions: dict[str, Subscription] = {}
        self.rules: dict[str, dict] = {}  # rule id -> {"id", "value", "tag"?}
        self._parsed_rules: dict[str, object] = {}
        self.activity = Feed()
        self.filtered = Feed()
        self._seq = 0
        self.emitted = 0  # events put into the activity feed, counted (the bench compares)

    def mint(self) -> str:
        self._seq += 1
        return str(snowflake_for(datetime.now(tz=UTC), self._seq))

    def close(self) -> None:
        self.activity.close()
        self.filtered.close()

    # --- events ----------------------------------------------------------------------------------------------

    def subscribed(self, user_id: str, event_type: str) -> list[Subscription]:
        return [s for s in self.subscriptions.values() if s.user_id == user_id and s.event_type == event_type]

    def emit(self, user_id: str, event_type: str, payload: dict, includes: dict | None = None) -> int:
        """One envelope per subscription to this user's `event_type`, into the activity feed; how many."""
        lines = []
        for sub in self.subscribed(user_id, event_type):
            data = {
                "event_uuid": self.mint(),
                "filter": {"user_id": sub.user_id},
                "event_type": event_type,
                "payload": payload,
            }
            if sub.tag is not None:
                data["tag"] = sub.tag
            if includes:
                data["includes"] = includes
            lines.append(orjson.dumps({"data": data}))
        self.activity.append(lines)
        self.emitted += len(lines)
        return len(lines)

    def post_added(self, state, stored) -> None:
        """The events a new post makes: its author's post.create, a mention event per subscribed user it mentions,
        and a filtered-stream line if it matches rules."""
        if not self.subscriptions and not self.rules:
            return
        post = stored.post
        payload = _state.render_post(stored, _state.ALL_TWEET_FIELDS)
        author = state.users.get(post.author_id) or post.author
        includes = {"users": [_state.render_user(author, {"verified", "public_metrics"})]}
        if self.subscriptions:
            self.emit(post.author_id, "post.create", payload, includes)
            for mention in post.entities.get("mentions", ()):
                if "id" in mention and mention["id"] != post.author_id:
                    self.emit(mention["id"], "post.mention.create", payload, includes)
        if self.rules and not post.is_retweet:
            matching = self._matching_rules(state, stored)
            if matching:
                line = {"data": payload, "includes": includes, "matching_rules": matching}
                self.filtered.append([orjson.dumps(line)])

    def post_deleted(self, stored) -> None:
        if self.subscriptions:
            self.emit(stored.post.author_id, "post.delete", {"id": stored.post.id, "author_id": stored.post.author_id})

    def _matching_rules(self, state, stored) -> list[dict]:
        from twitter_api.query import AnalysedPost

        post = stored.post
        parent = state.users.get(post.in_reply_to_user_id) if post.in_reply_to_user_id else None
        analysed = AnalysedPost(
            post, reply_to_username=parent.username if parent else None, text=state.analysed_text(stored)
        )
        found = []
        for rule_id, parsed in self._parsed_rules.items():
            if parsed.matches_analysed(analysed):
                rule = self.rules[rule_id]
                found.append({"id": rule_id, **({"tag": rule["tag"]} if "tag" in rule else {})})
        return found

    # --- subscriptions -----------------------------------------------------------------------------------------

    def subscribe(self, state, data: dict) -> Subscription:
        if not isinstance(data, dict) or set(data) - {"event_type", "filter", "tag", "webhook_id"}:
            raise _state.invalid_request("body", data, "The request body has unknown fields.")
        event_type, filter_, tag = data.get("event_type"), data.get("filter"), data.get("tag")
        if event_type not in EVENT_TYPES:
            raise _state.invalid_request("event_type", event_type, f"The `event_type` value [{event_type}] is unknown.")
        if not isinstance(filter_, dict) or set(filter_) - {"user_id", "keyword", "direction"}:
            raise _state.invalid_request("filter", filter_, "The `filter` field must be an object with a `user_id`.")
        user_id = filter_.get("user_id")
        if not isinstance(user_id, str) or user_id not in state.users:
            raise _state.invalid_request("filter.user_id", user_id, f"Could not find user with id: [{user_id}].")
        if tag is not None and (not isinstance(tag, str) or not 1 <= len(tag) <= 200):
            raise _state.invalid_request("tag", tag, "The `tag` field must be 1 to 200 characters.")
        with state.lock:
            if any(s.event_type == event_type and s.user_id == user_id for s in self.subscriptions.values()):
                raise _state.SandboxError(
                    409,
                    _state.problem(
                        409, "Conflict", f"A subscription to {event_type} for user {user_id} already exists."
                    ),
                )
            if len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
                raise _state.SandboxError(
                    400,
                    _state.problem(
                        400,
                        "Invalid Request",
                        f"This app has reached its limit of {MAX_SUBSCRIPTIONS} subscriptions.",
                        PROBLEMS + "invalid-request",
                    ),
                )
            sub = Subscription(self.mint(), event_type, user_id, tag, datetime.now(tz=UTC))
            self.subscriptions[sub.id] = sub
            return sub

    def unsubscribe(self, state, subscription_id: str) -> int:
        with state.lock:
            if self.subscriptions.pop(subscription_id, None) is None:
                raise _state.SandboxError(
                    404,
                    _state.problem(
                        404,
                        "Not Found Error",
                        f"Could not find subscription with id: [{subscription_id}].",
                        PROBLEMS + "resource-not-found",
                        resource_type="subscription",
                        resource_id=subscription_id,
                        parameter="subscription_id",
                        value=subscription_id,
                    ),
                )
            return len(self.subscriptions)

    # --- rules -------------------------------------------------------------------------------------------------

    def rules_update(self, state, data: dict) -> dict:
        from twitter_api.query import QuerySyntaxError, parse

        if not isinstance(data, dict) or set(data) - {"add", "delete"} or not data:
            raise _state.invalid_request("body", data, "The request body must hold `add` or `delete`.")
        sent = _iso(datetime.now(tz=UTC))
        with state.lock:
            if "delete" in data:
                ids = data["delete"].get("ids", []) if isinstance(data["delete"], dict) else None
                if not isinstance(ids, list):
                    raise _state.invalid_request("delete", data["delete"], "The `delete` field must hold `ids`.")
                deleted = [i for i in ids if self.rules.pop(str(i), None) is not None]
                for rule_id in deleted:
                    self._parsed_rules.pop(rule_id, None)
                summary = {"deleted": len(deleted), "not_deleted": len(ids) - len(deleted)}
                return {"meta": {"sent": sent, "summary": summary}}
            adds = data["add"]
            if not isinstance(adds, list) or not adds:
                raise _state.invalid_request("add", adds, "The `add` field must be a list of rules.")
            if len(self.rules) + len(adds) > MAX_RULES:
                raise _state.invalid_request("add", len(adds), f"A stream holds at most {MAX_RULES} rules.")
            made = []
            for item in adds:
                value = item.get("value") if isinstance(item, dict) else None
                if not isinstance(value, str) or not value.strip() or len(value) > MAX_RULE_LENGTH:
                    raise _state.invalid_request("value", value, f"A rule is 1 to {MAX_RULE_LENGTH} characters.")
                try:
                    parsed = parse(value)
                except QuerySyntaxError as exc:
                    raise _state.invalid_request(
                        "value", value, f"There were errors processing your rule: {exc}"
                    ) from None
                rule = {"id": self.mint(), "value": value}
                if isinstance(item.get("tag"), str):
                    rule["tag"] = item["tag"]
                self.rules[rule["id"]] = rule
                self._parsed_rules[rule["id"]] = parsed
                made.append(rule)
            summary = {"created": len(made), "not_created": 0, "valid": len(made), "invalid": 0}
            return {"data": made, "meta": {"sent": sent, "summary": summary}}


class Streamed:
    """A handler's answer that is a stream: the server writes it line by line from `feed`."""

    def __init__(self, feed: Feed):
        self.feed = feed


class ActivityApi:
    """The push endpoints, mixed into the sandbox's request handler (`self.server.state`)."""

    def _app_only(self, user) -> None:
        if user is not None:
            from twitter_api.sandbox.server import UNSUPPORTED_AUTH

            unsupported = dict(UNSUPPORTED_AUTH, detail=UNSUPPORTED_AUTH["detail"].replace("[", "[OAuth 2.0 App, "))
            raise _state.SandboxError(403, unsupported)

    def _api_activity_subscribe(self, user, match, query, body):
        state = self.server.state
        sub = state.activity.subscribe(state, self._json_body(body))
        return 200, {"data": {"subscription": sub.render()}}

    def _api_activity_subscriptions(self, user, match, query, body):
        subs = sorted(self.server.state.activity.subscriptions.values(), key=lambda s: int(s.id))
        return 200, {"data": [s.render() for s in subs]}

    def _api_activity_unsubscribe(self, user, match, query, body):
        self._app_only(user)
        state = self.server.state
        remaining = state.activity.unsubscribe(state, match.group(1))
        return 200, {"data": {"deleted": True}, "meta": {"total_subscriptions": remaining}}

    def _api_activity_stream(self, user, match, query, body):
        self._app_only(user)
        return self._connect(self.server.state.activity.activity, "activity")

    def _api_filtered_stream(self, user, match, query, body):
        self._app_only(user)
        return self._connect(self.server.state.activity.filtered, "filtered")

    def _api_stream_rules(self, user, match, query, body):
        self._app_only(user)
        rules = sorted(self.server.state.activity.rules.values(), key=lambda r: int(r["id"]))
        meta = {"sent": _iso(datetime.now(tz=UTC)), "result_count": len(rules)}
        return 200, ({"data": rules, "meta": meta} if rules else {"meta": meta})

    def _api_stream_rules_update(self, user, match, query, body):
        self._app_only(user)
        state = self.server.state
        return 200, state.activity.rules_update(state, self._json_body(body))

    def _connect(self, feed: Feed, kind: str):
        with feed.cond:
            if feed.connections >= CONNECTIONS[kind]:
                raise _state.SandboxError(
                    429,
                    {
                        "title": "ConnectionException",
                        "detail": "This stream is currently at the maximum allowed connection limit.",
                        "connection_issue": "TooManyConnections",
                        "type": "about:blank",
                        "status": 429,
                    },
                )
            feed.connections += 1
        return 200, Streamed(feed)

    def _stream(self, streamed: Streamed, headers: dict) -> None:
        """Write the stream until the client goes, the sandbox is reset, or a fault ends it."""
        state, feed = self.server.state, streamed.feed
        with state.lock:
            faults = state.faults
            disconnect_after, faults.stream_disconnect_after = faults.stream_disconnect_after, 0
            stall, faults.stream_stall_seconds = faults.stream_stall_seconds, 0.0
            stall_after = faults.stream_stall_after
            keep_alive = faults.stream_keepalive_seconds
        self.close_connection = True
        with feed.cond:
            seq = feed.next_seq  # joined before the client hears it is connected: nothing falls between
        try:
            self.send_response(200)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("transfer-encoding", "chunked")  # as X streams: each write one chunk
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            sent = 0
            while True:
                if stall and sent >= stall_after:
                    if self._client_left_during(stall):
                        return
                    stall = 0
                lines, next_seq = feed.wait(seq, keep_alive)
                if not lines:
                    self._chunk(KEEP_ALIVE)
                    continue
                take = len(lines)
                if disconnect_after:
                    take = min(take, disconnect_after - sent)
                if stall:
                    take = min(take, stall_after - sent)
                seq = next_seq - (len(lines) - take)  # what is not sent now stays in the feed for after the stall
                self._chunk(b"".join(line + b"\r\n" for line in lines[:take]))
                sent += take
                if disconnect_after and sent >= disconnect_after:
                    return  # dropped mid-stream: no closing chunk, as when X's connection breaks
        except (OSError, ConnectionAbortedError):
            return  # the client went away, or the sandbox was reset
        finally:
            with feed.cond:
                feed.connections -= 1
            self._drop_stream()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _client_left_during(self, seconds: float) -> bool:
        """Say nothing for `seconds`; True as soon as the client closes its end (so its slot is freed at once)."""
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], min(left, 0.1))
            if readable and not self.connection.recv(1, socket.MSG_PEEK):
                return True
        return False

    def _drop_stream(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def activity_control(state, method: str, data: dict):
    """POST /_sandbox/activity: hostile raw lines, or a burst of mentions (see the module's docstring)."""
    if method == "GET":
        activity = state.activity
        return (
            200,
            {
                "data": {
                    "subscriptions": len(activity.subscriptions),
                    "rules": len(activity.rules),
                    "emitted": activity.emitted,
                    "connections": activity.activity.connections,
                }
            },
            {},
        )
    if "raw" in data:
        lines = data["raw"] if isinstance(data["raw"], list) else [data["raw"]]
        state.activity.activity.append([str(line).encode("utf-8", "surrogatepass") for line in lines])
        return 200, {"data": {"lines": len(lines)}}, {}
    if "burst" in data:
        burst = data["burst"]
        thread = threading.Thread(
            target=_burst,
            args=(state, str(burst["username"]), float(burst.get("rate", 1000)), float(burst.get("seconds", 10))),
            name="x-sandbox-burst",
            daemon=True,
        )
        thread.start()
        return 202, {"data": {"started": True}}, {}
    raise ValueError("POST /_sandbox/activity takes `raw` or `burst`.")


def _burst(state, username: str, rate: float, seconds: float) -> None:
    """Mentions of `username` at `rate` a second for `seconds`, in ticks of 10 ms."""
    total = int(rate * seconds)
    started = time.monotonic()
    made = 0
    while made < total:
        due = min(total, int((time.monotonic() - started) * rate) + 1)
        while made < due:
            made += 1
            state.inject_post(f"burst_{made % 97}", f"@{username} burst post number {made}")
        time.sleep(0.01)
