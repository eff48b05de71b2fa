"""The dashboard's stored monitor hours are purged once older than it reads (monitoring.jobs)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from monitoring.jobs import MONITOR_HOURS_KEPT, monitor_hours_purge
from monitoring.models import MonitorHour
from tests.monitoring.factories import MonitorFactory

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@time_machine.travel(NOW, tick=False)
def test_hours_older_than_kept_are_purged_and_the_rest_stay():
    monitor = MonitorFactory()
    oldest_kept = NOW - MONITOR_HOURS_KEPT
    for hour in (oldest_kept - timedelta(hours=1), oldest_kept, NOW - timedelta(hours=48), NOW - timedelta(hours=1)):
        MonitorHour.objects.create(monitor=monitor, hour=hour, matches=3, sentiment_sum=0.5)

    assert monitor_hours_purge() == 1
    assert sorted(MonitorHour.objects.values_list("hour", flat=True)) == [
        oldest_kept,
        NOW - timedelta(hours=48),
        NOW - timedelta(hours=1),
    ]
    assert monitor_hours_purge() == 0  # safe to run twice


def test_what_is_kept_covers_every_hour_the_dashboard_reads():
    from monitoring.dashboard import SPARK_HOURS

    assert MONITOR_HOURS_KEPT >= timedelta(hours=2 * SPARK_HOURS)
