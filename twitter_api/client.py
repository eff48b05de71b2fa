"""The only code that talks to X: tweepy clients, metering, and translation into plain data and domain errors.

tweepy makes every HTTP call itself. A `requests` transport adapter mounted on each client's session
(1) sends requests for https://api.twitter.com to settings.X_API_BASE_URL when it is set (the local
sandbox), (2) enforces settings.X_REQUEST_TIMEOUT_SECONDS, and (3) writes one ApiCall row per HTTP
request, failures included, so each page of a paginated read is metered separately.

Meter rows are written in the caller's transaction: if the caller rolls back, its rows go too. That
keeps the write simple and cheap; the calls that matter for cost (polls) commit what they read in
the same transaction as the meter rows, so a rolled-back poll re-reads and is metered again then.
"""

import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import orjson
import requests
import tweepy
import urllib3
from django.conf import settings
from requests.adapters import HTTPAdapter

from twitter_api import prices
from twitter_api.errors import (
    CredentialsRejected,
    CreditsExhausted,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Transient,
    XApiError,
)
from twitter_api.models import ApiCall
from twitter_api.types import XPage, XPost, XProfile, XUser, snowflake_time

log = logging.getLogger(__name__)

API_HOST = "https://api.twitter.com"
TWEET_FIELDS = [
    "created_at",
    "conversation_id",
    "lang",
    "in_reply_to_user_id",
    "entities",
    "referenced_tweets",
    "author_id",
]
EXPANSIONS = ["author_id"]
USER_FIELDS = ["username", "name", "verified", "public_metrics"]
_ID_IN_PATH = re.compile(r"/(tweets|users|upload|dm_conversations|with|dm_events)/[\d-]+(?=/|$)")


# --- Parsing: X's JSON to plain data (also used by the tests on the real recordings) ---------------


# X's JSON is read item by item: what can be cleaned is (NULs, lone surrogates, missing or wrongly typed optional
# fields), and a post that cannot be read (no usable id or text, not an object) is set aside, logged and counted,
# so one bad item never fails the page it came in (and with it the poll and the cursor, for ever).

_UNSAFE = re.compile("[\x00\ud800-\udfff]")
_MAX_ID = 2**63 - 1  # a post id must fit the database's bigint
# What matching and routing read of a post's entities: these lists of objects, and these keys of each, as text.
# Entities are not stored, so their text is only checked to be text.
_ENTITY_TEXT = {
    "mentions": ("username", "id"),
    "hashtags": ("tag",),
    "cashtags": ("tag",),
    "urls": ("expanded_url", "unwound_url"),
}
_ENTITY_KINDS = tuple(_ENTITY_TEXT)


