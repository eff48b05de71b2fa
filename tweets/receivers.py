"""tweets' listeners (sent after commit): a post held by a freeze is mailed about; when X credits are restored, what
waited for them is published."""

from django.dispatch import receiver

from tweets import queueing
from tweets.signals import draft_state_changed
from twitter_api.credits import credits_restored


@receiver(draft_state_changed, dispatch_uid="tweets.post_held")
def post_held(sender, draft, from_state, to_state, **kwargs) -> None:
    # Both publishing paths (one draft, and the batch) hold a due post by moving it to `held`.
    if to_state == "held":
        queueing.notify_held(draft.pk)


@receiver(credits_restored, dispatch_uid="tweets.publish_after_credits")
def publish_after_credits(sender, **kwargs) -> None:
    # The posts that waited for credits are due: publish them now rather than at the next sweep.
    queueing.publish_due_now()
