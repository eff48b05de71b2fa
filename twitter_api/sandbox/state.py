"""The sandbox's world: users and their tokens, posts, rate-limit windows and faults, in memory behind one lock.

Usable directly in-process (tests and benchmarks inject posts without HTTP) and served over HTTP by
twitter_api.sandbox.server. Post ids are snowflakes minted in insertion order, so id order is time order
and every index is a list sorted by id: a since_id read bisects to its start and never looks further.
"""

import random
import re
import threading
import time
import unicodedata
from bisect import bisect_left, bisect_right
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from twitter_text import extract_urls_with_indices
from twitter_text.has_invalid_characters import has_invalid_characters

from core.sandboxes import SavedState
from twitter_api.query import AnalysedText
from twitter_api.sandbox import activity, media
from twitter_api.sandbox.direct import DirectMessages
from twitter_api.sandbox.oauth2 import OAuth2Grants
from twitter_api.sandbox.policy import NO_QUOTES, NOT_SUMMONED, PROBLEMS, AppAccess, forbidden, summoned
from twitter_api.text import mention_spans
from twitter_api.types import XPost, XUser, snowflake_for

WINDOW_SECONDS = 15 * 60

# X's own per-15-minute limits for these endpoints (from the recordings' x-rate-limit-limit headers).
DEFAULT_RATE_LIMITS = {
    "POST /2/tweets": 200,
    "DELETE /2/tweets/:id": 50,
    "GET /2/users/me": 75,
    "GET /2/users/:id": 900,
    "GET /2/tweets/:id": 300,
    "GET /2/tweets": 900,  # X's v2 per-user lookup figure (not in the 2026 reference)
    "GET /2/users/:id/mentions": 450,
    "GET /2/users/:id/tweets": 1500,
    "GET /2/tweets/search/recent": 450,
    # Direct messages: the 2026 reference lists no DM limits; these are X's documented v2 per-user figures.
    "GET /2/dm_events": 300,
    "GET /2/dm_conversations/:id/dm_events": 300,
    "POST /2/dm_conversations/:id/messages": 200,
    "POST /2/dm_conversations/with/:participant_id/messages": 200,
    # Media (X's per-24-hour limits of reference/x-platform-2026.md, per 15 minutes).
    "POST /2/media/upload/initialize": 1875,
    "POST /2/media/upload/:id/append": 1875,
    "POST /2/media/upload/:id/finalize": 1875,
    "GET /2/media/upload": 1875,
    "POST /2/media/metadata": 500,
    "POST /2/media/subtitles": 500,
    # Push (reference section 5): the filtered stream's connects and rules, the X Activity API's stream.
    "GET /2/tweets/search/stream": 50,
    "POST /2/tweets/search/stream/rules": 100,
    "GET /2/tweets/search/stream/rules": 450,
    "GET /2/activity/stream": 450,
}

_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")
_HASHTAG = re.compile(r"(?<![\w#＃&])[#＃](\w*[^\W\d]\w*)")
_CASHTAG = re.compile(r"(?<![\w$])\$([A-Za-z]{1,6}(?:[._][A-Za-z]{1,2})?)(?![\w$])")


class SandboxError(Exception):
    """A request the sandbox refuses, carried to the HTTP layer as X's error body."""

    def __init__(self, status: int, body: dict, headers: dict | None = None):
        self.status = status
        self.body = body
        self.headers = headers or {}
        super().__init__(f"{status} {body}")


def problem(status: int, title: str, detail: str, type_: str = "about:blank", **extra) -> dict:
    return {"title": title, "detail": detail, "type": type_, "status": status, **extra}


