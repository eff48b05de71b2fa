"""Spike alerts: detection on constructed series, once per spike, banner and email to the team's leads."""

from datetime import timedelta
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from monitoring.banners import spike_banners
from monitoring.models import MentionMatch, Monitor, SpikeAlert
from monitoring.spikes import MIN_HISTORY, is_spike, spikes_detect
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


def _created(monitor, at):
    Monitor.objects.filter(pk=monitor.pk).update(created_at=at)
    return monitor


def _spiking_monitor(team, now, *, name="Passports", age=timedelta(days=30)):
    """A monitor created `age` ago, quiet (2 posts) at this hour each day it existed, with 25 posts in the last hour."""
    monitor = _created(MonitorFactory(team=team, name=name), now - age)
    for day in range(1, 8):
        if now - timedelta(days=day, minutes=30) > now - age:
            _posts(monitor, 2, now - timedelta(days=day, minutes=30))
    _posts(monitor, 25, now - timedelta(minutes=20))
    return monitor


@pytest.mark.django_db
def test_a_spike_is_alerted_once_with_a_banner_and_an_email_to_the_leads(
    team, lead, member, outsider, django_capture_on_commit_callbacks
):
    now = timezone.now()
    monitor = _spiking_monitor(team, now)
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
    now = timezone.now()
    monitor = _created(MonitorFactory(team=team), now - timedelta(days=30))
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


def test_the_banner_is_cached_and_a_new_spike_shows_at_once(
    team, member, django_assert_num_queries, django_capture_on_commit_callbacks
):
    monitor = MonitorFactory(team=team, name="Passports")
    request = RequestFactory().get("/")
    request.user = member
    assert spike_banners(request) == []
    with django_assert_num_queries(0):  # cached while nothing changes
        assert spike_banners(request) == []

    with django_capture_on_commit_callbacks(execute=True):
        SpikeAlert.objects.create(monitor=monitor, hour_start=timezone.now(), count=30, baseline=2)

    assert "30 posts matched “Passports”" in spike_banners(request)[0]["text"]  # no waiting for the cache
    with django_assert_num_queries(0):
        assert len(spike_banners(request)) == 1


def test_a_monitor_renamed_shows_in_its_spike_banner_at_once(team, member, django_capture_on_commit_callbacks):
    monitor = MonitorFactory(team=team, name="Passports")
    SpikeAlert.objects.create(monitor=monitor, hour_start=timezone.now(), count=30, baseline=2)
    request = RequestFactory().get("/")
    request.user = member
    assert "Passports" in spike_banners(request)[0]["text"]

    with django_capture_on_commit_callbacks(execute=True):
        monitor.name = "Passport delays"
        monitor.save()

    assert "Passport delays" in spike_banners(request)[0]["text"]


def test_a_cached_banner_goes_when_its_spike_leaves_the_quiet_period(team, member, django_assert_num_queries):
    monitor = MonitorFactory(team=team)
    SpikeAlert.objects.create(monitor=monitor, hour_start=timezone.now(), count=30, baseline=2)
    request = RequestFactory().get("/")
    request.user = member
    assert len(spike_banners(request)) == 1
    with time_machine.travel(timezone.now() + timedelta(hours=3, minutes=1)), django_assert_num_queries(0):
        assert spike_banners(request) == []  # the cached copy knows when each banner goes


@pytest.mark.django_db
def test_an_email_that_fails_to_send_is_not_marked_sent_and_the_next_check_sends_it(
    team, lead, django_capture_on_commit_callbacks
):
    now = timezone.now()
    _spiking_monitor(team, now)
    with (
        mock.patch("monitoring.spikes.send_mail", side_effect=SMTPServerDisconnected("Connection unexpectedly closed")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        (alert,) = spikes_detect(now)
    alert.refresh_from_db()
    assert alert.emailed_at is None and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert spikes_detect(now + timedelta(minutes=10)) == []  # the same spike: no second alert, but its email
    alert.refresh_from_db()
    assert alert.emailed_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [lead.email]
    with django_capture_on_commit_callbacks(execute=True):
        spikes_detect(now + timedelta(minutes=20))
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_monitor_name_with_line_breaks_still_gets_its_email_with_a_one_line_subject(
    team, lead, django_capture_on_commit_callbacks
):
    now = timezone.now()
    _spiking_monitor(team, now, name="Passports\r\nBcc: everyone@example.com\n  delays")
    with django_capture_on_commit_callbacks(execute=True):
        (alert,) = spikes_detect(now)
    assert len(mail.outbox) == 1
    subject = mail.outbox[0].subject
    assert subject == "Dovecote: spike in mentions for Passports Bcc: everyone@example.com delays"
    assert mail.outbox[0].bcc == []
    alert.refresh_from_db()
    assert alert.emailed_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("age", [timedelta(minutes=5), timedelta(hours=6), MIN_HISTORY - timedelta(minutes=1)])
def test_a_new_monitor_with_no_baseline_yet_does_not_alert(team, lead, age, django_capture_on_commit_callbacks):
    now = timezone.now()
    _spiking_monitor(team, now, age=age)
    with django_capture_on_commit_callbacks(execute=True):
        assert spikes_detect(now) == []
    assert not SpikeAlert.objects.exists() and mail.outbox == []


@pytest.mark.django_db
def test_a_monitor_with_a_days_baseline_alerts_against_the_days_it_existed_only(team, lead):
    now = timezone.now()
    monitor = _spiking_monitor(team, now, age=MIN_HISTORY + timedelta(hours=2))
    (alert,) = spikes_detect(now)
    assert alert.monitor == monitor
    assert alert.baseline == 2.0  # yesterday's 2 posts, not 2 averaged with six days before the monitor existed


@pytest.mark.django_db
def test_a_spike_compared_with_the_days_a_monitor_existed_is_no_spike(team):
    """Busy yesterday as now: a baseline padded with six silent days before it existed would call it a spike."""
    now = timezone.now()
    monitor = _created(MonitorFactory(team=team), now - MIN_HISTORY - timedelta(hours=2))
    _posts(monitor, 20, now - timedelta(days=1, minutes=30))
    _posts(monitor, 30, now - timedelta(minutes=20))
    assert spikes_detect(now) == []
