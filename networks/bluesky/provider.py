"""Bluesky as one provider: the only code that talks to Bluesky (through the `atproto` library's client).

Every request goes through an httpx transport of ours, which writes one `twitter_api.models.ApiCall` per HTTP
request (endpoint `bluesky:<nsid>`, cost 0: Bluesky charges nothing), honouring `metered_in_bulk()` as X's
client does. Requests go to settings.BLUESKY_API_BASE_URL when it is set (the local sandbox, which then stays
the only host: a session's DID document cannot send us elsewhere), else to settings.BLUESKY_SERVICE_URL.

Sessions: Bluesky limits createSession hard (30 in 5 minutes, 300 a day per account), so the session
(access and refresh JWTs) is kept in the cache per account and its credentials' date; a lapsed access token is
refreshed (atproto does it before it lapses; an `ExpiredToken` answer is refreshed too), and a session Bluesky
no longer accepts is made again once with the app password, whose refusal is CredentialsRejected.

Exactly once: with an idempotency key, a post's record key is a TID derived from the key, so a repeat of the
same attempt is refused by Bluesky (the record exists) and the post already made is read back and returned.

What Bluesky sends is read item by item as hostile data: an item that cannot be read is set aside and logged;
it never fails the page.
"""

import functools
import hashlib
import json
import logging
import ssl
import time
from datetime import UTC, datetime, timedelta

import httpx
import orjson
from atproto_client import Client
from atproto_client import exceptions as at_errors
from atproto_client.models.dot_dict import DotDict
from atproto_client.models.utils import get_model_as_dict
from atproto_client.request import Request, Response
from atproto_client.utils import facet_detection
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

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

POST = "app.bsky.feed.post"
SESSION_CACHE_SECONDS = 30 * 86400  # a refresh token lives about two months; a month is well inside it
MENTION_REASONS = ("mention", "reply", "quote")
_READS = {
    "app.bsky.feed.getPosts": "posts",
    "app.bsky.feed.searchPosts": "posts",
    "app.bsky.feed.getAuthorFeed": "feed",
    "app.bsky.notification.listNotifications": "notifications",
    "com.atproto.repo.listRecords": "records",
}
_B32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"
# A keyed record's TID holds a time within 2023 (derived from the key, so a repeat gets the same one): never in
# the future, and in a year of no Dovecote posts, so it cannot meet an ordinary post's key.
_KEYED_TID_FROM = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)
_KEYED_TID_SPAN = 365 * 86400 * 1_000_000


def tid_for_key(key: str) -> str:
    """A TID (13 characters of sortable base32: 53 bits of microseconds, 10 of clock id) made from the key. A key
    ending in `@<microseconds>` (the publishing engine's: when the post was written) gives the TID that time, so the
    post sorts by it among the account's records (what `recent_posts` reads); any other key, a time within 2023."""
    digest = int.from_bytes(hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()[:10])
    _, at, when = key.rpartition("@")
    if at and (when.isascii() and when.isdigit()) and 0 < int(when) < 2**53:
        micros = int(when)
    else:
        micros = _KEYED_TID_FROM + digest % _KEYED_TID_SPAN
    value = (micros << 10) | ((digest >> 60) & 0x3FF)
    return "".join(_B32_SORTABLE[(value >> (5 * i)) & 31] for i in reversed(range(13)))


# --- Transport: metering ----------------------------------------------------------------------------


