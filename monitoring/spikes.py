"""Spike alerts: the last hour's volume for a monitor far above the same hour over the previous seven days."""

from __future__ import annotations

import logging
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
# A monitor has no past before it was created: its baseline is only the days since then, and it cannot spike
# until it has one (the same hour a day earlier, all read by the monitor), so never in its first day. Its
# first hours' volume is whatever X happens to be saying, not a change from the usual.
MIN_HISTORY = timedelta(hours=24)

log = logging.getLogger(__name__)


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
    """Per active monitor: (last hour's count, the same hour on each of the previous seven days that began
    after the monitor was created; none for a monitor younger than MIN_HISTORY and an hour). One query."""
    now = now or timezone.now()
    windows = [(now - timedelta(days=d, hours=1), now - timedelta(days=d)) for d in range(BASELINE_DAYS + 1)]
    annotations = {
        f"w{d}": Count("id", filter=Q(mention__posted_at__gte=start, mention__posted_at__lt=end))
        for d, (start, end) in enumerate(windows)
    }
    earliest = windows[-1][0]
    rows = (
        MentionMatch.objects.filter(monitor__is_active=True, mention__posted_at__gte=earliest)
        .values("monitor_id", "monitor__created_at")
        .annotate(**annotations)
    )
    return {
        r["monitor_id"]: (
            r["w0"],
            [r[f"w{d}"] for d in range(1, BASELINE_DAYS + 1) if windows[d][0] >= r["monitor__created_at"]],
        )
        for r in rows
    }


def has_baseline(baseline: list[int]) -> bool:
    """Enough of the monitor's own history to compare the last hour with (see MIN_HISTORY)."""
    return len(baseline) >= MIN_HISTORY // timedelta(days=1)


def spikes_detect(now=None) -> list[SpikeAlert]:
    """Record a new alert for each monitor spiking now, once per spike, and email its team's leads."""
    now = now or timezone.now()
    hour_start = now.replace(minute=0, second=0, microsecond=0)
    recent = set(SpikeAlert.objects.filter(created_at__gte=now - SPIKE_QUIET).values_list("monitor_id", flat=True))
    alerts = []
    for monitor_id, (current, baseline) in volumes(now).items():
        if monitor_id in recent or not has_baseline(baseline) or not is_spike(current, baseline):
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
    # This check's new alerts, and any whose email failed in an earlier check while the spike is still news.
    transaction.on_commit(lambda: spike_emails_send(since=now - SPIKE_QUIET))
    return alerts


def spike_emails_send(*, since) -> int:
    """Send each alert since then whose email has not gone yet; one failure leaves the others to go."""
    sent = 0
    for alert_id in SpikeAlert.objects.filter(emailed_at__isnull=True, created_at__gte=since).values_list(
        "pk", flat=True
    ):
        try:
            sent += spike_email(alert_id=alert_id)
        except Exception:  # noqa: BLE001  (a mail server's failure: the next check sends it again)
            log.exception("Could not send the email for spike alert %s; the next check tries again", alert_id)
    return sent


def spike_email(*, alert_id: int) -> bool:
    """Email the monitor's team leads about a spike, once (safe to run twice, and on two workers at once).

    Marked sent only once the mail server took it: the alert's row stays locked while sending, so a second
    worker waits and then finds it sent; a failed send rolls back and leaves it to the next check."""
    with transaction.atomic():
        alert = (
            SpikeAlert.objects.select_for_update(of=("self",))
            .select_related("monitor__team")
            .filter(pk=alert_id, emailed_at__isnull=True)
            .first()
        )
        if alert is None:
            return False
        monitor: Monitor = alert.monitor
        recipients = list(
            Membership.objects.current_leads().filter(team=monitor.team).values_list("user__email", flat=True)
        )
        if not recipients:
            return False
        name = one_line(monitor.name)
        send_mail(
            f"Dovecote: spike in mentions for {name}",
            f"{alert.count} posts matched '{name}' in the last hour, against an average of "
            f"{alert.baseline:.1f} for this hour over the days before (up to seven). Check the inbox and the "
            f"monitoring page:\n\n{settings.SITE_URL}/monitoring/monitors/",
            None,
            recipients,
        )
        SpikeAlert.objects.filter(pk=alert_id).update(emailed_at=timezone.now())
    return True


def one_line(text: str) -> str:
    """Text with every run of whitespace (line breaks included) made one space: an email header is one line."""
    return " ".join(text.split())
