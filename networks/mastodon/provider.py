"""Mastodon as one provider: Mastodon.py makes every HTTP call, on a `requests` session whose transport adapter
(1) sends the requests for any instance to settings.MASTODON_API_BASE_URL when it is set (the local sandbox, told the
instance by `X-Forwarded-Host`), never through a proxy, (2) enforces settings.NETWORK_REQUEST_TIMEOUT_SECONDS, and
(3) writes one `twitter_api.models.ApiCall` row per HTTP request (`mastodon:/api/v1/statuses`, cost 0: Mastodon is
free), buffered by `twitter_api.client.metered_in_bulk()` as X's calls are.

Mastodon.py is told never to sleep on a rate limit (ratelimit_method="throw": RateLimited with the instance's reset
time instead) and never to ask the instance its version (version_check_mode="none", a 4.x version assumed).

What an instance answers is read from the JSON itself (kept by the transport), not from Mastodon.py's typed objects,
which quietly turn a field of the wrong type into text: every field may be missing, mistyped or hold NUL or lone
surrogates, and an item that cannot be read is set aside (logged), never failing the page it came in.
"""

import html
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import orjson
import requests
import urllib3
from django.conf import settings
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)
from requests.adapters import HTTPAdapter

from twitter_api.client import Unreadable, _bulk_meter, clean_text, parse_datetime
from twitter_api.errors import (
    CredentialsRejected,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Transient,
    XApiError,
)
from twitter_api.models import ApiCall
from twitter_api.types import XPage, XPost, XProfile, XUser

log = logging.getLogger(__name__)

ASSUMED_VERSION = (4, 3, 0)  # what Mastodon.py is told the instance runs, so it never asks
DEFAULT_MAX_CHARACTERS = 500
NOTIFICATIONS_PAGE = 80  # upstream's most per page
STATUSES_PAGE = 40
MEDIA_WAIT_SECONDS = 20.0  # how long an upload may take to be processed before the post is tried again later

_NUMBER = re.compile(r"/\d+(?=/|$)")
_HASHTAG_PATH = re.compile(r"(/api/v1/timelines/tag/)[^/]+")
_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


# --- Transport: sandbox routing, timeout and metering ---------------------------------------------------------


def endpoint_name(url: str) -> str:
    """`mastodon:` and the path of a request with its ids replaced: mastodon:/api/v1/statuses/:id."""
    path = urlsplit(url).path.rstrip("/") or "/"  # Mastodon.py asks for /api/v2/instance/
    path = _HASHTAG_PATH.sub(r"\1:hashtag", path)
    return "mastodon:" + _NUMBER.sub("/:id", path)


def _decoded(response: requests.Response):
    """The response's JSON, decoded once and kept on it (orjson first; what it refuses, such as an escaped lone
    surrogate, by Python's reader); None when it is not JSON."""
    try:
        return response._mastodon_json
    except AttributeError:
        pass
    try:
        payload = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        try:
            payload = response.json()
        except ValueError:
            payload = None
    response._mastodon_json = payload
    return payload


def _counts(method: str, endpoint: str, response: requests.Response) -> tuple[int, int]:
    """(posts read, posts created) of a response."""
    if not 200 <= response.status_code < 300:
        return 0, 0
    if method == "POST" and endpoint == "mastodon:/api/v1/statuses":
        return 0, 1
    if method != "GET":
        return 0, 0
    if endpoint in (
        "mastodon:/api/v1/notifications",
        "mastodon:/api/v1/accounts/:id/statuses",
        "mastodon:/api/v1/timelines/tag/:hashtag",
    ):
        payload = _decoded(response)
        return (len(payload) if isinstance(payload, list) else 0), 0
    if endpoint == "mastodon:/api/v2/search":
        payload = _decoded(response)
        statuses = payload.get("statuses") if isinstance(payload, dict) else None
        return (len(statuses) if isinstance(statuses, list) else 0), 0
    if endpoint == "mastodon:/api/v1/statuses/:id":
        return 1, 0
    return 0, 0


def _int_header(headers, name: str) -> int | None:
    value = headers.get(name)
    if type(value) is str and value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)
    return None


