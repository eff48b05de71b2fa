"""A local Bluesky (AT Protocol XRPC) server: the subset the Bluesky provider uses, in Bluesky's own JSON shapes.

Standard library only (ThreadingHTTPServer, HTTP/1.1 keep-alive), served at `/xrpc/<nsid>` like a PDS with its
AppView behind it. What it checks the way the real PDS does: app passwords at createSession, bearer JWTs (an
access token that lapsed is `ExpiredToken`, so clients refresh), a post's text (300 graphemes, 3,000 bytes),
images (at most 4, each with `alt`), blobs (at most 1,000,000 bytes), a client-given record key used twice.
Errors are XRPC's: `{"error": "InvalidRequest", "message": "..."}` with 400/401/429/5xx, and a 429 carries
`ratelimit-limit`, `ratelimit-remaining`, `ratelimit-reset` (epoch seconds) and `ratelimit-policy`.

Notifications (mention, reply, quote) are derived from the posts: a reply to the user's post, a mention facet of
their DID or `@handle` in the text, an embed quoting their post. Faults (`set_faults`) make it misbehave once
per count: latency, 5xx, 429, a post made and its connection dropped before the answer, hostile items served
in the next page of notifications or search.

Control endpoints (loopback only, no auth): GET /_sandbox/health; POST /_sandbox/reset; POST /_sandbox/users
{"handle", "did", "app_password", "display_name"}; POST /_sandbox/posts {"author_handle", "text", "reply_to_uri",
"quote_uri", "mention_dids", "created_at"}; GET /_sandbox/posts?did=; GET and POST /_sandbox/faults.

A duplicate record key: Bluesky's PDS answered 500 InternalServerError for years (bluesky-social/atproto#3718)
and is moving to an explicit error (#4728); the sandbox says 400 InvalidRequest "Record already exists" by
default and can answer the old 500 (`duplicate_rkey_style="internal"`), so the provider is tested on both.
"""

import base64
import hashlib
import json
import logging
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from core.sandboxes import LoopbackServer, SavedState, serve_in_thread
from networks.text import BLUESKY_MAX_BYTES, BLUESKY_MAX_GRAPHEMES, graphemes

log = logging.getLogger(__name__)

POST = "app.bsky.feed.post"
MAX_BLOB_BYTES = 1_000_000
MAX_IMAGES = 4
ACCESS_TTL_SECONDS = 2 * 3600
REFRESH_TTL_SECONDS = 60 * 86400
_B32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"
_MENTION = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9.-]*[a-z0-9])", re.IGNORECASE)