def _decode(content: bytes):
    """JSON as Bluesky sent it: orjson first; Python's reader for what orjson refuses (an escaped lone
    surrogate); None for what neither reads."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        try:
            return json.loads(content)
        except ValueError:
            return None


def _int_header(headers, name: str) -> int | None:
    try:
        return int(headers[name])
    except (KeyError, TypeError, ValueError):
        return None


def _reset_at(headers) -> datetime | None:
    value = _int_header(headers, "ratelimit-reset")
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


class MeteredTransport(httpx.HTTPTransport):
    """One ApiCall per HTTP request, failures included (status empty when Bluesky never answered)."""

    def __init__(self, *, account=None, context: str = ""):
        self.account = account
        self.context = context[:100]
        # One TLS context for the process: loading the CA certificates costs ~65 ms, and a transport is made for
        # every piece of work.
        super().__init__(retries=0, verify=_tls_context())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.rsplit("/", 1)[-1]
        started = time.monotonic()
        try:
            response = super().handle_request(request)
            response.read()  # the body inside the duration
        except httpx.HTTPError as exc:
            self._record(request.method, nsid, started, error=f"{type(exc).__name__}: {exc}")
            raise
        self._record(request.method, nsid, started, response=response)
        return response

    def _record(self, method: str, nsid: str, started: float, *, response=None, error: str = "") -> None:
        row = ApiCall(
            endpoint=f"bluesky:{nsid}"[:80],
            method=method,
            account=self.account if getattr(self.account, "pk", None) else None,
            context=self.context,
            duration_ms=int((time.monotonic() - started) * 1000),
            error=error[:300],
            cost=0,
        )
        if response is not None:
            row.status_code = response.status_code
            headers = response.headers
            row.rate_limit_limit = _int_header(headers, "ratelimit-limit")
            row.rate_limit_remaining = _int_header(headers, "ratelimit-remaining")
            row.rate_limit_reset = _reset_at(headers)
            if response.status_code >= 400:
                row.error = clean_text(response.content[:300].decode("utf-8", "replace"))
            elif nsid == "com.atproto.repo.createRecord":
                row.posts_created = 1
            elif nsid in _READS:
                payload = _decode(response.content)
                items = payload.get(_READS[nsid]) if isinstance(payload, dict) else None
                row.posts_read = len(items) if isinstance(items, list) else 0
            elif nsid == "com.atproto.repo.getRecord":
                row.posts_read = 1
        buffer = _bulk_meter.get()
        if buffer is None:
            row.save()
        else:
            buffer.append(row)


class _Request(Request):
    """atproto's request, reading JSON answers with our hostile-data reader instead of failing on them."""

    def get(self, *args, **kwargs) -> Response:
        return _parsed(self._send_request("GET", *args, **kwargs))

    def post(self, *args, **kwargs) -> Response:
        return _parsed(self._send_request("POST", *args, **kwargs))


def _parsed(response: httpx.Response) -> Response:
    content = response.content
    if "application/json" in (response.headers.get("content-type") or "").lower():
        content = _decode(content)
    return Response(
        success=True,
        status_code=response.status_code,
        content=content,
        headers={k.lower(): v for k, v in response.headers.items()},
    )


class _Client(Client):
    """atproto's client kept on one host when a sandbox is configured (a session's DID document names the
    account's PDS, which the real service then uses)."""

    def __init__(self, base_url: str, *, request: Request, fixed_host: bool):
        self._fixed_host = fixed_host
        super().__init__(base_url, request=request)

    def _update_pds_endpoint(self, pds_endpoint: str) -> None:
        if not self._fixed_host:
            super()._update_pds_endpoint(pds_endpoint)


# --- Errors ------------------------------------------------------------------------------------------


def _xrpc_error(exc: at_errors.RequestErrorBase) -> tuple[str, str]:
    """(error name, message) of Bluesky's error body, cleaned; empty when it sent none."""
    content = exc.response.content if exc.response is not None else None
    error = getattr(content, "error", None)
    message = getattr(content, "message", None)
    return (
        clean_text(error)[:100] if isinstance(error, str) else "",
        clean_text(message)[:300] if isinstance(message, str) else "",
    )


def _session_refused(exc: Exception) -> bool:
    """Bluesky no longer accepts the session's tokens (lapsed, revoked, or a sandbox restarted)."""
    if not isinstance(exc, at_errors.RequestErrorBase) or exc.response is None:
        return isinstance(exc, at_errors.LoginRequiredError)
    error, _ = _xrpc_error(exc)
    return exc.response.status_code == 401 or error in ("ExpiredToken", "InvalidToken")


def _is_expired(exc: Exception) -> bool:
    return (
        isinstance(exc, at_errors.RequestErrorBase)
        and exc.response is not None
        and _xrpc_error(exc)[0] == ("ExpiredToken")
    )


def _uncertain(exc: BaseException) -> bool:
    """False when the request never left (no connection made), so Bluesky cannot have acted on it."""
    cause = exc if isinstance(exc, httpx.HTTPError) else exc.__cause__
    return not isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout)


