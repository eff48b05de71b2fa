"""Listens to the tweets workflow: an inbox item becomes replied when its reply draft is published."""

from django.dispatch import receiver

from tweets.signals import draft_state_changed


@receiver(draft_state_changed, dispatch_uid="monitoring.reply_published")
def reply_published(sender, draft, from_state, to_state, **kwargs) -> None:
    if to_state != "published" or draft.purpose != "reply":
        return
    from monitoring.services import item_mark_replied

    item_mark_replied(draft_id=draft.pk)