def tid_from(micros: int, clock_id: int = 0) -> str:
    """A TID (the record key Bluesky mints): 53 bits of microseconds and 10 of clock id, in sortable base32."""
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    return "".join(_B32_SORTABLE[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def cid_for(data: bytes, *, codec: int = 0x71) -> str:
    """A CIDv1 as Bluesky writes it (base32, sha-256): dag-cbor (0x71) for records, raw (0x55) for blobs."""
    raw = bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _signature(did: str, clock: int) -> str:
    """A JWT's third part: base64url without padding, as a real one is (a client decodes it)."""
    digest = hashlib.sha256(f"{did}:{clock}".encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


class XrpcError(Exception):
    def __init__(self, status: int, error: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.body = {"error": error, "message": message}
        self.headers = headers or {}


class _Drop(Exception):
    """Close the connection without answering."""


@dataclass
class Faults:
    latency: float = 0.0
    force_5xx: int = 0
    error_status: int = 500
    force_429: int = 0
    drop_after_accept: int = 0
    expire_tokens: bool = False  # every access token issued so far is treated as lapsed (once)
    malformed: list = field(default_factory=list)


class BlueskyState(SavedState):
    """Users, posts, blobs, sessions, faults and the request log; every change under `lock`."""

    save_prefix = ".bluesky-"

    def __init__(self, *, access_ttl: int = ACCESS_TTL_SECONDS):
        self.lock = threading.RLock()
        self.access_ttl = access_ttl
        self.duplicate_rkey_style = "invalid_request"
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.users: dict[str, dict] = {}  # did -> user
            self.handles: dict[str, str] = {}  # handle (lower) -> did
            self.posts: dict[str, dict] = {}  # uri -> post, in the order made
            self.blobs: dict[str, dict] = {}
            self.access_tokens: dict[str, tuple[str, int]] = {}  # jwt -> (did, exp)
            self.refresh_tokens: dict[str, str] = {}  # jwt -> did
            self.faults = Faults()
            self.request_log: list[tuple[str, str, int | None]] = []
            self.rate_limit = 3000
            self.duplicate_rkey_style = "invalid_request"
            self._clock = 0
            self._last_now = datetime(2000, 1, 1, tzinfo=UTC)
            self._dirty = True

    # --- arranging the world ----------------------------------------------------------------------

    def add_user(
        self,
        *,
        handle: str,
        did: str | None = None,
        app_password: str = "",
        display_name: str = "",
        description: str = "",
        avatar: str | None = None,
    ) -> dict:
        with self.lock:
            did = did or "did:plc:" + hashlib.sha256(handle.lower().encode()).hexdigest()[:24]
            user = {
                "did": did,
                "handle": handle.lower(),
                "app_password": app_password,
                "display_name": display_name,
                "description": description,
                "avatar": avatar,
            }
            old = self.users.get(did)
            if old:
                self.handles.pop(old["handle"], None)
            self.users[did] = user
            self.handles[user["handle"]] = did
            self._dirty = True
            return user

    def user_by(self, actor: str) -> dict | None:
        if not isinstance(actor, str):
            return None
        if actor.startswith("did:"):
            return self.users.get(actor)
        did = self.handles.get(actor.lower().lstrip("@"))
        return self.users.get(did) if did else None

    def now(self) -> datetime:
        """The time now, a millisecond after the last time given at least, so posts made now sort one way."""
        with self.lock:
            when = max(datetime.now(tz=UTC), self._last_now + timedelta(milliseconds=1))
            self._last_now = when
            return when

    def _next_tid(self) -> str:
        self._clock += 1
        return tid_from(int(time.time() * 1_000_000) + self._clock, self._clock)

    def create_post(self, did: str, record: dict, *, rkey: str | None = None, when: datetime | None = None) -> dict:
        """Store a post as createRecord does (validated, a fresh TID unless a key is given)."""
        with self.lock:
            self.validate_post(record)
            rkey = rkey or self._next_tid()
            uri = f"at://{did}/{POST}/{rkey}"
            if uri in self.posts and not self.posts[uri].get("deleted"):
                if self.duplicate_rkey_style == "internal":
                    raise XrpcError(500, "InternalServerError", "Internal Server Error")
                raise XrpcError(400, "InvalidRequest", f"Record already exists: {uri}")
            cid = cid_for(json.dumps([uri, record], sort_keys=True).encode("utf-8", "surrogatepass"))
            post = {
                "uri": uri,
                "cid": cid,
                "did": did,
                "rkey": rkey,
                "record": record,
                "indexed_at": _iso(when or self.now()),
            }
            self.posts.pop(uri, None)
            self.posts[uri] = post
            self._dirty = True
            return post

    def inject_post(
        self,
        author_handle: str,
        text: str,
        *,
        reply_to_uri: str | None = None,
        quote_uri: str | None = None,
        mention_dids: list[str] | None = None,
        created_at: datetime | None = None,
        images: list[dict] | None = None,
    ) -> dict:
        """A post by someone else (the author is made if unknown), with reply refs, mention facets or a quote."""
        with self.lock:
            author = self.user_by(author_handle) or self.add_user(handle=author_handle, display_name=author_handle)
            when = created_at or self.now()
            record: dict = {"$type": POST, "text": text, "createdAt": _iso(when), "langs": ["en"]}
            if reply_to_uri:
                parent = self.posts.get(reply_to_uri)
                if parent is None:
                    raise KeyError(f"no post {reply_to_uri}")
                root = (parent["record"].get("reply") or {}).get("root") or {"uri": parent["uri"], "cid": parent["cid"]}
                record["reply"] = {"root": root, "parent": {"uri": parent["uri"], "cid": parent["cid"]}}
            if mention_dids:
                facets = []
                encoded = text.encode("utf-8", "surrogatepass")
                for did in mention_dids:
                    user = self.users.get(did)
                    at = encoded.find(("@" + user["handle"]).encode()) if user else -1
                    start, end = (at, at + len(user["handle"]) + 1) if at >= 0 else (0, 0)
                    facets.append(
                        {
                            "index": {"byteStart": start, "byteEnd": end},
                            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
                        }
                    )
                record["facets"] = facets
            if quote_uri:
                quoted = self.posts[quote_uri]
                record["embed"] = {
                    "$type": "app.bsky.embed.record",
                    "record": {"uri": quoted["uri"], "cid": quoted["cid"]},
                }
            if images:
                record["embed"] = {"$type": "app.bsky.embed.images", "images": images}
            return self.create_post(author["did"], record, when=when)

    def posts_by(self, did: str) -> list[dict]:
        """The user's posts not deleted, newest first."""
        with self.lock:
            mine = [p for p in self.posts.values() if p["did"] == did and not p.get("deleted")]
        return sorted(mine, key=lambda p: p["rkey"], reverse=True)

    def set_faults(self, **faults) -> Faults:
        with self.lock:
            for name, value in faults.items():
                if not hasattr(self.faults, name):
                    raise TypeError(f"unknown fault {name}")
                setattr(self.faults, name, value)
            return self.faults

    def take(self, name: str) -> bool:
        with self.lock:
            count = getattr(self.faults, name)
            if count:
                setattr(self.faults, name, count - 1)
                return True
            return False

    def take_malformed(self) -> list:
        with self.lock:
            items, self.faults.malformed = self.faults.malformed, []
            return items

    # --- checks ---------------------------------------------------------------------------------------

    @staticmethod
    def validate_post(record) -> None:
        if not isinstance(record, dict):
            raise XrpcError(400, "InvalidRequest", "Input/record must be an object")
        text = record.get("text")
        if not isinstance(text, str):
            raise XrpcError(400, "InvalidRequest", f'Invalid {POST} record: Record must have the property "text"')
        if len(text.encode("utf-8", "surrogatepass")) > BLUESKY_MAX_BYTES:
            raise XrpcError(
                400,
                "InvalidRequest",
                f"Invalid {POST} record: Record/text must not be longer than {BLUESKY_MAX_BYTES} characters",
            )
        if graphemes(text) > BLUESKY_MAX_GRAPHEMES:
            raise XrpcError(
                400,
                "InvalidRequest",
                f"Invalid {POST} record: Record/text must not be longer than {BLUESKY_MAX_GRAPHEMES} graphemes",
            )
        if not isinstance(record.get("createdAt"), str):
            raise XrpcError(400, "InvalidRequest", f'Invalid {POST} record: Record must have the property "createdAt"')
        embed = record.get("embed")
        if isinstance(embed, dict) and embed.get("$type") == "app.bsky.embed.images":
            images = embed.get("images")
            if not isinstance(images, list):
                raise XrpcError(400, "InvalidRequest", f"Invalid {POST} record: Record/embed/images must be an array")
            if len(images) > MAX_IMAGES:
                raise XrpcError(
                    400,
                    "InvalidRequest",
                    f"Invalid {POST} record: Record/embed/images must not have more than {MAX_IMAGES} elements",
                )
            for number, image in enumerate(images):
                if not isinstance(image, dict) or not isinstance(image.get("alt"), str):
                    raise XrpcError(
                        400,
                        "InvalidRequest",
                        f'Invalid {POST} record: Record/embed/images/{number} must have the property "alt"',
                    )
                blob = image.get("image")
                if not isinstance(blob, dict) or not isinstance(blob.get("ref"), dict):
                    raise XrpcError(
                        400,
                        "InvalidRequest",
                        f'Invalid {POST} record: Record/embed/images/{number} must have the property "image"',
                    )
        reply = record.get("reply")
        if reply is not None:
            for part in ("root", "parent"):
                ref = reply.get(part) if isinstance(reply, dict) else None
                if (
                    not isinstance(ref, dict)
                    or not isinstance(ref.get("uri"), str)
                    or not isinstance(ref.get("cid"), str)
                ):
                    raise XrpcError(
                        400, "InvalidRequest", f'Invalid {POST} record: Record/reply must have the property "{part}"'
                    )

    # --- sessions ----------------------------------------------------------------------------------------

    def issue_session(self, did: str) -> dict:
        with self.lock:
            now = int(time.time())
            self._clock += 1
            header = _b64({"typ": "at+jwt", "alg": "ES256K"})
            access = ".".join(
                [
                    header,
                    _b64(
                        {
                            "scope": "com.atproto.appPass",
                            "sub": did,
                            "iat": now,
                            "exp": now + self.access_ttl,
                            "aud": "did:web:sandbox.bsky",
                            "jti": f"a{self._clock}",
                        }
                    ),
                    _signature(did, self._clock),
                ]
            )
            refresh = ".".join(
                [
                    _b64({"typ": "refresh+jwt", "alg": "ES256K"}),
                    _b64(
                        {
                            "scope": "com.atproto.refresh",
                            "sub": did,
                            "iat": now,
                            "exp": now + REFRESH_TTL_SECONDS,
                            "aud": "did:web:sandbox.bsky",
                            "jti": f"r{self._clock}",
                        }
                    ),
                    _signature(did, self._clock),
                ]
            )
            self.access_tokens[access] = (did, now + self.access_ttl)
            self.refresh_tokens[refresh] = did
            self._dirty = True
            user = self.users[did]
            return {"accessJwt": access, "refreshJwt": refresh, "did": did, "handle": user["handle"], "active": True}

    def expire_sessions(self) -> None:
        """Every access token issued so far has lapsed (refresh tokens still work)."""
        with self.lock:
            self.access_tokens = {token: (did, 0) for token, (did, _) in self.access_tokens.items()}

    def revoke_sessions(self, did: str) -> None:
        """Every token of the user stops working (as when the app password is revoked)."""
        with self.lock:
            self.access_tokens = {t: v for t, v in self.access_tokens.items() if v[0] != did}
            self.refresh_tokens = {t: d for t, d in self.refresh_tokens.items() if d != did}

    # --- views ------------------------------------------------------------------------------------------

    def profile_basic(self, did: str) -> dict:
        user = self.users.get(did) or {"did": did, "handle": "handle.invalid", "display_name": ""}
        view = {
            "did": user["did"],
            "handle": user["handle"],
            "displayName": user.get("display_name") or "",
            "labels": [],
            "createdAt": "2024-01-01T00:00:00.000Z",
        }
        if user.get("avatar"):
            view["avatar"] = user["avatar"]
        return view

    def post_view(self, post: dict) -> dict:
        replies = sum(
            1
            for p in self.posts.values()
            if not p.get("deleted") and ((p["record"].get("reply") or {}).get("parent") or {}).get("uri") == post["uri"]
        )
        view = {
            "uri": post["uri"],
            "cid": post["cid"],
            "author": self.profile_basic(post["did"]),
            "record": post["record"],
            "replyCount": replies,
            "repostCount": 0,
            "likeCount": 0,
            "quoteCount": 0,
            "indexedAt": post["indexed_at"],
            "labels": [],
        }
        embed = post["record"].get("embed")
        if isinstance(embed, dict) and embed.get("$type") == "app.bsky.embed.images":
            cdn = f"https://cdn.bsky.app/img/%s/plain/{post['did']}/%s@jpeg"
            view["embed"] = {
                "$type": "app.bsky.embed.images#view",
                "images": [
                    {
                        "thumb": cdn % ("feed_thumbnail", image["image"]["ref"].get("$link")),
                        "fullsize": cdn % ("feed_fullsize", image["image"]["ref"].get("$link")),
                        "alt": image.get("alt", ""),
                    }
                    for image in embed["images"]
                ],
            }
        return view

    def notifications_for(self, did: str) -> list[dict]:
        """Mentions, replies and quotes of the user, newest first (by indexedAt, then record key)."""
        user = self.users.get(did)
        handle = user["handle"] if user else None
        found = []
        for post in self.posts.values():
            if post.get("deleted") or post["did"] == did:
                continue
            record = post["record"]
            reason, subject = None, None
            reply = record.get("reply") or {}
            parent_uri = (reply.get("parent") or {}).get("uri", "")
            embed = record.get("embed") or {}
            quoted = (embed.get("record") or {}).get("uri", "") if embed.get("$type") == "app.bsky.embed.record" else ""
            if parent_uri.startswith(f"at://{did}/"):
                reason, subject = "reply", parent_uri
            elif quoted.startswith(f"at://{did}/"):
                reason, subject = "quote", quoted
            elif any(
                feature.get("did") == did
                for facet in record.get("facets") or []
                for feature in facet.get("features") or []
                if feature.get("$type") == "app.bsky.richtext.facet#mention"
            ) or (handle and handle in {m.lower() for m in _MENTION.findall(record.get("text", ""))}):
                reason = "mention"
            if reason:
                item = {
                    "uri": post["uri"],
                    "cid": post["cid"],
                    "author": self.profile_basic(post["did"]),
                    "reason": reason,
                    "record": record,
                    "isRead": False,
                    "indexedAt": post["indexed_at"],
                    "labels": [],
                }
                if subject:
                    item["reasonSubject"] = subject
                found.append(item)
        found.sort(key=lambda n: (n["indexedAt"], n["uri"]), reverse=True)
        return found

    # --- persistence -------------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        with self.lock:
            return {
                "users": list(self.users.values()),
                "posts": list(self.posts.values()),
                "blobs": self.blobs,
                "access_tokens": {t: list(v) for t, v in self.access_tokens.items()},
                "refresh_tokens": self.refresh_tokens,
            }

    def load_dict(self, data: dict) -> None:
        with self.lock:
            self.reset()
            for user in data.get("users", []):
                self.users[user["did"]] = user
                self.handles[user["handle"]] = user["did"]
            for post in data.get("posts", []):
                self.posts[post["uri"]] = post
            self.blobs = data.get("blobs", {})
            self.access_tokens = {t: (v[0], v[1]) for t, v in data.get("access_tokens", {}).items()}
            self.refresh_tokens = data.get("refresh_tokens", {})
            self._dirty = False


def _limit(params: dict, default: int = 50, most: int = 100) -> int:
    raw = params.get("limit", default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise XrpcError(400, "InvalidRequest", 'Error: Params must have the property "limit" as an integer') from None
    if not 1 <= value <= most:
        raise XrpcError(400, "InvalidRequest", f"Error: limit can not be greater than {most}")
    return value


def _page(items: list, params: dict, *, key, default: int = 50) -> tuple[list, str | None]:
    """Items after the cursor (each item's `key` is its cursor), one page, and the next cursor."""
    limit = _limit(params, default)
    cursor = params.get("cursor")
    if cursor:
        items = [item for item in items if key(item) < cursor]
    page = items[:limit]
    return page, key(page[-1]) if len(items) > limit else None


class BlueskyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "BlueskyServer"

    def do_GET(self):  # noqa: N802
        self._dispatch("GET")

    def do_POST(self):  # noqa: N802
        self._dispatch("POST")

    def log_message(self, format, *args):  # noqa: A002
        if self.server.verbose:
            super().log_message(format, *args)

    def _dispatch(self, method: str) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        nsid = url.path.removeprefix("/xrpc/")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        params = {k: v if len(v) > 1 or k in ("uris", "reasons") else v[0] for k, v in parse_qs(url.query).items()}
        try:
            if state.faults.latency:
                time.sleep(state.faults.latency)
            if url.path.startswith("/_sandbox/"):
                status, payload, headers = self._control(method, url.path.removeprefix("/_sandbox/"), params, body)
            else:
                status, payload, headers = self._answer(method, nsid, params, body)
        except XrpcError as exc:
            status, payload, headers = exc.status, exc.body, exc.headers
        except _Drop:
            state.request_log.append((method, nsid, None))
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        except Exception:  # a bug in the sandbox must look like the PDS's own 500, not hang the client
            log.exception("Bluesky sandbox failed on %s %s", method, self.path)
            status, payload, headers = 500, {"error": "InternalServerError", "message": "Internal Server Error"}, {}
        state.request_log.append((method, nsid, status))
        data = json.dumps(payload, ensure_ascii=True).encode()  # escapes a lone surrogate as Bluesky's JSON would
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _rate_headers(self) -> dict:
        state = self.server.state
        reset = int(time.time()) + 300
        return {
            "ratelimit-limit": str(state.rate_limit),
            "ratelimit-remaining": str(state.rate_limit - 1),
            "ratelimit-reset": str(reset),
            "ratelimit-policy": f"{state.rate_limit};w=300",
        }

    def _authed(self, *, refresh: bool = False) -> str:
        state = self.server.state
        header = self.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            raise XrpcError(401, "AuthenticationRequired", "Authentication Required")
        token = header.removeprefix("Bearer ")
        with state.lock:
            if refresh:
                did = state.refresh_tokens.get(token)
                if did is None:
                    raise XrpcError(400, "ExpiredToken", "Token has been revoked")
                return did
            if state.faults.expire_tokens:
                state.faults.expire_tokens = False
                state.expire_sessions()
            found = state.access_tokens.get(token)
        if found is None:
            raise XrpcError(401, "InvalidToken", "Token could not be verified")
        did, exp = found
        if exp <= time.time():
            raise XrpcError(400, "ExpiredToken", "Token has expired")
        return did

    def _json(self, body: bytes) -> dict:
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            raise XrpcError(400, "InvalidRequest", "Request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise XrpcError(400, "InvalidRequest", "Input must be an object")
        return data

    def _control(self, method: str, name: str, params: dict, body: bytes):
        """Arranging the sandbox over HTTP (loopback, no auth): for the demo, journeys and people trying it."""
        state = self.server.state
        data = self._json(body) if method == "POST" else {}
        try:
            if name == "health":
                return 200, {"ok": True, "users": len(state.users), "posts": len(state.posts)}, {}
            if name == "reset" and method == "POST":
                state.reset()
                return 200, {"ok": True}, {}
            if name == "users" and method == "POST":
                return 200, state.add_user(**data), {}
            if name == "posts" and method == "POST":
                author, text = data.pop("author_handle"), data.pop("text")
                if isinstance(data.get("created_at"), str):
                    data["created_at"] = datetime.fromisoformat(data["created_at"].replace("Z", "+00:00"))
                return 200, state.inject_post(author, text, **data), {}
            if name == "posts":
                return 200, {"posts": state.posts_by(params.get("did", ""))}, {}
            if name == "faults" and method == "POST":
                state.set_faults(**data)
            if name == "faults":
                faults = state.faults
                return 200, {k: getattr(faults, k) for k in Faults.__dataclass_fields__}, {}
        except (KeyError, TypeError, ValueError) as exc:
            raise XrpcError(400, "InvalidRequest", f"{type(exc).__name__}: {exc}") from None
        raise XrpcError(404, "NotFound", f"No sandbox control {method} /_sandbox/{name}")

    def _answer(self, method: str, nsid: str, params: dict, body: bytes):
        state = self.server.state
        handler = ROUTES.get(nsid)
        if handler is None:
            raise XrpcError(501, "MethodNotImplemented", "Method Not Implemented")
        if method != handler[0]:
            raise XrpcError(400, "InvalidRequest", f"Incorrect HTTP method ({method}) expected {handler[0]}")
        if state.take("force_429"):
            raise XrpcError(429, "RateLimitExceeded", "Rate Limit Exceeded", self._rate_headers())
        if state.take("force_5xx"):
            status = state.faults.error_status
            error = {502: "UpstreamFailure", 503: "NotEnoughResources"}.get(status, "InternalServerError")
            raise XrpcError(status, error, "Internal Server Error" if status == 500 else "Upstream Failure")
        status, payload = handler[1](self, params, body)
        return status, payload, self._rate_headers()

    # --- com.atproto.server -------------------------------------------------------------------------

    def create_session(self, params, body):
        data = self._json(body)
        identifier, password = data.get("identifier"), data.get("password")
        if not isinstance(identifier, str) or not isinstance(password, str):
            raise XrpcError(400, "InvalidRequest", 'Input must have the property "identifier" and "password"')
        state = self.server.state
        user = state.user_by(identifier)
        if user is None or not user["app_password"] or user["app_password"] != password:
            raise XrpcError(401, "AuthenticationRequired", "Invalid identifier or password")
        return 200, state.issue_session(user["did"])

    def refresh_session(self, params, body):
        state = self.server.state
        did = self._authed(refresh=True)
        header = self.headers.get("Authorization", "").removeprefix("Bearer ")
        with state.lock:
            state.refresh_tokens.pop(header, None)  # a refresh token is used once, as on the PDS
        return 200, state.issue_session(did)

    def get_session(self, params, body):
        state = self.server.state
        user = state.users[self._authed()]
        return 200, {"did": user["did"], "handle": user["handle"], "active": True, "emailConfirmed": True}

    def resolve_handle(self, params, body):
        user = self.server.state.user_by(params.get("handle", ""))
        if user is None:
            raise XrpcError(400, "InvalidRequest", "Unable to resolve handle")
        return 200, {"did": user["did"]}

    # --- com.atproto.repo ----------------------------------------------------------------------------

    def _own_repo(self, did: str, repo) -> None:
        state = self.server.state
        user = state.user_by(repo) if isinstance(repo, str) else None
        if user is None or user["did"] != did:
            raise XrpcError(401, "AuthenticationRequired", "Authenticated user does not match the repo")

    def create_record(self, params, body):
        state = self.server.state
        did = self._authed()
        data = self._json(body)
        self._own_repo(did, data.get("repo"))
        if data.get("collection") != POST:
            raise XrpcError(400, "InvalidRequest", "The sandbox stores only app.bsky.feed.post records")
        rkey = data.get("rkey")
        if rkey is not None and (not isinstance(rkey, str) or not re.fullmatch(r"[A-Za-z0-9._:~-]{1,512}", rkey)):
            raise XrpcError(400, "InvalidRequest", f"Invalid record key: {rkey!r}")
        post = state.create_post(did, data.get("record"), rkey=rkey)
        if state.take("drop_after_accept"):
            raise _Drop
        return 200, {
            "uri": post["uri"],
            "cid": post["cid"],
            "commit": {"cid": cid_for(post["cid"].encode()), "rev": state._next_tid()},
            "validationStatus": "valid",
        }

    def delete_record(self, params, body):
        state = self.server.state
        did = self._authed()
        data = self._json(body)
        self._own_repo(did, data.get("repo"))
        uri = f"at://{did}/{data.get('collection')}/{data.get('rkey')}"
        with state.lock:
            post = state.posts.get(uri)
            if post is None or post.get("deleted"):
                return 200, {}  # the PDS makes no commit for a record that is not there
            post["deleted"] = True
            state._dirty = True
        return 200, {"commit": {"cid": cid_for(uri.encode()), "rev": state._next_tid()}}

    def get_record(self, params, body):
        state = self.server.state
        self._authed()
        user = state.user_by(params.get("repo", ""))
        if user is None:
            raise XrpcError(400, "InvalidRequest", f"Could not find repo: {params.get('repo')}")
        uri = f"at://{user['did']}/{params.get('collection')}/{params.get('rkey')}"
        post = state.posts.get(uri)
        if post is None or post.get("deleted"):
            raise XrpcError(400, "RecordNotFound", f"Could not locate record: {uri}")
        return 200, {"uri": post["uri"], "cid": post["cid"], "value": post["record"]}

    def list_records(self, params, body):
        state = self.server.state
        self._authed()
        user = state.user_by(params.get("repo", ""))
        if user is None:
            raise XrpcError(400, "InvalidRequest", f"Could not find repo: {params.get('repo')}")
        if params.get("collection") != POST:
            return 200, {"records": []}
        posts = state.posts_by(user["did"])
        if params.get("reverse") == "true":
            posts.reverse()
            limit = _limit(params)
            cursor = params.get("cursor")
            posts = [p for p in posts if not cursor or p["rkey"] > cursor]
            page, next_cursor = posts[:limit], (posts[limit - 1]["rkey"] if len(posts) > limit else None)
        else:
            page, next_cursor = _page(posts, params, key=lambda p: p["rkey"])
        answer = {"records": [{"uri": p["uri"], "cid": p["cid"], "value": p["record"]} for p in page]}
        if next_cursor:
            answer["cursor"] = next_cursor
        return 200, answer

    def upload_blob(self, params, body):
        state = self.server.state
        self._authed()
        if len(body) > MAX_BLOB_BYTES:
            raise XrpcError(
                400, "BlobTooLarge", f"This file is too large. It is {len(body)} bytes; the limit is {MAX_BLOB_BYTES}."
            )
        if not body:
            raise XrpcError(400, "InvalidRequest", "Request body is empty")
        mime_type = self.headers.get("Content-Type") or "application/octet-stream"
        cid = cid_for(body, codec=0x55)
        with state.lock:
            state.blobs[cid] = {"mimeType": mime_type, "size": len(body)}
            state._dirty = True
        return 200, {"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime_type, "size": len(body)}}

    # --- app.bsky ------------------------------------------------------------------------------------

    def get_posts(self, params, body):
        state = self.server.state
        self._authed()
        uris = params.get("uris") or []
        if len(uris) > 25:
            raise XrpcError(400, "InvalidRequest", "Error: uris must not have more than 25 elements")
        with state.lock:
            found = [
                state.post_view(state.posts[u]) for u in uris if u in state.posts and not state.posts[u].get("deleted")
            ]
        return 200, {"posts": found}

    def get_author_feed(self, params, body):
        state = self.server.state
        self._authed()
        user = state.user_by(params.get("actor", ""))
        if user is None:
            raise XrpcError(400, "InvalidRequest", "Profile not found")
        with state.lock:
            posts = state.posts_by(user["did"])
            page, cursor = _page(posts, params, key=lambda p: p["indexed_at"] + p["rkey"])
            answer = {"feed": [{"post": state.post_view(p)} for p in page]}
        if cursor:
            answer["cursor"] = cursor
        return 200, answer

    def list_notifications(self, params, body):
        state = self.server.state
        did = self._authed()
        reasons = params.get("reasons")
        with state.lock:
            items = state.notifications_for(did)
        if reasons:
            items = [n for n in items if n["reason"] in reasons]
        page, cursor = _page(items, params, key=lambda n: n["indexedAt"] + "|" + n["uri"])
        page = state.take_malformed() + page
        answer = {"notifications": page, "priority": False, "seenAt": _iso(datetime.now(tz=UTC))}
        if cursor:
            answer["cursor"] = cursor
        return 200, answer

    def search_posts(self, params, body):
        state = self.server.state
        self._authed()
        query = params.get("q")
        if not isinstance(query, str) or not query.strip():
            raise XrpcError(400, "InvalidRequest", 'Error: Params must have the property "q"')
        words = [w.lower() for w in query.split()]
        since = params.get("since") or ""
        with state.lock:
            matching = [
                p
                for p in state.posts.values()
                if not p.get("deleted")
                and p["indexed_at"] > since
                and all(w in p["record"].get("text", "").lower() for w in words)
            ]
            matching.sort(key=lambda p: (p["indexed_at"], p["uri"]), reverse=True)
            offset = int(params.get("cursor") or 0)
            limit = _limit(params, 25)
            page = matching[offset : offset + limit]
            answer = {"posts": state.take_malformed() + [state.post_view(p) for p in page], "hitsTotal": len(matching)}
        if offset + limit < len(matching):
            answer["cursor"] = str(offset + limit)
        return 200, answer

    def get_profile(self, params, body):
        state = self.server.state
        self._authed()
        user = state.user_by(params.get("actor", ""))
        if user is None:
            raise XrpcError(400, "InvalidRequest", "Profile not found")
        view = state.profile_basic(user["did"])
        view.update(
            description=user.get("description") or "",
            followersCount=0,
            followsCount=0,
            postsCount=len(state.posts_by(user["did"])),
            indexedAt="2024-01-01T00:00:00.000Z",
        )
        return 200, view


ROUTES = {
    "com.atproto.server.createSession": ("POST", BlueskyHandler.create_session),
    "com.atproto.server.refreshSession": ("POST", BlueskyHandler.refresh_session),
    "com.atproto.server.getSession": ("GET", BlueskyHandler.get_session),
    "com.atproto.identity.resolveHandle": ("GET", BlueskyHandler.resolve_handle),
    "com.atproto.repo.createRecord": ("POST", BlueskyHandler.create_record),
    "com.atproto.repo.deleteRecord": ("POST", BlueskyHandler.delete_record),
    "com.atproto.repo.getRecord": ("GET", BlueskyHandler.get_record),
    "com.atproto.repo.listRecords": ("GET", BlueskyHandler.list_records),
    "com.atproto.repo.uploadBlob": ("POST", BlueskyHandler.upload_blob),
    "app.bsky.feed.getPosts": ("GET", BlueskyHandler.get_posts),
    "app.bsky.feed.getAuthorFeed": ("GET", BlueskyHandler.get_author_feed),
    "app.bsky.notification.listNotifications": ("GET", BlueskyHandler.list_notifications),
    "app.bsky.feed.searchPosts": ("GET", BlueskyHandler.search_posts),
    "app.bsky.actor.getProfile": ("GET", BlueskyHandler.get_profile),
}


class BlueskyServer(LoopbackServer):
    handler = BlueskyHandler


def start_in_thread(state: BlueskyState, *, host: str = "127.0.0.1", port: int = 0, **kwargs) -> BlueskyServer:
    """Serve the state from a daemon thread (port 0 picks a free one); stop with server.shutdown()."""
    return serve_in_thread(BlueskyServer, state, host=host, port=port, name="bluesky-sandbox", **kwargs)