def translated(exc: Exception) -> XApiError:
    """Bluesky's failure as a domain error whose message names Bluesky and says what happens next."""
    if isinstance(exc, XApiError):
        return exc
    if isinstance(exc, at_errors.RequestErrorBase) and exc.response is not None:
        status = exc.response.status_code
        error, message = _xrpc_error(exc)
        said = f"{error}: {message}" if error and message else error or message or f"HTTP {status}"
        if status == 429:
            reset_at = _reset_at(exc.response.headers) or datetime.now(tz=UTC) + timedelta(minutes=5)
            return RateLimited(
                "Bluesky is limiting how often we can call it. It will accept requests again at "
                f"{timezone.localtime(reset_at):%H:%M:%S}; the work will be retried then.",
                reset_at=reset_at,
            )
        if status == 401:
            return CredentialsRejected(
                "Bluesky rejected this account's app password. Ask the account's responsible person to create a "
                "new app password in Bluesky (Settings, Privacy and security, App passwords) and reconnect it.",
                status_code=401,
            )
        if status == 403:
            return Forbidden(f"Bluesky refused the request: {said}", reason=said, status_code=403)
        if status == 404 or error in ("RecordNotFound", "NotFound"):
            return NotFound(
                "Bluesky could not find that post or account. It may have been deleted.", status_code=status
            )
        if status >= 500:
            return Transient(
                f"Bluesky is having problems right now ({said}). The request will be retried shortly.",
                status_code=status,
            )
        if status in (409, 413):
            return InvalidRequest(f"Bluesky refused the request: {said}", status_code=status)
        return InvalidRequest(
            f"Bluesky said the request was not valid: {said}. Change it and try again.", status_code=status
        )
    if isinstance(
        exc, at_errors.InvokeTimeoutError | httpx.TimeoutException | at_errors.NetworkError | httpx.HTTPError
    ):
        if _uncertain(exc):
            return Transient(
                "Bluesky did not answer, so we do not know whether it acted on the request; it will be checked "
                "before any retry.",
                uncertain=True,
            )
        return Transient("Could not connect to Bluesky. Check the network; the request will be retried shortly.")
    if isinstance(exc, at_errors.AtProtocolError):
        return Transient(f"Bluesky sent an answer we could not read ({type(exc).__name__}). It will be retried.")
    raise exc


# --- Sessions and calls ---------------------------------------------------------------------------------


def _base_url() -> tuple[str, bool]:
    fixed = settings.BLUESKY_API_BASE_URL
    return (fixed or settings.BLUESKY_SERVICE_URL), bool(fixed)


def _session_key(account) -> str:
    when = getattr(account, "credentials_updated_at", None)
    return f"bluesky:session:{account.pk}:{when.timestamp() if when else 'never'}"


