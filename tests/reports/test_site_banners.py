"""Every page's site banners (a publishing freeze, spikes on my teams' monitors) come from one cache round trip, and
are fresh: what changes shows on the next page."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import banners
from monitoring.models import MentionMatch, Monitor
from monitoring.spikes import spikes_detect
from tests.monitoring.factories import MentionFactory, MonitorFactory
from tweets import freezes
from tweets.models import PublishingFreeze


def cache_reads(redis_commands) -> list[str]:
    """The page's commands to Redis after reading the session and my roles: the banners' (every provider's entries
    and their topics' generations, whichever comes first in the one MGET) on a page that caches nothing else."""
    return [command for command, key in redis_commands if "sessions" not in key and ":roles:" not in key]


def test_a_page_reads_every_providers_banners_in_one_round_trip(client, member, redis_commands):
    client.force_login(member)
    client.get(reverse("tweets:draft_list"))  # caches the banners
    redis_commands.clear()

    client.get(reverse("tweets:draft_list"))

    assert cache_reads(redis_commands) == ["MGET"], redis_commands


def test_a_freeze_started_after_the_banners_were_read_shows_on_the_next_page(client, member, lead, team):
    client.force_login(member)
    client.get(reverse("tweets:draft_list"))

    freezes.freeze_start(by=lead, scope=PublishingFreeze.Scope.TEAM, team=team, reason="Pre-election period")
    page = client.get(reverse("tweets:draft_list")).content.decode()

    assert "Pre-election period" in page


@pytest.fixture
def maintenance_notice(monkeypatch):
    """A provider an app registers in its ready(), taken away again after the test."""
    monkeypatch.setattr(banners, "_providers", dict(banners._providers))

    def maintenance_banners(request):
        return [{"level": "info", "title": "Planned work", "text": cache.get("test:maintenance-banners", "")}]

    banners.register(maintenance_banners, cache_keys=lambda user: ["test:maintenance-banners"])
    cache.set("test:maintenance-banners", "X is read-only from 22:00 tonight.")
    return maintenance_banners


def test_a_provider_an_app_registers_shows_on_every_page_read_with_the_others(
    client, member, maintenance_notice, redis_commands
):
    client.force_login(member)
    client.get(reverse("tweets:draft_list"))  # caches the freeze and spike banners
    redis_commands.clear()

    page = client.get(reverse("tweets:draft_list")).content.decode()

    assert "X is read-only from 22:00 tonight." in page
    assert cache_reads(redis_commands) == ["MGET"], redis_commands


def test_registering_the_same_provider_again_shows_its_banners_once(client, member, maintenance_notice):
    banners.register(maintenance_notice, cache_keys=lambda user: ["test:maintenance-banners"])
    client.force_login(member)

    page = client.get(reverse("tweets:draft_list")).content.decode()

    assert page.count("X is read-only from 22:00 tonight.") == 1


def test_the_home_page_reads_the_registered_providers_entries_with_its_own(member, maintenance_notice):
    from core import freshness
    from reports.dashboard import home_cache_keys

    assert "test:maintenance-banners" in home_cache_keys(member, generations=freshness.generations())


def _spiking(team, now, name):
    """A monitor a month old, quiet (2 posts) at this hour each day, with 25 posts in the last hour."""
    monitor = MonitorFactory(team=team, name=name)
    Monitor.objects.filter(pk=monitor.pk).update(created_at=now - timedelta(days=30))
    for day in range(1, 8):
        for _ in range(2):
            MentionMatch.objects.create(mention=MentionFactory(posted_at=now - timedelta(days=day)), monitor=monitor)
    for _ in range(25):
        MentionMatch.objects.create(mention=MentionFactory(posted_at=now - timedelta(minutes=20)), monitor=monitor)
    return monitor


def _page(client, redis_commands):
    redis_commands.clear()
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("tweets:draft_list")).content.decode()
    return page, cache_reads(redis_commands), len(queries)


def test_a_spike_detected_shows_on_the_next_page_in_the_same_round_trip_and_queries(
    client, member, team, redis_commands, django_capture_on_commit_callbacks
):
    now = timezone.now()
    _spiking(team, now, "Passports")
    client.force_login(member)
    client.get(reverse("tweets:draft_list"))  # caches the banners: no spike yet
    page, banner_reads, queries = _page(client, redis_commands)
    assert "Spike in mentions" not in page

    with django_capture_on_commit_callbacks(execute=True):
        assert len(spikes_detect(now)) == 1

    after, after_reads, after_queries = _page(client, redis_commands)
    assert "25 posts matched “Passports”" in after  # the next page, not a minute later
    # The banners and their generations read in one round trip, as before; the spikes' banners built again, stored.
    assert (banner_reads, after_reads) == (["MGET"], ["MGET", "SET"])
    assert after_queries == queries + 1  # the spikes read again, once

    again, again_reads, again_queries = _page(client, redis_commands)
    assert "25 posts matched “Passports”" in again
    assert (again_reads, again_queries) == (["MGET"], queries)  # cached again


def test_a_banner_dismissed_stays_hidden_when_a_new_spike_shows(
    client, member, team, redis_commands, django_capture_on_commit_callbacks
):
    now = timezone.now()
    _spiking(team, now, "Passports")
    with django_capture_on_commit_callbacks(execute=True):
        (first,) = spikes_detect(now)
    client.force_login(member)
    assert "“Passports”" in client.get(reverse("tweets:draft_list")).content.decode()
    client.post(reverse("banner_dismiss"), {"key": f"spike-{first.pk}"})
    assert "“Passports”" not in client.get(reverse("tweets:draft_list")).content.decode()

    _spiking(team, now, "Visas")
    with django_capture_on_commit_callbacks(execute=True):
        assert len(spikes_detect(now)) == 1

    page = client.get(reverse("tweets:draft_list")).content.decode()
    assert "“Visas”" in page
    assert "“Passports”" not in page
