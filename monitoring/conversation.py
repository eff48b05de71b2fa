"""The conversation an inbox item belongs to: the post it answers, the department's own posts and replies in it,
and the other posts of the same conversation (X's `conversation_id`), oldest first.

Read from what Dovecote already holds first (stored mentions, the department's published drafts, and what an
earlier read from X left in the cache). Only when the post the mention answers, or the post that started the
conversation, is missing may a member of the item's team ask X for the rest (`conversation_fetch`): one search
`conversation_id:<id>` (and one post lookup when the post answered is still missing), metered like every call,
counted against the month's read budget, refused while the budget is used up, and cached so it is read once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db.models import Q

from accounts.models import TwitterAccount, User
from core.permissions import Refused, ensure
from monitoring.budget import budget_state
from monitoring.models import InboxItem, Mention
from networks import provider_for
from twitter_api import client
from twitter_api.client import x_id
from twitter_api.errors import XApiError
from twitter_api.types import XPost

log = logging.getLogger(__name__)

CACHE_SECONDS = 6 * 60 * 60  # a conversation read from X is shown for six hours, then may be read again
LOCK_SECONDS = 30
MAX_STORED = 200  # posts of one conversation shown from the database: a viral thread is not read whole


@dataclass
class ConversationPost:
    post_id: str
    author_username: str
    author_name: str
    text: str
    posted_at: datetime | None
    ours: bool = False  # posted by one of the department's accounts
    this: bool = False  # the item's own mention
    answered: bool = False  # the post the item's mention replies to
    from_x: bool = False  # read from X for this page, not stored by Dovecote
    link: str = ""  # on Bluesky or Mastodon, where the post is read there
    network_label: str = "X"

    @property
    def url(self) -> str:
        if self.network_label != "X":
            return self.link
        return f"https://x.com/{self.author_username or 'i'}/status/{self.post_id}"


@dataclass
class Conversation:
    conversation_id: str
    posts: list[ConversationPost] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # ids of posts it refers to that Dovecote does not hold
    fetched: bool = False  # X was asked already (what it said is in `posts`; what it did not have stays missing)

    @property
    def can_fetch(self) -> bool:
        return bool(self.missing) and not self.fetched


def _cache_key(conversation_id: str) -> str:
    return f"dovecote:conversation:{conversation_id}"


def _ids(item: InboxItem) -> tuple[str, str, str]:
    """(conversation id, the mention's own id, the id of the post it answers or '')."""
    mention = item.mention
    own = str(mention.tweet_id)
    conversation_id = x_id(mention.conversation_id) or own
    return conversation_id, own, x_id(mention.reply_to_post_id) or ""


def _own_accounts() -> dict[str, TwitterAccount]:
    return {a.x_user_id: a for a in TwitterAccount.objects.exclude(x_user_id="").only("x_user_id", "handle")}


def _stored_posts(conversation_id: str, wanted: set[str], own_accounts: dict) -> dict[str, ConversationPost]:
    numeric = [int(i) for i in wanted if i]
    mentions = (
        Mention.objects.filter(Q(conversation_id=conversation_id) | Q(tweet_id__in=numeric))
        .order_by("tweet_id")
        .values_list("tweet_id", "author_x_id", "author_username", "author_name", "text", "posted_at")[:MAX_STORED]
    )
    return {
        str(tweet_id): ConversationPost(
            post_id=str(tweet_id),
            author_username=username,
            author_name=name,
            text=text,
            posted_at=posted_at,
            ours=author_id in own_accounts,
        )
        for tweet_id, author_id, username, name, text, posted_at in mentions
    }


def _department_posts(ids: set[str]) -> dict[str, ConversationPost]:
    """The department's published posts in the conversation: those that start it, and its replies to its posts."""
    from tweets.models import Draft

    drafts = (
        Draft.objects.filter(state=Draft.State.PUBLISHED)
        .filter(Q(published_post_id__in=ids) | Q(in_reply_to_post_id__in=ids))
        .exclude(published_post_id="")
        .select_related("account", "current_revision")
        .order_by("published_at")[:MAX_STORED]
    )
    return {
        d.published_post_id: ConversationPost(
            post_id=d.published_post_id,
            author_username=d.account.handle,
            author_name=d.account.display_name,
            text=d.text,
            posted_at=d.published_at,
            ours=True,
        )
        for d in drafts
    }


def _from_cache(conversation_id: str) -> list[dict] | None:
    found = cache.get(_cache_key(conversation_id))
    return found if isinstance(found, list) else None


def conversation_for(item: InboxItem) -> Conversation:
    """The item's conversation, oldest first, from what Dovecote holds (and X's answer, when it was asked)."""
    if item.mention.network:
        return _network_conversation(item)
    conversation_id, own, answered = _ids(item)
    own_accounts = _own_accounts()
    wanted = {conversation_id, own, answered} - {""}
    posts = _stored_posts(conversation_id, wanted, own_accounts)
    cached = _from_cache(conversation_id)
    for row in cached or ():
        if row["post_id"] not in posts:
            posts[row["post_id"]] = ConversationPost(**row, from_x=True)
    for post_id, post in _department_posts(set(posts) | wanted).items():
        posts.setdefault(post_id, post)
    for post in posts.values():
        post.this = post.post_id == own
        post.answered = post.post_id == answered
    missing = [i for i in (answered, conversation_id) if i and i not in posts]
    ordered = sorted(posts.values(), key=lambda p: int(p.post_id))
    return Conversation(
        conversation_id=conversation_id, posts=ordered, missing=list(dict.fromkeys(missing)), fetched=cached is not None
    )


def _network_conversation(item: InboxItem) -> Conversation:
    """A Bluesky or Mastodon post's conversation, from what Dovecote stored of it on that network: the posts of the
    same thread, the post it answers, and the department's own posts answering it. Never read from X (nothing is
    missing to ask for); the rest is read on the network itself, through each post's link."""
    from tweets.models import Draft

    mention = item.mention
    network, label = mention.network, mention.network_label
    post_id, answered = mention.network_post_id or "", mention.reply_to_post_id or ""
    wanted = Q(pk=mention.pk)
    if mention.conversation_id:
        wanted |= Q(network=network, conversation_id=mention.conversation_id)
    if answered:
        wanted |= Q(network=network, network_post_id=answered)
    own_accounts = {a.x_user_id for a in TwitterAccount.objects.filter(network=network).exclude(x_user_id="")}
    fields = ("network_post_id", "network_url", "author_x_id", "author_username", "author_name", "text", "posted_at")
    posts = {
        row[0]: ConversationPost(
            post_id=row[0],
            author_username=row[3],
            author_name=row[4],
            text=row[5],
            posted_at=row[6],
            ours=row[2] in own_accounts,
            link=row[1] or "",
            network_label=label,
        )
        for row in Mention.objects.filter(wanted).order_by("tweet_id").values_list(*fields)[:MAX_STORED]
    }
    replies = (
        Draft.objects.filter(state=Draft.State.PUBLISHED, account__network=network)
        .filter(Q(in_reply_to_post_id__in=[i for i in (post_id, answered) if i]) | Q(published_post_id=answered or "-"))
        .exclude(published_post_id="")
        .select_related("account", "current_revision")
        .order_by("published_at")[:MAX_STORED]
    )
    for draft in replies:
        posts.setdefault(
            draft.published_post_id,
            ConversationPost(
                post_id=draft.published_post_id,
                author_username=draft.account.handle,
                author_name=draft.account.display_name,
                text=draft.text,
                posted_at=draft.published_at,
                ours=True,
                link=_own_post_url(draft.account, draft.published_post_id),
                network_label=label,
            ),
        )
    for post in posts.values():
        post.this = post.post_id == post_id
        post.answered = bool(answered) and post.post_id == answered
    # By time; where two share a time (Mastodon's are to the second), the post answered before its answer.
    ordered = sorted(
        posts.values(), key=lambda p: (p.posted_at is None, p.posted_at or mention.posted_at, not p.answered, p.ours)
    )
    return Conversation(conversation_id=mention.conversation_id or post_id, posts=ordered, fetched=True)


def _own_post_url(account, post_id: str) -> str:
    try:
        return provider_for(account).post_url(account, post_id)
    except Exception:  # noqa: BLE001  (a link is a nicety)
        return ""


def _as_row(post: XPost, own_accounts: dict) -> dict:
    author = post.author
    return {
        "post_id": post.id,
        "author_username": author.username if author else "",
        "author_name": author.name if author else "",
        "text": post.text,
        "posted_at": post.created_at,
        "ours": post.author_id in own_accounts,
    }


def conversation_fetch(*, item: InboxItem, by: User) -> Conversation:
    """Ask X for the rest of the item's conversation, once: refused while the read budget is used up; a second
    ask (or one made while another is under way) reads nothing and shows what is cached."""
    ensure(by, "monitoring.work_item", item)
    if item.mention.network:
        raise Refused(
            f"Dovecote reads conversations from X only. Open this post on {item.mention.network_label} to read the "
            "rest of its conversation."
        )
    conversation_id, _, answered = _ids(item)
    if _from_cache(conversation_id) is not None:
        return conversation_for(item)
    state = budget_state()
    if state.exhausted:
        raise Refused(
            f"This month's X read budget is used up ({state.used:,} of {state.limit:,} posts), so Dovecote will not "
            "read the rest of this conversation from X. A lead or admin can raise the budget on the usage page."
        )
    lock = f"{_cache_key(conversation_id)}:reading"
    if not cache.add(lock, by.pk, LOCK_SECONDS):
        return conversation_for(item)  # someone is reading it now: their answer is cached in a moment
    own_accounts = _own_accounts()
    context = f"monitoring:conversation:{conversation_id}"[:100]
    try:
        found = client.conversation_read(conversation_id, context=context).posts
        ids = {p.id for p in found}
        for wanted in (answered, conversation_id):
            if wanted and wanted not in ids:
                post = client.post_lookup(wanted, context=context)
                if post is not None:
                    found.append(post)
                    ids.add(post.id)
    except XApiError as exc:
        cache.delete(lock)
        log.warning("Reading conversation %s from X failed: %s", conversation_id, exc)
        raise Refused(f"The rest of the conversation could not be read from X. {exc.message}") from exc
    # Only this conversation's posts (and the post answered, which X may place in another when it was quoted).
    keep = {conversation_id, answered}
    rows = {
        p.id: _as_row(p, own_accounts) for p in found if p.conversation_id in (None, conversation_id) or p.id in keep
    }
    rows = list(rows.values())
    cache.set(_cache_key(conversation_id), rows, CACHE_SECONDS)
    cache.delete(lock)
    return conversation_for(item)
