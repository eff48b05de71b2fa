"""Site-wide banners from monitoring: spikes on the user's teams' monitors; for admins, push from X being down.

Every page shows them (monitoring.apps registers them with core.banners), so they are kept in the cache per set
of teams, checked against the generations of the spikes and the monitors (core.freshness.kept) read in the same
round trip: a spike found (monitoring.spikes.spikes_detect) shows on the next page, and costs one query once
(for everyone in those teams). Each banner goes when its spike leaves the quiet period, checked on every read.
"""

import hashlib

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.access import team_ids_for_user, teams_key
from core import freshness
from monitoring.models import SpikeAlert
from monitoring.push import HEARTBEAT_KEY, health_summary
from monitoring.spikes import SPIKE_QUIET

SHOWN = 5
# The freshness topics the banners are built from: the alerts, and the monitors' names they show.
TOPICS = ("spikes", "monitors")


def spike_banners_key(user) -> str:
    return "dovecote:spike-banners:kept:" + hashlib.sha256(teams_key(user).encode()).hexdigest()


def spike_banner_keys(user) -> list[str]:
    """The cache entry spike_banners reads for the user (core.banners reads it with the rest, and TOPICS'
    generations with it)."""
    return [spike_banners_key(user)]


def spike_banners(request: HttpRequest) -> list[dict]:
    user = request.user
    team_ids = None if user.is_admin else team_ids_for_user(user)
    kept = freshness.kept(spike_banners_key(user), TOPICS, lambda: _spike_banners(team_ids))
    now = timezone.now()
    return [banner for until, banner in kept if until > now][:SHOWN]


def _spike_banners(team_ids: list[int] | None) -> list[tuple]:
    """The latest spikes' banners, each with the time it goes (the end of its quiet period)."""
    now = timezone.now()
    alerts = SpikeAlert.objects.filter(created_at__gte=now - SPIKE_QUIET).select_related("monitor")
    if team_ids is not None:
        alerts = alerts.filter(monitor__team_id__in=team_ids)
    return [
        (
            a.created_at + SPIKE_QUIET,
            {
                "key": f"spike-{a.pk}",
                "level": "warning",
                "title": "Spike in mentions",
                "text": f"{a.count} posts matched “{a.monitor.name}” in the last hour, against about "
                f"{a.baseline:.0f} usually at this time.",
                "url": reverse("monitoring:monitor_list") + f"#monitor-{a.monitor_id}",
                "link_text": "See the monitoring page",
            },
        )
        for a in alerts.order_by("-created_at", "-pk")[:SHOWN]
    ]


def stream_banner_keys(user) -> list[str]:
    return [HEARTBEAT_KEY] if user.is_admin and settings.INGESTION == "push" else []


def stream_banners(request: HttpRequest) -> list[dict]:
    """Admins are told when push ingestion is on but the stream has been down long enough for polling to take over."""
    if not request.user.is_admin:
        return []
    health = health_summary()
    if health is None or not health["falling_back"]:
        return []
    what = "is not running" if health["never_seen"] else "has been down for a while"
    return [
        {
            "key": "stream-down",
            "level": "warning",
            "title": "Push from X is down",
            "text": f"The activity stream {what}: mentions are being polled instead, a poll interval behind. "
            "Check the stream process (manage.py stream).",
            "url": reverse("monitoring:usage") + "#stream-health",
            "link_text": "See its state on the usage page",
        }
    ]
