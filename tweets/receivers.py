"""tweets' listeners (sent after commit): a post held by a freeze is mailed about; when X credits are restored, what
waited for them is published; when X says one of our published posts was deleted, it is recorded (tweets.records)."""

from django.dispatch import receiver

from tweets import queueing, records
from tweets.signals import draft_state_changed
from twitter_api.credits import credits_restored
from twitter_api.signals import account_activity


@receiver(draft_state_changed, dispatch_uid="tweets.post_held")
def post_held(sender, draft, from_state, to_state, **kwargs) -> None:
    # Both publishing paths (one draft, and the batch) hold a due post by moving it to `held`.
    if to_state == "held":
        queueing.notify_held(draft.pk)


@receiver(credits_restored, dispatch_uid="tweets.publish_after_credits")
def publish_after_credits(sender, **kwargs) -> None:
    # The posts that waited for credits are due: publish them now rather than at the next sweep.
    queueing.publish_due_now()


@receiver(account_activity, dispatch_uid="tweets.post_deleted_on_x")
def post_deleted_on_x(sender, account_id, event_type, event_id=None, payload=None, occurred_at=None, **kwargs) -> None:
    """A post.delete on a governed account: if the post is one Dovecote published, a record of its deletion (none if
    Dovecote's own retraction deleted it). The payload's "post" is an XPost (or, defensively, a dict or an id); its
    "source" says "poll" when polling found it, else it was pushed."""
    if event_type != "post.delete" or not isinstance(payload, dict):
        return
    post = payload.get("post")
    post_id = getattr(post, "id", None) or (post.get("id") if isinstance(post, dict) else post)
    post_id = post_id or payload.get("post_id")
    if not isinstance(post_id, str | int) or isinstance(post_id, bool) or not str(post_id).isascii():
        return
    source = payload.get("source") if payload.get("source") in ("poll", "push") else "push"
    records.post_deleted_on_x(
        account_id=account_id, post_id=str(post_id)[:30], seen_at=occurred_at, source=source, event_id=event_id
    )