class Unreadable(ValueError):
    """An item from X that cannot be made into plain data: `reason` says why, `item_id` is its id if it had one."""

    def __init__(self, reason: str, item_id: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.item_id = item_id


def clean_text(value: str) -> str:
    """Text PostgreSQL and UTF-8 accept: NULs removed, lone surrogates replaced by U+FFFD (a split pair joined)."""
    if value.isascii():  # most text, checked in C far faster than by the pattern
        return value.replace("\x00", "") if "\x00" in value else value
    if not _UNSAFE.search(value):
        return value
    value = value.replace("\x00", "")
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _text(value, default: str = "") -> str:
    return clean_text(value) if type(value) is str else default


def x_id(value) -> str | None:
    """An X id as its digits: from a string of digits, or a whole number sent where X sends a string; None for
    anything else, or an id too large to be one."""
    if type(value) is str:
        # X's own: digits, no leading zero, fewer than 19 of them (so within a bigint), checked in C.
        if 0 < len(value) < 19 and value.isdigit() and value.isascii() and value[0] != "0":
            return value
    elif type(value) is int:  # bool is not int here
        value = str(value)
    else:
        return None
    if len(value) > 19 or not value.isdigit() or not value.isascii() or not 0 < int(value) <= _MAX_ID:
        return None
    return str(int(value))


def parse_datetime(value) -> datetime | None:
    """X's ISO 8601 time (a time with no zone is UTC); None when it is missing or unreadable."""
    if type(value) is not str or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _count(value) -> int:
    if type(value) is str and value.isdigit() and value.isascii() and len(value) < 19:
        value = int(value)
    return value if type(value) is int and value >= 0 else 0


def _entities_ok(value: dict) -> bool:
    for kind, keys in _ENTITY_TEXT.items():
        items = value.get(kind)
        if items is None:
            continue
        if type(items) is not list:
            return False
        for item in items:
            if type(item) is not dict:
                return False
            for key in keys:
                text = item.get(key)
                if text is not None and type(text) is not str:
                    return False
    return True


def _entities(value) -> dict:
    """The entities as matching and routing read them: each kind a list of objects whose read keys are text.
    X's own are kept as they are (no copy); an object that is not one, or a key that is not text, is dropped."""
    if type(value) is not dict:
        return {}
    if _entities_ok(value):
        return value
    cleaned = {kind: items for kind, items in value.items() if kind not in _ENTITY_TEXT}
    for kind, keys in _ENTITY_TEXT.items():
        items = value.get(kind)
        if type(items) is list:
            objects = [item for item in items if type(item) is dict]
            cleaned[kind] = [{k: v for k, v in item.items() if k not in keys or type(v) is str} for item in objects]
    return cleaned


def parse_user(data) -> XUser:
    """A user from X's JSON, cleaned; raises Unreadable when it has no usable id."""
    if type(data) is not dict:
        raise Unreadable(f"a user that is not an object: {data!r:.80}")
    user_id = x_id(data.get("id"))
    if user_id is None:
        raise Unreadable(f"a user with no usable id: {data.get('id')!r:.80}")
    metrics = data.get("public_metrics")
    return XUser(
        id=user_id,
        username=_text(data.get("username")),
        name=_text(data.get("name")),
        verified=data.get("verified") is True,
        followers_count=_count(metrics.get("followers_count")) if type(metrics) is dict else 0,
    )


def parse_post(data, users: dict[str, XUser] | None = None) -> XPost:
    """A post from X's JSON, cleaned; raises Unreadable when it has no usable id or text."""
    if type(data) is not dict:
        raise Unreadable(f"a post that is not an object: {data!r:.80}")
    post_id = x_id(data.get("id"))
    if post_id is None:
        raw_id = data.get("id")
        raise Unreadable("no id" if raw_id is None else f"an id that is not an X id: {raw_id!r:.80}")
    text = data.get("text")
    if type(text) is not str:
        raise Unreadable("no text" if text is None else f"text that is not a string: {text!r:.80}", post_id)
    referenced = data.get("referenced_tweets")
    if referenced:
        referenced = [r for r in referenced if type(r) is dict] if type(referenced) is list else []
        reply_to = next((x_id(r.get("id")) for r in referenced if r.get("type") == "replied_to"), None)
        is_retweet = any(r.get("type") == "retweeted" for r in referenced)
        quoted = next((x_id(r.get("id")) for r in referenced if r.get("type") == "quoted"), None)
    else:
        reply_to, is_retweet, quoted = None, False, None
    author_id = x_id(data.get("author_id")) or ""
    conversation_id = data.get("conversation_id")
    lang = data.get("lang")
    return XPost(
        id=post_id,
        text=clean_text(text),
        author_id=author_id,
        # A missing or unreadable time is the one the id was minted at (to the millisecond).
        created_at=parse_datetime(data.get("created_at")) or snowflake_time(post_id),
        conversation_id=post_id if conversation_id == post_id else x_id(conversation_id),
        in_reply_to_user_id=x_id(data["in_reply_to_user_id"]) if "in_reply_to_user_id" in data else None,
        reply_to_post_id=reply_to,
        lang=clean_text(lang) if type(lang) is str and lang else None,
        is_retweet=is_retweet,
        quoted_post_id=quoted,
        entities=_entities(data.get("entities")),
        author=(users or {}).get(author_id),
    )


@dataclass(frozen=True)
class SetAside:
    """A post X sent that could not be read: its id (if it had a usable one) and why."""

    id: str | None
    reason: str


def included_users(payload: dict) -> dict[str, XUser]:
    """The users of a response's `includes`, by id; an unreadable one is logged and left out."""
    includes = payload.get("includes")
    raw_users = includes.get("users") if isinstance(includes, dict) else None
    users: dict[str, XUser] = {}
    for raw in raw_users if isinstance(raw_users, list) else ():
        try:
            user = parse_user(raw)
        except Unreadable as exc:
            log.warning("Set aside an unreadable user from X: %s", exc.reason)
            continue
        users[user.id] = user
    return users


def data_items(payload: dict) -> list:
    """A response's `data` as a list: none, one object, or the list X sends."""
    data = payload.get("data")
    if data is None:
        return []
    return data if isinstance(data, list) else [data]


def parse_page(payload: dict) -> tuple[list[XPost], list[SetAside]]:
    """The posts of a list response (`data`, with authors from `includes.users`), newest first as X sends them,
    and those set aside as unreadable (each logged). An unreadable author is logged and its posts kept."""
    users = included_users(payload)
    data = data_items(payload)
    posts, set_aside = [], []
    for item in data:
        try:
            posts.append(parse_post(item, users))
        except Unreadable as exc:
            item_id = exc.item_id or (x_id(item.get("id")) if isinstance(item, dict) else None)
            log.warning("Set aside a post from X as unreadable (id %s): %s", item_id or "unknown", exc.reason)
            set_aside.append(SetAside(item_id, exc.reason))
    return posts, set_aside


def parse_included_posts(payload) -> list[XPost]:
    """The posts X put in `includes.tweets` (those the page's posts refer to), with their authors from
    `includes.users`; an unreadable one is logged and left out, as in parse_page."""
    if not isinstance(payload, dict):
        return []
    includes = payload.get("includes")
    if not isinstance(includes, dict):
        return []
    raw_posts = includes.get("tweets")
    if not isinstance(raw_posts, list):
        return []
    posts, _ = parse_page({"data": raw_posts, "includes": {"users": includes.get("users")}})
    return posts


def parse_posts(payload: dict) -> list[XPost]:
    """The readable posts of a list response (see parse_page)."""
    return parse_page(payload)[0]


def parse_rate_limit_reset(headers) -> datetime | None:
    value = headers.get("x-rate-limit-reset")
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError):
        return None


