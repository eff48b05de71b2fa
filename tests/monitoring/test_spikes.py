"""Spike alerts: detection on constructed series, once per spike, banner and email to the team's leads."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from monitoring.banners import spike_banners
from monitoring.models import MentionMatch, SpikeAlert
from monitoring.spikes import is_spike, spikes_detect
from tests.monitoring.factories import MentionFactory, MonitorFactory


@pytest.mark.parametrize(
    ("current", "baseline", "expected"),
    [
        (50, [5, 6, 4, 5, 7, 5, 6], True),  # ten times the usual
        (12, [5, 6, 4, 5, 7, 5, 6], False),  # busier, not a spike
        (8, [0, 0, 0, 0, 0, 0, 0], False),  # too few to matter
        (10, [0, 0, 0, 0, 0, 0, 0], True),  # out of nothing
        (60, [5, 50, 5, 50, 5, 50, 5], False),  # a noisy hour: within three deviations
        (200, [5, 50, 5, 50, 5, 50, 5], True),
        (30, [], True),
    ],
)
def test_is_spike_on_constructed_series(current, baseline, expected):
    assert is_spike(current, baseline) is expected


def _posts(monitor, count, at):
    for _ in range(count):
        MentionMatch.objects.create(mention=MentionFactory(posted_at=at), monitor=monitor)


@pytest.mark.django_db
def test_a_spike_is_alerted_once_with_a_banner_and_an_email_to_the_leads(
    team, lead, member, outsider, django_capture_on_commit_callbacks
):
    monitor = MonitorFactory(team=team, name="Passports")
    now = timezone.now()
    for day in range(1, 8):
        _posts(monitor, 2, now - timedelta(days=day, minutes=30))
    _posts(monitor, 25, now - timedelta(minutes=20))
    with django_capture_on_commit_callbacks(execute=True):
        alerts = spikes_detect(now)
    assert [(a.monitor, a.count) for a in alerts] == [(monitor, 25)]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [lead.email]
    assert "Passports" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        assert spikes_detect(now + timedelta(minutes=10)) == []  # the same spike
    assert len(mail.outbox) == 1

    request = RequestFactory().get("/")
    request.user = member
    banners = spike_banners(request)
    assert len(banners) == 1 and "Passports" in banners[0]["text"]
    request.user = outsider
    assert spike_banners(request) == []


@pytest.mark.django_db
def test_no_alert_when_the_hour_is_as_usual(team):
    monitor = MonitorFactory(team=team)
    now = timezone.now()
    for day in range(1, 8):
        _posts(monitor, 10, now - timedelta(days=day, minutes=30))
    _posts(monitor, 12, now - timedelta(minutes=30))
    assert spikes_detect(now) == []
    assert not SpikeAlert.objects.exists()


@pytest.mark.django_db
def test_the_banner_goes_after_the_quiet_period(team, member):
    monitor = MonitorFactory(team=team)
    SpikeAlert.objects.create(monitor=monitor, hour_start=timezone.now(), count=30, baseline=2)
    request = RequestFactory().get("/")
    request.user = member
    assert len(spike_banners(request)) == 1
    with time_machine.travel(timezone.now() + timedelta(hours=4)):
        assert spike_banners(request) == []


def test_the_banner_is_cached_for_the_rest_of_the_minute(team, member, django_assert_num_queries):
    monitor = MonitorFactory(team=team)
    request = RequestFactory().get("/")
    request.user = member
    minute = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(minute + timedelta(seconds=10), tick=False):
        assert spike_banners(request) == []
        SpikeAlert.objects.create(monitor=monitor, hour_start=timezone.now(), count=30, baseline=2)
        with django_assert_num_queries(0):
            assert spike_banners(request) == []
    with time_machine.travel(minute + timedelta(seconds=70), tick=False):
        assert len(spike_banners(request)) == 1
