"""The sandbox's `GET /2/tweets?ids=`: posts by id with the figures X keeps for them (x-platform-2026.md section 6).

Figures are plausible and deterministic: each post's reach comes from a hash of its id, and every figure grows with
the post's age (fast in the first hours, slowly after a day), so a test that fixes the clock can assert them
(`figures_for`). Non-public and organic figures are given only to the post's author and only for posts under 30
days old, as X does. An id X cannot find (deleted, or never was) is a partial error beside the posts found; an
edited post lists its later versions in `edit_history_tweet_ids` (`post_edit` makes one).
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta

from twitter_api.sandbox.policy import PROBLEMS
from twitter_api.sandbox.state import SandboxError, SandboxState, StoredPost, invalid_request, render_post

PRIVATE_AGE = timedelta(days=30)
METRIC_FIELDS = {"public_metrics", "non_public_metrics", "organic_metrics"}


def _seed(post_id: str) -> int:
    return int.from_bytes(hashlib.sha256(post_id.encode()).digest()[:8], "big")


def figures_for(stored: StoredPost, now: datetime | None = None) -> dict[str, int]:
    """Every figure of one post at `now`: grows with age, never falls, the same for the same id and age."""
    now = now or datetime.now(tz=UTC)
    hours = max(0.0, (now - stored.post.created_at).total_seconds() / 3600)
    seed = _seed(stored.post.id)
    reach = 200 + seed % 1800
    growth = hours / (hours + 6) * (1 + 0.1 * math.log1p(hours / 24))
    impressions = int(reach * 10 * growth)
    has_link = bool((stored.post.entities or {}).get("urls"))
    likes = impressions * (1 + (seed >> 8) % 5) // 100
    replies = impressions * (1 + (seed >> 12) % 3) // 400
    reposts = impressions * (1 + (seed >> 16) % 4) // 300
    quotes = reposts // 5
    bookmarks = likes // 6
    link_clicks = impressions * (1 + (seed >> 20) % 6) // 200 if has_link else 0
    profile_clicks = impressions // 150
    return {
        "impressions": impressions,
        "likes": likes,
        "replies": replies,
        "reposts": reposts,
        "quotes": quotes,
        "bookmarks": bookmarks,
        "link_clicks": link_clicks,
        "profile_clicks": profile_clicks,
        "engagements": likes + replies + reposts + quotes + bookmarks + link_clicks + profile_clicks,
    }


def _with_metrics(data: dict, stored: StoredPost, fields: set, *, own: bool, now: datetime) -> dict:
    f = figures_for(stored, now)
    if "public_metrics" in fields:
        data["public_metrics"] = {
            "repost_count": f["reposts"],
            "reply_count": f["replies"],
            "like_count": f["likes"],
            "quote_count": f["quotes"],
            "bookmark_count": f["bookmarks"],
            "impression_count": f["impressions"],
        }
    if own and now - stored.post.created_at < PRIVATE_AGE:
        if "non_public_metrics" in fields:
            data["non_public_metrics"] = {
                "impression_count": f["impressions"],
                "url_link_clicks": f["link_clicks"],
                "user_profile_clicks": f["profile_clicks"],
                "engagements": f["engagements"],
            }
        if "organic_metrics" in fields:
            data["organic_metrics"] = {
                "impression_count": f["impressions"],
                "like_count": f["likes"],
                "reply_count": f["replies"],
                "retweet_count": f["reposts"],
                "url_link_clicks": f["link_clicks"],
                "user_profile_clicks": f["profile_clicks"],
            }
    return data


def _not_found(post_id: str) -> dict:
    return {
        "value": post_id,
        "detail": f"Could not find tweet with id: [{post_id}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": "ids",
        "resource_id": post_id,
        "type": PROBLEMS + "resource-not-found",
    }


def posts_lookup(state: SandboxState, user, query: dict) -> tuple[int, dict]:
    """GET /2/tweets?ids=1,2,3 (1 to 100 ids), with `tweet.fields` or `post.fields`."""
    raw = query.get("ids", "")
    ids = raw.split(",") if raw else []
    if not ids or len(ids) > 100 or not all(i.isascii() and i.isdigit() and len(i) < 20 for i in ids):
        raise invalid_request("ids", raw, f"The `ids` query parameter value [{raw}] is not valid")
    fields = set(filter(None, f"{query.get('tweet.fields', '')},{query.get('post.fields', '')}".split(",")))
    now = datetime.now(tz=UTC)
    data, errors = [], []
    with state.lock:
        for post_id in dict.fromkeys(ids):
            stored = state.by_id.get(post_id)
            if stored is None or stored.deleted:
                errors.append(_not_found(post_id))
                continue
            item = render_post(stored, fields)
            chain = state.edit_chains.get(post_id)
            if chain:
                item["edit_history_tweet_ids"] = list(chain)
            own = user is not None and stored.post.author_id == user.id
            data.append(_with_metrics(item, stored, fields & METRIC_FIELDS, own=own, now=now))
    _serve_malformed(data, state.take_malformed())
    payload: dict = {}
    if data:
        payload["data"] = data
    if errors:
        payload["errors"] = errors
    return 200, payload


def _serve_malformed(data: list, items: list) -> None:
    """The malformed fault's posts (Faults.malformed), served once: one with the id of a post found stands in for
    it (its figures mangled as X might), any other is added among the posts."""
    for item in items:
        raw = item.get("post") if isinstance(item, dict) else None
        if raw is None:
            continue
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        at = next((i for i, post in enumerate(data) if post["id"] == raw_id), None)
        if at is None:
            data.insert(len(data) // 2, raw)
        else:
            data[at] = raw


def post_edit(state: SandboxState, *, post_id: str, text: str) -> StoredPost:
    """Edit one of a user's posts as X does: a new post with a new id, both listing the whole chain."""
    with state.lock:
        original = state.by_id.get(post_id)
        if original is None or original.deleted:
            raise SandboxError(404, _not_found(post_id))
        author = state.users[original.post.author_id]
        edited = state.add_post(author=author, text=text, lang=original.post.lang)
        chain = [*state.edit_chains.get(post_id, [post_id]), edited.post.id]
        for member in chain:
            state.edit_chains[member] = chain
        return edited
