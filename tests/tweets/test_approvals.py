"""Approval policy: separation of duties, approvals bound to a revision, lapse, counts per kind, teams."""

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import Membership, TwitterAccount
from core.permissions import Refused
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory
from tests.tweets.factories import DraftFactory
from tweets import selectors, services
from tweets.models import Approval, Draft, DraftRevision

S = Draft.State


@pytest.fixture
def submitted(account, member):
    draft = services.draft_create(
        author=member,
        account=account,
        text="Our offices close at 4pm on Friday.",
        scheduled_at=timezone.now() + timezone.timedelta(days=1),
    )
    return services.draft_submit(draft=draft, by=member)


def test_an_author_cannot_approve_their_own_draft(account, approver):
    draft = services.draft_create(author=approver, account=account, text="I wrote this myself.")
    services.draft_submit(draft=draft, by=approver)
    with pytest.raises(Refused, match="someone else must approve"):
        services.draft_approve(draft=draft, by=approver)
    assert draft.approvals.count() == 0


def test_whoever_wrote_the_current_revision_cannot_approve_it(submitted, approver, second_approver, lead):
    services.draft_edit(draft=submitted, by=approver, text="Our offices close at 3pm on Friday.")
    with pytest.raises(Refused, match="someone else must approve"):
        services.draft_approve(draft=submitted, by=approver)
    services.draft_approve(draft=submitted, by=second_approver)
    services.draft_approve(draft=submitted, by=lead)
    submitted.refresh_from_db()
    assert submitted.state == S.SCHEDULED


def test_each_approver_counts_once(submitted, approver):
    services.draft_approve(draft=submitted, by=approver)
    with pytest.raises(Refused, match="already approved"):
        services.draft_approve(draft=submitted, by=approver)
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED
    assert selectors.approval_count(submitted) == 1


def test_a_corporate_account_needs_two_distinct_approvals(submitted, approver, lead):
    services.draft_approve(draft=submitted, by=approver)
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED
    services.draft_approve(draft=submitted, by=lead)
    submitted.refresh_from_db()
    assert submitted.state == S.SCHEDULED
    assert submitted.publish_due_at == submitted.scheduled_at


@pytest.mark.parametrize(
    ("kind", "required"),
    [(TwitterAccount.Kind.CORPORATE, 2), (TwitterAccount.Kind.PRESS_OFFICE, 1), (TwitterAccount.Kind.PERSONAL, 0)],
)
def test_required_approvals_default_by_kind(kind, required, team, member, approver, lead):
    account = TwitterAccountFactory(team=team, kind=kind)
    draft = services.draft_create(
        author=member, account=account, text="Hello.", scheduled_at=timezone.now() + timezone.timedelta(hours=3)
    )
    services.draft_submit(draft=draft, by=member)
    for who in [approver, lead][:required]:
        draft.refresh_from_db()
        assert draft.state == S.SUBMITTED
        services.draft_approve(draft=draft, by=who)
    draft.refresh_from_db()
    assert draft.state == S.SCHEDULED
    assert selectors.approvals_required(draft) == required


def test_an_account_can_require_a_different_number(team, member, approver, second_approver, lead):
    account = TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PRESS_OFFICE, approvals_required=3)
    draft = services.draft_create(
        author=member, account=account, text="Three, please.", scheduled_at=timezone.now() + timezone.timedelta(hours=3)
    )
    services.draft_submit(draft=draft, by=member)
    for who in (approver, second_approver):
        services.draft_approve(draft=draft, by=who)
    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED
    services.draft_approve(draft=draft, by=lead)
    draft.refresh_from_db()
    assert draft.state == S.SCHEDULED


def test_an_edit_voids_approvals_and_sends_the_draft_back(submitted, member, approver, lead):
    services.draft_approve(draft=submitted, by=approver)
    services.draft_edit(draft=submitted, by=member, text="Our offices close at 5pm on Friday.")
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED
    assert submitted.current_revision.number == 2
    assert selectors.approval_count(submitted) == 0
    # The first approval was of revision 1; one more approval of revision 2 is not enough.
    services.draft_approve(draft=submitted, by=lead)
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED


def test_an_edit_after_full_approval_needs_approval_again(submitted, member, approver, lead):
    services.draft_approve(draft=submitted, by=approver)
    services.draft_approve(draft=submitted, by=lead)
    submitted.refresh_from_db()
    assert submitted.state == S.SCHEDULED
    services.draft_edit(draft=submitted, by=member, text="Changed after approval.")
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED
    assert submitted.publish_due_at is None
    history = list(submitted.transitions.values_list("to_state", flat=True))
    assert history[-1] == S.SUBMITTED
    assert "no longer count" in submitted.transitions.last().reason


def test_changing_only_the_time_keeps_approvals(submitted, member, approver, lead):
    services.draft_approve(draft=submitted, by=approver)
    services.draft_approve(draft=submitted, by=lead)
    later = timezone.now() + timezone.timedelta(days=3)
    services.draft_edit(draft=submitted, by=member, scheduled_at=later)
    submitted.refresh_from_db()
    assert submitted.state == S.SCHEDULED
    assert submitted.publish_due_at == later
    assert submitted.current_revision.number == 1


def test_approvals_older_than_the_expiry_lapse(submitted, approver, lead):
    expiry = submitted.account.approval_expiry
    services.draft_approve(draft=submitted, by=approver)
    with time_machine.travel(timezone.now() + expiry + timezone.timedelta(minutes=1)):
        assert selectors.approval_count(submitted) == 0
        services.draft_approve(draft=submitted, by=lead)
        submitted.refresh_from_db()
        assert submitted.state == S.SUBMITTED
        # The lapsed approver may approve again.
        services.draft_approve(draft=submitted, by=approver)
        submitted.refresh_from_db()
        assert submitted.state in (S.SCHEDULED, S.APPROVED)


