"""Site-wide banners from monitoring: spikes on the user's teams' monitors.

Every page shows them (monitoring.apps registers them with core.banners), so they are kept in the cache for the
rest of the clock minute per set of teams: spikes are found hourly, and a new one may reach the banner up to a
minute late (one query when not cached).
"""

import hashlib

from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.access import team_ids_for_user, teams_key
from monitoring.models import SpikeAlert
from monitoring.spikes import SPIKE_QUIET

CACHE_SECONDS = 60


def spike_banners_key(user) -> str:
    # One key per clock minute: a banner is at most a minute behind, on any clock.
    minute = timezone.now().strftime("%Y%m%d%H%M")
    return f"dovecote:spike-banners:{minute}:" + hashlib.sha256(teams_key(user).encode()).hexdigest()


def spike_banner_keys(user) -> list[str]:
    """The cache entry spike_banners reads for the user (core.banners reads it with the rest)."""
    return [spike_banners_key(user)]


def spike_banners(request: HttpRequest) -> list[dict]:
    user = request.user
    key = spike_banners_key(user)
    banners = cache.get(key)
    if banners is None:
        banners = _spike_banners(None if user.is_admin else team_ids_for_user(user))
        cache.set(key, banners, CACHE_SECONDS)
    return banners


def _spike_banners(team_ids: list[int] | None) -> list[dict]:
    alerts = SpikeAlert.objects.filter(created_at__gte=timezone.now() - SPIKE_QUIET).select_related("monitor")
    if team_ids is not None:
        alerts = alerts.filter(monitor__team_id__in=team_ids)
    return [
        {
            "key": f"spike-{a.pk}",
            "level": "warning",
            "title": "Spike in mentions",
            "text": f"{a.count} posts matched “{a.monitor.name}” in the last hour, against about "
            f"{a.baseline:.0f} usually at this time.",
            "url": reverse("monitoring:monitor_list") + f"#monitor-{a.monitor_id}",
            "link_text": "See the monitoring page",
        }
        for a in alerts[:5]
    ]
