"""Held posts: the freeze's page lists each with its account, author and what happens next, offering only what the
viewer may do; a held post's page says why it is held and, once lifted, what happens next; authors, approvers and
leads are emailed."""

import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, TwitterAccount
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory, UserFactory
from tweets import freezes, jobs, selectors, services
from tweets.models import Draft

S = Draft.State


@pytest.fixture
def other_account(other_team, x_sandbox):
    account = TwitterAccountFactory(team=other_team, kind=TwitterAccount.Kind.PERSONAL, handle="CustomerHelp")
    x_sandbox.register_account(account)
    return account


@pytest.fixture
def other_lead(other_team):
    user = MembershipFactory(team=other_team, role=Membership.Role.LEAD).user
    enrol_totp(user)
    return user


def _scheduled(author, account, text, run_jobs, minutes=30):
    draft = services.draft_create(
        author=author, account=account, text=text, scheduled_at=timezone.now() + timezone.timedelta(minutes=minutes)
    )
    with run_jobs():
        services.draft_submit(draft=draft, by=author)
    draft.refresh_from_db()
    assert draft.state == S.SCHEDULED
    return draft


def _due(run_jobs, minutes=31):
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=minutes), tick=True), run_jobs():
        jobs.publish_due_sweep()


def _page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


# --- The held post's own page ------------------------------------------------------------------------


def test_a_held_posts_page_says_which_freeze_holds_it_why_who_started_it_and_since_when(
    client, personal, member, lead, run_jobs
):
    lead.first_name, lead.last_name = "Lena", "Lead"
    lead.save()
    draft = _scheduled(member, personal, "Our new opening hours.", run_jobs)
    freeze = freezes.freeze_start(by=lead, scope="team", team=personal.team, reason="Pre-election period")
    _due(run_jobs)

    page = _page(client, member, reverse("tweets:draft_detail", args=[draft.pk]))

    assert "Why this post is held" in page
    assert f'href="{reverse("tweets:freeze_detail", args=[freeze.pk])}"' in page
    assert "Pre-election period" in page
    assert f"Started by Lena Lead on {timezone.localtime(freeze.started_at):%-d %B %Y %H:%M}" in page
    assert "It stays held while the freeze is in force" in page


def test_once_the_freeze_is_lifted_the_held_posts_page_says_what_happens_next(client, personal, member, lead, run_jobs):
    draft = _scheduled(member, personal, "Our new opening hours.", run_jobs)
    freeze = freezes.freeze_start(by=lead, scope="everything", reason="National mourning")
    _due(run_jobs)
    freezes.freeze_lift(freeze=freeze, by=lead, note="Mourning over")

    page = _page(client, member, reverse("tweets:draft_detail", args=[draft.pk]))

    assert "The freeze was lifted on" in page
    assert "Mourning over" in page
    assert (
        "It will not publish by itself: a lead of Digital Communications must publish it now, or someone who "
        "writes for " in page
    )


# --- The freeze's page --------------------------------------------------------------------------------


def test_a_lifted_freeze_lists_the_posts_it_held_across_the_leads_teams_with_account_author_and_next_step(
    client, personal, other_account, member, outsider, lead, run_jobs
):
    MembershipFactory(team=other_account.team, user=lead, role=Membership.Role.LEAD)  # leads both teams
    third = TwitterAccountFactory(team=TeamFactory(name="Press Office"), kind=TwitterAccount.Kind.PERSONAL)
    ours = _scheduled(member, personal, "Ours, held.", run_jobs)
    theirs = _scheduled(outsider, other_account, "Theirs, held.", run_jobs)
    unseen = _scheduled(MembershipFactory(team=third.team).user, third, "Not for this lead.", run_jobs)
    freeze = freezes.freeze_start(by=lead, scope="everything", reason="Security incident")
    _due(run_jobs)
    assert {d.state for d in Draft.objects.filter(pk__in=[ours.pk, theirs.pk, unseen.pk])} == {S.HELD}
    freezes.freeze_lift(freeze=freeze, by=lead)

    page = _page(client, lead, reverse("tweets:freeze_detail", args=[freeze.pk]))

    assert "Ours, held." in page and "Theirs, held." in page and "Not for this lead." not in page
    assert str(member) in page and str(outsider) in page
    assert "@CustomerHelp" in page
    assert page.count("Waiting for a decision. It will not publish by itself") == 2
    assert page.count("Publish now<span") == 2


