"""How this app learns of events without the apps below calling it: tweets' state-change signal (sent after
commit), and the rows the others write for their own history (inbox item events, freezes, training reminders).
Each notice is written after the event's transaction commits, and a failure here is logged, never raised into
the action that caused it."""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.oauth2 import activity_grant_failed
from monitoring.models import BulkAction, InboxItemEvent
from monitoring.signals import items_passed_on
from notifications import events
from safety.signals import incident_raised
from training.models import ReminderSent
from tweets.models import PublishingFreeze
from tweets.signals import draft_state_changed

logger = logging.getLogger(__name__)


def _safely(func, *args, **kwargs) -> None:
    try:
        func(*args, **kwargs)
    except Exception:
        logger.exception("Could not send the notices of %s%r", func.__name__, args or kwargs)


def _after_commit(func, *args, **kwargs) -> None:
    transaction.on_commit(lambda: _safely(func, *args, **kwargs))


@receiver(draft_state_changed, dispatch_uid="notifications.draft_moved")
def draft_moved(sender, draft, from_state, to_state, **kwargs) -> None:
    _after_commit(events.draft_moved, draft.pk, to_state)  # the signal is after commit: this runs at once


@receiver(post_save, sender=InboxItemEvent, dispatch_uid="notifications.item_event")
def item_event(sender, instance, created, **kwargs) -> None:
    if created and instance.action == "assigned":
        _after_commit(events.item_event, instance.pk)


@receiver(post_save, sender=BulkAction, dispatch_uid="notifications.bulk_assigned")
def bulk_assigned(sender, instance, created, **kwargs) -> None:
    # Bulk assignments write their history rows in bulk (no post_save each): the finished action tells.
    if instance.action == BulkAction.Action.ASSIGN and instance.state == BulkAction.State.DONE:
        _after_commit(events.bulk_assigned, instance.pk)


@receiver(items_passed_on, dispatch_uid="notifications.items_passed_on")
def passed_on(sender, to_team_id, item_ids, by_id=None, note="", **kwargs) -> None:
    # Sent once per pass-on (one item or a bulk action's many), after commit.
    _after_commit(events.items_passed_on, to_team_id=to_team_id, item_ids=item_ids, by_id=by_id, note=note)


@receiver(post_save, sender=PublishingFreeze, dispatch_uid="notifications.freeze_changed")
def freeze_changed(sender, instance, created, update_fields=None, **kwargs) -> None:
    if created:
        _after_commit(events.freeze_changed, instance.pk, "started")
    elif instance.lifted_at is not None and (update_fields is None or "lifted_at" in update_fields):
        _after_commit(events.freeze_changed, instance.pk, "lifted")


@receiver(post_save, sender=ReminderSent, dispatch_uid="notifications.certification_reminder")
def certification_reminder(sender, instance, created, **kwargs) -> None:
    if created and instance.kind in events.EXPIRY_KINDS:
        _after_commit(events.certification_reminder, instance.pk)


@receiver(activity_grant_failed, dispatch_uid="notifications.account_events_stopped")
def account_events_stopped(sender, grant, account, **kwargs) -> None:
    _after_commit(events.account_events_stopped, grant.pk)  # the signal is after commit: this runs at once


@receiver(incident_raised, dispatch_uid="notifications.incident_raised")
def incident_raised_seen(sender, incident_id, **kwargs) -> None:
    _after_commit(events.incident_raised, incident_id)  # the signal is after commit: this runs at once