def invalid_request(parameter: str, value, message: str) -> SandboxError:
    return SandboxError(
        400,
        {
            "errors": [{"parameters": {parameter: [str(value)]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": PROBLEMS + "invalid-request",
        },
    )


# The X Activity API event a change of each profile field makes (profile.update.<name>).
PROFILE_EVENTS = {
    "description": "bio",
    "name": "screenname",
    "username": "handle",
    "profile_image_url": "profile_picture",
    "url": "url",
}


@dataclass
class SandboxUser:
    id: str
    username: str
    name: str
    verified: bool = False
    followers_count: int = 100
    following_count: int = 50
    access_token: str = ""
    access_token_secret: str = ""
    description: str = ""
    profile_image_url: str = ""
    url: str = ""

    def as_x_user(self) -> XUser:
        """The XUser shared by this author's posts; rebuilt only after add_user changes the user."""
        cached = self.__dict__.get("_x_user")
        if cached is None:
            cached = self.__dict__["_x_user"] = XUser(
                id=self.id,
                username=self.username,
                name=self.name,
                verified=self.verified,
                followers_count=self.followers_count,
            )
        return cached


@dataclass(slots=True)
class StoredPost:
    post: XPost
    num: int
    text_lower: str
    referenced: list
    deleted: bool = False


@dataclass
class Faults:
    """Injected failures for /2/ requests. Counts are consumed one request at a time."""

    latency: float = 0.0  # seconds added before answering
    error_rate: float = 0.0  # probability of a 5xx
    error_status: int = 503
    force_5xx: int = 0  # the next N requests answer error_status
    force_429: int = 0  # the next N requests answer 429
    drop_after_accept: int = 0  # the next N post creations are stored, then the connection is closed
    drop_connection: int = 0  # the next N requests are dropped without being acted on
    seed: int = 0
    # Items as X might mangle them, served once inside the next page of posts read (search, mentions, a user's
    # posts) among its good posts: each {"post": <any JSON>, "users": [<any JSON>, ...]}, the post put in the
    # page's `data` (by its id, when it has a usable one) and the users in its `includes.users`.
    malformed: list = field(default_factory=list)
    # Faults on each media step, e.g. {"append": 1, "finalize:drop": 1}: see twitter_api.sandbox.media.
    media: dict = field(default_factory=dict)
    # Streams (twitter_api.sandbox.activity), each taken by the next stream connection: close it after N events;
    # send nothing at all (not even keep-alives) for S seconds after `stream_stall_after` events.
    stream_disconnect_after: int = 0
    stream_stall_seconds: float = 0.0
    stream_stall_after: int = 0
    stream_keepalive_seconds: float = 20.0  # X's interval


def _entities(text: str, users_by_name: dict[str, "SandboxUser"]) -> dict:
    entities: dict = {}
    mentions = []
    for handle, start, end in mention_spans(text):
        item = {"start": start, "end": end, "username": handle}
        user = users_by_name.get(handle.lower())
        if user is not None:
            item["id"] = user.id
        mentions.append(item)
    if mentions:
        entities["mentions"] = mentions
    hashtags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _HASHTAG.finditer(text)]
    if hashtags:
        entities["hashtags"] = hashtags
    cashtags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _CASHTAG.finditer(text)]
    if cashtags:
        entities["cashtags"] = cashtags
    urls = []
    if "://" in text or "www." in text:
        for found in extract_urls_with_indices(text):
            url = found["url"]
            start, end = found["indices"]
            expanded = url if "://" in url else f"https://{url}"
            urls.append(
                {
                    "start": start,
                    "end": end,
                    "url": expanded,
                    "expanded_url": expanded,
                    "display_url": expanded.split("://", 1)[1][:30],
                }
            )
    if urls:
        entities["urls"] = urls
    return entities


def _iso(dt: datetime) -> str:
    """X's timestamp format: whole seconds, always `.000Z`."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class SandboxState(SavedState):
    def __init__(
        self,
        *,
        consumer_key: str = "sandbox-consumer-key",
        consumer_secret: str = "sandbox-consumer-secret",  # noqa: S107 - the sandbox's public development value
        bearer_tokens: tuple[str, ...] = ("sandbox-bearer-token",),
        query_length_limit: int = 512,
        rate_limits: dict | None = None,
        window_seconds: int = WINDOW_SECONDS,
        verify_signatures: bool = True,
        oauth2_client_id: str = "sandbox-oauth2-client-id",
        oauth2_client_secret: str = "sandbox-oauth2-client-secret",  # noqa: S107 - the sandbox's public value
    ):
        self.lock = threading.RLock()
        # OAuth 2.0 grants (twitter_api.sandbox.oauth2): forgotten with the users, kept with them.
        self.oauth2 = OAuth2Grants(client_id=oauth2_client_id, client_secret=oauth2_client_secret)
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.bearer_tokens = set(bearer_tokens)
        self.query_length_limit = query_length_limit
        self.default_rate_limits = dict(rate_limits or DEFAULT_RATE_LIMITS)
        self.default_window_seconds = window_seconds
        self.verify_signatures = verify_signatures
        self.search_window: timedelta | None = timedelta(days=7)  # X's recent search covers the last 7 days
        self.request_log: deque = deque(maxlen=10_000)
        self._dirty = False
        self.reset(keep_users=False)

    # --- lifecycle -----------------------------------------------------------------------------------

    def reset(self, *, keep_users: bool = False) -> None:
        """Forget posts, rate-limit windows and faults (and users, unless keep_users)."""
        with self.lock:
            if not keep_users:
                self.users: dict[str, SandboxUser] = {}
                self.users_by_name: dict[str, SandboxUser] = {}
                self.tokens: dict[str, SandboxUser] = {}
                self.oauth2.reset()
            self.posts: list[StoredPost] = []
            self.direct = DirectMessages()
            self.by_id: dict[str, StoredPost] = {}
            self.by_author: dict[str, list[StoredPost]] = {}
            self.by_mention: dict[str, list[StoredPost]] = {}
            self.texts_by_author: dict[str, dict[str, int]] = {}
            # Search index: lowercase token, "#tag" or "@name" -> the posts holding it, in id order.
            self.by_term: dict[str, list[StoredPost]] = {}
            self._candidates_cache: dict[object, tuple[int, list[StoredPost] | None]] = {}
            self._entities_cache: dict[str, dict] = {}
            self._analysed_texts: dict[str, AnalysedText] = {}
            self.rate_limits = dict(self.default_rate_limits)
            self.window_seconds = self.default_window_seconds
            self.windows: dict[tuple[str, str], list[int]] = {}
            self.faults = Faults()
            self.access = AppAccess()
            self.media = media.MediaStore()
            self.edit_chains: dict[str, list[str]] = {}  # a post's edit history, by each id in it (sandbox.metrics)
            if hasattr(self, "activity"):
                self.activity.close()  # open streams end: their subscriptions are gone
            self.activity = activity.Activity()
            self.random = random.Random(0)
            self.request_log.clear()
            self._last_num = 0
            self._dirty = True

    # --- users ---------------------------------------------------------------------------------------

    def add_user(
        self,
        *,
        username: str,
        id: str | None = None,  # X's own name for it
        name: str | None = None,
        verified: bool = False,
        followers_count: int = 100,
        access_token: str = "",
        access_token_secret: str = "",
    ) -> SandboxUser:
        """Create or update a user (matched by id, else by username); tokens make it able to act."""
        if not _USERNAME.fullmatch(username):
            raise ValueError(f"X usernames are 1 to 15 letters, numbers or underscores; {username!r} is not one.")
        with self.lock:
            user = self.users.get(id) if id else None
            if user is None:
                user = self.users_by_name.get(username.lower())
            if user is None:
                user = SandboxUser(id=id or str(self._mint_user_id()), username=username, name=name or username)
                self.users[user.id] = user
            elif user.username.lower() != username.lower():
                self.users_by_name.pop(user.username.lower(), None)
            user.__dict__.pop("_x_user", None)
            user.username = username
            user.name = name or user.name or username
            user.verified = verified
            user.followers_count = followers_count
            if access_token:
                if user.access_token:
                    self.tokens.pop(user.access_token, None)
                user.access_token, user.access_token_secret = access_token, access_token_secret
                self.tokens[access_token] = user
            if username.lower() not in self.users_by_name:
                self._entities_cache = {}  # cached mentions of this name lack its id
            self.users_by_name[username.lower()] = user
            self._dirty = True
            return user

    PROFILE_FIELDS = ("name", "username", "description", "profile_image_url", "url")

    def update_profile(self, user_id: str, **changes) -> list[tuple[str, str, str]]:
        """Change a user's profile as the person would on X (name, username, description, profile_image_url,
        url); returns (field, before, after) for each field that changed."""
        unknown = set(changes) - set(self.PROFILE_FIELDS)
        if unknown:
            raise ValueError(f"Unknown profile fields {sorted(unknown)}; known: {', '.join(self.PROFILE_FIELDS)}.")
        with self.lock:
            user = self.users.get(str(user_id))
            if user is None:
                raise KeyError(f"No sandbox user with id {user_id}.")
            changed = []
            for name, value in changes.items():
                value = str(value)
                if name == "username" and not _USERNAME.fullmatch(value):
                    raise ValueError(f"X usernames are 1 to 15 letters, numbers or underscores; {value!r} is not one.")
                before = getattr(user, name)
                if before != value:
                    changed.append((name, before, value))
            for name, before, value in changed:
                if name == "username":
                    self.users_by_name.pop(before.lower(), None)
                    self.users_by_name[value.lower()] = user
                    self._entities_cache = {}
                setattr(user, name, value)
            user.__dict__.pop("_x_user", None)
            self._dirty = True
            for name, before, value in changed:  # pushed as X's Activity API does, to the user's subscriptions
                self.activity_emit(
                    user.id, f"profile.update.{PROFILE_EVENTS[name]}", {"before": before, "after": value}
                )
            return changed

    def revoke_token(self, access_token: str) -> None:
        with self.lock:
            user = self.tokens.pop(access_token, None)
            if user is not None:
                user.access_token = user.access_token_secret = ""
            self._dirty = True

    def oauth2_user_id(self, access_token: str) -> str | None:
        """The id of the user an OAuth 2.0 user access token acts for (bearer user context, e.g. the Activity API);
        None when the sandbox did not issue it, or it has expired or been revoked."""
        return self.oauth2.user_id_for(access_token)

    def _mint_user_id(self) -> int:
        candidate = 1_600_000_000_000_000_000 + len(self.users) + 1
        while str(candidate) in self.users:
            candidate += 1
        return candidate

    def user_for_author(self, username: str, *, followers: int = 100, verified: bool = False) -> SandboxUser:
        user = self.users_by_name.get(username.lower())
        if user is None:
            user = self.add_user(username=username, followers_count=followers, verified=verified)
        return user

    # --- posts ---------------------------------------------------------------------------------------

    def _mint_post_num(self) -> int:
        num = max(self._last_num + 1, snowflake_for(datetime.now(tz=UTC)))
        self._last_num = num
        return num

    def add_post(
        self,
        *,
        author: SandboxUser,
        text: str,
        in_reply_to_post_id: str | None = None,
        retweet_of: str | None = None,
        created_at: datetime | None = None,
        lang: str | None = "en",
        num: int | None = None,
        quote_of: str | None = None,
    ) -> StoredPost:
        with self.lock:
            if num is None:
                num = self._mint_post_num()
            else:
                self._last_num = max(self._last_num, num)
            post_id = str(num)
            referenced = []
            conversation_id = post_id
            in_reply_to_user_id = None
            if in_reply_to_post_id:
                referenced.append({"type": "replied_to", "id": str(in_reply_to_post_id)})
                parent = self.by_id.get(str(in_reply_to_post_id))
                if parent is not None:
                    conversation_id = parent.post.conversation_id or parent.post.id
                    in_reply_to_user_id = parent.post.author_id
            if retweet_of:
                referenced.append({"type": "retweeted", "id": str(retweet_of)})
            if quote_of:
                referenced.append({"type": "quoted", "id": str(quote_of)})
            entities, text_lower, dup_key, mentions, terms = self._text_info(text)
            post = XPost(
                id=post_id,
                text=text,
                author_id=author.id,
                created_at=(created_at or datetime.now(tz=UTC)).astimezone(UTC),
                conversation_id=conversation_id,
                in_reply_to_user_id=in_reply_to_user_id,
                reply_to_post_id=str(in_reply_to_post_id) if in_reply_to_post_id else None,
                lang=lang,
                is_retweet=bool(retweet_of),
                entities=entities,
                author=author.as_x_user(),
            )
            stored = StoredPost(post=post, num=num, text_lower=text_lower, referenced=referenced)
            self.posts.append(stored)
            self.by_id[post_id] = stored
            self.by_author.setdefault(author.id, []).append(stored)
            for mention in mentions:
                self.by_mention.setdefault(mention, []).append(stored)
            by_term = self.by_term
            for term in terms:
                found = by_term.get(term)
                if found is None:
                    by_term[term] = [stored]
                else:
                    found.append(stored)
            self.texts_by_author.setdefault(author.id, {})[dup_key] = num
            # Not a dataclass field (not saved): recounted as the posts are loaded. Read by render_user.
            author.__dict__["post_count"] = author.__dict__.get("post_count", 0) + 1
            self._dirty = True
            self.activity.post_added(self, stored)
            return stored

    def activity_emit(self, user_id: str, event_type: str, payload: dict, includes: dict | None = None) -> int:
        """An X Activity API event about a user (e.g. "profile.update.bio", payload {"before": ..., "after": ...}),
        delivered on the activity stream to each subscription to it; returns how many were delivered."""
        with self.lock:
            return self.activity.emit(user_id, event_type, payload, includes)

    def _text_info(self, text: str) -> tuple[dict, str, str, frozenset, frozenset]:
        """(entities, searchable text, duplicate key, mentioned names, search index terms) of a text, shared
        between posts with the same text (never mutated): the simulator repeats itself, and this is most of
        add_post's work."""
        info = self._entities_cache.get(text)
        if info is None:
            if len(self._entities_cache) > 50_000:
                self._entities_cache.clear()
            entities = _entities(text, self.users_by_name)
            mentions = frozenset(m["username"].lower() for m in entities.get("mentions", ()))
            normalized = unicodedata.normalize("NFC", text)
            text_lower = normalized.lower()
            terms = _index_terms(entities, text_lower)
            info = self._entities_cache[text] = (entities, text_lower, normalized.strip(), mentions, terms)
        return info

    def analysed_text(self, stored: StoredPost) -> AnalysedText:
        """The query matcher's analysis of a post's text and entities, made on first search and shared by the
        posts with the same (the simulator repeats itself); a post doesn't change, so later searches reuse it."""
        post = stored.post
        analysed = self._analysed_texts.get(post.text)
        if analysed is None or analysed.entities is not post.entities:
            if len(self._analysed_texts) > 50_000:
                self._analysed_texts.clear()
            analysed = AnalysedText(post.text, post.entities, body=stored.text_lower)
            self._analysed_texts[post.text] = analysed
        return analysed

    def inject_post(
        self,
        author_username: str,
        text: str,
        *,
        in_reply_to_post_id: str | None = None,
        retweet_of: str | None = None,
        created_at: datetime | None = None,
        lang: str | None = "en",
        author_followers: int = 100,
        author_verified: bool = False,
        author_name: str | None = None,
        quote_of: str | None = None,
    ) -> dict:
        """A public post by anyone (created as a user if unknown); returns it as X renders it with every field."""
        with self.lock:
            author = self.users_by_name.get(author_username.lower())
            if author is None:
                author = self.add_user(
                    username=author_username,
                    name=author_name,
                    followers_count=author_followers,
                    verified=author_verified,
                )
            stored = self.add_post(
                author=author,
                text=text,
                in_reply_to_post_id=in_reply_to_post_id,
                retweet_of=retweet_of,
                created_at=created_at,
                lang=lang,
                quote_of=quote_of,
            )
            return render_post(stored, ALL_TWEET_FIELDS)

    def create_post(
        self, *, author: SandboxUser, text: str, in_reply_to_post_id: str | None, quote_of: str | None = None
    ) -> StoredPost:
        """POST /2/tweets: X's own checks (length, duplicates, reply target), then store."""
        from twitter_api.text import MAX_WEIGHTED_LENGTH, validate_post_text

        if not text or not text.strip():
            raise invalid_request("text", text, "The `text` field must not be empty.")
        # X refuses only what is too long or holds its invalid characters; Dovecote's own stricter
        # rules (validate_post_text's errors) are for the drafting form, not for X.
        if has_invalid_characters(text):
            raise invalid_request("text", text, "The `text` field contains characters X does not accept.")
        if validate_post_text(text).weighted_length > MAX_WEIGHTED_LENGTH:
            raise SandboxError(
                403,
                problem(
                    403,
                    "Forbidden",
                    "Your Tweet text is too long. For more information on how Twitter determines text length "
                    "see https://github.com/twitter/twitter-text.",
                ),
            )
        with self.lock:
            seen = self.texts_by_author.get(author.id, {})
            previous = seen.get(_dup_key(text))
            if previous is not None and not self.by_id[str(previous)].deleted:
                raise SandboxError(
                    403, problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
                )
            if in_reply_to_post_id:
                parent = self.by_id.get(str(in_reply_to_post_id))
                if parent is None or parent.deleted:
                    raise SandboxError(
                        403,
                        problem(
                            403,
                            "Forbidden",
                            "You attempted to reply to a Tweet that is deleted or not visible to you.",
                        ),
                    )
                if self.access.self_serve and not self.summoned(author, parent):
                    raise SandboxError(403, forbidden(NOT_SUMMONED))
            if quote_of and self.access.self_serve:
                raise SandboxError(403, forbidden(NO_QUOTES))
            return self.add_post(
                author=author, text=text, in_reply_to_post_id=in_reply_to_post_id, lang=None, quote_of=quote_of
            )

    def summoned(self, replier: SandboxUser, parent: StoredPost) -> bool:
        """Did the parent's author summon `replier` (policy.summoned), by a mention or by quoting its post?"""
        quoted = {
            self.by_id[ref["id"]].post.author_id
            for ref in parent.referenced
            if ref["type"] == "quoted" and ref["id"] in self.by_id
        }
        return summoned(
            replier_id=replier.id, replier_username=replier.username, parent=parent.post, quoted_author_ids=quoted
        )

    def set_access(self, **changes) -> AppAccess:
        """What X allows the app: self_serve, credits_exhausted, credits_answer (402 or 429), read_cap_reached."""
        with self.lock:
            for name, value in changes.items():
                if not hasattr(self.access, name):
                    raise ValueError(f"Unknown access setting {name!r}; known: {', '.join(asdict(AppAccess()))}.")
                setattr(self.access, name, type(getattr(AppAccess(), name))(value))
            return self.access

    def set_credits(
        self, *, exhausted: bool | None = None, answer: int | None = None, read_cap_reached: bool | None = None
    ) -> AppAccess:
        """Simulate credits running out (every request refused, 402 or 429 as `answer`) or the monthly read cap
        (reads of posts refused, 429); False restores them."""
        changes = {"credits_exhausted": exhausted, "credits_answer": answer, "read_cap_reached": read_cap_reached}
        return self.set_access(**{k: v for k, v in changes.items() if v is not None})

    def delete_post(self, *, author: SandboxUser, post_id: str) -> None:
        with self.lock:
            stored = self.by_id.get(post_id)
            if stored is None or stored.deleted:
                raise SandboxError(
                    404,
                    problem(
                        404,
                        "Not Found Error",
                        f"Could not find tweet with id: [{post_id}].",
                        PROBLEMS + "resource-not-found",
                        resource_type="tweet",
                        resource_id=post_id,
                        parameter="id",
                        value=post_id,
                    ),
                )
            if stored.post.author_id != author.id:
                raise SandboxError(
                    403, problem(403, "Forbidden", "You are not allowed to delete a Tweet you did not create.")
                )
            stored.deleted = True
            self._dirty = True
            self.activity.post_deleted(stored)

    # --- reads ---------------------------------------------------------------------------------------

    def search_candidates(self, root) -> list[StoredPost] | None:
        """Every post that could match a parsed query (its `root` node), in id order, from the search index;
        None when the index can't narrow it (then every post must be scanned). A superset of the matches:
        the query's matcher still decides.

        Each AND takes its rarest operand's posts, so a search for "passport delays" scans the posts that
        say "delays" when that is the rarer word, not every post that says "passport". A top-level AND also
        drops the posts holding a hashtag or mention it excludes (`-@DeptForExample`), which its matcher would
        only turn down.
        """
        key = root  # a frozen dataclass tree: equal queries are equal keys
        with self.lock:
            cached = self._candidates_cache.get(key)
            if cached is not None and cached[0] == len(self.posts):
                return cached[1]
            lists = self._candidate_lists(root)
            if lists is None:
                candidates = None
            elif len(lists) == 1:
                candidates = lists[0]
            else:
                unique = {stored.num: stored for found in lists for stored in found}
                candidates = [unique[num] for num in sorted(unique)]
            excluded = self._excluded_nums(root) if candidates else None
            if excluded:
                candidates = [stored for stored in candidates if stored.num not in excluded]
            if len(self._candidates_cache) > 1_000:
                self._candidates_cache.clear()
            self._candidates_cache[key] = (len(self.posts), candidates)
            return candidates

    def _excluded_nums(self, root) -> set[int]:
        """The posts a top-level AND rules out through the index: those holding a hashtag or mention it negates."""
        from twitter_api.query import And, Hashtag, Mention, Not

        excluded: set[int] = set()
        if isinstance(root, And):
            for child in root.children:
                if isinstance(child, Not) and isinstance(child.child, Hashtag | Mention):
                    for found in self._term_lists(child.child.anchors()) or ():
                        excluded.update(stored.num for stored in found)
        return excluded

    def _candidate_lists(self, node) -> list[list[StoredPost]] | None:
        """Index lists whose union holds every post `node` matches, or None if the index can't say."""
        from twitter_api.query import And, Hashtag, Mention, Or, Term, _variants

        if isinstance(node, Term):
            # Any one of the phrase's words will do: the one with the fewest posts.
            options = [self._term_lists(_variants(token)) for token in node.tokens]
            options = [lists for lists in options if lists is not None]
            return min(options, key=_total, default=None)
        if isinstance(node, Hashtag | Mention):
            return self._term_lists(node.anchors())
        if isinstance(node, And):
            options = [lists for lists in map(self._candidate_lists, node.children) if lists is not None]
            return min(options, key=_total, default=None)
        if isinstance(node, Or):
            union = []
            for child in node.children:
                lists = self._candidate_lists(child)
                if lists is None:
                    return None
                union.extend(lists)
            return union
        return None  # negations, from:, to: and the like

    def _term_lists(self, anchors) -> list[list[StoredPost]] | None:
        """The index lists for spellings of one term (each a token, #tag or @name), or None if one isn't."""
        lists: dict[int, list[StoredPost]] = {}
        for anchor in anchors:
            term = _index_key(anchor)
            if term is None:
                return None
            found = self.by_term.get(term)
            if found:
                lists[id(found)] = found
        return list(lists.values())

    def page(
        self,
        posts: list[StoredPost],
        *,
        since_id: str | None,
        until_id: str | None,
        limit: int,
        predicate=None,
        query_root=None,
    ) -> tuple[list[StoredPost], bool]:
        """Newest-first matches with since_id < id < until_id, at most limit, and whether more remain.

        With a search's parsed query (`query_root`, and `posts` being every post), only the search index's
        candidates are scanned; the predicate still decides, so the answer is the same as a full scan's."""
        with self.lock:
            if query_root is not None and posts is self.posts:
                candidates = self.search_candidates(query_root)
                if candidates is not None:
                    posts = candidates
            lo = bisect_right(posts, int(since_id), key=_num) if since_id else 0
            hi = bisect_left(posts, int(until_id), key=_num) if until_id else len(posts)
            found: list[StoredPost] = []
            for index in range(hi - 1, lo - 1, -1):
                stored = posts[index]
                if stored.deleted or (predicate is not None and not predicate(stored)):
                    continue
                if len(found) == limit:
                    return found, True
                found.append(stored)
            return found, False

    def mentions_of(self, user: SandboxUser) -> list[StoredPost]:
        return self.by_mention.get(user.username.lower(), [])

    def authored_by(self, user_id: str) -> list[StoredPost]:
        return self.by_author.get(user_id, [])

    def posts_by(self, user_id: str) -> list[dict]:
        with self.lock:
            return [render_post(p, ALL_TWEET_FIELDS) for p in reversed(self.authored_by(user_id)) if not p.deleted]

    def recent_posts(self, limit: int = 100) -> list[dict]:
        with self.lock:
            out = []
            for stored in reversed(self.posts):
                if not stored.deleted:
                    out.append(render_post(stored, ALL_TWEET_FIELDS) | {"username": stored.post.author.username})
                if len(out) >= limit:
                    break
            return out

    # --- rate limits and faults ------------------------------------------------------------------------

    def set_rate_limit(self, endpoint: str, limit: int, *, window_seconds: int | None = None) -> None:
        with self.lock:
            self.rate_limits[endpoint] = limit
            if window_seconds is not None:
                self.window_seconds = window_seconds
            self.windows.clear()

    def take_rate_limit(self, endpoint: str, identity: str) -> dict:
        """Count one request; returns X's x-rate-limit-* headers, or raises the 429."""
        limit = self.rate_limits.get(endpoint)
        if limit is None:
            return {}
        now = int(time.time())
        with self.lock:
            window = self.windows.get((endpoint, identity))
            if window is None or now >= window[0] + self.window_seconds:
                window = self.windows[(endpoint, identity)] = [now, 0]
            reset = window[0] + self.window_seconds
            forced = self.faults.force_429 > 0
            if forced:
                self.faults.force_429 -= 1
            if forced or window[1] >= limit:
                headers = {
                    "x-rate-limit-limit": str(limit),
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": str(reset),
                }
                raise SandboxError(429, problem(429, "Too Many Requests", "Too Many Requests"), headers)
            window[1] += 1
            return {
                "x-rate-limit-limit": str(limit),
                "x-rate-limit-remaining": str(limit - window[1]),
                "x-rate-limit-reset": str(reset),
            }

    def set_faults(self, **changes) -> Faults:
        with self.lock:
            for name, value in changes.items():
                if not hasattr(self.faults, name):
                    raise ValueError(f"Unknown fault {name!r}; known: {', '.join(asdict(Faults()))}.")
                setattr(self.faults, name, type(getattr(Faults(), name))(value))
            if "seed" in changes:
                self.random = random.Random(self.faults.seed)
            return self.faults

    def take_fault(self, name: str) -> bool:
        """Consume one unit of a counted fault; True if it applies to this request."""
        with self.lock:
            if getattr(self.faults, name) > 0:
                setattr(self.faults, name, getattr(self.faults, name) - 1)
                return True
            return False

    def take_malformed(self) -> list:
        """The malformed items waiting to be served, once: the caller serves them."""
        with self.lock:
            items, self.faults.malformed = self.faults.malformed, []
            return items

    def roll_error(self) -> bool:
        with self.lock:
            return self.faults.error_rate > 0 and self.random.random() < self.faults.error_rate

    # --- persistence -----------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        with self.lock:
            return {
                "version": 1,
                "users": [asdict(u) for u in self.users.values()],
                "posts": [
                    {
                        "id": s.post.id,
                        "author_id": s.post.author_id,
                        "text": s.post.text,
                        "created_at": _iso(s.post.created_at),
                        "reply_to": s.post.reply_to_post_id,
                        "referenced": s.referenced,
                        "lang": s.post.lang,
                        "deleted": s.deleted,
                    }
                    for s in self.posts
                ],
                "direct_messages": self.direct.to_list(),
                "media": self.media.to_dict(),
                "oauth2": self.oauth2.to_list(),
            }

    def load_dict(self, data: dict) -> None:
        with self.lock:
            self.reset(keep_users=False)
            for item in data.get("users", []):
                user = SandboxUser(**item)
                self.users[user.id] = user
                self.users_by_name[user.username.lower()] = user
                if user.access_token:
                    self.tokens[user.access_token] = user
            for item in data.get("posts", []):
                author = self.users[item["author_id"]]
                retweet_of = next((r["id"] for r in item.get("referenced", []) if r["type"] == "retweeted"), None)
                quote_of = next((r["id"] for r in item.get("referenced", []) if r["type"] == "quoted"), None)
                stored = self.add_post(
                    author=author,
                    text=item["text"],
                    in_reply_to_post_id=item.get("reply_to"),
                    retweet_of=retweet_of,
                    created_at=datetime.fromisoformat(item["created_at"].replace("Z", "+00:00")),
                    lang=item.get("lang"),
                    num=int(item["id"]),  # the original id, so clients' since_id cursors stay valid
                    quote_of=quote_of,
                )
                stored.deleted = item.get("deleted", False)
            self.direct.load_list(data.get("direct_messages", []))
            self.media.load_dict(data.get("media"))
            self.oauth2.load_list(data.get("oauth2"))
            self._dirty = False