def parse_reset(headers) -> datetime | None:
    """X-RateLimit-Reset: an ISO 8601 time on Mastodon (a count of seconds on some other servers)."""
    value = headers.get("X-RateLimit-Reset")
    if not value:
        return None
    if value.isascii() and value.isdigit():
        try:
            return datetime.fromtimestamp(int(value), tz=UTC)
        except (ValueError, OverflowError, OSError):
            return None
    return parse_datetime(value)


class MeteredTransport(HTTPAdapter):
    """Routes to the sandbox when configured, enforces the timeout, writes one ApiCall per request, and keeps the
    last response (its JSON is what the provider reads)."""

    def __init__(self, *, account=None, context: str = "", base_url: str = "", timeout: float = 10.0):
        self.account = account
        self.context = context[:100]
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.last_response: requests.Response | None = None
        super().__init__(max_retries=0)

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        method = (request.method or "GET").upper()
        endpoint = endpoint_name(request.url)
        self.last_response = None
        if self.base_url:
            parts = urlsplit(request.url)
            request.headers["X-Forwarded-Host"] = parts.hostname or ""
            request.url = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        if self.base_url or urlsplit(request.url).hostname in ("127.0.0.1", "localhost", "::1"):
            proxies = {}
        started = time.monotonic()
        try:
            response = super().send(
                request, stream=stream, timeout=self.timeout, verify=verify, cert=cert, proxies=proxies
            )
            _ = response.content  # read the body here so the duration covers it
        except requests.RequestException as exc:
            self._record(method, endpoint, started, error=f"{type(exc).__name__}: {exc}")
            raise
        self.last_response = response
        self._record(method, endpoint, started, response=response)
        return response

    def _record(self, method, endpoint, started, *, response=None, error=""):
        row = ApiCall(
            endpoint=endpoint[:80],
            method=method,
            account=self.account if getattr(self.account, "pk", None) else None,
            context=self.context,
            duration_ms=int((time.monotonic() - started) * 1000),
            error=clean_text(error)[:300],
            cost=0,  # Mastodon charges nothing
        )
        if response is not None:
            headers = response.headers
            row.status_code = response.status_code
            row.posts_read, row.posts_created = _counts(method, endpoint, response)
            row.rate_limit_limit = _int_header(headers, "X-RateLimit-Limit")
            row.rate_limit_remaining = _int_header(headers, "X-RateLimit-Remaining")
            row.rate_limit_reset = parse_reset(headers)
            if response.status_code >= 400:
                row.error = clean_text(response.content.decode("utf-8", "replace"))[:300]
        buffer = _bulk_meter.get()
        if buffer is None:
            row.save()
        else:
            buffer.append(row)


def instance_url(account) -> str:
    """The account's instance as https://host, or InvalidRequest saying what to fix."""
    raw = (getattr(account, "instance_url", "") or "").strip().rstrip("/")
    parts = urlsplit(raw if "://" in raw else f"https://{raw}")
    if not raw or not parts.hostname or parts.scheme not in ("https", "http"):
        raise InvalidRequest(
            f"{account.handle} has no Mastodon instance to post to. Set its instance (for example "
            "https://social.example.gov.uk) on the account."
        )
    return f"{parts.scheme}://{parts.netloc}"


def _host(account) -> str:
    return urlsplit(instance_url(account)).hostname or ""


class _Mastodon(Mastodon):
    def timeline_is_available(self, *args, **kwargs) -> bool:
        """Mastodon.py asks /api/v2/instance before each public or hashtag timeline read, only to warn: a request
        (metered, rate-limited) for nothing. The read itself says whether the instance allows it."""
        return True


