"""tweets' own listeners to its state-change signal (sent after commit): a post held by a freeze is mailed about."""

from django.dispatch import receiver

from tweets import queueing
from tweets.signals import draft_state_changed


@receiver(draft_state_changed, dispatch_uid="tweets.post_held")
def post_held(sender, draft, from_state, to_state, **kwargs) -> None:
    # Both publishing paths (one draft, and the batch) hold a due post by moving it to `held`.
    if to_state == "held":
        queueing.notify_held(draft.pk)
