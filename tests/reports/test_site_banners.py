"""Every page's site banners (a publishing freeze, spikes on my teams' monitors) come from one cache round trip."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from core import banners
from tweets import freezes
from tweets.models import PublishingFreeze


def test_a_page_reads_every_providers_banners_in_one_round_trip(client, member, redis_commands):
    client.force_login(member)
    client.get(reverse("tweets:draft_list"))  # caches the banners
    redis_commands.clear()

    client.get(reverse("tweets:draft_list"))

    banner_reads = [(command, key) for command, key in redis_commands if "banners" in key]
    assert [command for command, _ in banner_reads] == ["MGET"], redis_commands


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
    assert [command for command, key in redis_commands if "banners" in key] == ["MGET"], redis_commands


def test_registering_the_same_provider_again_shows_its_banners_once(client, member, maintenance_notice):
    banners.register(maintenance_notice, cache_keys=lambda user: ["test:maintenance-banners"])
    client.force_login(member)

    page = client.get(reverse("tweets:draft_list")).content.decode()

    assert page.count("X is read-only from 22:00 tonight.") == 1


def test_the_home_page_reads_the_registered_providers_entries_with_its_own(member, maintenance_notice):
    from core import freshness
    from reports.dashboard import home_cache_keys

    assert "test:maintenance-banners" in home_cache_keys(member, generations=freshness.generations())