def _index_terms(entities: dict, text_lower: str) -> frozenset:
    """What the search index files a text under: its tokens as query matching sees them (with those of
    full URLs the text doesn't show), "#tag" for each hashtag and "@name" for each mention."""
    from twitter_api.query import _hidden_urls, _tokens

    terms = set(_tokens(text_lower))
    if entities.get("urls"):
        for url in _hidden_urls(_EntitiesOnly(entities), text_lower):
            terms.update(_tokens(url))
    for item in entities.get("hashtags", ()):
        terms.add("#" + unicodedata.normalize("NFC", item["tag"]).lower())
    for item in entities.get("mentions", ()):
        terms.add("@" + item["username"].lower())
    return frozenset(terms)


@dataclass(frozen=True)
class _EntitiesOnly:
    entities: dict


def _index_key(anchor: str) -> str | None:
    """The index term for a query anchor, or None when the anchor is not a single token, #tag or @name."""
    from twitter_api.query import _tokens

    if anchor[:1] in "#＃":
        return "#" + anchor[1:] if anchor[1:] else None
    if anchor[:1] in "@＠":
        return "@" + anchor[1:] if anchor[1:] else None
    return anchor if _tokens(anchor) == [anchor] else None


def _num(stored: StoredPost) -> int:
    return stored.num


