"""Every page's site banners (a publishing freeze, spikes on my teams' monitors) come from one cache round trip."""

from django.urls import reverse

from tweets import services
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

    services.freeze_start(by=lead, scope=PublishingFreeze.Scope.TEAM, team=team, reason="Pre-election period")
    page = client.get(reverse("tweets:draft_list")).content.decode()

    assert "Pre-election period" in page
