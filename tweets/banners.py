"""The site-wide banner while a publishing freeze holds (one query)."""

from django.http import HttpRequest
from django.urls import reverse

from tweets.models import PublishingFreeze


def freeze_banners(request: HttpRequest) -> list[dict]:
    banners = []
    for freeze in PublishingFreeze.objects.active().select_related("team", "account").order_by("started_at"):
        banners.append(
            {
                "level": "warning",
                "title": "Publishing freeze",
                "text": f"Nothing is being published to {freeze.scope_label}: {freeze.reason}",
                "url": reverse("tweets:freeze_detail", args=[freeze.pk]),
                "link_text": "See the freeze and held posts",
            }
        )
    return banners