# --- Transport: sandbox routing, timeout and metering ---------------------------------------------


def endpoint_name(url: str) -> str:
    """The path of a request with numeric ids replaced: /2/users/:id/mentions."""
    path = requests.utils.urlparse(url).path or "/"
    return _ID_IN_PATH.sub(r"/\1/:id", path)


def _int_header(headers, name: str) -> int | None:
    try:
        return int(headers[name])
    except (KeyError, TypeError, ValueError):
        return None


def _decoded(response: requests.Response):
    """The response's JSON body, decoded once and kept on the response for both the meter and the caller.

    Read with orjson (a page of 100 posts in a quarter of the time); what orjson refuses and Python's own
    reader accepts (another encoding, NaN, a lone surrogate) is read by requests as before, and what neither
    can read raises requests' JSONDecodeError as before."""
    try:
        return response._decoded_json
    except AttributeError:
        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            payload = response.json()
        response._decoded_json = payload
        return payload


def _counts(method: str, endpoint: str, response: requests.Response) -> tuple[int, int]:
    """(posts read, posts created) for a response, as X bills them."""
    if not 200 <= response.status_code < 300:
        return 0, 0
    if method == "POST" and (endpoint == "/2/tweets" or endpoint.startswith("/2/dm_conversations/")):
        return 0, 1  # a direct message sent counts as created (twitter_api/direct.py says why)
    if method != "GET" or not endpoint.startswith(("/2/tweets", "/2/users/:id/", "/2/dm_")):
        return 0, 0
    try:
        payload = _decoded(response)
        data = payload.get("data")
    except (ValueError, AttributeError):
        return 0, 0
    read = len(data) if isinstance(data, list) else 1 if isinstance(data, dict) else 0
    # Posts an expansion adds (referenced_tweets.id) are returned too, and X bills every post returned.
    includes = payload.get("includes")
    included = includes.get("tweets") if isinstance(includes, dict) else None
    return read + (len(included) if isinstance(included, list) else 0), 0


# Set by metered_in_bulk: calls append their ApiCall rows here instead of writing one each.
_bulk_meter: ContextVar[list | None] = ContextVar("bulk_meter", default=None)


