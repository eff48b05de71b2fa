"""Site-wide banners from monitoring: spikes on the user's teams' monitors.

Every page shows them (monitoring.apps registers them with core.banners), so the recent spikes are kept in one cache
entry, the same for everyone and filtered to the user's teams as a page reads it. The entry is dropped whenever a
spike alert or a monitor is saved or deleted, so a banner's count and monitor name are never behind what was
stored; spikes age out of the banner exactly when SPIKE_QUIET says, whatever the cache holds.
"""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.access import team_ids_for_user
from core.cache import forget
from monitoring.models import Monitor, SpikeAlert
from monitoring.spikes import SPIKE_QUIET

CACHE_KEY = "dovecote:spike-banners"
# A change clears the entry at once; the time limit bounds the rare race where a page that read the alerts just
# before a change stores them just after it.
CACHE_SECONDS = 60
SHOWN = 5  # spikes shown at once, the most recent first


def spike_banner_keys(user) -> list[str]:
    """The one cache entry spike_banners reads, the same for everyone (core.banners reads it with the rest)."""
    return [CACHE_KEY]


def _recent_alerts() -> list[dict]:
    alerts = (
        SpikeAlert.objects.filter(created_at__gte=timezone.now() - SPIKE_QUIET)
        .select_related("monitor")
        .order_by("-created_at", "-pk")[:200]
    )
    return [
        {
            "id": a.pk,
            "team_id": a.monitor.team_id,
            "monitor_id": a.monitor_id,
            "monitor": a.monitor.name,
            "count": a.count,
            "baseline": a.baseline,
            "created_at": a.created_at,
        }
        for a in alerts
    ]


def spike_banners(request: HttpRequest) -> list[dict]:
    user = request.user
    alerts = cache.get(CACHE_KEY)
    if alerts is None:
        alerts = _recent_alerts()
        cache.set(CACHE_KEY, alerts, CACHE_SECONDS)
    since = timezone.now() - SPIKE_QUIET
    teams = None if user.is_admin else set(team_ids_for_user(user))
    mine = [a for a in alerts if a["created_at"] >= since and (teams is None or a["team_id"] in teams)]
    return [
        {
            "key": f"spike-{a['id']}",
            "level": "warning",
            "title": "Spike in mentions",
            "text": f"{a['count']} posts matched “{a['monitor']}” in the last hour, against about "
            f"{a['baseline']:.0f} usually at this time.",
            "url": reverse("monitoring:monitor_list") + f"#monitor-{a['monitor_id']}",
            "link_text": "See the monitoring page",
        }
        for a in mine[:SHOWN]
    ]


@receiver(post_save, sender=SpikeAlert, dispatch_uid="monitoring.spike_banners_alert_saved")
@receiver(post_delete, sender=SpikeAlert, dispatch_uid="monitoring.spike_banners_alert_deleted")
@receiver(post_save, sender=Monitor, dispatch_uid="monitoring.spike_banners_monitor_saved")
@receiver(post_delete, sender=Monitor, dispatch_uid="monitoring.spike_banners_monitor_deleted")
def forget_spike_banners(sender, **kwargs) -> None:
    forget(CACHE_KEY)
