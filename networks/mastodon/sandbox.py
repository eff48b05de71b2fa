"""A local Mastodon: the subset of its REST API that Dovecote's provider uses, in Mastodon's own JSON shapes.

Standard library only (ThreadingHTTPServer in a thread, HTTP/1.1 keep-alive), like the X sandbox
(twitter_api/sandbox/server.py). The provider sends the requests for every instance here; the instance a request is
for is read from `X-Forwarded-Host` (what the provider's transport adds), else `Host`, so statuses' URLs and the
instance's answer name it. Every instance shares one set of users and statuses; each host may have its own
`max_characters` (`set_max_characters(n, host=...)`), the default 500 as upstream.

What it answers as Mastodon 4.3 does:
  GET  /api/v1/instance, /api/v2/instance            (configuration.statuses.max_characters, media limits)
  GET  /api/v1/accounts/verify_credentials           Account (with `source`)
  POST /api/v1/statuses                              Status; Idempotency-Key honoured per token; 422 over the limit
  GET, DELETE /api/v1/statuses/:id                   Status (the deleted one with its `text`)
  POST /api/v2/media                                 202 MediaAttachment with url null; GET /api/v1/media/:id then
  GET, PUT /api/v1/media/:id                         answers 206 while processing, 200 with its url once processed
  GET  /api/v1/accounts/:id/statuses                 limit, max_id, since_id, min_id, exclude_reblogs; Link header
  GET  /api/v1/notifications                         types[], since_id, min_id, max_id, limit; Link header
  GET  /api/v2/search                                q, type=statuses, resolve, limit, offset, min_id, max_id; auth
  GET  /api/v1/timelines/tag/:hashtag                limit, max_id, since_id, min_id; Link header
Errors are `{"error": "..."}` with upstream's status codes and words; every answer to a user carries
X-RateLimit-Limit/Remaining/Reset (Reset an ISO 8601 time), and a used-up window answers 429.

Control endpoints (loopback only, no auth): GET /_sandbox/health, POST /_sandbox/reset, POST /_sandbox/faults,
POST /_sandbox/users, POST /_sandbox/statuses (a status by someone else), POST /_sandbox/instance
{"max_characters": n, "host": ...}, GET /_sandbox/statuses?account_id=.
"""

import html
import json
import logging
import re
import socket
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode, urlsplit

import regex

from core.sandboxes import LoopbackServer, SavedState, serve_in_thread

log = logging.getLogger(__name__)

DEFAULT_HOST = "social.example.gov.uk"
DEFAULT_MAX_CHARACTERS = 500
URL_LENGTH = 23  # characters_reserved_per_url
MAX_MEDIA = 4
DESCRIPTION_LIMIT = 1500
VERSION = "4.3.0"
RATE_LIMIT = 300  # requests per token per window, as upstream's default
RATE_WINDOW_SECONDS = 300

_GRAPHEME = regex.compile(r"\X")
# Upstream counts what Twitter's extractor finds as a URL (a scheme is required for our purposes) as 23.
_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_REMOTE_MENTION = re.compile(r"(?<![\w@])@(\w+)@([\w.-]+\w)", re.UNICODE)
_MENTION = re.compile(r"(?<![\w@/])@(\w+)(?:@([\w.-]+\w))?", re.UNICODE)
_HASHTAG = re.compile(r"(?<![\w#/])#(\w+)", re.UNICODE)
_LINKABLE = re.compile(f"(?P<url>{_URL.pattern})|(?P<mention>{_MENTION.pattern})|(?P<tag>{_HASHTAG.pattern})", re.I)


def status_length(text: str) -> int:
    """Upstream's StatusLengthValidator: grapheme clusters, each URL as 23, `@user@domain` as `@user`."""
    countable = _URL.sub("x" * URL_LENGTH, text)
    countable = _REMOTE_MENTION.sub(lambda m: "@" + m.group(1), countable)
    return len(_GRAPHEME.findall(countable))


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


@dataclass
class User:
    id: str
    username: str
    host: str
    display_name: str = ""
    note: str = ""
    followers_count: int = 0
    access_token: str = ""
    avatar: str = ""
    created_at: str = ""

    def acct(self, local_host: str) -> str:
        return self.username if self.host == local_host else f"{self.username}@{self.host}"


@dataclass
class Status:
    id: int
    account_id: str
    text: str
    created_at: str
    in_reply_to_id: int | None = None
    media_ids: list[str] = field(default_factory=list)
    language: str = "en"
    deleted: bool = False


@dataclass
class Media:
    id: str
    account_id: str
    description: str | None
    mime_type: str
    size: int
    polls_left: int = 0  # GETs still answered 206 (processing)
    status_id: int | None = None


@dataclass
class Notification:
    id: int
    account_id: str  # who is notified
    from_account_id: str
    status_id: int
    created_at: str
    type: str = "mention"