class Session:
    """One account's way to Bluesky for one piece of work: a client, its session (from the cache when it has
    one), and `query` / `procedure` that make a session Bluesky refuses again once."""

    def __init__(self, account, *, context: str = ""):
        if not getattr(account, "access_token", ""):
            raise CredentialsRejected(
                f"@{account.handle} has no Bluesky app password. Ask its responsible person to connect it again."
            )
        self.account = account
        base_url, fixed = _base_url()
        request = _Request(
            transport=MeteredTransport(account=account, context=context),
            timeout=settings.NETWORK_REQUEST_TIMEOUT_SECONDS,
            trust_env=not fixed,  # never send loopback sandbox traffic through a proxy
        )
        self.client = _Client(base_url, request=request, fixed_host=fixed)
        self.client.on_session_change(self._keep)
        self._key = _session_key(account)
        self._ready = False

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc_info) -> None:
        self.client.request.close()  # its connections, which would otherwise wait for the garbage collector

    def _keep(self, event, session) -> None:
        if event.value != "import":
            cache.set(self._key, session.export(), SESSION_CACHE_SECONDS)

    def _start(self, *, fresh: bool = False) -> None:
        cached = None if fresh else cache.get(self._key)
        if isinstance(cached, str) and cached.count(":::") == 4:
            self.client.login(session_string=cached, fetch_bsky_profile=False)
        else:
            cache.delete(self._key)
            try:
                self.client.login(self.account.handle, self.account.access_token, fetch_bsky_profile=False)
            except Exception as exc:
                raise translated(exc) from exc
        self._ready = True

    @property
    def did(self) -> str:
        if not self._ready:
            self._start()
        return self.client._session.did

    def _call(self, work):
        if not self._ready:
            self._start()
        try:
            return work()
        except Exception as exc:
            if not _session_refused(exc):
                raise translated(exc) from exc
            expired = _is_expired(exc)
        if expired:
            try:
                self.client._refresh_and_set_session()
                return work()
            except Exception as exc:
                if not _session_refused(exc):
                    raise translated(exc) from exc
        log.info("Bluesky refused the session of @%s; logging in again with the app password", self.account.handle)
        self._start(fresh=True)
        try:
            return work()
        except Exception as exc:
            raise translated(exc) from exc

    def query(self, nsid: str, params: dict) -> dict:
        params = {k: v for k, v in params.items() if v is not None}
        response = self._call(lambda: self.client.invoke_query(nsid, params=DotDict(params) if params else None))
        return response.content if isinstance(response.content, dict) else {}

    def procedure(self, nsid: str, data: dict | bytes, *, content_type: str = "application/json") -> dict:
        body = data if isinstance(data, bytes) else orjson.dumps(data)
        response = self._call(
            lambda: self.client.invoke_procedure(nsid, content=body, headers={"Content-Type": content_type})
        )
        return response.content if isinstance(response.content, dict) else {}


# --- Reading what Bluesky sends ------------------------------------------------------------------------


def _text(value, default=""):
    return clean_text(value) if type(value) is str else default


def _uri(value) -> str | None:
    if type(value) is str and value.startswith("at://") and len(value) <= 8192:
        cleaned = clean_text(value)
        return cleaned if cleaned == value else None
    return None


def _did_of(uri: str | None) -> str | None:
    if not uri:
        return None
    parts = uri[len("at://") :].split("/")
    return parts[0] if parts and parts[0].startswith("did:") else None


def parse_author(data) -> XUser | None:
    if type(data) is not dict:
        return None
    did = data.get("did")
    if type(did) is not str or not did.startswith("did:") or _text(did) != did:
        return None
    return XUser(id=did, username=_text(data.get("handle")), name=_text(data.get("displayName")))


def _entities(record: dict) -> dict:
    """Links, hashtags and mentioned DIDs from the record's facets, in the shape matching reads."""
    urls, tags, mentions = [], [], []
    facets = record.get("facets")
    for facet in facets if type(facets) is list else ():
        features = facet.get("features") if type(facet) is dict else None
        for feature in features if type(features) is list else ():
            if type(feature) is not dict:
                continue
            kind = feature.get("$type")
            if kind == "app.bsky.richtext.facet#link" and type(feature.get("uri")) is str:
                urls.append({"expanded_url": _text(feature["uri"])})
            elif kind == "app.bsky.richtext.facet#tag" and type(feature.get("tag")) is str:
                tags.append({"tag": _text(feature["tag"])})
            elif kind == "app.bsky.richtext.facet#mention" and type(feature.get("did")) is str:
                mentions.append({"id": _text(feature["did"])})
    entities = {}
    if urls:
        entities["urls"] = urls
    if tags:
        entities["hashtags"] = tags
    if mentions:
        entities["mentions"] = mentions
    return entities


