"""The site-wide banner while a publishing freeze holds.

Every page shows it (tweets.apps registers it with core.banners), so the active freezes are kept in the cache, the
same for everyone, checked against the generations of the freezes and of the teams and accounts they name
(core.freshness.kept), read in the same round trip: a freeze started, lifted or edited shows on the next page.
"""

from django.http import HttpRequest
from django.urls import reverse

from core import freshness
from tweets.models import PublishingFreeze

CACHE_KEY = "dovecote:freeze-banners:kept"  # (generations, banners): core.freshness.kept
# The freshness topics the banner is built from: the freezes, and the teams' and accounts' names they show.
TOPICS = ("freezes", "teams")


def freeze_banner_keys(user) -> list[str]:
    """The one cache entry freeze_banners reads, the same for everyone (core.banners reads it with the rest, and
    TOPICS' generations with it)."""
    return [CACHE_KEY]


def freeze_banners(request: HttpRequest) -> list[dict]:
    return freshness.kept(CACHE_KEY, TOPICS, _freeze_banners)


def _freeze_banners() -> list[dict]:
    return [
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