@dataclass
class Faults:
    latency: float = 0.0
    force_5xx: int = 0
    status_5xx: int = 503
    force_429: int = 0
    drop_connection: int = 0  # closed before doing anything
    drop_after_accept: int = 0  # a status is created, then the connection is closed unanswered
    malformed: list = field(default_factory=list)  # raw items served once in the next notifications/search page
    media_processing_polls: int = 0  # GETs of a new upload answered 206 before it is processed
    search_enabled: bool = True  # False: full-text search answers nothing (as most instances without ES)


class SandboxError(Exception):
    def __init__(self, status: int, error: str, headers: dict | None = None):
        super().__init__(error)
        self.status, self.error, self.headers = status, error, headers or {}


class _Drop(Exception):
    """Close the connection without answering."""


class MastodonState(SavedState):
    """Everything the sandbox knows, behind one lock."""

    save_prefix = ".mastodon-"

    def __init__(self, *, host: str = DEFAULT_HOST, max_characters: int = DEFAULT_MAX_CHARACTERS):
        self.lock = threading.RLock()
        self.host = host
        self.default_max_characters = max_characters
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.max_characters: dict[str, int] = {}
            self.users: dict[str, User] = {}
            self.statuses: dict[int, Status] = {}
            self.media: dict[str, Media] = {}
            self.notifications: list[Notification] = []
            self.idempotency: dict[tuple[str, str], int] = {}
            self.rate_windows: dict[str, tuple[float, int]] = {}
            self.rate_limit = RATE_LIMIT
            self.faults = Faults()
            self.request_log: list[tuple[str, str, int | None, str]] = []
            self._last_id = 0
            self._next_user = 100_000
            self._next_notification = 1_000
            self._next_media = 50_000
            self._dirty = True

    # --- ids ----------------------------------------------------------------------------------------------

    def snowflake(self, when: datetime | None = None) -> int:
        """Mastodon's id: milliseconds since 1970 shifted left 16 bits, and a sequence; always increasing."""
        ms = int((when or datetime.now(UTC)).timestamp() * 1000)
        candidate = ms << 16
        if when is None and candidate <= self._last_id:
            candidate = self._last_id + 1
        while candidate in self.statuses:
            candidate += 1
        self._last_id = max(self._last_id, candidate)
        return candidate

    # --- users --------------------------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        *,
        id: str | None = None,  # noqa: A002 - Mastodon's own name
        host: str | None = None,
        display_name: str = "",
        note: str = "",
        followers_count: int = 0,
        access_token: str = "",
        avatar: str = "",
    ) -> User:
        """A user of the instance (`host` None) or of another one; `username` may be `user@host`."""
        if "@" in username.lstrip("@"):
            username, host = username.lstrip("@").split("@", 1)
        username = username.lstrip("@")
        host = (host or self.host).lower()
        with self.lock:
            existing = self.find_user(username, host)
            if existing is not None and (id is None or existing.id == id):
                user = existing
            else:
                if id is None:
                    self._next_user += 1
                    id = str(self._next_user)  # noqa: A001
                user = User(id=str(id), username=username, host=host, created_at=_iso(datetime.now(UTC)))
            user.display_name = display_name or user.display_name or username
            user.note = note or user.note
            user.followers_count = followers_count or user.followers_count
            user.access_token = access_token or user.access_token
            user.avatar = avatar or user.avatar or f"https://{host}/avatars/original/missing.png"
            self.users[user.id] = user
            self._dirty = True
            return user

    def find_user(self, username: str, host: str | None = None) -> User | None:
        host = (host or self.host).lower()
        for user in self.users.values():
            if user.username.lower() == username.lower() and user.host == host:
                return user
        return None

    def user_for_token(self, token: str) -> User | None:
        if not token:
            return None
        return next((u for u in self.users.values() if u.access_token == token), None)

    def limit_for(self, host: str) -> int:
        return self.max_characters.get(host, self.default_max_characters)

    # --- statuses -----------------------------------------------------------------------------------------

    def create_status(
        self,
        author: User,
        text: str,
        *,
        in_reply_to_id: int | None = None,
        media_ids: list[str] | None = None,
        created_at: datetime | None = None,
        language: str = "en",
    ) -> Status:
        with self.lock:
            when = created_at or datetime.now(UTC)
            status = Status(
                id=self.snowflake(created_at),
                account_id=author.id,
                text=text,
                created_at=_iso(when),
                in_reply_to_id=in_reply_to_id,
                media_ids=list(media_ids or []),
                language=language,
            )
            self.statuses[status.id] = status
            for media_id in status.media_ids:
                if media_id in self.media:
                    self.media[media_id].status_id = status.id
            self._notify(status)
            self._dirty = True
            return status

    def _notify(self, status: Status) -> None:
        """A mention notification for each local user the status mentions (`@user`, or `@user@host` of theirs),
        and for the author of the status it replies to."""
        notified = set()
        for match in _MENTION.finditer(status.text):
            user = self.find_user(match.group(1), match.group(2))
            if user is not None:
                notified.add(user.id)
        parent = self.statuses.get(status.in_reply_to_id) if status.in_reply_to_id else None
        if parent is not None:
            notified.add(parent.account_id)
        notified.discard(status.account_id)
        for user_id in sorted(notified):
            self._next_notification += 1
            self.notifications.append(
                Notification(
                    id=self._next_notification,
                    account_id=user_id,
                    from_account_id=status.account_id,
                    status_id=status.id,
                    created_at=status.created_at,
                )
            )

    def statuses_by(self, account_id: str) -> list[Status]:
        """The account's statuses that are not deleted, newest first."""
        with self.lock:
            found = [s for s in self.statuses.values() if s.account_id == str(account_id) and not s.deleted]
            return sorted(found, key=lambda s: s.id, reverse=True)

    def set_faults(self, **faults) -> Faults:
        with self.lock:
            for name, value in faults.items():
                if not hasattr(self.faults, name):
                    raise ValueError(f"No such fault: {name}")
                setattr(self.faults, name, value)
            return self.faults

    def take_fault(self, name: str) -> bool:
        with self.lock:
            left = getattr(self.faults, name)
            if left > 0:
                setattr(self.faults, name, left - 1)
                return True
            return False

    def take_malformed(self) -> list:
        with self.lock:
            items, self.faults.malformed = self.faults.malformed, []
            return items

    def take_rate_limit(self, token: str) -> dict:
        """Count a request against the token's window; the headers to send, or SandboxError 429."""
        with self.lock:
            now = time.time()
            started, used = self.rate_windows.get(token, (now, 0))
            if now - started >= RATE_WINDOW_SECONDS:
                started, used = now, 0
            reset = datetime.fromtimestamp(started + RATE_WINDOW_SECONDS, UTC)
            forced = self.take_fault("force_429")
            if forced or used >= self.rate_limit:
                headers = {
                    "X-RateLimit-Limit": str(self.rate_limit),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": _iso(reset),
                }
                raise SandboxError(429, "Too many requests", headers)
            used += 1
            self.rate_windows[token] = (started, used)
            return {
                "X-RateLimit-Limit": str(self.rate_limit),
                "X-RateLimit-Remaining": str(self.rate_limit - used),
                "X-RateLimit-Reset": _iso(reset),
            }

    # --- persistence --------------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        with self.lock:
            return {
                "max_characters": self.max_characters,
                "users": [asdict(u) for u in self.users.values()],
                "statuses": [asdict(s) for s in self.statuses.values()],
                "media": [asdict(m) for m in self.media.values()],
                "notifications": [asdict(n) for n in self.notifications],
            }

    def load_dict(self, data: dict) -> None:
        with self.lock:
            self.reset()
            self.max_characters = {str(k): int(v) for k, v in (data.get("max_characters") or {}).items()}
            for item in data.get("users", []):
                user = User(**item)
                self.users[user.id] = user
                if user.id.isascii() and user.id.isdigit():
                    self._next_user = max(self._next_user, int(user.id))
            for item in data.get("statuses", []):
                status = Status(**item)
                self.statuses[status.id] = status
                self._last_id = max(self._last_id, status.id)
            for item in data.get("media", []):
                media = Media(**item)
                self.media[media.id] = media
                self._next_media = max(self._next_media, int(media.id))
            for item in data.get("notifications", []):
                notification = Notification(**item)
                self.notifications.append(notification)
                self._next_notification = max(self._next_notification, notification.id)
            self._dirty = False

    # --- rendering ----------------------------------------------------------------------------------------

    def render_account(self, user: User, *, with_source: bool = False) -> dict:
        statuses = [s for s in self.statuses.values() if s.account_id == user.id and not s.deleted]
        last = max((s.created_at for s in statuses), default=None)
        note = f"<p>{html.escape(user.note)}</p>" if user.note else ""
        rendered = {
            "id": user.id,
            "username": user.username,
            "acct": user.acct(self.host),
            "display_name": user.display_name,
            "locked": False,
            "bot": False,
            "discoverable": True,
            "indexable": True,
            "group": False,
            "created_at": (user.created_at or _iso(datetime.now(UTC)))[:10] + "T00:00:00.000Z",
            "note": note,
            "url": f"https://{user.host}/@{user.username}",
            "uri": f"https://{user.host}/users/{user.username}",
            "avatar": user.avatar,
            "avatar_static": user.avatar,
            "header": f"https://{user.host}/headers/original/missing.png",
            "header_static": f"https://{user.host}/headers/original/missing.png",
            "followers_count": user.followers_count,
            "following_count": 0,
            "statuses_count": len(statuses),
            "last_status_at": last[:10] if last else None,
            "hide_collections": None,
            "noindex": False,
            "emojis": [],
            "roles": [],
            "fields": [],
        }
        if with_source:
            rendered["source"] = {
                "privacy": "public",
                "sensitive": False,
                "language": "en",
                "note": user.note,
                "fields": [],
                "follow_requests_count": 0,
                "hide_collections": None,
                "discoverable": True,
                "indexable": True,
            }
        return rendered

    def render_media(self, media: Media) -> dict:
        author = self.users.get(media.account_id)
        host = author.host if author else self.host
        processed = media.polls_left <= 0
        base = f"https://{host}/system/media_attachments/files/{media.id}"
        return {
            "id": media.id,
            "type": "image" if media.mime_type.startswith("image/") else "unknown",
            "url": f"{base}/original/image.png" if processed else None,
            "preview_url": f"{base}/small/image.png",
            "remote_url": None,
            "preview_remote_url": None,
            "text_url": None,
            "meta": {"original": {"width": 640, "height": 480, "size": "640x480", "aspect": 1.3333333333333333}}
            if processed
            else {},
            "description": media.description,
            "blurhash": "UFBWY:8_0Jof4nt7-;Rj~qIAD%xuIUWB%MRj",
        }

    def render_content(self, text: str, host: str) -> tuple[str, list[dict], list[dict]]:
        """Upstream's TextFormatter: escaped text in paragraphs (`<p>`, a blank line between them), `<br />` for a
        line break, links, mentions and hashtags as links. Also the status's `mentions` and `tags`."""
        mentions: list[dict] = []
        tags: list[dict] = []

        def link(match: re.Match) -> str:
            url = match.group(0)
            scheme, _, rest = url.partition("://")
            shown, hidden = rest[:30], rest[30:]
            ellipsis = "ellipsis" if hidden else ""
            return (
                f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener" translate="no">'
                f'<span class="invisible">{html.escape(scheme)}://</span>'
                f'<span class="{ellipsis}">{html.escape(shown)}</span>'
                f'<span class="invisible">{html.escape(hidden)}</span></a>'
            )

        def mention(match: re.Match) -> str:
            user = self.find_user(match.group(1), match.group(2))
            if user is None:
                return html.escape(match.group(0))
            url = f"https://{user.host}/@{user.username}"
            if not any(m["id"] == user.id for m in mentions):
                mentions.append({"id": user.id, "username": user.username, "url": url, "acct": user.acct(self.host)})
            return (
                f'<span class="h-card" translate="no"><a href="{url}" class="u-url mention">'
                f"@<span>{html.escape(user.username)}</span></a></span>"
            )

        def hashtag(match: re.Match) -> str:
            name = match.group(1)
            url = f"https://{host}/tags/{name.lower()}"
            if not any(t["name"] == name.lower() for t in tags):
                tags.append({"name": name.lower(), "url": url})
            return f'<a href="{url}" class="mention hashtag" rel="tag">#<span>{html.escape(name)}</span></a>'

        pattern = _LINKABLE

        def one(match: re.Match) -> str:
            if match.group("url"):
                return link(re.match(_URL.pattern, match.group(0), re.I))
            if match.group("mention"):
                return mention(_MENTION.match(match.group(0)))
            return hashtag(_HASHTAG.match(match.group(0)))

        paragraphs = [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip() != "" or len(text) == 0]
        rendered = []
        for paragraph in paragraphs or [""]:
            pieces, last = [], 0
            for match in pattern.finditer(paragraph):
                pieces.append(html.escape(paragraph[last : match.start()]))
                pieces.append(one(match))
                last = match.end()
            pieces.append(html.escape(paragraph[last:]))
            rendered.append("<p>" + "".join(pieces).replace("\n", "<br />") + "</p>")
        return "".join(rendered), mentions, tags

    def render_status(self, status: Status, *, with_text: bool = False) -> dict:
        author = self.users[status.account_id]
        content, mentions, tags = self.render_content(status.text, author.host)
        parent = self.statuses.get(status.in_reply_to_id) if status.in_reply_to_id else None
        replies = sum(1 for s in self.statuses.values() if s.in_reply_to_id == status.id and not s.deleted)
        rendered = {
            "id": str(status.id),
            "created_at": status.created_at,
            "in_reply_to_id": str(status.in_reply_to_id) if status.in_reply_to_id else None,
            "in_reply_to_account_id": parent.account_id if parent else None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "public",
            "language": status.language,
            "uri": f"https://{author.host}/users/{author.username}/statuses/{status.id}",
            "url": f"https://{author.host}/@{author.username}/{status.id}",
            "replies_count": replies,
            "reblogs_count": 0,
            "favourites_count": 0,
            "edited_at": None,
            "favourited": False,
            "reblogged": False,
            "muted": False,
            "bookmarked": False,
            "pinned": False,
            "content": content,
            "filtered": [],
            "reblog": None,
            "application": {"name": "Dovecote", "website": None},
            "account": self.render_account(author),
            "media_attachments": [self.render_media(self.media[m]) for m in status.media_ids if m in self.media],
            "mentions": mentions,
            "tags": tags,
            "emojis": [],
            "card": None,
            "poll": None,
        }
        if with_text:
            rendered["text"] = status.text
        return rendered

    def render_notification(self, notification: Notification) -> dict:
        return {
            "id": str(notification.id),
            "type": notification.type,
            "created_at": notification.created_at,
            "group_key": f"ungrouped-{notification.id}",
            "account": self.render_account(self.users[notification.from_account_id]),
            "status": self.render_status(self.statuses[notification.status_id]),
        }