def parse_post(uri, record, *, author: XUser | None = None, author_id: str = "", indexed_at=None) -> XPost:
    """A post from its at:// URI and record, cleaned; Unreadable when it has no usable URI or text."""
    post_uri = _uri(uri)
    if post_uri is None:
        raise Unreadable(f"a post with no usable at:// URI: {uri!r:.80}")
    if type(record) is not dict:
        raise Unreadable(f"a post whose record is not an object: {record!r:.80}", post_uri)
    text = record.get("text")
    if type(text) is not str:
        raise Unreadable("no text" if text is None else f"text that is not a string: {text!r:.80}", post_uri)
    created_at = parse_datetime(record.get("createdAt")) or parse_datetime(indexed_at)
    if created_at is None:
        raise Unreadable("no readable time", post_uri)
    reply = record.get("reply") if type(record.get("reply")) is dict else {}
    parent = _uri((reply.get("parent") or {}).get("uri")) if type(reply.get("parent")) is dict else None
    root = _uri((reply.get("root") or {}).get("uri")) if type(reply.get("root")) is dict else None
    embed = record.get("embed") if type(record.get("embed")) is dict else {}
    quoted = None
    if embed.get("$type") in ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia"):
        inner = embed.get("record")
        if type(inner) is dict and type(inner.get("record")) is dict:  # recordWithMedia nests it once more
            inner = inner["record"]
        quoted = _uri(inner.get("uri")) if type(inner) is dict else None
    langs = record.get("langs")
    lang = langs[0] if type(langs) is list and langs and type(langs[0]) is str else None
    return XPost(
        id=post_uri,
        text=clean_text(text),
        author_id=author.id if author else author_id or _did_of(post_uri) or "",
        created_at=created_at,
        conversation_id=root or post_uri,
        in_reply_to_user_id=_did_of(parent),
        reply_to_post_id=parent,
        lang=_text(lang) or None,
        quoted_post_id=quoted,
        entities=_entities(record),
        author=author,
    )


def parse_item(item) -> tuple[XPost, str | None]:
    """A notification or a post view: the post and when Bluesky indexed it (the cursor)."""
    if type(item) is not dict:
        raise Unreadable(f"an item that is not an object: {item!r:.80}")
    author = parse_author(item.get("author"))
    uri = item.get("uri")
    if author is None:
        raise Unreadable("an item with no readable author", _uri(uri))
    indexed_at = item.get("indexedAt")
    post = parse_post(uri, item.get("record"), author=author, indexed_at=indexed_at)
    when = parse_datetime(indexed_at)
    return post, (when.isoformat() if when else None)


def _set_aside(item, exc: Exception) -> None:
    item_id = getattr(exc, "item_id", None)
    reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
    log.warning("Set aside an item from Bluesky as unreadable (uri %s): %s", item_id or "unknown", clean_text(reason))


def _read_pages(session: Session, nsid: str, params: dict, *, key: str, since: datetime | None, max_pages: int):
    """Pages of items newest first until one not after `since`, the last page or `max_pages`: an XPage whose
    `newest_id` is the newest indexedAt seen (ISO), or `since` when nothing newer came."""
    posts: list[XPost] = []
    newest = since
    pages = read = 0
    truncated = False
    cursor = None
    while True:
        payload = session.query(nsid, {**params, "cursor": cursor})
        pages += 1
        items = payload.get(key)
        items = items if type(items) is list else []
        read += len(items)
        reached_since = False
        for item in items:
            try:
                post, indexed = parse_item(item)
            except (Unreadable, TypeError, ValueError, AttributeError, KeyError) as exc:
                _set_aside(item, exc)
                continue
            when = datetime.fromisoformat(indexed) if indexed else post.created_at
            if since is not None and when <= since:
                reached_since = True
                continue
            posts.append(post)
            if newest is None or when > newest:
                newest = when
        cursor = payload.get("cursor")
        if reached_since or type(cursor) is not str or not cursor or not items:
            break
        if pages >= max_pages:
            truncated = True
            break
    posts.sort(key=lambda p: p.created_at, reverse=True)
    return XPage(
        posts=posts,
        newest_id=newest.isoformat() if newest else None,
        pages_read=pages,
        posts_read=read,
        truncated=truncated,
    )


# --- The provider -----------------------------------------------------------------------------------------


def _rkey(post_id: str) -> str:
    return post_id.rstrip("/").rsplit("/", 1)[-1]


def _media(reference: str) -> dict:
    """An image for the embed, from what media_upload returned."""
    try:
        data = json.loads(reference)
        blob, alt = data["blob"], data["alt"]
        if type(blob) is not dict or type(alt) is not str:
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise InvalidRequest(
            "A Bluesky image reference could not be read. Upload the image again, then publish."
        ) from None
    return {"alt": alt, "image": blob}


