"""Reads: each person's channels per kind (their choices over the defaults), their notices, the unread count."""

from django.core.cache import cache
from django.db.models import QuerySet

from accounts.models import User
from notifications.kinds import DEFAULTS, Channels, Kind
from notifications.models import Notification, Preference

UNREAD_CACHE_SECONDS = 5 * 60


def unread_cache_key(user_id: int) -> str:
    return f"dovecote:notices-unread:{user_id}"


def channels_for(kind: str, user_ids) -> dict[int, Channels]:
    """Each person's channels for `kind`: their choice, or the kind's default. One query."""
    ids = list(user_ids)
    default = DEFAULTS[kind]
    found = {pk: default for pk in ids}
    chosen = Preference.objects.filter(kind=kind, user_id__in=ids).values_list("user_id", "in_app", "email")
    for user_id, in_app, email in chosen:
        found[user_id] = Channels(in_app, email)
    return found


def email_choosers(kind: str, user_ids: list[int]) -> set[int]:
    """For core.notices: who, of these, wants an email about `kind` (anyone, for a kind this app does not know)."""
    if kind not in DEFAULTS:
        return set(user_ids)
    return {pk for pk, channels in channels_for(kind, user_ids).items() if channels.email}


def preferences_of(user: User) -> list[tuple[str, str, Channels]]:
    """(kind, label, channels) for every kind, in the order the preferences page lists them."""
    chosen = channels_for_user(user)
    return [(kind.value, kind.label, chosen[kind.value]) for kind in Kind]


def channels_for_user(user: User) -> dict[str, Channels]:
    found = dict(DEFAULTS)
    for kind, in_app, email in Preference.objects.filter(user=user).values_list("kind", "in_app", "email"):
        if kind in found:
            found[kind] = Channels(in_app, email)
    return found


def notices_for(user: User) -> QuerySet[Notification]:
    """The person's notices shown in the app, newest first."""
    return Notification.objects.filter(recipient=user, in_app=True).order_by("-created_at", "-id")


def notice_for(user: User, pk: int) -> Notification:
    """One of the person's own notices, or a 404 (nobody reaches another person's, admins included)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(notices_for(user), pk=pk)


def unread_count(user: User) -> int:
    """How many of the person's notices are unread: asked by every page's header, so kept in the cache until a
    notice of theirs is added or read (services forget it), and five minutes at most."""
    key = unread_cache_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count