# --- pagination -------------------------------------------------------------------------------------------------


def _int_param(query: dict, name: str) -> int | None:
    values = query.get(name)
    if not values:
        return None
    value = values[-1]
    return int(value) if value.isascii() and value.isdigit() else None


def _window(items: list, key, query: dict, *, default_limit: int, max_limit: int) -> list:
    """Upstream's paginate_by_id: newest first; max_id/since_id bound the ids, min_id reads the oldest ones just
    newer than it (still answered newest first)."""
    limit = _int_param(query, "limit") or default_limit
    limit = max(1, min(limit, max_limit))
    max_id, since_id, min_id = (_int_param(query, n) for n in ("max_id", "since_id", "min_id"))
    chosen = [i for i in items if (max_id is None or key(i) < max_id) and (since_id is None or key(i) > since_id)]
    if min_id is not None:
        chosen = sorted((i for i in chosen if key(i) > min_id), key=key)[:limit]
        return sorted(chosen, key=key, reverse=True)
    return sorted(chosen, key=key, reverse=True)[:limit]


def _link_header(host: str, path: str, query: dict, ids: list[int]) -> dict:
    if not ids:
        return {}
    keep = {k: v for k, v in query.items() if k in ("limit", "types[]", "exclude_types[]", "exclude_reblogs", "q")}
    base = f"https://{host}{path}"

    def url(extra: dict) -> str:
        params = [(k, v) for k, values in keep.items() for v in values] + list(extra.items())
        return f"{base}?{urlencode(params)}"

    return {"Link": f'<{url({"max_id": min(ids)})}>; rel="next", <{url({"min_id": max(ids)})}>; rel="prev"'}


