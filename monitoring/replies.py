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
        post_id=str(mention.tweet_id),
        author_x_id=mention.author_x_id,
        author_username=mention.author_username,
        text=mention.text,
        quoted_author_x_id=quoted.author_x_id if quoted else "",
    )


def stored_target(post_id: str) -> ReplyTarget | None:
    """What monitoring stored about the post, or None."""
    if x_id(post_id) is None:
        return None
    mention = Mention.objects.filter(tweet_id=int(post_id)).first()
    return target_of(mention) if mention is not None else None


def item_verdicts(mention: Mention, accounts) -> list[tuple[object, ReplyVerdict]]:
    """(account, verdict) for replying to the item's mention as each of these accounts."""
    target = target_of(mention)
    return [(account, replies.reply_verdict(account, target)) for account in accounts]
