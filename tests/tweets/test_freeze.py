"""Publishing freezes: due posts are held (not lost), lifting releases them, the essential exception."""

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditEvent, Membership, TwitterAccount
from core.permissions import Refused
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory, TwitterAccountFactory
from tweets import freezes, jobs, selectors, services
from tweets.models import Draft, PublishingFreeze

S = Draft.State


@pytest.fixture
def other_account(other_team, x_sandbox):
    account = TwitterAccountFactory(team=other_team, kind=TwitterAccount.Kind.PERSONAL)
    x_sandbox.register_account(account)
    return account


def scheduled_draft(author, account, text, run_jobs, minutes=30):
    draft = services.draft_create(
        author=author, account=account, text=text, scheduled_at=timezone.now() + timezone.timedelta(minutes=minutes)
    )
    with run_jobs():
        services.draft_submit(draft=draft, by=author)
    draft.refresh_from_db()
    assert draft.state == S.SCHEDULED
    return draft


def at_due_time(run_jobs, minutes=31):
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=minutes), tick=True), run_jobs():
        jobs.publish_due_sweep()


def test_a_due_post_is_held_by_a_freeze_not_published_and_not_lost(personal, member, lead, x_sandbox, run_jobs):
    draft = scheduled_draft(member, personal, "Scheduled before the freeze.", run_jobs)
    freeze = freezes.freeze_start(by=lead, scope="everything", reason="National mourning")
    at_due_time(run_jobs)
    draft.refresh_from_db()
    assert draft.state == S.HELD
    assert draft.held_by == freeze
    assert x_sandbox.posts_by(personal.x_user_id) == []
    at_due_time(run_jobs, minutes=90)  # the sweep leaves held posts alone
    draft.refresh_from_db()
    assert draft.state == S.HELD


def test_lifting_a_freeze_lets_a_lead_publish_held_posts_now(personal, member, lead, x_sandbox, run_jobs):
    draft = scheduled_draft(member, personal, "Held, then released.", run_jobs)
    freeze = freezes.freeze_start(by=lead, scope="team", team=personal.team, reason="Security incident")
    at_due_time(run_jobs)
    with pytest.raises(Refused, match="still frozen"):
        freezes.draft_publish_now(draft=draft, by=lead)
    freezes.freeze_lift(freeze=freeze, by=lead, note="All clear")
    assert list(selectors.held_after_lift(freeze)) == [draft]
    with run_jobs():
        freezes.draft_publish_now(draft=draft, by=lead)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert [p["text"] for p in x_sandbox.posts_by(personal.x_user_id)] == ["Held, then released."]


def test_held_posts_can_be_rescheduled_or_cancelled_after_the_freeze(personal, member, lead, run_jobs):
    one = scheduled_draft(member, personal, "Reschedule me.", run_jobs)
    two = scheduled_draft(member, personal, "Cancel me.", run_jobs)
    freeze = freezes.freeze_start(by=lead, scope="account", account=personal, reason="Pre-election period")
    at_due_time(run_jobs)
    freezes.freeze_lift(freeze=freeze, by=lead)
    later = timezone.now() + timezone.timedelta(days=1)
    services.draft_reschedule(draft=one, by=member, scheduled_at=later)
    services.draft_withdraw(draft=two, by=lead, reason="Cancelled after the freeze")
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.state, one.publish_due_at) == (S.SCHEDULED, later)
    assert two.state == S.WITHDRAWN


def test_a_lead_may_publish_one_post_during_a_freeze_as_essential(personal, member, lead, x_sandbox, run_jobs):
    urgent = scheduled_draft(member, personal, "Flood warning: avoid the A1.", run_jobs)
    other = scheduled_draft(member, personal, "Ordinary news.", run_jobs)
    freezes.freeze_start(by=lead, scope="everything", reason="Pre-election period")
    at_due_time(run_jobs)
    with pytest.raises(services.DraftError, match="Say why"):
        freezes.draft_publish_essential(draft=urgent, by=lead, reason="")
    with pytest.raises(Refused):
        freezes.draft_publish_essential(draft=urgent, by=member, reason="I think it matters")
    with run_jobs():
        freezes.draft_publish_essential(draft=urgent, by=lead, reason="Public safety")
    urgent.refresh_from_db()
    other.refresh_from_db()
    assert urgent.state == S.PUBLISHED
    assert other.state == S.HELD
    assert [p["text"] for p in x_sandbox.posts_by(personal.x_user_id)] == ["Flood warning: avoid the A1."]
    event = AuditEvent.objects.get(action="freeze.essential_exception")
    assert event.actor == lead
    assert event.details["reason"] == "Public safety"


