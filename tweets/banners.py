"""The site-wide banner while a publishing freeze holds.

Every page shows it (tweets.apps registers it with core.banners), so the active freezes are kept in the cache, the
same for everyone, and dropped whenever a freeze is saved or deleted.
"""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import reverse

from core.cache import forget
from tweets.models import PublishingFreeze

CACHE_KEY = "dovecote:freeze-banners"
# Starting, lifting or editing a freeze clears the cache at once; the time limit bounds the rare race where a
# page that read the freezes just before the change stores them just after it.
CACHE_SECONDS = 60


def freeze_banner_keys(user) -> list[str]:
    """The one cache entry freeze_banners reads, the same for everyone (core.banners reads it with the rest)."""
    return [CACHE_KEY]


def freeze_banners(request: HttpRequest) -> list[dict]:
    banners = cache.get(CACHE_KEY)
    if banners is None:
        banners = [
            {
                "key": f"freeze-{freeze.pk}",
                "level": "warning",
                "title": "Publishing freeze",
                "text": f"Nothing is being published to {freeze.scope_label}: {freeze.reason}",
                "url": reverse("tweets:freeze_detail", args=[freeze.pk]),
                "link_text": "See the freeze and held posts",
            }
            for freeze in PublishingFreeze.objects.active().select_related("team", "account").order_by("started_at")
        ]
        cache.set(CACHE_KEY, banners, CACHE_SECONDS)
    return banners


@receiver(post_save, sender=PublishingFreeze, dispatch_uid="tweets.freeze_banners_saved")
@receiver(post_delete, sender=PublishingFreeze, dispatch_uid="tweets.freeze_banners_deleted")
def forget_freeze_banners(sender, **kwargs) -> None:
    forget(CACHE_KEY)