def _total(lists: list[list[StoredPost]]) -> int:
    return sum(map(len, lists))


def _dup_key(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


# --- rendering in X's shapes ---------------------------------------------------------------------------

ALL_TWEET_FIELDS = frozenset(
    {"author_id", "created_at", "conversation_id", "lang", "in_reply_to_user_id", "entities", "referenced_tweets"}
)
ALL_USER_FIELDS = frozenset({"verified", "public_metrics", "created_at", "description", "protected"})


def render_post(stored: StoredPost, fields) -> dict:
    post = stored.post
    data = {"edit_history_tweet_ids": [post.id], "id": post.id, "text": post.text}
    if "author_id" in fields:
        data["author_id"] = post.author_id
    if "created_at" in fields:
        data["created_at"] = _iso(post.created_at)
    if "conversation_id" in fields:
        data["conversation_id"] = post.conversation_id or post.id
    if "lang" in fields:
        data["lang"] = post.lang or "en"
    if "in_reply_to_user_id" in fields and post.in_reply_to_user_id:
        data["in_reply_to_user_id"] = post.in_reply_to_user_id
    if "entities" in fields and post.entities:
        data["entities"] = post.entities
    if "referenced_tweets" in fields and stored.referenced:
        data["referenced_tweets"] = stored.referenced
    return data


def render_user(user: SandboxUser | XUser, fields) -> dict:
    data = {"id": user.id, "name": user.name, "username": user.username}
    if "verified" in fields:
        data["verified"] = user.verified
    if "public_metrics" in fields:
        data["public_metrics"] = {
            "followers_count": user.followers_count,
            "following_count": getattr(user, "following_count", 0),
            "post_count": getattr(user, "post_count", 0),
            "listed_count": 0,
        }
    if "protected" in fields:
        data["protected"] = False
    for name in ("description", "profile_image_url", "url"):
        if name in fields:
            data[name] = getattr(user, name, "")
    return data


@dataclass
class PageRequest:
    """The parameters of a paginated read, validated like X does."""

    since_id: str | None = None
    until_id: str | None = None
    max_results: int = 10
    tweet_fields: frozenset = field(default_factory=frozenset)
    user_fields: frozenset = field(default_factory=frozenset)
    expand_authors: bool = False
    expand_referenced: bool = False  # expansions=referenced_tweets.id: the posts replied to, in includes.tweets


def _referenced_posts(found: list[StoredPost], by_id: dict) -> list[StoredPost]:
    """The posts `found` refer to (replied to, reposted) that are not among them and still exist, as X's
    `referenced_tweets.id` expansion puts them in `includes.tweets`."""
    shown = {stored.post.id for stored in found}
    included: dict[str, StoredPost] = {}
    for stored in found:
        for ref in stored.referenced:
            target = by_id.get(ref.get("id"))
            if target is not None and not target.deleted and target.post.id not in shown:
                included.setdefault(target.post.id, target)
    return list(included.values())


def render_page(
    found: list[StoredPost], has_more: bool, request: PageRequest, users: dict, by_id: dict | None = None
) -> dict:
    if not found:
        return {"meta": {"result_count": 0}}
    payload: dict = {"data": [render_post(s, request.tweet_fields) for s in found]}
    referenced = _referenced_posts(found, by_id) if request.expand_referenced and by_id is not None else []
    if referenced:
        payload["includes"] = {"tweets": [render_post(s, request.tweet_fields) for s in referenced]}
    if request.expand_authors:
        seen: dict[str, dict] = {}
        for stored in [*found, *referenced]:
            author_id = stored.post.author_id
            if author_id not in seen:
                user = users.get(author_id) or stored.post.author
                seen[author_id] = render_user(user, request.user_fields)
        payload.setdefault("includes", {})["users"] = list(seen.values())
    meta = {
        "newest_id": found[0].post.id,
        "oldest_id": found[-1].post.id,
        "result_count": len(found),
    }
    if has_more:
        meta["next_token"] = encode_token(found[-1].num)
    payload["meta"] = meta
    return payload


_TOKEN_PREFIX = "7140dib"
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def encode_token(num: int) -> str:
    digits = []
    while num:
        num, rem = divmod(num, 36)
        digits.append(_ALPHABET[rem])
    return _TOKEN_PREFIX + "".join(reversed(digits or ["0"]))


def decode_token(token: str) -> int | None:
    if not token.startswith(_TOKEN_PREFIX):
        return None
    try:
        return int(token[len(_TOKEN_PREFIX) :], 36)
    except ValueError:
        return None