def test_a_member_sees_the_held_posts_but_not_the_actions_only_a_lead_may_take(
    client, personal, member, lead, run_jobs
):
    draft = _scheduled(lead, personal, "Written by the lead.", run_jobs)
    freeze = freezes.freeze_start(by=lead, scope="everything", reason="Security incident")
    _due(run_jobs)
    freezes.freeze_lift(freeze=freeze, by=lead)

    page = _page(client, member, reverse("tweets:freeze_detail", args=[freeze.pk]))

    assert "Written by the lead." in page
    assert "Publish now" not in page  # leads release held posts
    assert f'action="{reverse("tweets:draft_reschedule", args=[draft.pk])}"' in page  # any writer may
    assert f'action="{reverse("tweets:draft_withdraw", args=[draft.pk])}"' not in page  # the author or a lead


def test_lifting_one_freeze_while_another_covers_the_account_says_the_post_is_still_held(
    client, personal, member, lead, run_jobs
):
    draft = _scheduled(member, personal, "Still frozen.", run_jobs)
    team_freeze = freezes.freeze_start(by=lead, scope="team", team=personal.team, reason="Security incident")
    freezes.freeze_start(by=lead, scope="everything", reason="National mourning")
    _due(run_jobs)
    draft.refresh_from_db()
    assert draft.held_by == team_freeze
    freezes.freeze_lift(freeze=team_freeze, by=lead)

    page = _page(client, lead, reverse("tweets:freeze_detail", args=[team_freeze.pk]))

    assert "Still frozen." in page
    assert "Still held: publishing to every account is frozen (National mourning)" in page
    assert "Publish now<span" not in page
    assert list(selectors.held_after_lift(team_freeze)) == []
    detail = _page(client, member, reverse("tweets:draft_detail", args=[draft.pk]))
    assert "Still held: publishing to every account is frozen (National mourning)" in detail


# --- Emails -------------------------------------------------------------------------------------------


def test_the_author_and_approvers_are_emailed_when_their_post_is_held(
    account, member, approver, lead, x_sandbox, run_jobs
):
    x_sandbox.register_account(account)
    when = timezone.now() + timezone.timedelta(minutes=30)
    draft = services.draft_create(author=member, account=account, text="Approved, then held.", scheduled_at=when)
    with run_jobs():
        services.draft_submit(draft=draft, by=member)
        services.draft_approve(draft=draft, by=approver)
        services.draft_approve(draft=draft, by=lead)
    freezes.freeze_start(by=lead, scope="account", account=account, reason="Compromised password")
    mail.outbox = []

    _due(run_jobs)

    held = [m for m in mail.outbox if "held" in m.subject.lower()]
    assert sorted(r for m in held for r in m.to) == sorted([member.email, approver.email, lead.email])
    assert "Compromised password" in held[0].body
    assert reverse("tweets:draft_detail", args=[draft.pk]) in held[0].body
    assert "stays held while the freeze is in force" in held[0].body


def test_the_leads_in_scope_are_emailed_when_a_freeze_starts_and_lifts(
    admin_user, team, lead, other_lead, account, run_jobs
):
    MembershipFactory(team=team, user=UserFactory(), role=Membership.Role.MEMBER)
    mail.outbox = []
    with run_jobs():
        freeze = freezes.freeze_start(by=admin_user, scope="team", team=team, reason="Pre-election period")

    assert [m.to for m in mail.outbox] == [[lead.email]]
    assert "Publishing freeze started" in mail.outbox[0].subject
    assert "Pre-election period" in mail.outbox[0].body
    assert reverse("tweets:freeze_detail", args=[freeze.pk]) in mail.outbox[0].body

    mail.outbox = []
    with run_jobs():
        freezes.freeze_lift(freeze=freeze, by=admin_user, note="Election over")
    assert [m.to for m in mail.outbox] == [[lead.email]]
    assert "Publishing freeze lifted" in mail.outbox[0].subject
    assert "Election over" in mail.outbox[0].body

    mail.outbox = []
    with run_jobs():
        freezes.freeze_start(by=lead, scope="everything", reason="National mourning")
    assert sorted(r for m in mail.outbox for r in m.to) == [other_lead.email]  # the lead who started it knows
