"""What X charges, from the price list in settings (pay-per-use, US dollars), and the day it was taken from X.

The list lives in settings (each price overridable from the environment), so a department follows X's changes
without a release. Pure: no database, no app. `post_price` is what one post costs to create; `call_cost` what
one metered call cost (the meter asks it for every ApiCall row).

Where X's rate card is silent we charge the higher price, so an estimate is never below the bill: a reply
with a link is priced as a post with a link; the posts after the first in a thread (replies to our own post)
are priced as ordinary posts, not summoned replies. Media upload is not priced (X publishes no price for it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from twitter_text import extract_urls


def _usd(value) -> Decimal:
    return Decimal(str(value))


@dataclass(frozen=True)
class PriceList:
    taken: date | None
    post_read: Decimal
    post: Decimal
    post_with_url: Decimal
    summoned_reply: Decimal
    alt_text: Decimal
    post_deleted: Decimal
    activity_post_event: Decimal
    activity_profile_event: Decimal
    user_read: Decimal

    def as_dict(self) -> dict[str, str]:
        """The prices as strings, for the compose page's live estimate (data attributes)."""
        return {
            "post": str(self.post),
            "post-with-url": str(self.post_with_url),
            "summoned-reply": str(self.summoned_reply),
            "alt-text": str(self.alt_text),
        }


def current() -> PriceList:
    """The price list now in settings."""
    try:
        taken = date.fromisoformat(str(settings.X_PRICES_TAKEN))
    except ValueError:
        taken = None
    return PriceList(
        taken=taken,
        post_read=_usd(settings.X_PRICE_PER_POST_READ),
        post=_usd(settings.X_PRICE_PER_POST_CREATED),
        post_with_url=_usd(settings.X_PRICE_PER_POST_WITH_URL),
        summoned_reply=_usd(settings.X_PRICE_PER_SUMMONED_REPLY),
        alt_text=_usd(settings.X_PRICE_PER_MEDIA_METADATA),
        post_deleted=_usd(settings.X_PRICE_PER_POST_DELETED),
        activity_post_event=_usd(settings.X_PRICE_PER_ACTIVITY_POST_EVENT),
        activity_profile_event=_usd(settings.X_PRICE_PER_ACTIVITY_PROFILE_EVENT),
        user_read=_usd(settings.X_PRICE_PER_USER_READ),
    )


def has_url(text: str) -> bool:
    """Whether X would see a link in the text (twitter-text's own URL extraction, as the length count uses)."""
    return bool(extract_urls(text or ""))


@dataclass(frozen=True)
class PostPrice:
    kind: str  # "post", "post with a link", "summoned reply"
    create: Decimal
    alt_texts: int
    alt_text_cost: Decimal

    @property
    def total(self) -> Decimal:
        return self.create + self.alt_text_cost


def post_price(text: str, *, is_reply: bool = False, alt_texts: int = 0, prices: PriceList | None = None) -> PostPrice:
    """What creating one post costs: a link makes it a post with a URL, else a reply X accepted is a summoned
    reply, else an ordinary post; plus one media-metadata request per image's alt text."""
    prices = prices or current()
    if has_url(text):
        kind, create = "post with a link", prices.post_with_url
    elif is_reply:
        kind, create = "summoned reply", prices.summoned_reply
    else:
        kind, create = "post", prices.post
    alt_texts = max(0, int(alt_texts or 0))
    return PostPrice(kind=kind, create=create, alt_texts=alt_texts, alt_text_cost=prices.alt_text * alt_texts)


def _json_body(body) -> dict:
    if not body:
        return {}
    try:
        decoded = json.loads(body.decode() if isinstance(body, bytes) else body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return decoded if isinstance(decoded, dict) else {}


def call_cost(
    method: str, endpoint: str, *, status: int | None, posts_read: int, body=None, prices: PriceList | None = None
) -> Decimal:
    """What one call to X cost, as the meter records it: only successful answers are billed. Reads are priced per
    post returned (X's same-day deduplication is not known call by call, so this is at most the bill)."""
    if status is None or not 200 <= status < 300:
        return Decimal(0)
    prices = prices or current()
    if method == "POST" and endpoint == "/2/tweets":
        sent = _json_body(body)
        text = sent.get("text") if isinstance(sent.get("text"), str) else ""
        return post_price(text, is_reply=isinstance(sent.get("reply"), dict), prices=prices).create
    if method == "POST" and endpoint == "/2/media/metadata":
        return prices.alt_text
    if method == "DELETE" and endpoint.startswith("/2/tweets/"):
        return prices.post_deleted
    if method == "GET" and endpoint == "/2/users/:id":
        # One user per answer; X's 200 that says "not found" is charged too, so the meter is never below the bill.
        return prices.user_read
    # Own posts' figures (GET /2/tweets?ids=) are Post reads too: see metrics_cost.
    return prices.post_read * posts_read


def metrics_cost(posts: int, *, prices: PriceList | None = None) -> Decimal:
    """What reading `posts` own posts' figures costs (twitter_api.metrics): X bills a lookup by ids as "Posts: Read"
    per post returned (docs.x.com/x-api/fundamentals/metrics and the rate card of 2026-08-13, x-platform-2026.md
    sections 1 and 6); "Owned Reads" ($0.001) cover only the user timelines, and "Analytics: Read" was dropped from
    the card on 2026-06-18. A post read twice in one UTC day is billed once, so this is at most the bill."""
    prices = prices or current()
    return prices.post_read * max(0, int(posts))


def event_cost(event_type: str, *, prices: PriceList | None = None) -> Decimal:
    """What one event delivered by X's Activity API stream costs (reference section 5): post events (post.create,
    post.delete, post.mention.create and the like) as a post, profile changes at their own price; others (follows,
    DMs) are not subscribed to, and cost nothing here."""
    prices = prices or current()
    if event_type.startswith("post."):
        return prices.activity_post_event
    if event_type.startswith("profile.update."):
        return prices.activity_profile_event
    return Decimal(0)
