"""The router a poll uses is rebuilt whenever what it routes by changes, even when the counts stay the same."""

import pytest

from accounts.models import TwitterAccount
from monitoring.routing import router_current
from tests.factories import TeamFactory, TwitterAccountFactory


@pytest.fixture
def triage(db, settings):
    settings.TRIAGE_TEAM_SLUG = "triage"
    return TeamFactory(name="Triage", slug="triage")


def test_an_account_moved_to_another_team_is_routed_to_its_new_team(triage, team, other_team):
    account = TwitterAccountFactory(team=team)
    assert router_current().account_teams[account.pk] == team.pk

    TwitterAccount.objects.filter(pk=account.pk).update(team=other_team)

    assert router_current().account_teams[account.pk] == other_team.pk


def test_an_account_replaced_by_another_is_routed_to_the_new_ones_team(triage, team, other_team):
    old = TwitterAccountFactory(team=team)
    router_current()

    old.delete()
    new = TwitterAccountFactory(team=other_team)

    router = router_current()
    assert old.pk not in router.account_teams
    assert router.account_teams[new.pk] == other_team.pk


def test_a_new_triage_team_gets_what_nothing_claims(triage, team):
    TwitterAccountFactory(team=team)
    assert router_current().triage_team_id == triage.pk

    triage.delete()
    replacement = TeamFactory(name="Triage again", slug="triage")

    assert router_current().triage_team_id == replacement.pk