class _Client:
    """Mastodon.py acting as the account, and the transport it sends through."""

    def __init__(self, account, *, context: str):
        if not getattr(account, "access_token", ""):
            raise CredentialsRejected(
                f"{account.handle} has no Mastodon access token. Ask its responsible person to connect it again."
            )
        self.account = account
        self.host = _host(account)
        base_url = settings.MASTODON_API_BASE_URL or ""
        self.transport = MeteredTransport(
            account=account, context=context, base_url=base_url, timeout=settings.NETWORK_REQUEST_TIMEOUT_SECONDS
        )
        session = requests.Session()
        session.mount("https://", self.transport)
        session.mount("http://", self.transport)
        if base_url or self.host in ("127.0.0.1", "localhost", "::1"):
            session.trust_env = False  # never send loopback traffic through a proxy
        self.api = _Mastodon(
            access_token=account.access_token,
            api_base_url=instance_url(account),
            session=session,
            ratelimit_method="throw",
            version_check_mode="none",
            mastodon_version=".".join(map(str, ASSUMED_VERSION)),
            request_timeout=settings.NETWORK_REQUEST_TIMEOUT_SECONDS,
            user_agent="Dovecote",
        )
        # Told a version, Mastodon.py skips asking but still compares against 1.0.0 (it would upload through
        # /api/v1/media): say which version it is.
        self.api.mastodon_major, self.api.mastodon_minor, self.api.mastodon_patch = ASSUMED_VERSION

    @property
    def payload(self):
        """The JSON of the last answer (None when there was none, or it was not JSON)."""
        response = self.transport.last_response
        return _decoded(response) if response is not None else None

    @property
    def status_code(self) -> int | None:
        response = self.transport.last_response
        return response.status_code if response is not None else None

    def next_max_id(self) -> str | None:
        """The `max_id` of the Link header's next page, if there is one."""
        response = self.transport.last_response
        if response is None:
            return None
        try:
            url = response.links.get("next", {}).get("url")
        except (ValueError, IndexError, AttributeError, TypeError):  # a Link header it cannot read: no next page
            return None
        if not url:
            return None
        values = parse_qs(urlsplit(url).query).get("max_id")
        return _id(values[-1]) if values else None

    @contextmanager
    def errors(self, *, write: bool = False) -> Iterator[None]:
        """Mastodon.py's errors as twitter_api.errors, naming Mastodon and saying what to do. `write`: the request
        may have changed something, so an answer lost on the way is uncertain."""
        where = f"Mastodon ({self.host})"
        try:
            yield
        except MastodonRatelimitError as exc:
            response = self.transport.last_response
            if response is not None and response.status_code != 429:
                message = f"{where} sent a rate limit we could not read. It will be tried again shortly."
                raise Transient(message) from exc
            reset_at = (parse_reset(response.headers) if response is not None else None) or (
                datetime.now(UTC) + timedelta(minutes=5)
            )
            raise RateLimited(
                f"{where} is limiting how often we can call it. It will accept requests again at "
                f"{reset_at:%H:%M:%S} UTC; the work will be retried then.",
                reset_at=reset_at,
            ) from exc
        except MastodonUnauthorizedError as exc:
            raise CredentialsRejected(
                f"{where} rejected {self.account.handle}'s access token. Ask the account's responsible person to "
                "connect it again with a fresh access token.",
                status_code=401,
            ) from exc
        except MastodonNotFoundError as exc:
            raise NotFound(
                f"{where} could not find that post or account. It may have been deleted.", status_code=404
            ) from exc
        except MastodonServerError as exc:
            status = _status_of(exc)
            uncertain = write and status in (500, 502, 504)
            message = (
                f"{where} failed while handling the request, so we do not know whether it acted on it; it will be "
                "checked before any retry."
                if uncertain
                else f"{where} is having problems right now (HTTP {status}). The request will be retried shortly."
            )
            raise Transient(message, uncertain=uncertain, status_code=status) from exc
        except MastodonNetworkError as exc:
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, requests.Timeout):
                uncertain = write and not isinstance(cause, requests.ConnectTimeout)
            else:
                uncertain = write and _reached_server(cause)
            message = (
                f"{where} did not answer, so we do not know whether it acted on the request; it will be checked "
                "before any retry."
                if uncertain
                else f"Could not reach {where}. The request will be retried shortly."
            )
            raise Transient(message, uncertain=uncertain) from exc
        except MastodonAPIError as exc:
            status = _status_of(exc)
            reason = _reason_of(exc)
            if status is None:  # an answer that was not JSON
                raise Transient(
                    f"{where} sent an answer we could not read. The request will be retried shortly.",
                    uncertain=write,
                ) from exc
            if status == 422 or status == 400:
                raise InvalidRequest(
                    f"{where} refused the request: {reason or 'no reason given'}. Change it and try again.",
                    status_code=status,
                ) from exc
            if status == 403:
                raise Forbidden(f"{where} refused the request: {reason or 'no reason given'}", reason=reason) from exc
            raise XApiError(
                f"{where} answered with an unexpected error (HTTP {status}): {reason or 'no reason given'}. "
                "Try again later; if it keeps happening, tell an administrator.",
                status_code=status,
            ) from exc
        except MastodonError as exc:
            raise InvalidRequest(f"{where} could not be asked: {exc}. Check the account's details.") from exc