def test_only_approvers_of_the_approving_team_may_approve(submitted, member, outsider, other_team):
    with pytest.raises(Refused, match="Only approvers"):
        services.draft_approve(draft=submitted, by=member)
    other_approver = MembershipFactory(team=other_team, role=Membership.Role.APPROVER).user
    with pytest.raises(Refused):
        services.draft_approve(draft=submitted, by=other_approver)
    with pytest.raises(Refused):
        services.draft_approve(draft=submitted, by=outsider)


def test_an_account_may_name_another_team_as_its_approvers(team, member, approver):
    press = TeamFactory(name="Press Office", slug="press-office")
    press_approver = MembershipFactory(team=press, role=Membership.Role.APPROVER).user
    enrol_totp(press_approver)
    account = TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PRESS_OFFICE, approver_team=press)
    draft = services.draft_create(
        author=member, account=account, text="Statement.", scheduled_at=timezone.now() + timezone.timedelta(hours=1)
    )
    services.draft_submit(draft=draft, by=member)
    with pytest.raises(Refused):
        services.draft_approve(draft=draft, by=approver)
    services.draft_approve(draft=draft, by=press_approver)
    draft.refresh_from_db()
    assert draft.state == S.SCHEDULED


def test_admins_may_approve(submitted, admin_user, approver):
    services.draft_approve(draft=submitted, by=admin_user)
    services.draft_approve(draft=submitted, by=approver)
    submitted.refresh_from_db()
    assert submitted.state == S.SCHEDULED


def test_a_former_approver_may_not_approve(submitted, approver):
    Membership.objects.filter(user=approver).update(ended_at=timezone.now() - timezone.timedelta(minutes=1))
    with pytest.raises(Refused):
        services.draft_approve(draft=submitted, by=approver)


def test_requesting_changes_and_rejecting_need_a_reason(submitted, approver):
    with pytest.raises(services.DraftError, match="Say why"):
        services.draft_request_changes(draft=submitted, by=approver, reason=" ")
    with pytest.raises(services.DraftError, match="Say why"):
        services.draft_reject(draft=submitted, by=approver, reason="")
    services.draft_request_changes(draft=submitted, by=approver, reason="Add the opening hours link.")
    submitted.refresh_from_db()
    assert submitted.state == S.CHANGES_REQUESTED
    assert submitted.comments.get().body == "Add the opening hours link."


def test_eligible_approvers_are_emailed_on_submit(account, member, approver, lead, outsider, run_jobs):
    draft = services.draft_create(author=member, account=account, text="Please approve me.")
    with run_jobs():
        services.draft_submit(draft=draft, by=member)
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([approver.email, lead.email])
    assert "Please approve me." in mail.outbox[0].body
    assert f"/drafts/{draft.pk}/" in mail.outbox[0].body


def test_replies_skip_approval_when_the_account_says_so(team, member):
    account = TwitterAccountFactory(team=team, replies_need_approval=False)
    draft = services.draft_create(
        author=member,
        account=account,
        text="@someone Thanks, we have passed this on.",
        in_reply_to_post_id="12345",
        purpose="reply",
        scheduled_at=timezone.now() + timezone.timedelta(minutes=5),
    )
    services.draft_submit(draft=draft, by=member)
    draft.refresh_from_db()
    assert draft.state == S.SCHEDULED
    assert selectors.approvals_required(draft) == 0


def test_every_reader_of_approvals_applies_the_same_rule(account, member, approver, second_approver, lead):
    """One draft, its approvals counted three ways: for publishing (approval_count), for a page of the
    approval queue (counting_approvers) and in SQL for the dashboard (approved_by); each account's own expiry."""
    now = timezone.now()
    hour = timezone.timedelta(hours=1)
    quick = TwitterAccountFactory(team=account.team, approval_expiry_hours=1)
    cases = {  # (account, [(approver, age, of the current revision?)]) -> approvers that count
        "fresh": (account, [(approver, hour, True), (lead, 2 * hour, True)], {approver, lead}),
        "edited since": (account, [(approver, hour, False), (lead, hour, True)], {lead}),
        "lapsed at 72 hours": (account, [(approver, 73 * hour, True), (lead, 71 * hour, True)], {lead}),
        "lapsed at 1 hour": (quick, [(approver, 2 * hour, True), (lead, hour / 2, True)], {lead}),
        "none": (quick, [], set()),
    }
    drafts = {}
    for name, (acct, approvals, _) in cases.items():
        draft = DraftFactory(account=acct, author=member, state=S.SUBMITTED)
        old = draft.current_revision
        draft.current_revision = DraftRevision.objects.create(draft=draft, number=2, posts=["v2"], created_by=member)
        draft.save(update_fields=["current_revision"])
        for who, age, current in approvals:
            revision = draft.current_revision if current else old
            Approval.objects.create(draft=draft, revision=revision, approver=who, created_at=now - age)
        drafts[name] = draft

    on_page = selectors.counting_approvers([d.pk for d in drafts.values()], at=now)
    approved_by_lead = set(
        Draft.objects.filter(pk__in=on_page).filter(selectors.approved_by(lead, at=now)).values_list("pk", flat=True)
    )
    for name, (_, _, expected) in cases.items():
        draft = drafts[name]
        assert selectors.approval_count(draft, at=now) == len(expected), name
        assert on_page[draft.pk] == {who.pk for who in expected}, name
        assert (draft.pk in approved_by_lead) == (lead in expected), name
