"""The banner a team's leads see while X refuses to refresh one of their accounts' account events authorisation
(accounts.oauth2.activity_grant_refresh): push has stopped for it until someone authorises again.

Every page asks, so the failed grants are kept in the cache, the same for everyone, and forgotten whenever a grant
fails, is authorised again or is disconnected (accounts.oauth2); each person sees those of the teams they lead."""

from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse

from accounts.access import led_team_ids
from accounts.models import ActivityGrant
from accounts.oauth2 import BANNERS_CACHE_KEY

CACHE_SECONDS = 5 * 60


def activity_grant_banner_keys(user) -> list[str]:
    return [BANNERS_CACHE_KEY]


def activity_grant_banners(request: HttpRequest) -> list[dict]:
    user = request.user
    failed = cache.get(BANNERS_CACHE_KEY)
    if failed is None:
        failed = list(
            ActivityGrant.objects.filter(refresh_failed_at__isnull=False, revoked_at__isnull=True)
            .order_by("account__handle")
            .values_list("pk", "account_id", "account__handle", "account__team_id")
        )
        cache.set(BANNERS_CACHE_KEY, failed, CACHE_SECONDS)
    if not failed:
        return []
    teams = None if user.is_admin else set(led_team_ids(user))
    return [
        {
            "key": f"activity-grant-{grant_id}",
            "level": "warning",
            "title": "Account events stopped",
            "text": f"X no longer accepts Dovecote's authorisation to receive @{handle}'s account events. Mentions "
            "are still found by polling; authorise again to have them pushed.",
            "url": reverse("accounts:account_detail", args=[account_id]),
            "link_text": f"Authorise @{handle} again",
        }
        for grant_id, account_id, handle, team_id in failed
        if teams is None or team_id in teams
    ]