def _status_of(exc: MastodonAPIError) -> int | None:
    status = exc.args[1] if len(exc.args) > 1 else None
    return status if type(status) is int else None


def _reason_of(exc: MastodonAPIError) -> str:
    reason = exc.args[3] if len(exc.args) > 3 else None
    return clean_text(reason)[:300] if type(reason) is str else ""


def _reached_server(exc) -> bool:
    """False when the connection was never made (refused, DNS), so the request cannot have reached the instance."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    inner = exc.args[0] if isinstance(exc, Exception) and exc.args else None
    reason = getattr(inner, "reason", inner)
    return not isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError)


# --- Parsing: Mastodon's JSON to plain data ---------------------------------------------------------------------


def _id(value) -> str | None:
    """A Mastodon id (digits; other servers' ids may have letters), or None for anything else."""
    if type(value) is int and value > 0:
        return str(value)
    if type(value) is str and value.isascii() and _ID.fullmatch(value):
        return value
    return None


def _id_key(value: str) -> tuple[int, str]:
    """Ids sort by length, then as text: numerically for Mastodon's, in time order for flake ids."""
    return len(value), value


def _text(value, default: str | None = "") -> str | None:
    return clean_text(value) if type(value) is str else default


def _count(value) -> int:
    return value if type(value) is int and value >= 0 else 0


class _PlainText(HTMLParser):
    """A status's HTML as the text its author wrote: paragraphs apart by a blank line, `<br>` a line break, links as
    their whole URL (the hidden parts included), a mention as `@acct` (with the domain of a remote account)."""

    def __init__(self, mentions: dict[str, str]):
        super().__init__(convert_charrefs=True)
        self.mentions = mentions
        self.out: list[str] = []
        self.paragraphs = 0
        self.anchor: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self._write("\n")
        elif tag == "p":
            if self.paragraphs:
                self._write("\n\n")
            self.paragraphs += 1
        elif tag == "a":
            values = dict(attrs)
            classes = (values.get("class") or "").split()
            if "mention" in classes and "hashtag" not in classes:
                self.anchor = (values.get("href") or "", [])

    def handle_endtag(self, tag):
        if tag == "a" and self.anchor is not None:
            href, parts = self.anchor
            self.anchor = None
            shown = "".join(parts)
            acct = self.mentions.get(href)
            self.out.append(f"@{acct}" if acct and shown.startswith("@") else shown)

    def handle_data(self, data):
        self._write(data)

    def _write(self, text: str) -> None:
        (self.anchor[1] if self.anchor is not None else self.out).append(text)


def html_to_text(content: str, mentions=None) -> str:
    """Mastodon's HTML `content` as plain text (see _PlainText); `mentions` the status's, to write `@user@domain`."""
    by_url = {}
    for mention in mentions if type(mentions) is list else ():
        if type(mention) is dict and type(mention.get("url")) is str and type(mention.get("acct")) is str:
            by_url[mention["url"]] = mention["acct"]
    parser = _PlainText(by_url)
    try:
        parser.feed(content)
        parser.close()
    except (AssertionError, ValueError, IndexError):  # should HTMLParser give up: the text with its tags removed
        return clean_text(html.unescape(re.sub(r"<[^>]*>", "", content)))
    return clean_text("".join(parser.out))


def parse_account(data) -> XUser:
    """An account as XUser (username = acct, `user` or `user@domain`); Unreadable without a usable id."""
    if type(data) is not dict:
        raise Unreadable(f"an account that is not an object: {data!r:.80}")
    account_id = _id(data.get("id"))
    if account_id is None:
        raise Unreadable(f"an account with no usable id: {data.get('id')!r:.80}")
    acct = _text(data.get("acct")) or _text(data.get("username"))
    return XUser(
        id=account_id,
        username=acct,
        name=_text(data.get("display_name")),
        verified=False,
        followers_count=_count(data.get("followers_count")),
    )


def _created_at(value, status_id: str) -> datetime:
    parsed = parse_datetime(value)
    if parsed is not None:
        return parsed
    if (status_id.isascii() and status_id.isdigit()) and len(
        status_id
    ) < 20:  # Mastodon's ids are milliseconds shifted left 16 bits
        try:
            return datetime.fromtimestamp((int(status_id) >> 16) / 1000, tz=UTC)
        except (ValueError, OverflowError, OSError):
            pass
    return datetime.now(UTC)


@dataclass(frozen=True)
class MastodonPost(XPost):
    """A status: an XPost, and where people read it (`url`: on its author's instance), which monitoring links to."""

    url: str | None = None


def _full_acct(mention: dict) -> str:
    """A mention's account as `user@domain` (how Dovecote keeps Mastodon handles): a local account's acct has no
    domain, so it is taken from the account's URL."""
    acct = _text(mention.get("acct"))
    if "@" in acct or not acct:
        return acct
    url = mention.get("url")
    host = urlsplit(url).hostname if type(url) is str else None
    return f"{acct}@{clean_text(host)}" if host else acct


def parse_status(data) -> MastodonPost:
    """A status as XPost (text the plain text of its HTML); Unreadable without a usable id, content or author."""
    if type(data) is not dict:
        raise Unreadable(f"a status that is not an object: {data!r:.80}")
    status_id = _id(data.get("id"))
    if status_id is None:
        raw = data.get("id")
        raise Unreadable("no id" if raw is None else f"an id that is not a Mastodon id: {raw!r:.80}")
    content = data.get("content")
    if type(content) is not str:
        raise Unreadable("no content" if content is None else f"content that is not text: {content!r:.80}", status_id)
    author = parse_account(data.get("account"))
    mentions = data.get("mentions")
    entities: dict = {}
    if type(mentions) is list:
        entities["mentions"] = [
            {"username": _full_acct(m), "id": _id(m.get("id")) or ""} for m in mentions if type(m) is dict
        ]
    tags = data.get("tags")
    if type(tags) is list:
        entities["hashtags"] = [{"tag": _text(t.get("name"))} for t in tags if type(t) is dict]
    language = data.get("language")
    url = data.get("url")
    return MastodonPost(
        id=status_id,
        text=html_to_text(content, mentions),
        author_id=author.id,
        created_at=_created_at(data.get("created_at"), status_id),
        in_reply_to_user_id=_id(data.get("in_reply_to_account_id")),
        reply_to_post_id=_id(data.get("in_reply_to_id")),
        lang=clean_text(language) if type(language) is str and language else None,
        is_retweet=type(data.get("reblog")) is dict,
        entities=entities,
        author=author,
        url=clean_text(url) if type(url) is str and url.startswith("https://") and len(url) <= 500 else None,
    )


def _read_statuses(items, *, label: str) -> tuple[list[XPost], list[str]]:
    """The readable statuses of a list, and the ids of those set aside (each logged)."""
    posts, set_aside = [], []
    for item in items if type(items) is list else ():
        try:
            posts.append(parse_status(item))
        except Unreadable as exc:
            item_id = exc.item_id or (_id(item.get("id")) if type(item) is dict else None)
            log.warning("Set aside a %s from Mastodon as unreadable (id %s): %s", label, item_id or "unknown", exc)
            if item_id:
                set_aside.append(item_id)
    return posts, set_aside


def _newest(ids) -> str | None:
    usable = [i for i in ids if i]
    return max(usable, key=_id_key) if usable else None


# --- The provider ------------------------------------------------------------------------------------------------


class MastodonProvider:
    name = "mastodon"
    label = "Mastodon"
    max_media = 4
    alt_text_limit = 1500

    def post_create(self, account, *, text, reply_to_id=None, media_ids=None, idempotency_key="", context="") -> XPost:
        """Publish a status. The key is sent as Mastodon's Idempotency-Key: the instance answers a repeat with the
        status the first attempt made (for an hour upstream), so a retry after a lost answer posts nothing twice."""
        client = _Client(account, context=context or "publish")
        with client.errors(write=True):
            client.api.status_post(
                text,
                in_reply_to_id=reply_to_id or None,
                media_ids=list(media_ids) if media_ids else None,
                idempotency_key=idempotency_key or None,
            )
        try:
            return parse_status(client.payload)
        except Unreadable as exc:
            raise Transient(
                f"Mastodon ({client.host}) accepted the post but its answer could not be read; it will be checked "
                "before any retry.",
                uncertain=True,
            ) from exc

    def post_delete(self, account, *, post_id, context="") -> None:
        client = _Client(account, context=context or "retract")
        with client.errors(write=True):
            client.api.status_delete(post_id)

    def recent_posts(self, account, *, context="") -> list[XPost]:
        """The account's own latest statuses (reblogs left out), newest first, as plain text."""
        client = _Client(account, context=context or "reconcile")
        account_id = account.x_user_id or self.connect(account, context=context)["id"]
        with client.errors():
            client.api.account_statuses(account_id, exclude_reblogs=True, limit=STATUSES_PAGE)
        posts, _ = _read_statuses(client.payload, label="status")
        return posts

    def media_upload(self, account, *, data, mime_type, alt_text, context="") -> str:
        """Upload one image with its alt text (`description`) through /api/v2/media, and wait (boundedly) until the
        instance has processed it: a status refuses media still being processed."""
        client = _Client(account, context=context or "publish")
        with client.errors(write=True):
            client.api.media_post(data, mime_type=mime_type, description=alt_text or None, file_name="image")
        payload = client.payload
        media_id = _id(payload.get("id")) if type(payload) is dict else None
        if media_id is None:
            raise Transient(f"Mastodon ({client.host}) did not say the uploaded image's id. It will be tried again.")
        deadline = time.monotonic() + MEDIA_WAIT_SECONDS
        pause = 0.25
        while not (client.status_code == 200 and type(payload) is dict and payload.get("url")):
            if time.monotonic() > deadline:
                raise Transient(
                    f"Mastodon ({client.host}) is still processing the image. The post will be tried again shortly."
                )
            with client.errors():
                client.api.media(media_id)
            payload = client.payload
            if not (client.status_code == 200 and type(payload) is dict and payload.get("url")):
                time.sleep(pause)  # whatever the instance answered: never asked again at once
                pause = min(pause * 2, 2.0)
        return media_id

    def mentions_since(self, account, *, since_id=None, max_pages=5, context="") -> XPage:
        """Mention notifications after the cursor (a notification id), their statuses newest first; the cursor moves
        past the items set aside too, never to read them again."""
        client = _Client(account, context=context or "mentions")
        posts: list[XPost] = []
        seen_ids: list[str] = []
        pages = read = 0
        max_id = None
        truncated = False
        since = _id(since_id) if since_id else None
        while True:
            with client.errors():
                client.api.notifications(types=["mention"], since_id=since, max_id=max_id, limit=NOTIFICATIONS_PAGE)
            pages += 1
            items = client.payload if type(client.payload) is list else []
            read += len(items)
            for item in items:
                notification_id = _id(item.get("id")) if type(item) is dict else None
                if notification_id is not None and (since is None or _id_key(notification_id) > _id_key(since)):
                    seen_ids.append(notification_id)
                post = _mention(item, notification_id)
                if post is not None:
                    posts.append(post)
            max_id = client.next_max_id()
            if not items or max_id is None or len(items) < NOTIFICATIONS_PAGE:
                break
            if pages >= max_pages:
                truncated = True
                break
        posts.sort(key=lambda p: _id_key(p.id), reverse=True)
        unique = list({p.id: p for p in posts}.values())
        return XPage(
            posts=unique, newest_id=_newest(seen_ids) or since, pages_read=pages, posts_read=read, truncated=truncated
        )

    def search(self, account, *, query, since_id=None, max_pages=5, context="") -> XPage:
        """Recent public statuses: a query starting with # reads the hashtag's timeline; other words use
        /api/v2/search (type=statuses). Many instances refuse full-text search of statuses (it needs Elasticsearch,
        and then finds only statuses the account interacted with unless the authors opted in): an empty answer or a
        4xx refusal (other than 401 and 429) is nothing found, never an error for the poll."""
        client = _Client(account, context=context or "search")
        query = (query or "").strip()
        since = _id(since_id) if since_id else None
        posts: list[XPost] = []
        seen: list[str] = []
        pages = read = 0
        max_id = None
        truncated = False
        tag = None
        if query.startswith("#"):
            word = re.match(r"\w+", query[1:])
            if word is None:
                return XPage(posts=[], newest_id=since, pages_read=0, posts_read=0)
            tag = word.group(0)
        while True:
            try:
                with client.errors():
                    if tag:
                        client.api.timeline_hashtag(tag, since_id=since, max_id=max_id, limit=STATUSES_PAGE)
                    else:
                        client.api.search_v2(
                            query,
                            resolve=False,
                            result_type="statuses",
                            min_id=since,
                            max_id=max_id,
                            limit=STATUSES_PAGE,
                        )
            except (InvalidRequest, Forbidden, NotFound) as exc:
                log.info("Mastodon (%s) found nothing for %r: %s", client.host, query, exc)
                break
            pages += 1
            payload = client.payload
            if tag:
                items = payload if type(payload) is list else []
            else:
                items = payload.get("statuses") if type(payload) is dict else None
                items = items if type(items) is list else []
            read += len(items)
            page, set_aside = _read_statuses(items, label="status")
            page = [p for p in page if since is None or _id_key(p.id) > _id_key(since)]
            posts.extend(page)
            ids = [p.id for p in page] + set_aside
            seen.extend(ids)
            max_id = client.next_max_id() if tag else (min(ids, key=_id_key) if ids else None)
            if not items or max_id is None or len(items) < STATUSES_PAGE:
                break
            if pages >= max_pages:
                truncated = True
                break
        posts.sort(key=lambda p: _id_key(p.id), reverse=True)
        unique = list({p.id: p for p in posts}.values())
        return XPage(
            posts=unique, newest_id=_newest(seen) or since, pages_read=pages, posts_read=read, truncated=truncated
        )

    def profile(self, account, *, context="") -> XProfile:
        client = _Client(account, context=context or "profile")
        with client.errors():
            client.api.account_verify_credentials()
        data = client.payload
        user = parse_account(data)
        note = data.get("note")
        return XProfile(
            id=user.id,
            username=_text(data.get("acct"), None),
            name=_text(data.get("display_name"), None),
            description=html_to_text(note) if type(note) is str else None,
            profile_image_url=_text(data.get("avatar"), None),
            url=_text(data.get("url"), None),
        )

    def post_url(self, account, post_id) -> str:
        handle = (getattr(account, "handle", "") or "").lstrip("@")
        user = handle.split("@", 1)[0]
        return f"https://{_host(account)}/@{user}/{post_id}"

    def connect(self, account, *, context="") -> dict:
        """Verify the account's token when it is connected: who the instance says it belongs to, and the instance's
        limit on a status's length (`id`, `acct`, `display_name`, `max_characters`)."""
        client = _Client(account, context=context or "connect")
        with client.errors():
            client.api.account_verify_credentials()
        user = parse_account(client.payload)
        return {
            "id": user.id,
            "acct": user.username,
            "display_name": user.name,
            "max_characters": self.instance_limit(account, context=context),
        }

    def instance_limit(self, account, *, context="") -> int:
        """The instance's most characters in a status (configuration.statuses.max_characters of /api/v2/instance,
        else /api/v1/instance); 500, upstream's, when it says nothing usable."""
        client = _Client(account, context=context or "connect")
        try:
            with client.errors():
                client.api.instance_v2()
            payload = client.payload
        except NotFound:
            with client.errors():
                client.api.instance_v1()
            payload = client.payload
        configuration = payload.get("configuration") if type(payload) is dict else None
        statuses = configuration.get("statuses") if type(configuration) is dict else None
        limit = statuses.get("max_characters") if type(statuses) is dict else None
        return limit if type(limit) is int and 0 < limit <= 1_000_000 else DEFAULT_MAX_CHARACTERS


def _mention(item, notification_id: str | None) -> XPost | None:
    """The status of a mention notification; None (logged) for one that cannot be read, or is not a mention."""
    if type(item) is not dict:
        log.warning("Set aside a notification from Mastodon that is not an object: %.80r", item)
        return None
    if item.get("type") != "mention":
        if type(item.get("type")) is not str:
            log.warning("Set aside a notification from Mastodon with no usable type (id %s)", notification_id)
        return None
    try:
        return parse_status(item.get("status"))
    except Unreadable as exc:
        log.warning("Set aside a mention from Mastodon as unreadable (notification %s): %s", notification_id, exc)
        return None


PROVIDER = MastodonProvider()
connect = PROVIDER.connect
instance_limit = PROVIDER.instance_limit

__all__ = ["PROVIDER", "MastodonPost", "MastodonProvider", "connect", "html_to_text", "instance_limit", "parse_status"]