class MeteredAdapter(HTTPAdapter):
    """Routes to the sandbox when configured, enforces the timeout, and writes one ApiCall per request."""

    def __init__(self, *, account=None, context: str = "", base_url: str = "", timeout: float = 10.0):
        self.account = account
        self.context = context[:100]
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        super().__init__(max_retries=0)

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        method = (request.method or "GET").upper()
        endpoint = endpoint_name(request.url)
        if self.base_url and request.url.startswith(API_HOST):
            request.url = self.base_url + request.url[len(API_HOST) :]
            proxies = {}
        started = time.monotonic()
        try:
            response = super().send(
                request, stream=stream, timeout=timeout or self.timeout, verify=verify, cert=cert, proxies=proxies
            )
            _ = response.content  # read the body here so the duration covers it
        except requests.RequestException as exc:
            self._record(method, endpoint, started, error=f"{type(exc).__name__}: {exc}")
            raise
        self._record(method, endpoint, started, response=response, body=request.body)
        return response

    def _record(self, method, endpoint, started, *, response=None, error="", body=None):
        duration_ms = int((time.monotonic() - started) * 1000)
        row = ApiCall(
            endpoint=endpoint[:80],
            method=method,
            account=self.account,
            context=self.context,
            duration_ms=duration_ms,
            error=error[:300],
            cost=0,  # X bills only what it answered
        )
        if response is not None:
            headers = response.headers
            row.status_code = response.status_code
            row.posts_read, row.posts_created = _counts(method, endpoint, response)
            row.cost = prices.call_cost(
                method, endpoint, status=response.status_code, posts_read=row.posts_read, body=body
            )
            row.rate_limit_limit = _int_header(headers, "x-rate-limit-limit")
            row.rate_limit_remaining = _int_header(headers, "x-rate-limit-remaining")
            row.rate_limit_reset = parse_rate_limit_reset(headers)
            if response.status_code >= 400:
                row.error = response.text[:300]
        buffer = _bulk_meter.get()
        if buffer is None:
            row.save()
        else:
            buffer.append(row)


@contextmanager
def metered_in_bulk():
    """Meter the calls made inside with one INSERT at the end, and none from threads that started here.

    A thread sees the buffer when it runs its work in a copy of this context (`contextvars.copy_context()`
    taken inside the block). The rows are written even when the block raises.
    """
    rows: list[ApiCall] = []
    reset = _bulk_meter.set(rows)
    try:
        yield rows
    finally:
        _bulk_meter.reset(reset)
        if rows:
            ApiCall.objects.bulk_create(rows)


