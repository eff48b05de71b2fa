"""Replies X will accept: the one rule deciding "may this account reply to this post through the API".

Since 23 February 2026 X accepts a reply from a self-serve app only where the original post's author summoned the
replying account: mentioned it in the post, or quoted one of its posts (../shared/reference/x-platform-2026.md
section 2). Enterprise and Public Utility access is not limited (the account's `api_access`). Replying to the
account's own post (a thread) is allowed: X does not say otherwise, and Dovecote's threads depend on it.

The rule reads only what Dovecote has stored about the post (a ReplyTarget): apps that store posts register a
lookup (`register_lookup`, in their AppConfig.ready()), so pages of any app can ask `verdict_for(account, post_id)`
without importing the app that stored it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from twitter_api.text import mentioned_handles

LIMITED = "self_serve"  # the one access level the rule limits (accounts.TwitterAccount.ApiAccess)


@dataclass(frozen=True)
class ReplyTarget:
    """What Dovecote knows of the post a reply answers (from a stored mention, or one of our own posts)."""

    post_id: str
    author_x_id: str = ""
    author_username: str = ""
    text: str = ""
    quoted_author_x_id: str = ""  # the author of the post it quotes, when known


@dataclass(frozen=True)
class ReplyVerdict:
    allowed: bool
    certain: bool  # False: Dovecote has not stored the post, so it cannot tell
    reason: str  # why X accepts it, or why it will not
    instead: str = ""  # what to do instead, when X will not (or may not) accept it

    @property
    def refused(self) -> bool:
        """X will refuse it, as far as what Dovecote stored can tell."""
        return not self.allowed and self.certain


INSTEAD = "Reply from X's own app, signed in as {handle}, or publish a new post (not a reply) that says the same thing."


def reply_verdict(account, target: ReplyTarget | None) -> ReplyVerdict:
    """May `account` (anything with handle, x_user_id and api_access) reply to `target` through the API?

    The rule is X's: an account on Bluesky or Mastodon (its `network`) may reply to any post it can see."""
    handle = f"@{account.handle}"
    network = getattr(account, "network", "") or "x"
    if network != "x":
        label = {"bluesky": "Bluesky", "mastodon": "Mastodon"}.get(network, network)
        return ReplyVerdict(True, True, f"{label} accepts replies to any post {handle} can see.")
    if getattr(account, "api_access", LIMITED) != LIMITED:
        return ReplyVerdict(True, True, f"{handle}'s X access is not limited, so X accepts its replies.")
    if target is None:
        return ReplyVerdict(
            False,
            False,
            f"Dovecote has not seen this post, so it cannot tell whether X will accept a reply: X accepts one only "
            f"where the post's author mentioned {handle} or quoted one of its posts.",
            INSTEAD.format(handle=handle) + " Or reply to a post from the inbox, where Dovecote can tell.",
        )
    author = f"@{target.author_username}" if target.author_username else "its author"
    if target.author_x_id and target.author_x_id == account.x_user_id:
        return ReplyVerdict(True, True, f"It is {handle}'s own post, so X accepts a reply (a thread).")
    if account.handle.lower() in {name.lower() for name in mentioned_handles(target.text or "")}:
        return ReplyVerdict(True, True, f"{author} mentioned {handle} in the post, so X accepts a reply.")
    if target.quoted_author_x_id and target.quoted_author_x_id == account.x_user_id:
        return ReplyVerdict(True, True, f"{author} quoted one of {handle}'s posts, so X accepts a reply.")
    return ReplyVerdict(
        False,
        True,
        f"X will refuse this reply: {author} did not mention {handle} or quote one of its posts, and X accepts "
        "replies from self-serve apps only where they did.",
        INSTEAD.format(handle=handle),
    )


# --- Where the stored posts are: each app that stores posts registers a lookup ------------------------------------

Lookup = Callable[[str], ReplyTarget | None]
_lookups: dict[str, Lookup] = {}


def register_lookup(lookup: Lookup) -> None:
    """`lookup(post_id)` gives what an app stored about a post, or None. Registering twice is harmless."""
    _lookups[f"{lookup.__module__}.{lookup.__qualname__}"] = lookup


def target_for(post_id: str) -> ReplyTarget | None:
    for lookup in _lookups.values():
        found = lookup(post_id)
        if found is not None:
            return found
    return None


def verdict_for(account, post_id: str) -> ReplyVerdict:
    """reply_verdict for a reply by `account` to the post `post_id`, from what is stored about it."""
    return reply_verdict(account, target_for(post_id) if post_id else None)
