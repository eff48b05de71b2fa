"""Writes: sending notices (each event once per person), reading them, and each person's choices."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record
from core.cache import forget
from core.queues import enqueue_on_commit
from notifications.kinds import DEFAULTS, EMAILED_ELSEWHERE, Channels, Kind
from notifications.models import Notification, Preference
from notifications.selectors import channels_for, unread_cache_key

EMAIL_JOB = "notifications.jobs.notification_email"
TITLE_LENGTH = Notification._meta.get_field("title").max_length
URL_LENGTH = Notification._meta.get_field("url").max_length
KEY_LENGTH = Notification._meta.get_field("key").max_length


def notify(*, kind: str, recipients: Iterable[int | User], key: str, title: str, body: str = "", url: str = "") -> int:
    """Tell each recipient (active people only) about one event, by the channels they chose for `kind`.

    `key` names the event: a person is told about it once however often this is called (a signal sent twice, a
    job run again). Emails this app sends go on the `default` queue after commit. Returns how many were added."""
    kind = Kind(kind)
    ids = {r.pk if isinstance(r, User) else int(r) for r in recipients if r is not None}
    if not ids:
        return 0
    ids = set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    key = key[:KEY_LENGTH]
    already = set(Notification.objects.filter(key=key, recipient_id__in=ids).values_list("recipient_id", flat=True))
    rows = []
    for user_id, channels in channels_for(kind, sorted(ids - already)).items():
        email = channels.email and kind not in EMAILED_ELSEWHERE
        if channels.in_app or email:
            rows.append(
                Notification(
                    recipient_id=user_id,
                    kind=kind,
                    key=key,
                    title=title[:TITLE_LENGTH],
                    body=body,
                    url=url[:URL_LENGTH],
                    in_app=channels.in_app,
                    email=email,
                )
            )
    if not rows:
        return 0
    with transaction.atomic():
        # ignore_conflicts: two workers told of the same event at once; the constraint keeps one.
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        for row in rows:
            if row.in_app:
                forget(unread_cache_key(row.recipient_id))
        if any(row.email for row in rows):
            to_email = Notification.objects.filter(
                key=key, recipient_id__in=[r.recipient_id for r in rows if r.email], email=True, emailed_at__isnull=True
            ).values_list("pk", flat=True)
            for pk in to_email:
                enqueue_on_commit("default", EMAIL_JOB, notification_id=pk)
    return len(rows)


def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:
        raise PermissionError("A notice can only be read by the person it was sent to.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
        forget(unread_cache_key(user.pk))
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    marked = Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    forget(unread_cache_key(user.pk))
    return marked


@transaction.atomic
def preferences_save(*, user: User, choices: dict[str, Channels], request=None) -> list[str]:
    """Save a person's channels per kind (only those that differ from what they had); returns the kinds changed."""
    current = {kind: channels for kind, channels in channels_for_user_locked(user).items()}
    changed = []
    for kind, channels in choices.items():
        if kind not in DEFAULTS or current.get(kind) == channels:
            continue
        Preference.objects.update_or_create(
            user=user, kind=kind, defaults={"in_app": channels.in_app, "email": channels.email}
        )
        changed.append(kind)
    if changed:
        audit_record(
            action="notifications.preferences_changed",
            actor=user,
            obj=user,
            details={k: {"in_app": choices[k].in_app, "email": choices[k].email} for k in changed},
            request=request,
        )
    return changed


def channels_for_user_locked(user: User) -> dict[str, Channels]:
    found = dict(DEFAULTS)
    rows = Preference.objects.select_for_update().filter(user=user).values_list("kind", "in_app", "email")
    for kind, in_app, email in rows:
        if kind in found:
            found[kind] = Channels(in_app, email)
    return found