def _mount_on(session: requests.Session, *, account, context: str) -> requests.Session:
    base_url = settings.X_API_BASE_URL
    adapter = MeteredAdapter(
        account=account, context=context, base_url=base_url, timeout=settings.X_REQUEST_TIMEOUT_SECONDS
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    if base_url:
        session.trust_env = False  # never send loopback sandbox traffic through a proxy
    return session


def _mount(client: tweepy.Client, *, account, context: str) -> tweepy.Client:
    _mount_on(client.session, account=account, context=context)
    return client


def metered_session(*, account=None, context: str = "") -> requests.Session:
    """A plain `requests` session to X (for what tweepy does not cover, e.g. OAuth 2.0's token endpoint): routed to
    the sandbox when configured, with the timeout, and metered like every call."""
    return _mount_on(requests.Session(), account=account, context=context)


def user_client(account, *, context: str = "") -> tweepy.Client:
    """A tweepy client acting as the account (OAuth 1.0a user context)."""
    if not account.has_credentials:
        raise CredentialsRejected(
            f"@{account.handle} has no working X credentials. Ask its responsible person to connect it again."
        )
    client = tweepy.Client(
        consumer_key=settings.X_CONSUMER_KEY,
        consumer_secret=settings.X_CONSUMER_SECRET,
        access_token=account.access_token,
        access_token_secret=account.access_token_secret,
        return_type=requests.Response,
        wait_on_rate_limit=False,
    )
    return _mount(client, account=account, context=context)


def app_client(*, context: str = "") -> tweepy.Client:
    """A tweepy client acting as the app (bearer token), for search."""
    client = tweepy.Client(
        bearer_token=settings.X_BEARER_TOKEN, return_type=requests.Response, wait_on_rate_limit=False
    )
    return _mount(client, account=None, context=context)


# --- Errors ----------------------------------------------------------------------------------------


def _reached_server(exc: requests.ConnectionError) -> bool:
    """False when the connection was never made (refused, DNS), so the request cannot have reached X."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    inner = exc.args[0] if exc.args else None
    reason = getattr(inner, "reason", inner)
    return not isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError)


def _reason(exc: tweepy.HTTPException) -> str:
    return "; ".join(str(m) for m in exc.api_messages) or exc.response.text[:200] or exc.response.reason or ""


def _money_refusal(exc: tweepy.HTTPException) -> CreditsExhausted | None:
    """X's refusal for money (x-platform-2026.md section 1): HTTP 402, or a 429 whose problem is `usage-capped`
    (either host; matched on the type's suffix) or titled UsageCapExceeded. None for anything else."""
    status = exc.response.status_code
    if status not in (402, 429):
        return None
    try:
        body = _decoded(exc.response)
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    kind, title = str(body.get("type", "")), str(body.get("title", ""))
    detail = _text(body.get("detail"))[:300]
    if status == 429 and not (kind.endswith("/usage-capped") or title == "UsageCapExceeded"):
        return None  # an ordinary rate limit
    return CreditsExhausted(usage_cap=status == 429, detail=detail, status_code=status)


@contextmanager
def _money_refusals() -> Iterator[None]:
    try:
        yield
    except tweepy.HTTPException as exc:
        if (refusal := _money_refusal(exc)) is not None:
            raise refusal from exc
        raise


@contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        with _money_refusals():
            yield
    except tweepy.TooManyRequests as exc:
        reset_at = parse_rate_limit_reset(exc.response.headers)
        if reset_at is None:
            reset_at = datetime.now(tz=UTC) + timedelta(minutes=15)
        raise RateLimited(reset_at=reset_at) from exc
    except tweepy.Unauthorized as exc:
        raise CredentialsRejected(status_code=401) from exc
    except tweepy.Forbidden as exc:
        reason = _reason(exc)
        raise Forbidden(reason=reason, is_duplicate="duplicate content" in reason.lower()) from exc
    except tweepy.NotFound as exc:
        raise NotFound(status_code=404) from exc
    except tweepy.BadRequest as exc:
        raise InvalidRequest(f"X said the request was not valid: {_reason(exc)}", status_code=400) from exc
    except tweepy.TwitterServerError as exc:
        raise Transient(status_code=exc.response.status_code) from exc
    except tweepy.HTTPException as exc:
        raise XApiError(
            f"X answered with an unexpected error: {_reason(exc)}", status_code=exc.response.status_code
        ) from exc
    except requests.Timeout as exc:
        raise Transient(uncertain=not isinstance(exc, requests.ConnectTimeout)) from exc
    except requests.ConnectionError as exc:
        uncertain = _reached_server(exc)
        message = (
            None if uncertain else "Could not connect to X. Check the network; the request will be retried shortly."
        )
        raise Transient(message, uncertain=uncertain) from exc
    except requests.JSONDecodeError as exc:
        raise Transient("X sent an answer we could not read. The request will be retried shortly.") from exc


def _json(response: requests.Response) -> dict:
    payload = _decoded(response)
    if not isinstance(payload, dict):
        return {}
    if "data" not in payload and payload.get("errors"):
        # X answers 200 with only `errors` when the user or post asked about does not exist.
        first = payload["errors"][0]
        if str(first.get("type", "")).endswith("resource-not-found"):
            raise NotFound(f"X could not find that {first.get('resource_type', 'resource')}: {first.get('detail', '')}")
    return payload


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, int(value)))


class PageStream:
    """The pages of a paginated read, fetched one by one as it is iterated (each a list of posts, newest
    first). Its counts fill in as it goes; X's errors are raised as XApiError from the iteration."""

    def __init__(self, fetch: Callable[[str | None], dict], *, max_pages: int):
        self.fetch = fetch
        self.max_pages = max_pages
        self.pages_read = 0
        self.posts_read = 0  # as X bills them: the posts set aside included
        self.set_aside = 0
        self.truncated = False
        self.newest: int | None = None
        self.oldest: int | None = None

    def __iter__(self) -> Iterator[list[XPost]]:
        token = None
        while True:
            with _translated_errors():
                payload = self.fetch(token)
            self.pages_read += 1
            posts, set_aside = parse_page(payload)
            self.posts_read += len(posts) + len(set_aside)
            self.set_aside += len(set_aside)
            meta = payload.get("meta")
            meta = meta if isinstance(meta, dict) else {}
            # The posts set aside count too: the cursor moves past them, never to read them again.
            known = [meta.get("newest_id"), meta.get("oldest_id"), *(p.id for p in posts), *(s.id for s in set_aside)]
            ids = [int(i) for i in map(x_id, known) if i is not None]
            if ids:
                self.newest = max(self.newest or 0, *ids)
                self.oldest = min(ids) if self.oldest is None else min(self.oldest, *ids)
            yield posts
            token = meta.get("next_token")
            if not token or not isinstance(token, str):
                return
            if self.pages_read >= self.max_pages:
                self.truncated = True
                return

    def read_all(self) -> XPage:
        posts = [post for page in self for post in page]
        return XPage(
            posts=posts,
            newest_id=str(self.newest) if self.newest else None,
            pages_read=self.pages_read,
            posts_read=self.posts_read,
            truncated=self.truncated,
        )


