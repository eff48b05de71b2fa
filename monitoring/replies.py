"""Whether X will accept a reply to a stored mention (the rule: twitter_api.replies): monitoring's lookup of what it
stored about a post (registered in monitoring.apps), and each inbox item's answer for the accounts it may reply as.
"""

from monitoring.models import Mention
from twitter_api import replies
from twitter_api.client import x_id
from twitter_api.replies import ReplyTarget, ReplyVerdict


def target_of(mention: Mention) -> ReplyTarget:
    quoted = replies.target_for(mention.quoted_post_id) if mention.quoted_post_id else None
    return ReplyTarget(
        post_id=reply_to_id(mention),
        author_x_id=mention.author_x_id,
        author_username=mention.author_username,
        text=mention.text,
        quoted_author_x_id=quoted.author_x_id if quoted else "",
    )


def reply_to_id(mention: Mention) -> str:
    """The id a reply to the mention names on its network: X's post id, or the Bluesky or Mastodon post's own id."""
    return mention.network_post_id if mention.network else str(mention.tweet_id)


def stored_target(post_id: str) -> ReplyTarget | None:
    """What monitoring stored about the post (on X by its id; on Bluesky or Mastodon by that network's id), or None."""
    if x_id(post_id) is None:
        mention = Mention.objects.filter(network_post_id=post_id).first() if post_id else None
    else:
        # An X id names an X post: a Bluesky or Mastodon post's local tweet_id is never an id on X.
        mention = Mention.objects.filter(tweet_id=int(post_id), network__isnull=True).first()
    return target_of(mention) if mention is not None else None


def item_verdicts(mention: Mention, accounts) -> list[tuple[object, ReplyVerdict]]:
    """(account, verdict) for replying to the item's mention as each of these accounts."""
    target = target_of(mention)
    return [(account, replies.reply_verdict(account, target)) for account in accounts]
