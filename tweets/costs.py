"""What X will charge for a draft under the current price list (twitter_api.prices), shown before anyone approves
it: on the compose page and on the approval page, with the day the prices were taken.

Each post of a thread is priced on its own: the first as a reply when the draft answers a post (a summoned reply:
X accepts a reply only where the account was summoned), a post with a link at the link price, and one media
metadata request per image's alt text. How many alt texts each post has comes from the revision's media
(`alt_texts_per_post`: its RevisionMedia with alt text), or from the compose form as it stands.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tweets.media_models import RevisionMedia
from twitter_api import prices as price_list

# Counts the alt texts of each post of a revision, in place of its RevisionMedia (for tests and other media stores).
_alt_text_counter: Callable[[object], Sequence[int]] | None = None


def count_alt_texts_with(counter: Callable[[object], Sequence[int]] | None) -> None:
    """Register how to count a revision's alt texts per post (None: no media, no alt texts)."""
    global _alt_text_counter
    _alt_text_counter = counter


def _revision_alt_texts(revision) -> list[int]:
    """Per post, the revision's images and GIFs with alt text: each is one media metadata request to X."""
    found = Counter(
        RevisionMedia.objects.filter(revision=revision).exclude(alt_text="").values_list("position", flat=True)
    )
    return [found.get(position, 0) for position in range(max(found, default=-1) + 1)]


def alt_texts_per_post(revision, posts: int) -> list[int]:
    """The number of alt texts on each of the revision's `posts` posts."""
    if revision is None:
        return [0] * posts
    counts = list((_alt_text_counter or _revision_alt_texts)(revision))
    return [int(counts[i]) if i < len(counts) and counts[i] else 0 for i in range(posts)]


@dataclass(frozen=True)
class PostCost:
    position: int  # 1-based, as the page numbers a thread's posts
    kind: str
    create: Decimal
    alt_texts: int
    alt_text_cost: Decimal

    @property
    def total(self) -> Decimal:
        return self.create + self.alt_text_cost


@dataclass(frozen=True)
class DraftCost:
    posts: list[PostCost]
    taken: date | None  # the day the prices were taken from X

    @property
    def total(self) -> Decimal:
        return sum((post.total for post in self.posts), Decimal(0))

    @property
    def has_link(self) -> bool:
        return any(post.kind == "post with a link" for post in self.posts)


def cost_of(posts: Sequence[str], *, is_reply: bool = False, alt_texts: Sequence[int] = (), prices=None) -> DraftCost:
    """What X charges to publish these posts as one thread (blank posts are not sent, so cost nothing)."""
    prices = prices or price_list.current()
    lines = []
    for index, text in enumerate(posts):
        if not isinstance(text, str) or not text.strip():
            continue
        alts = alt_texts[index] if index < len(alt_texts) else 0
        price = price_list.post_price(text, is_reply=is_reply and not lines, alt_texts=alts, prices=prices)
        lines.append(
            PostCost(
                position=len(lines) + 1,
                kind=price.kind,
                create=price.create,
                alt_texts=price.alt_texts,
                alt_text_cost=price.alt_text_cost,
            )
        )
    return DraftCost(posts=lines, taken=prices.taken)


def draft_cost(draft, *, prices=None) -> DraftCost:
    """What the draft's current revision costs to publish."""
    revision = draft.current_revision
    posts = list(revision.posts if revision is not None else draft.posts)
    return cost_of(
        posts,
        is_reply=bool(draft.in_reply_to_post_id),
        alt_texts=alt_texts_per_post(revision, len(posts)),
        prices=prices,
    )
