"""The sandbox's HTTP face: the X API v2 subset Dovecote uses, plus /_sandbox/ control endpoints.

Standard library only (ThreadingHTTPServer, HTTP/1.1 keep-alive). Answers in the shapes of the real
recordings, checks OAuth 1.0a signatures and bearer tokens, applies rate limits and injected faults.

Control endpoints (loopback only, no auth; for the demo, the simulator and browser tests):
  GET  /_sandbox/health                 -> {"ok": true, "posts": n, "users": n}
  POST /_sandbox/reset                  {"keep_users": true}
  GET  /_sandbox/faults, POST /_sandbox/faults   {"latency": 0.5, "error_rate": 0.1, "force_429": 2, ...}
                                        {"malformed": [{"post": {"id": "1", "text": ["not", "text"]}}]}
  GET  /_sandbox/app, POST /_sandbox/app  {"self_serve": false}  (Enterprise / Public Utility: not limited)
  GET  /_sandbox/credits, POST /_sandbox/credits  {"exhausted": true, "answer": 402 | 429} or {"read_cap_reached": true}
  POST /_sandbox/rate-limits            {"endpoint": "GET /2/users/:id/mentions", "limit": 3, "window_seconds": 60}
  POST /_sandbox/users                  {"username": ..., "id": ..., "access_token": ..., "access_token_secret": ...}
  POST /_sandbox/posts                  {"author_username": ..., "text": ..., ...} or {"posts": [ ... ]}
  GET  /_sandbox/posts?author_id=&limit=   (a post with media lists them, with their alt text)
  GET  /_sandbox/media, POST /_sandbox/media   {"ttl_seconds": 60}: uploads, and how long a media id lives
  GET  /_sandbox/activity, POST /_sandbox/activity  {"raw": [...]} or {"burst": {...}}: twitter_api.sandbox.activity
  GET  /_sandbox/oauth2, POST /_sandbox/oauth2  OAuth 2.0 grants and faults: twitter_api.sandbox.oauth2
OAuth 2.0 (twitter_api.sandbox.oauth2): GET/POST /i/oauth2/authorize (the consent page), POST /2/oauth2/token and
/2/oauth2/revoke; the access tokens it issues are bearer user context for the endpoints that act as a user.
"""

import base64
import hashlib
import hmac
import json
import logging
import re
import socket
import time
from dataclasses import asdict
from datetime import UTC, datetime
from functools import lru_cache
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import orjson

from core.sandboxes import LoopbackServer, serve_in_thread
from twitter_api.sandbox.activity import ActivityApi, Streamed, activity_control
from twitter_api.sandbox.direct import DM_EVENT_TYPES
from twitter_api.sandbox.media import MediaApi, media_control
from twitter_api.sandbox.oauth2 import OAuth2Api
from twitter_api.sandbox.policy import PROBLEMS, refusal_for_money
from twitter_api.sandbox.state import (
    PageRequest,
    SandboxError,
    SandboxState,
    decode_token,
    invalid_request,
    problem,
    render_page,
    render_user,
)

log = logging.getLogger(__name__)


@lru_cache(maxsize=1_024)
def _parsed(text: str):
    """A search's parsed query: a poller asks for the same packed query page after page, and parsing one of
    several hundred characters costs about a millisecond (a Query is immutable, so it can be shared)."""
    from twitter_api.query import parse

    return parse(text)


API_HOST = "https://api.twitter.com"