class BlueskyProvider:
    name = "bluesky"
    label = "Bluesky"
    max_media = 4
    alt_text_limit = 2000  # what the Bluesky app allows; the record itself sets none

    def post_create(self, account, *, text, reply_to_id=None, media_ids=None, idempotency_key="", context="") -> XPost:
        with Session(account, context=context or "publish") as session:
            record: dict = {"$type": POST, "text": text, "createdAt": _now_iso(), "langs": ["en"]}
            facets = self._facets(session, text)
            if facets:
                record["facets"] = facets
            if reply_to_id:
                record["reply"] = self._reply_refs(session, reply_to_id)
            if media_ids:
                record["embed"] = {"$type": "app.bsky.embed.images", "images": [_media(m) for m in media_ids]}
            did = session.did
            data = {"repo": did, "collection": POST, "record": record}
            rkey = tid_for_key(idempotency_key) if idempotency_key else None
            if rkey:
                data["rkey"] = rkey
            try:
                answer = session.procedure("com.atproto.repo.createRecord", data)
            except (InvalidRequest, Transient) as exc:
                exists = isinstance(exc, Transient) and not exc.uncertain or "exist" in exc.message.lower()
                if rkey and exists:
                    made = self._keyed_post(session, did, rkey)
                    if made is not None:
                        return made
                raise
            uri = _uri(answer.get("uri"))
            if uri is None:
                raise Transient(
                    "Bluesky accepted the post but did not say where it is; it will be checked before any retry.",
                    uncertain=True,
                )
            return XPost(
                id=uri,
                text=text,
                author_id=did,
                created_at=parse_datetime(record["createdAt"]),
                conversation_id=record.get("reply", {}).get("root", {}).get("uri") or uri,
                in_reply_to_user_id=_did_of(reply_to_id),
                reply_to_post_id=reply_to_id or None,
                entities=_entities(record),
            )

    def _keyed_post(self, session: Session, did: str, rkey: str) -> XPost | None:
        """The post an earlier attempt with the same key made, or None when there is none."""
        try:
            answer = session.query("com.atproto.repo.getRecord", {"repo": did, "collection": POST, "rkey": rkey})
        except (NotFound, InvalidRequest):
            return None
        try:
            return parse_post(answer.get("uri"), answer.get("value"), author_id=did)
        except Unreadable:
            return None

    def _facets(self, session: Session, text: str) -> list[dict]:
        """Links and hashtags (atproto's detection) and mentions of handles Bluesky resolves, so they are links."""
        facets = [get_model_as_dict(f) for f in facet_detection.detect_facets(text)]
        dids: dict[str, str | None] = {}
        for mention in facet_detection.detect_mentions(text):
            handle = mention.handle.lower()
            if handle not in dids:
                try:
                    answer = session.query("com.atproto.identity.resolveHandle", {"handle": handle})
                    did = answer.get("did")
                    dids[handle] = did if type(did) is str and did.startswith("did:") else None
                except (InvalidRequest, NotFound):
                    dids[handle] = None
            if dids[handle]:
                facets.append(
                    {
                        "$type": "app.bsky.richtext.facet",
                        "index": {"byteStart": mention.byte_start, "byteEnd": mention.byte_end},
                        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": dids[handle]}],
                    }
                )
        return sorted(facets, key=lambda f: f["index"]["byteStart"])

    def _reply_refs(self, session: Session, parent_uri: str) -> dict:
        answer = session.query("app.bsky.feed.getPosts", {"uris": [parent_uri]})
        posts = answer.get("posts")
        parent = (
            next((p for p in posts if type(p) is dict and p.get("uri") == parent_uri), None)
            if type(posts) is list
            else None
        )
        if parent is None or type(parent.get("cid")) is not str:
            raise NotFound("Bluesky could not find the post this replies to. It may have been deleted.")
        parent_ref = {"uri": parent_uri, "cid": parent["cid"]}
        record = parent.get("record") if type(parent.get("record")) is dict else {}
        reply = record.get("reply") if type(record.get("reply")) is dict else {}
        root = reply.get("root")
        if type(root) is dict and _uri(root.get("uri")) and type(root.get("cid")) is str:
            return {"root": {"uri": root["uri"], "cid": root["cid"]}, "parent": parent_ref}
        return {"root": parent_ref, "parent": parent_ref}

    def post_delete(self, account, *, post_id, context="") -> None:
        with Session(account, context=context or "retract") as session:
            did = session.did
            if _did_of(post_id) not in (None, did):
                raise Forbidden("Bluesky lets an account delete only its own posts.", reason="not the account's post")
            answer = session.procedure(
                "com.atproto.repo.deleteRecord", {"repo": did, "collection": POST, "rkey": _rkey(post_id)}
            )
            if "commit" not in answer:  # Bluesky makes no commit when there was nothing to delete
                raise NotFound("The post is no longer on Bluesky: it was deleted already.")

    def recent_posts(self, account, *, context="") -> list[XPost]:
        with Session(account, context=context or "reconcile") as session:
            did = session.did
            answer = session.query("com.atproto.repo.listRecords", {"repo": did, "collection": POST, "limit": 100})
            posts = []
            records = answer.get("records")
            for item in records if type(records) is list else ():
                try:
                    if type(item) is not dict:
                        raise Unreadable(f"a record that is not an object: {item!r:.80}")
                    posts.append(parse_post(item.get("uri"), item.get("value"), author_id=did))
                except (Unreadable, TypeError, ValueError, AttributeError) as exc:
                    _set_aside(item, exc)
            posts.sort(key=lambda p: p.created_at, reverse=True)
            return posts

    def media_upload(self, account, *, data, mime_type, alt_text, context="") -> str:
        with Session(account, context=context or "publish") as session:
            answer = session.procedure("com.atproto.repo.uploadBlob", data, content_type=mime_type)
            blob = answer.get("blob")
            if type(blob) is not dict or type(blob.get("ref")) is not dict:
                raise Transient("Bluesky took the image but did not say how to refer to it. It will be uploaded again.")
            return json.dumps({"blob": blob, "alt": alt_text or ""})

    def mentions_since(self, account, *, since_id=None, max_pages=5, context="") -> XPage:
        with Session(account, context=context or "mentions") as session:
            params = {"reasons": list(MENTION_REASONS), "limit": 50}
            return _read_pages(
                session,
                "app.bsky.notification.listNotifications",
                params,
                key="notifications",
                since=parse_datetime(since_id),
                max_pages=max_pages,
            )

    def search(self, account, *, query, since_id=None, max_pages=5, context="") -> XPage:
        with Session(account, context=context or "search") as session:
            since = parse_datetime(since_id)
            params = {"q": query, "sort": "latest", "limit": 100}
            if since is not None:
                params["since"] = since.isoformat().replace("+00:00", "Z")
            return _read_pages(
                session, "app.bsky.feed.searchPosts", params, key="posts", since=since, max_pages=max_pages
            )

    def profile(self, account, *, context="") -> XProfile:
        with Session(account, context=context or "profile") as session:
            data = session.query("app.bsky.actor.getProfile", {"actor": account.x_user_id or account.handle})
            did = data.get("did")
            if type(did) is not str or not did.startswith("did:"):
                raise Unreadable(f"a profile with no usable DID: {did!r:.80}")
            return XProfile(
                id=clean_text(did),
                username=_text(data.get("handle"), None),
                name=_text(data.get("displayName"), None),
                description=_text(data.get("description"), None),
                profile_image_url=_text(data.get("avatar"), None),
                url=None,
            )

    def post_url(self, account, post_id) -> str:
        return f"https://bsky.app/profile/{account.handle}/post/{_rkey(post_id)}"


def _now_iso() -> str:
    return datetime.now(tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def connect(account, *, context: str = "connect") -> dict:
    """Check an account's handle and app password with Bluesky (a fresh login, whose session is then kept):
    who Bluesky says the account is. CredentialsRejected when it refuses the app password."""
    with Session(account, context=context) as session:
        session._start(fresh=True)
        did = session.did
        data = session.query("app.bsky.actor.getProfile", {"actor": did})
        return {
            "did": did,
            "handle": _text(data.get("handle")) or session.client._session.handle,
            "display_name": _text(data.get("displayName")),
        }


PROVIDER = BlueskyProvider()

__all__ = ["PROVIDER", "BlueskyProvider", "connect", "tid_for_key", "translated"]
