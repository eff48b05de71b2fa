import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.models import Membership, Team, TwitterAccount, User


def _counts():
    return (User.objects.count(), Team.objects.count(), Membership.objects.count(), TwitterAccount.objects.count())


@override_settings(DEBUG=True)
def test_seed_demo_runs_twice_without_duplicating_anything(db):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    assert first[1] == 4 and first[3] == 6
    # Four on X, and one each on Bluesky and Mastodon (issue 21: the demo seeds an account on each network).
    networks = sorted(TwitterAccount.objects.values_list("network", flat=True))
    assert networks == ["bluesky", "mastodon", "x", "x", "x", "x"]
    kinds = set(TwitterAccount.objects.values_list("kind", flat=True))
    assert kinds == {"corporate", "press_office", "personal"}
    assert TwitterAccount.objects.get(handle="DeptExPress").has_credentials


@override_settings(DEBUG=False)
def test_seed_demo_is_refused_when_debug_is_off(db):
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert User.objects.count() == 0