# --- Operations ------------------------------------------------------------------------------------


def post_create(
    account, *, text: str, reply_to_id: str | None = None, media_ids: list[str] | None = None, context: str = ""
) -> XPost:
    """Publish a post as the account, with media uploaded by twitter_api.media. Raises
    Forbidden(is_duplicate=True) for repeated text."""
    client = user_client(account, context=context)
    with _translated_errors():
        payload = _json(
            client.create_tweet(
                text=text, in_reply_to_tweet_id=reply_to_id, media_ids=media_ids or None, user_auth=True
            )
        )
    data = payload.get("data")
    if not isinstance(data, dict) or x_id(data.get("id")) is None:
        raise Transient(
            "X accepted the post but did not say its id; it will be checked before any retry.", uncertain=True
        )
    post = parse_post({"author_id": account.x_user_id, "text": text, **data})
    if reply_to_id and post.reply_to_post_id is None:
        post = replace(post, reply_to_post_id=str(reply_to_id))
    return post


def post_delete(account, *, post_id: str, context: str = "") -> None:
    """Delete one of the account's posts (DELETE /2/tweets/:id, metered). Raises NotFound when X has no such post
    (already deleted), and XApiError when X answers without saying it was deleted."""
    client = user_client(account, context=context)
    with _translated_errors():
        payload = _json(client.delete_tweet(post_id, user_auth=True))
    data = payload.get("data")
    if not isinstance(data, dict) or data.get("deleted") is not True:
        raise XApiError("X did not confirm that it deleted the post. Check the post on X, then try again.")


def user_me(account, *, context: str = "") -> XUser:
    """Verify the account's credentials: who X says they belong to."""
    client = user_client(account, context=context)
    with _translated_errors():
        payload = _json(client.get_me(user_fields=USER_FIELDS, user_auth=True))
    return parse_user(payload["data"])


PROFILE_FIELDS = ["username", "name", "description", "profile_image_url", "url"]


def parse_profile(data) -> XProfile:
    """A user's profile from X's JSON, cleaned (a missing or mistyped field is None: not known); raises Unreadable
    when it has no usable id."""
    user = parse_user(data)
    return XProfile(id=user.id, **{name: _text(data.get(name), None) for name in XProfile.FIELDS})


def user_profile(account, *, context: str = "") -> XProfile:
    """The account's own profile as X shows it now (GET /2/users/:id, metered: one user read). Raises NotFound
    when X knows no such user, Unreadable when its answer has no usable user."""
    client = user_client(account, context=context)
    with _translated_errors():
        payload = _json(client.get_user(id=account.x_user_id, user_fields=PROFILE_FIELDS, user_auth=True))
    data = payload.get("data")
    if data is None and payload.get("errors"):
        raise NotFound("X has no user with this account's X user id.")
    return parse_profile(data)


def mentions_since(
    account, *, since_id: str | None = None, max_pages: int = 5, max_results: int = 100, context: str = ""
) -> XPage:
    """Posts mentioning the account, newest first, after since_id, reading at most max_pages pages."""
    return mentions_pages(
        account, since_id=since_id, max_pages=max_pages, max_results=max_results, context=context
    ).read_all()


def mentions_pages(
    account,
    *,
    since_id: str | None = None,
    until_id: str | None = None,
    max_pages: int = 5,
    max_results: int = 100,
    context: str = "",
) -> PageStream:
    """`mentions_since` a page at a time; with `until_id`, only posts older than it."""
    client = user_client(account, context=context)

    def fetch(token):
        return _json(
            client.get_users_mentions(
                account.x_user_id,
                since_id=since_id,
                until_id=until_id,
                max_results=_clamp(max_results, 5, 100),
                pagination_token=token,
                tweet_fields=TWEET_FIELDS,
                expansions=EXPANSIONS,
                user_fields=USER_FIELDS,
                user_auth=True,
            )
        )

    return PageStream(fetch, max_pages=max_pages)