_ROUTES = [
    ("POST", re.compile(r"^/2/tweets$"), "POST /2/tweets", "create_post"),
    ("DELETE", re.compile(r"^/2/tweets/(\d+)$"), "DELETE /2/tweets/:id", "delete_post"),
    ("GET", re.compile(r"^/2/tweets/(\d+)$"), "GET /2/tweets/:id", "post"),
    ("GET", re.compile(r"^/2/tweets$"), "GET /2/tweets", "posts_lookup"),
    ("GET", re.compile(r"^/2/users/me$"), "GET /2/users/me", "users_me"),
    ("GET", re.compile(r"^/2/users/(\d+)$"), "GET /2/users/:id", "user"),
    ("GET", re.compile(r"^/2/users/(\d+)/mentions$"), "GET /2/users/:id/mentions", "mentions"),
    ("GET", re.compile(r"^/2/users/(\d+)/tweets$"), "GET /2/users/:id/tweets", "user_posts"),
    ("GET", re.compile(r"^/2/tweets/search/recent$"), "GET /2/tweets/search/recent", "search"),
    ("GET", re.compile(r"^/2/dm_events$"), "GET /2/dm_events", "dm_events"),
    (
        "GET",
        re.compile(r"^/2/dm_conversations/([0-9]+-[0-9]+|[0-9]+)/dm_events$"),
        "GET /2/dm_conversations/:id/dm_events",
        "dm_events",
    ),
    (
        "POST",
        re.compile(r"^/2/dm_conversations/with/([0-9]+)/messages$"),
        "POST /2/dm_conversations/with/:participant_id/messages",
        "dm_send",
    ),
    (
        "POST",
        re.compile(r"^/2/dm_conversations/([0-9]+-[0-9]+|[0-9]+)/messages$"),
        "POST /2/dm_conversations/:id/messages",
        "dm_send",
    ),
    # Media (twitter_api.sandbox.media)
    ("POST", re.compile(r"^/2/media/upload/initialize$"), "POST /2/media/upload/initialize", "media_initialize"),
    ("POST", re.compile(r"^/2/media/upload/(\d+)/append$"), "POST /2/media/upload/:id/append", "media_append"),
    ("POST", re.compile(r"^/2/media/upload/(\d+)/finalize$"), "POST /2/media/upload/:id/finalize", "media_finalize"),
    ("GET", re.compile(r"^/2/media/upload$"), "GET /2/media/upload", "media_status"),
    ("POST", re.compile(r"^/2/media/metadata$"), "POST /2/media/metadata", "media_metadata"),
    ("POST", re.compile(r"^/2/media/subtitles$"), "POST /2/media/subtitles", "media_subtitles"),
    # Push (twitter_api.sandbox.activity)
    ("POST", re.compile(r"^/2/activity/subscriptions$"), "POST /2/activity/subscriptions", "activity_subscribe"),
    ("GET", re.compile(r"^/2/activity/subscriptions$"), "GET /2/activity/subscriptions", "activity_subscriptions"),
    (
        "DELETE",
        re.compile(r"^/2/activity/subscriptions/(\d+)$"),
        "DELETE /2/activity/subscriptions/:id",
        "activity_unsubscribe",
    ),
    ("GET", re.compile(r"^/2/activity/stream$"), "GET /2/activity/stream", "activity_stream"),
    ("GET", re.compile(r"^/2/tweets/search/stream$"), "GET /2/tweets/search/stream", "filtered_stream"),
    ("GET", re.compile(r"^/2/tweets/search/stream/rules$"), "GET /2/tweets/search/stream/rules", "stream_rules"),
    (
        "POST",
        re.compile(r"^/2/tweets/search/stream/rules$"),
        "POST /2/tweets/search/stream/rules",
        "stream_rules_update",
    ),
]
# Endpoints that act as a user: X refuses app-only (bearer) authentication for them.
_USER_ONLY = {"create_post", "delete_post", "users_me", "dm_events", "dm_send"} | {
    name for *_, name in _ROUTES if name.startswith("media_")
}

UNAUTHORIZED = problem(401, "Unauthorized", "Unauthorized")
UNSUPPORTED_AUTH = problem(
    403,
    "Unsupported Authentication",
    "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication "
    "types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
    PROBLEMS + "unsupported-authentication",
)


def _route(method: str, path: str):
    """(match, endpoint name for rate limits, handler name) of an X API path, or None."""
    for route_method, pattern, endpoint, name in _ROUTES:
        match = pattern.match(path)
        if match and route_method == method:
            return match, endpoint, name
    return None


class _Drop(Exception):
    """Close the connection without answering."""


def _oauth_quote(value: str) -> str:
    return quote(value, safe="~")


