"""The figures X keeps for the account's own posts (x-platform-2026.md section 6): one metered, batched read.

Read with `GET /2/tweets?ids=` (user context, up to 100 ids a call) asking for `public_metrics` (impressions,
likes, replies, reposts, quotes, bookmarks), and for posts under 30 days old `non_public_metrics` and
`organic_metrics` (link clicks, profile clicks, engagements), which X gives only to the author and only then.
`/2/tweets/analytics` was not chosen: its price is unconfirmed since X dropped "Analytics: Read" from the rate
card (2026-06-18), while a lookup is a documented Post read ($0.005 per post returned, deduplicated within a UTC
day); and a lookup also says what became of each post: `edit_history_tweet_ids` (an edit) and a partial error
"Not Found" (gone from X), which the analytics endpoint does not.

What X sends is hostile: every field may be missing, mistyped, hold NUL or lone surrogates. A figure that cannot
be read is None (not offered), never a guess; an item that cannot be read is set aside and the rest kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from twitter_api import client
from twitter_api.client import Unreadable, _decoded, _translated_errors, clean_text, x_id
from twitter_api.types import snowflake_time

log = logging.getLogger(__name__)

MAX_IDS = 100  # X's limit on ids per lookup
PRIVATE_DAYS = 30  # X gives non-public and organic metrics only for posts created in the last 30 days
PRIVATE_MARGIN = timedelta(hours=1)  # asked only well inside the 30 days, so a batch is never refused for one post
PUBLIC_FIELDS = ["created_at", "public_metrics", "edit_history_tweet_ids"]
PRIVATE_FIELDS = [*PUBLIC_FIELDS, "non_public_metrics", "organic_metrics"]
_MAX_COUNT = 2**63 - 1


@dataclass(frozen=True)
class PostFigures:
    """One post's figures as X gave them; None where X did not give a figure (or gave one that cannot be read)."""

    post_id: str
    impressions: int | None = None
    likes: int | None = None
    replies: int | None = None
    reposts: int | None = None
    quotes: int | None = None
    bookmarks: int | None = None
    link_clicks: int | None = None
    profile_clicks: int | None = None
    engagements: int | None = None
    edit_ids: tuple[str, ...] = ()  # X's edit history chain for the post (its own id included)
    text: str = ""

    @property
    def newer_versions(self) -> list[str]:
        """Ids of versions edited after this post (an edit gets a new, larger id), oldest first."""
        return sorted((i for i in self.edit_ids if int(i) > int(self.post_id)), key=int)


@dataclass
class MetricsRead:
    """What a read found: the figures by post id, the posts X says are gone, those it answered nothing readable
    about, and the posts returned (as X bills them)."""

    figures: dict[str, PostFigures] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    unread: set[str] = field(default_factory=set)
    posts_read: int = 0
    calls: int = 0


def _figure(*sources, keys: tuple[str, ...]) -> int | None:
    """The first readable whole number under any of `keys` in any of the objects `sources` (in order)."""
    for source in sources:
        if type(source) is not dict:
            continue
        for key in keys:
            value = source.get(key)
            if type(value) is str and value.isascii() and value.isdigit() and len(value) < 19:
                value = int(value)
            if type(value) is int and 0 <= value <= _MAX_COUNT:
                return value
    return None


