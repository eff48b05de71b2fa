"""Site-wide banners from monitoring: spikes on the user's teams' monitors (one query)."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.access import team_ids_for_user
from monitoring.models import SpikeAlert
from monitoring.spikes import SPIKE_QUIET


def spike_banners(request: HttpRequest) -> list[dict]:
    user = request.user
    alerts = SpikeAlert.objects.filter(created_at__gte=timezone.now() - SPIKE_QUIET).select_related("monitor")
    if not user.is_admin:
        alerts = alerts.filter(monitor__team_id__in=team_ids_for_user(user))
    return [
        {
            "level": "warning",
            "title": "Spike in mentions",
            "text": f"{a.count} posts matched “{a.monitor.name}” in the last hour, against about "
            f"{a.baseline:.0f} usually at this time.",
            "url": reverse("monitoring:monitor_list") + f"#monitor-{a.monitor_id}",
            "link_text": "See the monitoring page",
        }
        for a in alerts[:5]
    ]