def test_the_essential_exception_needs_a_lead_of_the_owning_team(personal, member, outsider, other_team, run_jobs):
    draft = scheduled_draft(member, personal, "Essential?", run_jobs)
    other_lead = MembershipFactory(team=other_team, role=Membership.Role.LEAD).user
    enrol_totp(other_lead)
    freezes.freeze_start(by=other_lead, scope="everything", reason="Mourning")
    at_due_time(run_jobs)
    with pytest.raises(Refused):
        freezes.draft_publish_essential(draft=draft, by=other_lead, reason="Needed")


def test_a_scoped_freeze_does_not_touch_other_accounts(
    personal, other_account, member, outsider, lead, x_sandbox, run_jobs
):
    mine = scheduled_draft(member, personal, "Frozen team.", run_jobs)
    theirs = scheduled_draft(outsider, other_account, "Other team carries on.", run_jobs)
    freezes.freeze_start(by=lead, scope="team", team=personal.team, reason="Team incident")
    at_due_time(run_jobs)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.state == S.HELD
    assert theirs.state == S.PUBLISHED
    assert [p["text"] for p in x_sandbox.posts_by(other_account.x_user_id)] == ["Other team carries on."]


def test_an_account_freeze_holds_only_that_account(personal, member, lead, team, x_sandbox, run_jobs):
    sibling = TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PERSONAL)
    x_sandbox.register_account(sibling)
    frozen = scheduled_draft(member, personal, "Frozen account.", run_jobs)
    free = scheduled_draft(member, sibling, "Sibling account.", run_jobs)
    freezes.freeze_start(by=lead, scope="account", account=personal, reason="Compromised password")
    at_due_time(run_jobs)
    frozen.refresh_from_db()
    free.refresh_from_db()
    assert (frozen.state, free.state) == (S.HELD, S.PUBLISHED)


def test_who_may_start_a_freeze(team, other_team, account, member, lead, approver, admin_user, outsider):
    other_lead = MembershipFactory(team=other_team, role=Membership.Role.LEAD).user
    with pytest.raises(Refused):
        freezes.freeze_start(by=member, scope="everything", reason="No")
    with pytest.raises(Refused):
        freezes.freeze_start(by=approver, scope="team", team=team, reason="No")
    with pytest.raises(Refused):
        freezes.freeze_start(by=other_lead, scope="team", team=team, reason="Not my team")
    with pytest.raises(Refused):
        freezes.freeze_start(by=other_lead, scope="account", account=account, reason="Not my account")
    with pytest.raises(services.DraftError, match="reason"):
        freezes.freeze_start(by=lead, scope="everything", reason=" ")
    assert freezes.freeze_start(by=other_lead, scope="everything", reason="Any lead may freeze everything")
    assert freezes.freeze_start(by=lead, scope="team", team=team, reason="My team")
    assert freezes.freeze_start(by=admin_user, scope="account", account=account, reason="Admin")
    assert PublishingFreeze.objects.active().count() == 3
    assert AuditEvent.objects.filter(action="freeze.started").count() == 3


def test_a_freeze_can_be_lifted_once(lead, member):
    freeze = freezes.freeze_start(by=lead, scope="everything", reason="Brief pause")
    with pytest.raises(Refused):
        freezes.freeze_lift(freeze=freeze, by=member)
    freezes.freeze_lift(freeze=freeze, by=lead)
    with pytest.raises(services.DraftError, match="already been lifted"):
        freezes.freeze_lift(freeze=freeze, by=lead)
    assert AuditEvent.objects.filter(action="freeze.lifted").count() == 1
