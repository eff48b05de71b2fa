"""Spike alerts: the last hour's volume for a monitor far above the same hour over the previous seven days."""

from __future__ import annotations

import statistics
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Membership
from monitoring.models import MentionMatch, Monitor, SpikeAlert

SPIKE_FACTOR = 3.0
SPIKE_MIN_COUNT = 10
BASELINE_DAYS = 7
# A spike already alerted within this long is the same spike, not a new one.
SPIKE_QUIET = timedelta(hours=3)


def is_spike(
    current: int, baseline: list[int], *, factor: float = SPIKE_FACTOR, min_count: int = SPIKE_MIN_COUNT
) -> bool:
    """Far above baseline: at least min_count, `factor` times the mean, and three deviations above it."""
    if current < min_count:
        return False
    mean = statistics.fmean(baseline) if baseline else 0.0
    spread = statistics.pstdev(baseline) if len(baseline) > 1 else 0.0
    return current >= max(factor * mean, mean + 3 * spread, min_count)


def volumes(now=None) -> dict[int, tuple[int, list[int]]]:
    """Per active monitor: (last hour's count, the same hour on each of the previous seven days). One query."""
    now = now or timezone.now()
    windows = [(now - timedelta(days=d, hours=1), now - timedelta(days=d)) for d in range(BASELINE_DAYS + 1)]
    annotations = {
        f"w{d}": Count("id", filter=Q(mention__posted_at__gte=start, mention__posted_at__lt=end))
        for d, (start, end) in enumerate(windows)
    }
    earliest = windows[-1][0]
    rows = (
        MentionMatch.objects.filter(monitor__is_active=True, mention__posted_at__gte=earliest)
        .values("monitor_id")
        .annotate(**annotations)
    )
    return {r["monitor_id"]: (r["w0"], [r[f"w{d}"] for d in range(1, BASELINE_DAYS + 1)]) for r in rows}


def spikes_detect(now=None) -> list[SpikeAlert]:
    """Record a new alert for each monitor spiking now, once per spike, and email its team's leads."""
    now = now or timezone.now()
    hour_start = now.replace(minute=0, second=0, microsecond=0)
    recent = set(SpikeAlert.objects.filter(created_at__gte=now - SPIKE_QUIET).values_list("monitor_id", flat=True))
    alerts = []
    for monitor_id, (current, baseline) in volumes(now).items():
        if monitor_id in recent or not is_spike(current, baseline):
            continue
        try:
            with transaction.atomic():
                alert = SpikeAlert.objects.create(
                    monitor_id=monitor_id,
                    hour_start=hour_start,
                    count=current,
                    baseline=statistics.fmean(baseline) if baseline else 0.0,
                    created_at=now,
                )
        except IntegrityError:
            continue  # another worker recorded it first
        alerts.append(alert)
        transaction.on_commit(lambda pk=alert.pk: spike_email(alert_id=pk))
    return alerts


def spike_email(*, alert_id: int) -> None:
    """Email the monitor's team leads about a spike, once (safe to run twice)."""
    claimed = SpikeAlert.objects.filter(pk=alert_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if claimed != 1:
        return
    alert = SpikeAlert.objects.select_related("monitor__team").get(pk=alert_id)
    monitor: Monitor = alert.monitor
    recipients = list(
        Membership.objects.current()
        .filter(team=monitor.team, role=Membership.Role.LEAD, user__is_active=True)
        .values_list("user__email", flat=True)
    )
    if not recipients:
        return
    send_mail(
        f"Dovecote: spike in mentions for {monitor.name}",
        f"{alert.count} posts matched '{monitor.name}' in the last hour, against an average of "
        f"{alert.baseline:.1f} for this hour over the last seven days. Check the inbox and the monitoring page:\n\n"
        f"{settings.SITE_URL}/monitoring/monitors/",
        None,
        recipients,
    )