def parse_figures(item) -> PostFigures:
    """One post of the lookup's `data`, as figures; raises Unreadable when it has no usable id."""
    if type(item) is not dict:
        raise Unreadable(f"a post that is not an object: {item!r:.80}")
    post_id = x_id(item.get("id"))
    if post_id is None:
        raise Unreadable(f"a post with no usable id: {item.get('id')!r:.80}")
    public, private, organic = (item.get(k) for k in ("public_metrics", "non_public_metrics", "organic_metrics"))
    history = item.get("edit_history_tweet_ids")
    if type(history) is not list:
        history = item.get("edit_history_post_ids")  # spec 2.167's name; read endpoints still send the other
    edit_ids = tuple(dict.fromkeys(i for i in map(x_id, history if type(history) is list else ()) if i))
    text = item.get("text")
    return PostFigures(
        post_id=post_id,
        # Public figures first: they count every impression, organic ones only the unpaid.
        impressions=_figure(public, private, organic, keys=("impression_count",)),
        likes=_figure(public, organic, keys=("like_count",)),
        replies=_figure(public, organic, keys=("reply_count",)),
        reposts=_figure(public, organic, keys=("repost_count", "retweet_count")),
        quotes=_figure(public, keys=("quote_count",)),
        bookmarks=_figure(public, keys=("bookmark_count",)),
        link_clicks=_figure(private, organic, keys=("url_link_clicks",)),
        profile_clicks=_figure(private, organic, keys=("user_profile_clicks",)),
        engagements=_figure(private, keys=("engagements",)),
        edit_ids=edit_ids,
        text=clean_text(text)[:1000] if type(text) is str else "",
    )


def _not_found(problem) -> str | None:
    """The id of a post a partial error says X cannot find (deleted, or never was), else None."""
    if type(problem) is not dict:
        return None
    kind, title = problem.get("type"), problem.get("title")
    found = (type(kind) is str and kind.endswith("/resource-not-found")) or title == "Not Found Error"
    if not found or problem.get("resource_type") not in (None, "tweet", "post"):
        return None
    return x_id(problem.get("resource_id")) or x_id(problem.get("value"))


def parse_lookup(payload, asked: list[str]) -> MetricsRead:
    """A lookup's answer (`data` and `errors[]`, either possibly missing) for the ids asked; anything about a post
    not asked for is ignored."""
    read = MetricsRead()
    wanted = set(asked)
    payload = payload if type(payload) is dict else {}
    data = payload.get("data")
    items = data if type(data) is list else [data] if type(data) is dict else []
    read.posts_read = len(items)
    for item in items:
        try:
            figures = parse_figures(item)
        except Unreadable as exc:
            log.warning("Set aside a post's figures from X as unreadable: %s", exc.reason)
            continue
        if figures.post_id in wanted:
            read.figures[figures.post_id] = figures
    errors = payload.get("errors")
    for problem in errors if type(errors) is list else ():
        post_id = _not_found(problem)
        if post_id in wanted and post_id not in read.figures:
            read.gone.add(post_id)
    read.unread = wanted - set(read.figures) - read.gone
    return read


def _private_allowed(post_id: str, now: datetime) -> bool:
    return now - snowflake_time(post_id) < timedelta(days=PRIVATE_DAYS) - PRIVATE_MARGIN


def metrics_read(account, *, post_ids: list[str], now: datetime | None = None, context: str = "") -> MetricsRead:
    """The figures of the account's own posts (metered, one call per 100 ids; posts under 30 days old with their
    non-public figures). X's errors (rate limit, money, credentials) are raised as XApiError before anything of the
    failing call is returned; what earlier calls found is lost with them, so callers read one batch at a time."""
    now = now or datetime.now(tz=UTC)
    ids = list(dict.fromkeys(i for i in map(x_id, post_ids) if i))
    recent = [i for i in ids if _private_allowed(i, now)]
    older = [i for i in ids if i not in set(recent)]
    found = MetricsRead(unread={str(i) for i in post_ids} - set(ids))
    api = client.user_client(account, context=context)
    for group, fields in ((recent, PRIVATE_FIELDS), (older, PUBLIC_FIELDS)):
        for start in range(0, len(group), MAX_IDS):
            batch = group[start : start + MAX_IDS]
            with _translated_errors():
                response = api.get_tweets(batch, tweet_fields=fields, user_auth=True)
                payload = _decoded(response)
            part = parse_lookup(payload, batch)
            found.calls += 1
            found.posts_read += part.posts_read
            found.figures.update(part.figures)
            found.gone |= part.gone
            found.unread |= part.unread
    return found