def oauth1_signature(
    method: str, base_uri: str, params: list[tuple[str, str]], consumer_secret: str, token_secret: str
):
    """HMAC-SHA1 signature of RFC 5849 section 3.4 (what tweepy's requests-oauthlib computes)."""
    encoded = sorted((_oauth_quote(k), _oauth_quote(v)) for k, v in params)
    normalized = "&".join(f"{k}={v}" for k, v in encoded)
    base = "&".join([method.upper(), _oauth_quote(base_uri), _oauth_quote(normalized)])
    key = f"{_oauth_quote(consumer_secret)}&{_oauth_quote(token_secret)}"
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _parse_oauth_header(header: str) -> dict[str, str]:
    return {k: unquote(v) for k, v in re.findall(r'(\w+)="([^"]*)"', header[len("OAuth ") :])}


class SandboxHandler(OAuth2Api, MediaApi, ActivityApi, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "XSandbox/1.0"
    timeout = 120  # an idle keep-alive connection is closed after this
    disable_nagle_algorithm = True  # headers and body are two writes: without this, small answers wait 40 ms

    server: "SandboxServer"

    def do_GET(self):  # noqa: N802 - BaseHTTPRequestHandler's naming
        self._dispatch("GET")

    def do_POST(self):  # noqa: N802
        self._dispatch("POST")

    def do_DELETE(self):  # noqa: N802
        self._dispatch("DELETE")

    def log_message(self, format, *args):  # noqa: A002
        if self.server.verbose:
            super().log_message(format, *args)

    # --- plumbing --------------------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status = 500
        try:
            if url.path.startswith("/_sandbox/"):
                try:
                    status, payload, headers = self._control(method, url.path, dict(parse_qsl(url.query)), body)
                except (ValueError, TypeError, KeyError) as exc:
                    detail = f"{type(exc).__name__}: {exc}"
                    raise SandboxError(
                        400, problem(400, "Invalid Request", detail, PROBLEMS + "invalid-request")
                    ) from None
            elif url.path.startswith(("/i/oauth2/", "/2/oauth2/")):
                state.request_log.append((method, url.path, self._oauth2(method, url, body)))
                return
            else:
                status, payload, headers = self._api(method, url, body)
        except SandboxError as exc:
            status, payload, headers = exc.status, exc.body, exc.headers
        except _Drop:
            state.request_log.append((method, url.path, None))
            self._drop()
            return
        except Exception:  # a bug in the sandbox must look like X's own 500, not hang the client
            log.exception("Sandbox failed on %s %s", method, self.path)
            status, payload, headers = 500, problem(500, "Internal Server Error", "Internal Server Error"), {}
        state.request_log.append((method, url.path, status))
        self._send(status, payload, headers)

    def _send(self, status: int, payload, headers: dict) -> None:
        if isinstance(payload, Streamed):
            self._stream(payload, headers)
            return
        try:
            data = orjson.dumps(payload)
        except orjson.JSONEncodeError:
            data = json.dumps(payload).encode()  # a lone surrogate (a malformed fault), escaped as X would send it
        self.send_response(status)
        content_type = "application/problem+json" if status >= 400 and "title" in payload else "application/json"
        self.send_header("content-type", f"{content_type}; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _json_body(self, body: bytes):
        if not body:
            return {}
        try:
            return json.loads(body)
        except ValueError:
            raise SandboxError(
                400,
                problem(400, "Invalid Request", "The request body is not valid JSON.", PROBLEMS + "invalid-request"),
            ) from None

    # --- X API -------------------------------------------------------------------------------------------

    def _api(self, method: str, url, body: bytes):
        state = self.server.state
        route = _route(method, url.path)
        if route is None:
            raise SandboxError(
                404,
                problem(
                    404,
                    "Not Found Error",
                    f"The requested resource {method} {url.path} does not exist.",
                    PROBLEMS + "resource-not-found",
                    resource_type="endpoint",
                ),
            )
        match, endpoint, name = route
        faults = state.faults
        if faults.latency:
            time.sleep(faults.latency)
        if state.take_fault("drop_connection"):
            raise _Drop
        if state.take_fault("force_5xx") or state.roll_error():
            code = faults.error_status
            title = {500: "Internal Server Error", 502: "Bad Gateway", 504: "Gateway Timeout"}.get(
                code, "Service Unavailable"
            )
            raise SandboxError(code, problem(code, title, title))
        identity, user = self._authenticate(method, url, user_only=name in _USER_ONLY)
        refused = refusal_for_money(state.access, endpoint, state.consumer_key)
        if refused is not None:
            raise SandboxError(*refused)
        headers = state.take_rate_limit(endpoint, identity)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        status, payload = getattr(self, f"_api_{name}")(user, match, query, body)
        return status, payload, headers

    def _authenticate(self, method: str, url, *, user_only: bool):
        state = self.server.state
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            token = header[len("Bearer ") :].strip()
            user_id = None if token in state.bearer_tokens else state.oauth2_user_id(token)
            if user_id is not None and user_id in state.users:  # OAuth 2.0 user context
                return f"user:{user_id}", state.users[user_id]
            if token not in state.bearer_tokens:
                raise SandboxError(401, UNAUTHORIZED)
            if user_only:
                raise SandboxError(403, UNSUPPORTED_AUTH)
            return "app", None
        if not header.startswith("OAuth "):
            raise SandboxError(401, UNAUTHORIZED)
        oauth = _parse_oauth_header(header)
        if oauth.get("oauth_consumer_key") != state.consumer_key:
            raise SandboxError(401, UNAUTHORIZED)
        with state.lock:
            user = state.tokens.get(oauth.get("oauth_token", ""))
        if user is None:
            raise SandboxError(401, UNAUTHORIZED)
        if state.verify_signatures and not self._signature_ok(method, url, oauth, state.consumer_secret, user):
            raise SandboxError(401, UNAUTHORIZED)
        return f"user:{user.id}", user

    def _signature_ok(self, method, url, oauth, consumer_secret, user) -> bool:
        if oauth.get("oauth_signature_method") != "HMAC-SHA1":
            return False
        params = parse_qsl(url.query, keep_blank_values=True)
        params += [(k, v) for k, v in oauth.items() if k not in ("oauth_signature", "realm")]
        given = oauth.get("oauth_signature", "")
        # Clients sign the URL they were asked for: api.twitter.com when routed here by an adapter.
        for base_uri in (API_HOST + url.path, f"http://{self.headers.get('Host', '')}{url.path}"):
            expected = oauth1_signature(method, base_uri, params, consumer_secret, user.access_token_secret)
            if hmac.compare_digest(expected, given):
                return True
        return False

    def _page_request(self, query: dict, *, min_results: int, default_results: int = 10) -> PageRequest:
        for param in ("since_id", "until_id"):
            value = query.get(param)
            if value is not None and not value.isdigit():
                raise invalid_request(param, value, f"The `{param}` query parameter value [{value}] is not valid")
        raw = query.get("max_results", str(default_results))
        if not raw.isdigit() or not min_results <= int(raw) <= 100:
            raise invalid_request(
                "max_results",
                raw,
                f"The `max_results` query parameter value [{raw}] is not between {min_results} and 100",
            )
        until_id = query.get("until_id")
        token = query.get("pagination_token") or query.get("next_token")
        if token:
            num = decode_token(token)
            if num is None:
                name = "pagination_token" if "pagination_token" in query else "next_token"
                raise invalid_request(name, token, f"The `{name}` query parameter value [{token}] is not valid")
            until_id = str(min(num, int(until_id))) if until_id else str(num)
        expansions = set(filter(None, query.get("expansions", "").split(",")))
        return PageRequest(
            since_id=query.get("since_id"),
            until_id=until_id,
            max_results=int(raw),
            # Spec 2.167 names it post.fields; tweepy still sends tweet.fields: both are read.
            tweet_fields=frozenset(
                filter(None, f"{query.get('tweet.fields', '')},{query.get('post.fields', '')}".split(","))
            ),
            user_fields=frozenset(filter(None, query.get("user.fields", "").split(","))),
            expand_authors="author_id" in expansions,
            expand_referenced="referenced_tweets.id" in expansions,
        )

    def _read(self, posts, request: PageRequest, predicate=None, query_root=None):
        state = self.server.state
        found, more = state.page(
            posts,
            since_id=request.since_id,
            until_id=request.until_id,
            limit=request.max_results,
            predicate=predicate,
            query_root=query_root,
        )
        payload = render_page(found, more, request, state.users, state.by_id)
        malformed = state.take_malformed()
        if malformed:
            _serve_malformed(payload, malformed)
        return 200, payload

    def _known_user(self, user_id: str):
        user = self.server.state.users.get(user_id)
        if user is None:
            # X answers 200 with only an error for an unknown user id.
            raise _Answer(
                200,
                {
                    "errors": [
                        {
                            "value": user_id,
                            "detail": f"Could not find user with id: [{user_id}].",
                            "title": "Not Found Error",
                            "resource_type": "user",
                            "parameter": "id",
                            "resource_id": user_id,
                            "type": PROBLEMS + "resource-not-found",
                        }
                    ]
                },
            )
        return user

    def _api_create_post(self, user, match, query, body):
        state = self.server.state
        data = self._json_body(body)
        text = data.get("text")
        if not isinstance(text, str):
            raise invalid_request("text", text, "The `text` field is required.")
        reply_to = (data.get("reply") or {}).get("in_reply_to_tweet_id")
        uploads = self._media_for_post(user, data)
        stored = state.create_post(
            author=user, text=text, in_reply_to_post_id=reply_to, quote_of=data.get("quote_tweet_id")
        )
        if uploads:
            state.media.attach(stored.post.id, uploads)
        if state.take_fault("drop_after_accept"):
            raise _Drop
        return 201, {"data": {"id": stored.post.id, "text": text}}

    def _api_delete_post(self, user, match, query, body):
        self.server.state.delete_post(author=user, post_id=match.group(1))
        return 200, {"data": {"deleted": True}}

    def _api_post(self, user, match, query, body):
        post_id = match.group(1)
        stored = self.server.state.by_id.get(post_id)
        if stored is None or stored.deleted:
            return 200, {
                "errors": [
                    {
                        "value": post_id,
                        "detail": f"Could not find tweet with id: [{post_id}].",
                        "title": "Not Found Error",
                        "resource_type": "tweet",
                        "parameter": "id",
                        "resource_id": post_id,
                        "type": PROBLEMS + "resource-not-found",
                    }
                ]
            }
        request = self._page_request({**query, "max_results": "10"}, min_results=1)
        payload = render_page([stored], False, request, self.server.state.users, self.server.state.by_id)
        del payload["meta"]
        payload["data"] = payload["data"][0]
        media = self.server.state.media.by_post.get(post_id)
        if media and "attachments.media_keys" in query.get("expansions", "").split(","):
            payload["data"]["attachments"] = {"media_keys": [m["media_key"] for m in media]}
            fields = set(query.get("media.fields", "").split(","))
            payload.setdefault("includes", {})["media"] = [
                {"media_key": m["media_key"], "type": m["type"]}
                | ({"alt_text": m["alt_text"]} if "alt_text" in fields and m["alt_text"] is not None else {})
                for m in media
            ]
        return 200, payload

    def _api_posts_lookup(self, user, match, query, body):
        from twitter_api.sandbox.metrics import posts_lookup

        return posts_lookup(self.server.state, user, query)

    def _api_users_me(self, user, match, query, body):
        fields = frozenset(filter(None, query.get("user.fields", "").split(",")))
        return 200, {"data": render_user(user, fields)}

    def _api_user(self, user, match, query, body):
        try:
            target = self._known_user(match.group(1))
        except _Answer as answer:
            return answer.status, answer.payload
        fields = frozenset(filter(None, query.get("user.fields", "").split(",")))
        return 200, {"data": render_user(target, fields)}

    def _api_mentions(self, user, match, query, body):
        request = self._page_request(query, min_results=5)
        try:
            target = self._known_user(match.group(1))
        except _Answer as answer:
            return answer.status, answer.payload
        return self._read(self.server.state.mentions_of(target), request)

    def _api_user_posts(self, user, match, query, body):
        request = self._page_request(query, min_results=5)
        try:
            target = self._known_user(match.group(1))
        except _Answer as answer:
            return answer.status, answer.payload
        return self._read(self.server.state.authored_by(target.id), request)

    def _api_search(self, user, match, query, body):
        from twitter_api.query import AnalysedPost, QuerySyntaxError

        state = self.server.state
        text = query.get("query", "")
        if not text.strip():
            raise invalid_request("query", text, "The `query` query parameter can not be empty")
        if len(text) > state.query_length_limit:
            raise invalid_request(
                "query",
                text,
                f"The `query` query parameter value [{text}] is too long: {len(text)} characters, the maximum is "
                f"{state.query_length_limit}",
            )
        request = self._page_request(query, min_results=10)
        try:
            parsed = _parsed(text)
        except QuerySyntaxError as exc:
            raise invalid_request("query", text, f"There were errors processing your request: {exc}") from None
        anchors = tuple(parsed.anchor_terms() or ())
        users = state.users
        cutoff = datetime.now(tz=UTC) - state.search_window if state.search_window else None

        def predicate(stored):
            # Reposts are not in keyword search (since 2026-05-04); recent search sees the last 7 days only; then
            # a cheap substring test (every match contains an anchor); then the real matcher.
            if stored.post.is_retweet:
                return False
            if cutoff is not None and stored.post.created_at < cutoff:
                return False
            if anchors and not any(anchor in stored.text_lower for anchor in anchors):
                return False
            post = stored.post
            parent_author = users.get(post.in_reply_to_user_id) if post.in_reply_to_user_id else None
            analysed = AnalysedPost(
                post,
                reply_to_username=parent_author.username if parent_author else None,
                text=state.analysed_text(stored),
            )
            return parsed.matches_analysed(analysed)

        return self._read(state.posts, request, predicate, parsed.root)

    # --- direct messages (twitter_api/sandbox/direct.py) ----------------------------------------------------

    def _api_dm_events(self, user, match, query, body):
        """The user's DM events (or one conversation's), newest first, in X's DmEvent shape."""
        conversation = match.group(1) if match.groups() else ""
        if conversation and user.id not in conversation.split("-"):
            raise SandboxError(403, problem(403, "Forbidden", "You are not a participant in this conversation."))
        raw = query.get("max_results", "100")
        if not raw.isdigit() or not 1 <= int(raw) <= 100:
            raise invalid_request(
                "max_results", raw, f"The `max_results` query parameter value [{raw}] is not between 1 and 100"
            )
        token = query.get("pagination_token")
        before = None
        if token is not None:
            try:
                before = int(token, 16) if len(token) >= 16 else None  # X's tokens: at least 16 characters
            except ValueError:
                pass
            if before is None:
                raise invalid_request(
                    "pagination_token", token, f"The `pagination_token` query parameter value [{token}] is not valid"
                )
        for kind in query.get("event_types", "MessageCreate").split(","):
            if kind not in DM_EVENT_TYPES:
                raise invalid_request(
                    "event_types",
                    kind,
                    f"The `event_types` query parameter value [{kind}] is not one of "
                    f"[{', '.join(sorted(DM_EVENT_TYPES))}]",
                )
        state = self.server.state
        found, more = state.direct.page(user_id=user.id, conversation_id=conversation, before=before, limit=int(raw))
        fields = frozenset(filter(None, query.get("dm_event.fields", "").split(",")))
        payload = {"data": [e.render(fields) for e in found], "meta": {"result_count": len(found)}}
        if more and found:
            payload["meta"]["next_token"] = format(found[-1].id, "x").rjust(16, "0")
        if "sender_id" in query.get("expansions", "").split(","):
            user_fields = frozenset(filter(None, query.get("user.fields", "").split(",")))
            senders = {e.sender_id for e in found if e.raw is None}
            payload["includes"] = {
                "users": [render_user(state.users[i], user_fields) for i in senders if i in state.users]
            }
        if not found:
            del payload["data"]
        return 200, payload

    def _api_dm_send(self, user, match, query, body):
        """Send a message: to a participant (`with/:id`) or into a one-to-one conversation the user is in."""
        state = self.server.state
        target = match.group(1)
        if "/with/" in match.re.pattern:
            recipient = target
        else:
            ids = target.split("-")  # a group's id is one number: the sandbox has no groups, so none has the user
            if user.id not in ids or len(ids) != 2:
                raise SandboxError(403, problem(403, "Forbidden", "You are not a participant in this conversation."))
            recipient = ids[1] if ids[0] == user.id else ids[0]
        if recipient not in state.users:
            raise invalid_request("participant_id", recipient, f"Could not find user with id: [{recipient}].")
        text = self._dm_text(self._json_body(body))
        event = state.direct.send(sender_id=user.id, recipient_id=recipient, text=text)
        state._dirty = True
        if state.take_fault("drop_after_accept"):
            raise _Drop
        return 201, {"data": {"dm_conversation_id": event.conversation_id, "dm_event_id": str(event.id)}}

    @staticmethod
    def _dm_text(data) -> str:
        """A message's text, refused as X refuses a body its spec does not allow (CreateDirectMessagesBy*Request:
        `text` or `attachments`, nothing else). The sandbox keeps no media in direct messages: attachments alone
        are refused, saying so."""
        if not isinstance(data, dict):
            raise invalid_request("body", data, "The request body must be a JSON object.")
        unknown = sorted(set(data) - {"text", "attachments"})
        if unknown:
            raise invalid_request(unknown[0], data[unknown[0]], f"The `{unknown[0]}` field is not allowed.")
        text = data.get("text")
        if text is None and "attachments" in data:
            raise invalid_request("attachments", data["attachments"], "The sandbox sends no media in direct messages.")
        if text is None:
            raise invalid_request("text", text, "At least one of `text`, `attachments` is required.")
        if not isinstance(text, str) or not text:
            raise invalid_request("text", text, "The `text` field must be a string of at least 1 character.")
        return text

    # --- control -------------------------------------------------------------------------------------------

    def _control(self, method: str, path: str, query: dict, body: bytes):
        state = self.server.state
        data = self._json_body(body) if method == "POST" else {}
        if path == "/_sandbox/media":
            return media_control(state, method, data)
        if path == "/_sandbox/activity":
            return activity_control(state, method, data)
        if path == "/_sandbox/oauth2":
            return state.oauth2.control(method, data)
        if path == "/_sandbox/health":
            return 200, {"ok": True, "posts": len(state.posts), "users": len(state.users)}, {}
        if path == "/_sandbox/reset" and method == "POST":
            state.reset(keep_users=bool(data.get("keep_users", True)))
            return 200, {"ok": True}, {}
        if path == "/_sandbox/faults":
            if method == "POST":
                state.set_faults(**data)
            return 200, {"data": asdict(state.faults)}, {}
        if path in ("/_sandbox/app", "/_sandbox/credits"):
            if method == "POST":
                if path == "/_sandbox/app":
                    state.set_access(**data)
                else:
                    state.set_credits(**data)
            return 200, {"data": asdict(state.access)}, {}
        if path == "/_sandbox/rate-limits" and method == "POST":
            state.set_rate_limit(data["endpoint"], int(data["limit"]), window_seconds=data.get("window_seconds"))
            return 200, {"data": {"limits": state.rate_limits, "window_seconds": state.window_seconds}}, {}
        if path == "/_sandbox/users" and method == "POST":
            user = state.add_user(**data)
            return 201, {"data": render_user(user, {"verified", "public_metrics"})}, {}
        if path == "/_sandbox/posts" and method == "POST":
            items = data["posts"] if "posts" in data else [data]
            created = [state.inject_post(**_post_kwargs(item)) for item in items]
            return 201, {"data": created if "posts" in data else created[0]}, {}
        if path == "/_sandbox/posts" and method == "GET":
            limit = int(query.get("limit", 50))
            if query.get("author_id"):
                posts = state.posts_by(query["author_id"])[:limit]
            else:
                posts = state.recent_posts(limit)
            for post in posts:
                if media := state.media.by_post.get(post["id"]):
                    post["media"] = media
            return 200, {"data": posts}, {}
        if path == "/_sandbox/takeover" and method == "POST":
            # {"user_id", "text"}: a post on a governed account made outside Dovecote (a takeover to detect).
            author = state.users.get(str(data.get("user_id")))
            if author is None:
                raise SandboxError(404, problem(404, "Not Found Error", "No sandbox user with that user_id."))
            # A post added is pushed as post.create to the author's activity subscriptions (sandbox.activity).
            created = state.inject_post(author.username, str(data.get("text") or "Posted from outside Dovecote."))
            return 201, {"data": created}, {}
        if path == "/_sandbox/profile" and method == "POST":
            # {"user_id", and any of "name", "username", "description", "profile_image_url", "url"}.
            changes = {k: v for k, v in data.items() if k != "user_id"}
            try:
                changed = state.update_profile(str(data.get("user_id")), **changes)
            except KeyError as exc:
                raise SandboxError(404, problem(404, "Not Found Error", str(exc.args[0]))) from None
            except ValueError as exc:
                raise SandboxError(400, problem(400, "Invalid Request", str(exc))) from None
            # Each change is pushed as profile.update.<field> (state.update_profile).
            return 200, {"data": [{"field": f, "before": b, "after": a} for f, b, a in changed]}, {}
        if path == "/_sandbox/dms" and method == "POST":
            # {"from": username, "to": username, "text": ...}, or {"to": username, "raw": {...}} for hostile data.
            recipient = state.user_for_author(data["to"])
            if "raw" in data:
                event = state.direct.inject_raw(recipient_id=recipient.id, raw=data["raw"])
            else:
                sender = state.user_for_author(data["from"])
                event = state.direct.send(sender_id=sender.id, recipient_id=recipient.id, text=data["text"])
            state._dirty = True
            return 201, {"data": {"id": str(event.id), "dm_conversation_id": event.conversation_id}}, {}
        if path == "/_sandbox/save" and method == "POST" and self.server.state_file:
            state.save(self.server.state_file)
            return 200, {"ok": True}, {}
        raise SandboxError(404, problem(404, "Not Found Error", f"No sandbox control endpoint {method} {path}."))


def _serve_malformed(payload: dict, items: list) -> None:
    """Put the malformed fault's items into a page: each post among the page's posts in id order (in the middle
    when its id is unusable), stretching the page's newest and oldest ids to cover it, and users among the
    page's authors."""
    posts = payload.setdefault("data", [])
    meta = payload["meta"]
    for item in items:
        if not isinstance(item, dict):
            continue
        if "post" in item:
            raw = item["post"]
            num = _usable_id(raw)
            if num is None:
                posts.insert(len(posts) // 2, raw)
            else:
                at = next((i for i, p in enumerate(posts) if (_usable_id(p) or 0) < num), len(posts))
                posts.insert(at, raw)
                meta["newest_id"] = str(max(num, int(meta.get("newest_id", num))))
                meta["oldest_id"] = str(min(num, int(meta.get("oldest_id", num))))
        if item.get("users"):
            payload.setdefault("includes", {}).setdefault("users", []).extend(item["users"])
    meta["result_count"] = len(posts)


def _usable_id(raw) -> int | None:
    value = raw.get("id") if isinstance(raw, dict) else None
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else None


class _Answer(Exception):
    def __init__(self, status: int, payload: dict):
        self.status, self.payload = status, payload


def _post_kwargs(item: dict) -> dict:
    allowed = {
        "author_username",
        "text",
        "in_reply_to_post_id",
        "retweet_of",
        "created_at",
        "lang",
        "author_followers",
        "author_verified",
        "author_name",
    }
    kwargs = {k: v for k, v in item.items() if k in allowed}
    if isinstance(kwargs.get("created_at"), str):
        kwargs["created_at"] = datetime.fromisoformat(kwargs["created_at"].replace("Z", "+00:00"))
    return kwargs


class SandboxServer(LoopbackServer):
    handler = SandboxHandler


def start_in_thread(state: SandboxState, *, host: str = "127.0.0.1", port: int = 0, **kwargs) -> SandboxServer:
    """Serve the state from a daemon thread (port 0 picks a free one); stop with server.shutdown()."""
    return serve_in_thread(SandboxServer, state, host=host, port=port, name="x-sandbox", **kwargs)


__all__ = ["SandboxServer", "oauth1_signature", "start_in_thread"]