# --- HTTP ---------------------------------------------------------------------------------------------------------

_ROUTES = [
    ("GET", re.compile(r"^/api/v1/instance/?$"), "instance_v1", False),
    ("GET", re.compile(r"^/api/v2/instance/?$"), "instance_v2", False),
    ("GET", re.compile(r"^/api/v1/accounts/verify_credentials$"), "verify_credentials", True),
    ("POST", re.compile(r"^/api/v1/statuses$"), "create_status", True),
    ("GET", re.compile(r"^/api/v1/statuses/(\d+)$"), "get_status", False),
    ("DELETE", re.compile(r"^/api/v1/statuses/(\d+)$"), "delete_status", True),
    ("POST", re.compile(r"^/api/v[12]/media$"), "create_media", True),
    ("GET", re.compile(r"^/api/v1/media/(\d+)$"), "get_media", True),
    ("PUT", re.compile(r"^/api/v1/media/(\d+)$"), "update_media", True),
    ("GET", re.compile(r"^/api/v1/accounts/(\d+)/statuses$"), "account_statuses", False),
    ("GET", re.compile(r"^/api/v1/notifications$"), "notifications", True),
    ("GET", re.compile(r"^/api/v2/search$"), "search", True),
    ("GET", re.compile(r"^/api/v1/timelines/tag/([^/]+)$"), "hashtag_timeline", False),
]


class MastodonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MastodonSandbox/1.0"
    timeout = 120
    disable_nagle_algorithm = True

    server: "MastodonSandboxServer"

    def do_GET(self):  # noqa: N802 - BaseHTTPRequestHandler's naming
        self._dispatch("GET")

    def do_POST(self):  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self):  # noqa: N802
        self._dispatch("PUT")

    def do_DELETE(self):  # noqa: N802
        self._dispatch("DELETE")

    def log_message(self, format, *args):  # noqa: A002
        if self.server.verbose:
            super().log_message(format, *args)

    @property
    def instance_host(self) -> str:
        forwarded = self.headers.get("X-Forwarded-Host") or ""
        if forwarded:
            return forwarded.split(",")[0].strip().lower()
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        if not host or host in ("127.0.0.1", "localhost") or host.replace(".", "").isdigit():
            return self.server.state.host
        return host

    def _dispatch(self, method: str) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers: dict = {}
        try:
            if url.path.startswith("/_sandbox/"):
                status, payload = self._control(method, url.path, parse_qs(url.query), body)
            else:
                status, payload, headers = self._api(method, url, body)
        except SandboxError as exc:
            status, payload, headers = exc.status, {"error": exc.error}, exc.headers
        except _Drop:
            with state.lock:
                state.request_log.append((method, url.path, None, self.instance_host))
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        except Exception:  # a bug in the sandbox must look like Mastodon's own 500, not hang the client
            log.exception("Mastodon sandbox failed on %s %s", method, self.path)
            status, payload, headers = 500, {"error": "We're sorry, but something went wrong on our end."}, {}
        with state.lock:
            state.request_log.append((method, url.path, status, self.instance_host))
        self._send(status, payload, headers)

    def _send(self, status: int, payload, headers: dict) -> None:
        # ensure_ascii escapes a lone surrogate (a malformed fault) as Mastodon's JSON would carry it.
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _form(self, body: bytes) -> dict[str, list]:
        """The request's parameters: a JSON object, a urlencoded form, or a multipart form (files as bytes)."""
        content_type = self.headers.get("Content-Type") or ""
        if not body:
            return {}
        if content_type.startswith("application/json"):
            try:
                data = json.loads(body)
            except ValueError:
                raise SandboxError(400, "Request body is not valid JSON") from None
            return {k: v if isinstance(v, list) else [v] for k, v in data.items()} if isinstance(data, dict) else {}
        if content_type.startswith("multipart/form-data"):
            return _multipart(body, content_type)
        return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)

    def _api(self, method: str, url, body: bytes):
        state = self.server.state
        matched = [(p.match(url.path), n, a) for m, p, n, a in _ROUTES if m == method and p.match(url.path)]
        if not matched:
            raise SandboxError(404, "Record not found")
        match, name, needs_auth = matched[0]
        faults = state.faults
        if faults.latency:
            time.sleep(faults.latency)
        if state.take_fault("drop_connection"):
            raise _Drop
        if state.take_fault("force_5xx"):
            raise SandboxError(faults.status_5xx, "We're sorry, but something went wrong on our end.")
        authorization = self.headers.get("Authorization") or ""
        token = authorization[len("Bearer ") :].strip() if authorization.startswith("Bearer ") else ""
        user = state.user_for_token(token)
        if token and user is None:
            raise SandboxError(401, "The access token is invalid")
        if needs_auth and user is None:
            raise SandboxError(401, "The access token is invalid")
        rate_headers = state.take_rate_limit(token or self.client_address[0])
        query = parse_qs(url.query, keep_blank_values=True)
        status, payload, headers = getattr(self, f"_api_{name}")(user, match, query, body)
        return status, payload, {**rate_headers, **headers}

    # --- endpoints ----------------------------------------------------------------------------------------

    def _api_instance_v2(self, user, match, query, body):
        state, host = self.server.state, self.instance_host
        limit = state.limit_for(host)
        return (
            200,
            {
                "domain": host,
                "title": host,
                "version": VERSION,
                "source_url": "https://github.com/mastodon/mastodon",
                "description": "A local Mastodon for Dovecote's tests.",
                "usage": {"users": {"active_month": len(state.users)}},
                "thumbnail": {"url": f"https://{host}/packs/media/images/preview.png"},
                "languages": ["en"],
                "configuration": {
                    "urls": {"streaming": f"wss://{host}"},
                    "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
                    "statuses": {
                        "max_characters": limit,
                        "max_media_attachments": MAX_MEDIA,
                        "characters_reserved_per_url": URL_LENGTH,
                    },
                    "media_attachments": {
                        "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
                        "description_limit": DESCRIPTION_LIMIT,
                        "image_size_limit": 16_777_216,
                        "image_matrix_limit": 33_177_600,
                        "video_size_limit": 103_809_024,
                        "video_frame_rate_limit": 120,
                        "video_matrix_limit": 8_294_400,
                    },
                    "polls": {
                        "max_options": 4,
                        "max_characters_per_option": 50,
                        "min_expiration": 300,
                        "max_expiration": 2_629_746,
                    },
                    "translation": {"enabled": False},
                },
                "registrations": {"enabled": False, "approval_required": False, "message": None},
                "api_versions": {"mastodon": 2},
                "contact": {"email": f"admin@{host}", "account": None},
                "rules": [],
            },
            {},
        )

    def _api_instance_v1(self, user, match, query, body):
        state, host = self.server.state, self.instance_host
        return (
            200,
            {
                "uri": host,
                "title": host,
                "short_description": "A local Mastodon for Dovecote's tests.",
                "description": "",
                "email": f"admin@{host}",
                "version": VERSION,
                "urls": {"streaming_api": f"wss://{host}"},
                "stats": {"user_count": len(state.users), "status_count": len(state.statuses), "domain_count": 1},
                "languages": ["en"],
                "registrations": False,
                "approval_required": False,
                "invites_enabled": False,
                "configuration": {
                    "statuses": {
                        "max_characters": state.limit_for(host),
                        "max_media_attachments": MAX_MEDIA,
                        "characters_reserved_per_url": URL_LENGTH,
                    },
                    "media_attachments": {
                        "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
                        "image_size_limit": 16_777_216,
                        "image_matrix_limit": 33_177_600,
                    },
                },
                "contact_account": None,
                "rules": [],
            },
            {},
        )

    def _api_verify_credentials(self, user, match, query, body):
        with self.server.state.lock:
            return 200, self.server.state.render_account(user, with_source=True), {}

    def _api_create_status(self, user, match, query, body):
        state = self.server.state
        form = self._form(body)
        key = (self.headers.get("Idempotency-Key") or "").strip()
        with state.lock:
            if key and (user.access_token, key) in state.idempotency:
                existing = state.statuses[state.idempotency[(user.access_token, key)]]
                return 200, state.render_status(existing), {}
            text = (form.get("status") or [""])[-1]
            media_ids = [str(m) for m in form.get("media_ids[]", form.get("media_ids", []))]
            if not isinstance(text, str):
                raise SandboxError(422, "Validation failed: Text can't be blank")
            if not text.strip() and not media_ids:
                raise SandboxError(422, "Validation failed: Text can't be blank")
            limit = state.limit_for(self.instance_host)
            if status_length(text) > limit:
                raise SandboxError(422, f"Validation failed: Text character limit of {limit} exceeded")
            if len(media_ids) > MAX_MEDIA:
                raise SandboxError(422, "Validation failed: Media attachments Cannot attach more than 4 files")
            for media_id in media_ids:
                media = state.media.get(media_id)
                if media is None or media.account_id != user.id:
                    raise SandboxError(422, "Validation failed: Media attachments Record not found")
                if media.polls_left > 0:
                    raise SandboxError(422, "Cannot attach files that have not finished processing. Try again!")
                if media.status_id is not None:
                    raise SandboxError(422, "Validation failed: Media attachments already attached to a status")
            reply_raw = (form.get("in_reply_to_id") or [None])[-1]
            reply_to = None
            if reply_raw not in (None, ""):
                reply_to = int(reply_raw) if (str(reply_raw).isascii() and str(reply_raw).isdigit()) else None
                parent = state.statuses.get(reply_to) if reply_to else None
                if parent is None or parent.deleted:
                    raise SandboxError(404, "Record not found")
            status = state.create_status(user, text, in_reply_to_id=reply_to, media_ids=media_ids)
            if key:
                state.idempotency[(user.access_token, key)] = status.id
            rendered = state.render_status(status)
        if state.take_fault("drop_after_accept"):
            raise _Drop
        return 200, rendered, {}

    def _status_or_404(self, match, user=None) -> Status:
        state = self.server.state
        status = state.statuses.get(int(match.group(1)))
        if status is None or status.deleted:
            raise SandboxError(404, "Record not found")
        return status

    def _api_get_status(self, user, match, query, body):
        with self.server.state.lock:
            return 200, self.server.state.render_status(self._status_or_404(match)), {}

    def _api_delete_status(self, user, match, query, body):
        state = self.server.state
        with state.lock:
            status = self._status_or_404(match)
            if status.account_id != user.id:
                raise SandboxError(404, "Record not found")
            status.deleted = True
            state.notifications = [n for n in state.notifications if n.status_id != status.id]
            state._dirty = True
            return 200, state.render_status(status, with_text=True), {}

    def _api_create_media(self, user, match, query, body):
        state = self.server.state
        form = self._form(body)
        upload = (form.get("file") or [None])[-1]
        if not isinstance(upload, tuple):
            raise SandboxError(422, "Validation failed: File can't be blank")
        _filename, mime_type, data = upload
        description = (form.get("description") or [None])[-1]
        if description is not None and len(description) > DESCRIPTION_LIMIT:
            raise SandboxError(
                422, f"Validation failed: Description is too long (maximum is {DESCRIPTION_LIMIT} characters)"
            )
        if not mime_type.startswith("image/"):
            raise SandboxError(422, "Validation failed: File content type is invalid, File is invalid")
        with state.lock:
            state._next_media += 1
            media = Media(
                id=str(state._next_media),
                account_id=user.id,
                description=description or None,
                mime_type=mime_type,
                size=len(data),
                polls_left=state.faults.media_processing_polls + 1,
            )
            state.media[media.id] = media
            state._dirty = True
            return 202, state.render_media(media), {}

    def _media_or_404(self, match, user) -> Media:
        media = self.server.state.media.get(match.group(1))
        if media is None or media.account_id != user.id:
            raise SandboxError(404, "Record not found")
        return media

    def _api_get_media(self, user, match, query, body):
        state = self.server.state
        with state.lock:
            media = self._media_or_404(match, user)
            media.polls_left -= 1
            return (206 if media.polls_left > 0 else 200), state.render_media(media), {}

    def _api_update_media(self, user, match, query, body):
        state = self.server.state
        form = self._form(body)
        with state.lock:
            media = self._media_or_404(match, user)
            if "description" in form:
                description = form["description"][-1]
                if len(description) > DESCRIPTION_LIMIT:
                    raise SandboxError(
                        422, f"Validation failed: Description is too long (maximum is {DESCRIPTION_LIMIT} characters)"
                    )
                media.description = description or None
            return 200, state.render_media(media), {}

    def _api_account_statuses(self, user, match, query, body):
        state = self.server.state
        with state.lock:
            account = state.users.get(match.group(1))
            if account is None:
                raise SandboxError(404, "Record not found")
            statuses = state.statuses_by(account.id)
            if query.get("exclude_replies", [""])[-1] in ("true", "1"):
                statuses = [s for s in statuses if s.in_reply_to_id is None]
            page = _window(statuses, lambda s: s.id, query, default_limit=20, max_limit=40)
            rendered = [state.render_status(s) for s in page]
        return 200, rendered, _link_header(self.instance_host, self.path.split("?")[0], query, [s.id for s in page])

    def _api_notifications(self, user, match, query, body):
        state = self.server.state
        types = query.get("types[]") or query.get("types") or []
        excluded = query.get("exclude_types[]") or []
        with state.lock:
            mine = [
                n
                for n in state.notifications
                if n.account_id == user.id and (not types or n.type in types) and n.type not in excluded
            ]
            page = _window(mine, lambda n: n.id, query, default_limit=40, max_limit=80)
            rendered = [state.render_notification(n) for n in page]
        malformed = state.take_malformed()
        if malformed:
            rendered[len(rendered) // 2 : len(rendered) // 2] = malformed
        return 200, rendered, _link_header(self.instance_host, "/api/v1/notifications", query, [n.id for n in page])

    def _api_search(self, user, match, query, body):
        state = self.server.state
        words = [w.lower() for w in (query.get("q") or [""])[-1].split() if w]
        kind = (query.get("type") or [""])[-1]
        offset = _int_param(query, "offset") or 0
        statuses: list = []
        if words and kind in ("", "statuses") and state.faults.search_enabled:
            with state.lock:
                found = [s for s in state.statuses.values() if not s.deleted and _matches(s.text, words)]
                # max_id/min_id bound the ids (min_id as "newer than", newest first), then offset and limit.
                found = _window(found, lambda s: s.id, {**query, "limit": ["10000"]}, default_limit=40, max_limit=10**4)
                limit = max(1, min(_int_param(query, "limit") or 20, 40))
                statuses = [state.render_status(s) for s in found[offset : offset + limit]]
            malformed = state.take_malformed()
            if malformed:
                statuses[len(statuses) // 2 : len(statuses) // 2] = malformed
        return 200, {"accounts": [], "statuses": statuses, "hashtags": []}, {}

    def _api_hashtag_timeline(self, user, match, query, body):
        state = self.server.state
        tag = match.group(1).lower()
        with state.lock:
            tagged = [
                s
                for s in state.statuses.values()
                if not s.deleted and tag in {t.lower() for t in _HASHTAG.findall(s.text)}
            ]
            page = _window(tagged, lambda s: s.id, query, default_limit=20, max_limit=40)
            rendered = [state.render_status(s) for s in page]
        malformed = state.take_malformed()
        if malformed:
            rendered[len(rendered) // 2 : len(rendered) // 2] = malformed
        return 200, rendered, _link_header(self.instance_host, self.path.split("?")[0], query, [s.id for s in page])

    # --- control ------------------------------------------------------------------------------------------

    def _control(self, method: str, path: str, query: dict, body: bytes):
        state = self.server.state
        data = json.loads(body) if body else {}
        if path == "/_sandbox/health":
            return 200, {"ok": True, "statuses": len(state.statuses), "users": len(state.users)}
        if path == "/_sandbox/reset" and method == "POST":
            state.reset()
            return 200, {"ok": True}
        if path == "/_sandbox/faults" and method == "POST":
            return 200, asdict(state.set_faults(**data))
        if path == "/_sandbox/instance" and method == "POST":
            state.max_characters[data.get("host") or state.host] = int(data["max_characters"])
            state._dirty = True
            return 200, {"ok": True}
        if path == "/_sandbox/users" and method == "POST":
            return 201, asdict(state.add_user(**data))
        if path == "/_sandbox/statuses" and method == "POST":
            author = state.add_user(data.pop("author_acct"))
            status = state.create_status(author, **data)
            return 201, state.render_status(status)
        if path == "/_sandbox/statuses" and method == "GET":
            account_id = (query.get("account_id") or [""])[-1]
            return 200, [state.render_status(s) for s in state.statuses_by(account_id)]
        raise SandboxError(404, f"No sandbox control endpoint {method} {path}.")


def _matches(text: str, words: list[str]) -> bool:
    lowered = text.lower()
    return all(word.lstrip("#") in lowered for word in words)


def _multipart(body: bytes, content_type: str) -> dict[str, list]:
    """A multipart/form-data body: text fields as str, files as (filename, content type, bytes)."""
    found = re.search(r'boundary="?([^";]+)"?', content_type)
    if not found:
        raise SandboxError(400, "Multipart body without a boundary")
    boundary = b"--" + found.group(1).encode()
    fields: dict[str, list] = {}
    for part in body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, value = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
        value = value[:-2] if value.endswith(b"\r\n") else value
        headers = head.decode("utf-8", "replace")
        name = re.search(r'name="([^"]*)"', headers)
        if not name:
            continue
        filename = re.search(r'filename="([^"]*)"', headers)
        kind = re.search(r"Content-Type:\s*([^\r\n]+)", headers, re.I)
        if filename:
            item = (filename.group(1), kind.group(1).strip() if kind else "application/octet-stream", value)
        else:
            item = value.decode("utf-8", "replace")
        fields.setdefault(name.group(1), []).append(item)
    return fields


class MastodonSandboxServer(LoopbackServer):
    handler = MastodonHandler


def start_in_thread(state: MastodonState, *, host: str = "127.0.0.1", port: int = 0, **kwargs) -> MastodonSandboxServer:
    """Serve the state from a daemon thread (port 0 picks a free one); stop with server.shutdown()."""
    return serve_in_thread(MastodonSandboxServer, state, host=host, port=port, name="mastodon-sandbox", **kwargs)


__all__ = ["MastodonSandboxServer", "MastodonState", "start_in_thread", "status_length"]
