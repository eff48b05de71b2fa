"""A team's monthly spend on X against the budget a lead sets: warned at 80%, and at 100% (if the lead chose) its
posts that are not essential are held, through the freeze's machinery, until the budget is raised or the month
turns."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditEvent
from core.permissions import Refused
from monitoring.models import MonitorUsage
from tests.factories import TeamFactory, TwitterAccountFactory
from tests.monitoring.factories import MonitorFactory
from tweets import freezes, spend
from tweets.models import Draft, SpendBudget
from twitter_api.models import ApiCall

from .test_freeze import at_due_time, scheduled_draft

S = Draft.State
D = Decimal


def call(account, *, method="GET", cost="0", when=None, read=0):
    return ApiCall.objects.create(
        endpoint="/2/tweets" if method == "POST" else "/2/users/:id/mentions",
        method=method,
        account=account,
        status_code=200,
        posts_read=read,
        cost=D(cost),
        created_at=when or timezone.now(),
    )


def budget(team, limit, hold=False):
    return SpendBudget.objects.create(team=team, monthly_limit=D(limit), hold_at_limit=hold)


@pytest.mark.parametrize(
    ("limit", "spent", "hold", "percent", "warning", "exhausted", "holding"),
    [
        (None, "5", False, None, False, False, False),  # no budget: nothing to warn about or hold
        ("10", "7.99", True, 79, False, False, False),
        ("10", "8", False, 80, True, False, False),
        ("10", "9.99", True, 99, True, False, False),
        ("10", "10", False, 100, True, True, False),  # used up, but the lead chose not to hold
        ("10", "10", True, 100, True, True, True),
        ("10", "25", True, 250, True, True, True),
        ("0", "0", True, 100, True, True, True),  # a budget of nothing holds everything
    ],
)
def test_spend_against_a_budget(team, account, limit, spent, hold, percent, warning, exhausted, holding):
    if limit is not None:
        budget(team, limit, hold)
    call(account, method="POST", cost=spent)
    (state,) = spend.states([team])
    assert (state.percent, state.warning, state.exhausted, state.holding) == (percent, warning, exhausted, holding)


def test_a_team_spends_its_accounts_posts_and_reads_and_its_monitors_searches(team, other_team, account, settings):
    settings.X_PRICE_PER_POST_READ = 0.005
    other = TwitterAccountFactory(team=other_team)
    call(account, method="POST", cost="0.200")
    call(account, method="GET", cost="0.050", read=10)
    call(other, method="POST", cost="0.015")
    call(account, method="POST", cost="9", when=timezone.now() - timezone.timedelta(days=40))  # another month
    monitor = MonitorFactory(team=team, query="passport")
    MonitorUsage.objects.create(day=timezone.localdate(), monitor=monitor, posts_read=100)
    mine, theirs = spend.spend_by_team(spend.month_of(), [team.pk, other_team.pk]).values()
    assert (mine.writes, mine.reads) == (D("0.200"), D("0.550"))  # 10 mention reads + 100 search reads
    assert (theirs.writes, theirs.reads) == (D("0.015"), D(0))
    by_account = spend.spend_by_account(spend.month_of(), [account.pk])
    assert by_account[account.pk].total == D("0.250")


def test_at_100_percent_a_due_post_is_held_and_an_essential_one_still_goes(personal, member, lead, x_sandbox, run_jobs):
    budget(personal.team, "1", hold=True)
    held = scheduled_draft(member, personal, "Not urgent.", run_jobs)
    urgent = scheduled_draft(member, personal, "Road closed: use the diversion.", run_jobs)
    call(personal, method="POST", cost="1")
    at_due_time(run_jobs)
    held.refresh_from_db()
    urgent.refresh_from_db()
    assert (held.state, held.held_for_spend, held.held_by) == (S.HELD, True, None)
    assert x_sandbox.posts_by(personal.x_user_id) == []
    with pytest.raises(Refused, match="spend budget for this month is used up"):
        freezes.draft_publish_now(draft=held, by=lead)
    with pytest.raises(Refused):
        freezes.draft_publish_essential(draft=urgent, by=member, reason="Safety")  # only a lead
    with run_jobs():
        freezes.draft_publish_essential(draft=urgent, by=lead, reason="Public safety")
    urgent.refresh_from_db()
    assert urgent.state == S.PUBLISHED
    assert AuditEvent.objects.filter(action="freeze.essential_exception", details__spend_budget=True).exists()
    assert [p["text"] for p in x_sandbox.posts_by(personal.x_user_id)] == ["Road closed: use the diversion."]


def test_without_the_hold_a_used_up_budget_only_warns(personal, member, x_sandbox, run_jobs):
    budget(personal.team, "1", hold=False)
    draft = scheduled_draft(member, personal, "Goes out anyway.", run_jobs)
    call(personal, method="POST", cost="5")
    at_due_time(run_jobs)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED


def test_another_teams_used_up_budget_holds_nothing_here(personal, member, run_jobs):
    elsewhere = TeamFactory()
    budget(elsewhere, "1", hold=True)
    call(TwitterAccountFactory(team=elsewhere), method="POST", cost="5")
    draft = scheduled_draft(member, personal, "Ours.", run_jobs)
    at_due_time(run_jobs)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED


def test_raising_the_budget_releases_held_posts_at_once_and_is_audited(personal, member, lead, x_sandbox, run_jobs):
    budget(personal.team, "1", hold=True)
    draft = scheduled_draft(member, personal, "Wait for the money.", run_jobs)
    call(personal, method="POST", cost="1")
    at_due_time(run_jobs)
    with run_jobs():
        spend.spend_budget_set(team=personal.team, monthly_limit=D("50"), hold_at_limit=True, by=lead)
    draft.refresh_from_db()
    assert (draft.state, draft.held_for_spend) == (S.PUBLISHED, False)
    event = AuditEvent.objects.get(action="tweets.spend_budget_set")
    assert event.details["to"] == {"limit": "50", "hold": True}


def test_held_posts_go_out_when_the_month_turns(personal, member, x_sandbox, run_jobs):
    with time_machine.travel(datetime(2026, 12, 20, 12, tzinfo=timezone.get_current_timezone()), tick=True):
        budget(personal.team, "1", hold=True)
        draft = scheduled_draft(member, personal, "January's post.", run_jobs)
        call(personal, method="POST", cost="1")
        at_due_time(run_jobs)
        draft.refresh_from_db()
        assert draft.state == S.HELD
        assert spend.spend_holds_release() == 0  # still December
    with time_machine.travel(datetime(2027, 1, 1, 0, 5, tzinfo=timezone.get_current_timezone()), tick=True):
        with run_jobs():
            assert spend.spend_holds_release() == 1
            assert spend.spend_holds_release() == 0  # twice is harmless
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED


def test_a_freeze_still_holds_a_post_the_budget_released(personal, member, lead, run_jobs):
    budget(personal.team, "1", hold=True)
    draft = scheduled_draft(member, personal, "Two reasons to wait.", run_jobs)
    call(personal, method="POST", cost="1")
    at_due_time(run_jobs)
    freeze = freezes.freeze_start(by=lead, scope="team", team=personal.team, reason="Purdah")
    with run_jobs():
        spend.spend_budget_set(team=personal.team, monthly_limit=D("50"), hold_at_limit=True, by=lead)
    draft.refresh_from_db()
    assert (draft.state, draft.held_by, draft.held_for_spend) == (S.HELD, freeze, False)


@pytest.mark.parametrize("who", ["member", "approver", "outsider"])
def test_only_a_lead_of_the_team_sets_its_budget(request, team, who):
    with pytest.raises(Refused, match="Only a lead of this team"):
        spend.spend_budget_set(team=team, monthly_limit=D("5"), hold_at_limit=False, by=request.getfixturevalue(who))
    assert not SpendBudget.objects.exists()


def test_the_month_is_the_uk_calendar_month():
    assert spend.month_of(datetime(2026, 11, 30, 23, 30, tzinfo=timezone.get_current_timezone())) == date(2026, 11, 1)


def test_the_held_posts_page_says_the_budget_holds_it_and_what_happens_next(client, personal, member, run_jobs):
    budget(personal.team, "1", hold=True)
    draft = scheduled_draft(member, personal, "Waiting for the budget.", run_jobs)
    call(personal, method="POST", cost="1")
    at_due_time(run_jobs)
    client.force_login(member)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "spend budget on X for the month is used up" in page
    assert "goes out by itself when a lead of" in page