def search_recent(
    query: str, *, since_id: str | None = None, max_pages: int = 5, max_results: int = 100, context: str = ""
) -> XPage:
    """Recent public posts matching an X search query, newest first, after since_id (app auth)."""
    return search_pages(
        query, since_id=since_id, max_pages=max_pages, max_results=max_results, context=context
    ).read_all()


def search_pages(
    query: str,
    *,
    since_id: str | None = None,
    until_id: str | None = None,
    max_pages: int = 5,
    max_results: int = 100,
    context: str = "",
) -> PageStream:
    """`search_recent` a page at a time; with `until_id`, only posts older than it."""
    client = app_client(context=context)

    def fetch(token):
        return _json(
            client.search_recent_tweets(
                query,
                since_id=since_id,
                until_id=until_id,
                max_results=_clamp(max_results, 10, 100),
                next_token=token,
                tweet_fields=TWEET_FIELDS,
                expansions=EXPANSIONS,
                user_fields=USER_FIELDS,
            )
        )

    return PageStream(fetch, max_pages=max_pages)


def recent_posts(account, *, since_id: str | None = None, max_results: int = 100, context: str = "") -> list[XPost]:
    """The account's own latest posts (one page), to reconcile a publish whose outcome is unknown."""
    client = user_client(account, context=context)
    with _translated_errors():
        payload = _json(
            client.get_users_tweets(
                account.x_user_id,
                since_id=since_id,
                max_results=_clamp(max_results, 5, 100),
                tweet_fields=TWEET_FIELDS,
                expansions=EXPANSIONS,
                user_fields=USER_FIELDS,
                user_auth=True,
            )
        )
    return parse_posts(payload)


def own_posts_pages(
    account, *, since_id: str | None = None, max_pages: int = 10, max_results: int = 100, context: str = ""
) -> PageStream:
    """The account's own posts after `since_id`, newest first, a page at a time (GET /2/users/:id/tweets, user
    context, metered per page): everything it posted since, for the takeover tripwire."""
    client = user_client(account, context=context)

    def fetch(token):
        return _json(
            client.get_users_tweets(
                account.x_user_id,
                since_id=since_id,
                max_results=_clamp(max_results, 5, 100),
                pagination_token=token,
                tweet_fields=TWEET_FIELDS,
                expansions=EXPANSIONS,
                user_fields=USER_FIELDS,
                user_auth=True,
            )
        )

    return PageStream(fetch, max_pages=max_pages)


CONVERSATION_EXPANSIONS = ["author_id", "referenced_tweets.id"]


@dataclass(frozen=True)
class ConversationRead:
    """What one read of a conversation found: its posts (the search's and those they refer to), and how many
    posts X billed for."""

    posts: list[XPost]
    posts_read: int


def conversation_read(conversation_id: str, *, max_results: int = 100, context: str = "") -> ConversationRead:
    """One page of the posts of a conversation (search `conversation_id:<id>`, last 7 days, app auth), with the
    posts they reply to from `includes.tweets` (the start of a conversation older than the search window)."""
    wanted = x_id(conversation_id)
    if wanted is None:
        raise InvalidRequest("That is not an X post id, so there is no conversation to read.")
    client = app_client(context=context)
    with _translated_errors():
        payload = _json(
            client.search_recent_tweets(
                f"conversation_id:{wanted}",
                max_results=_clamp(max_results, 10, 100),
                tweet_fields=TWEET_FIELDS,
                expansions=CONVERSATION_EXPANSIONS,
                user_fields=USER_FIELDS,
            )
        )
    posts, set_aside = parse_page(payload)
    included = parse_included_posts(payload)
    return ConversationRead(posts=[*posts, *included], posts_read=len(posts) + len(set_aside) + len(included))


def post_lookup(post_id: str, *, context: str = "") -> XPost | None:
    """One post by id (app auth), with its author; None when X says it does not exist (deleted, or never was)
    or sends something that cannot be read."""
    wanted = x_id(post_id)
    if wanted is None:
        return None
    client = app_client(context=context)
    try:
        with _translated_errors():
            payload = _json(
                client.get_tweet(wanted, tweet_fields=TWEET_FIELDS, expansions=EXPANSIONS, user_fields=USER_FIELDS)
            )
    except NotFound:
        return None
    posts, _ = parse_page(payload)
    return posts[0] if posts else None
