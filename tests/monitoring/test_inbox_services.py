"""The inbox item lifecycle: claim, assign, close, escalate, notes, reply through the tweets workflow."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Membership
from monitoring import ingest, services
from monitoring.models import InboxItem, InboxItemEvent, InboxItemTag, PollCursor
from tests.factories import MembershipFactory, TeamFactory
from tests.monitoring.factories import InboxItemFactory, MentionFactory, MonitorFactory, RoutingRuleFactory

pytestmark = pytest.mark.django_db
Status = InboxItem.Status


def test_claiming_a_new_item_puts_it_in_progress_with_the_claimant(team, member):
    item = InboxItemFactory(team=team)
    services.item_claim(item=item, by=member)
    item.refresh_from_db()
    assert (item.status, item.assigned_to) == (Status.IN_PROGRESS, member)
    assert InboxItemEvent.objects.get(item=item).action == "claimed"


def test_an_item_someone_else_is_working_on_cannot_be_claimed(team, member, approver):
    item = InboxItemFactory(team=team)
    services.item_claim(item=item, by=member)
    with pytest.raises(services.TransitionError, match="already working"):
        services.item_claim(item=item, by=approver)


def test_assigning_to_a_team_member_and_not_to_an_outsider(team, lead, member, outsider):
    item = InboxItemFactory(team=team)
    services.item_assign(item=item, by=lead, assignee=member)
    item.refresh_from_db()
    assert (item.assigned_to, item.status) == (member, Status.IN_PROGRESS)
    with pytest.raises(services.TransitionError, match="not in"):
        services.item_assign(item=item, by=lead, assignee=outsider)


def test_escalating_passes_the_item_to_the_other_team_with_the_note(team, other_team, member):
    item = InboxItemFactory(team=team, priority="high")
    item.tags.create(name="complaint")
    new = services.item_escalate(item=item, by=member, to_team=other_team, note="This is a benefits complaint")
    item.refresh_from_db()
    assert item.status == Status.ESCALATED
    assert (new.team, new.status, new.escalated_from, new.priority) == (other_team, Status.NEW, item, "high")
    assert new.escalation_note == "This is a benefits complaint"
    assert [t.name for t in new.tags.all()] == ["complaint"]
    assert AuditEvent.objects.filter(action="monitoring.item_escalated").exists()


def test_escalating_needs_a_note_and_another_team(team, other_team, member):
    item = InboxItemFactory(team=team)
    with pytest.raises(services.TransitionError, match="why"):
        services.item_escalate(item=item, by=member, to_team=other_team, note="  ")
    with pytest.raises(services.TransitionError, match="already with that team"):
        services.item_escalate(item=item, by=member, to_team=team, note="x")


def test_closed_items_cannot_be_claimed_until_reopened(team, member):
    item = InboxItemFactory(team=team)
    services.item_close(item=item, by=member)
    with pytest.raises(services.TransitionError, match="no action"):
        services.item_claim(item=item, by=member)
    services.item_reopen(item=item, by=member)
    services.item_claim(item=item, by=member)


def test_bulk_close_closes_open_items_and_skips_finished_ones(team, member):
    items = InboxItemFactory.create_batch(3, team=team)
    services.item_close(item=items[0], by=member)
    closed = services.items_bulk_close(items=InboxItem.objects.filter(team=team), by=member)
    assert closed == 2
    assert set(InboxItem.objects.values_list("status", flat=True)) == {Status.NO_ACTION}


def test_notes_are_kept_on_the_item(team, member):
    item = InboxItemFactory(team=team)
    services.item_note_add(item=item, by=member, text="Called them back")
    assert item.notes.get().author == member
    with pytest.raises(services.TransitionError):
        services.item_note_add(item=item, by=member, text=" ")


def test_due_time_follows_priority_and_items_become_overdue(team, settings):
    settings.MONITORING_DUE_HOURS = {"urgent": 1, "high": 4, "normal": 24, "low": 72}
    with time_machine.travel("2026-11-20 09:00 +0000", tick=False):
        urgent = InboxItemFactory(team=team, priority="urgent")
        normal = InboxItemFactory(team=team, priority="normal")
        assert urgent.due_at == timezone.now() + timedelta(hours=1)
        assert normal.due_at == timezone.now() + timedelta(hours=24)
        assert not urgent.is_overdue
    with time_machine.travel("2026-11-20 10:30 +0000", tick=False):
        assert urgent.is_overdue and not normal.is_overdue
        assert list(InboxItem.objects.filter(due_at__lt=timezone.now())) == [urgent]


def test_reply_goes_through_approval_and_the_item_becomes_replied_when_published(
    x_sandbox, team, account, member, approver, django_capture_on_commit_callbacks
):
    from tweets.models import Draft
    from tweets.publishing import draft_publish
    from tweets.services import draft_approve, draft_submit

    account.approvals_required = 1
    account.replies_need_approval = True
    account.save()
    x_sandbox.register_account(account)
    x_sandbox.inject_post("citizen", f"@{account.handle} when does the office open?")
    ingest.cursors_sync()
    ingest.cursor_poll(cursor_id=PollCursor.objects.get(kind="timeline").pk)
    item = InboxItem.objects.get()
    assert item.team == team

    draft = services.item_reply(item=item, by=member, account=account, text="@citizen 9am to 5pm, Monday to Friday.")
    item.refresh_from_db()
    assert (item.reply_draft, item.status, item.assigned_to) == (draft, Status.IN_PROGRESS, member)
    assert draft.in_reply_to_post_id == str(item.mention.tweet_id)
    with django_capture_on_commit_callbacks(execute=True):
        draft_submit(draft=draft, by=member)
        draft_approve(draft=draft, by=approver)
    item.refresh_from_db()
    assert item.status == Status.IN_PROGRESS  # approved, not yet published
    with django_capture_on_commit_callbacks(execute=True):
        draft_publish(draft_id=draft.pk)
    draft.refresh_from_db()
    assert draft.state == Draft.State.PUBLISHED
    item.refresh_from_db()
    assert item.status == Status.REPLIED
    assert x_sandbox.posts_by(account.x_user_id)[0]["text"].startswith("@citizen 9am")


def test_reply_is_refused_with_the_training_message_when_the_course_is_missing(team, account, member):
    from tests.training.helpers import require_course
    from training.policy import Action, TrainingRequired

    require_course(account.kind, Action.REPLY, title="Replying to the public")
    item = InboxItemFactory(team=team, account=account)
    with pytest.raises(TrainingRequired) as refused:
        services.item_reply(item=item, by=member, account=account, text="hello")
    assert "Replying to the public" in refused.value.message
    item.refresh_from_db()
    assert item.reply_draft is None and item.status == Status.NEW


def test_a_member_who_left_the_team_cannot_be_assigned(team, lead):
    leaver = MembershipFactory(team=team, ended_at=timezone.now() - timedelta(hours=1)).user
    item = InboxItemFactory(team=team)
    with pytest.raises(services.TransitionError):
        services.item_assign(item=item, by=lead, assignee=leaver)
    assert Membership.objects.filter(user=leaver).exists()


# --- Items arriving from polling ----------------------------------------------------------------------


@pytest.fixture(params=["one statement", "orm"])
def storage_path(request):
    """PostgreSQL's one-statement path, and the ORM path the SQLite demo takes (forced here on PostgreSQL)."""
    if request.param == "orm":
        with mock.patch.object(connection, "vendor", "sqlite"):
            yield request.param
    else:
        yield request.param


@pytest.fixture
def triage(settings):
    settings.TRIAGE_TEAM_SLUG = "triage"
    return TeamFactory(name="Triage", slug="triage")


def test_an_item_read_from_x_arrives_with_an_arrived_event_in_its_history(x_sandbox, team, triage, storage_path):
    monitor = MonitorFactory(team=team, query="passport")
    RoutingRuleFactory(monitor=monitor, route_to=team, priority="urgent", tags="passports, complaint")
    x_sandbox.inject_post("alice", "passport lost again")
    ingest.cursors_sync()
    ingest.cursor_poll(cursor_id=PollCursor.objects.get(kind="search").pk)
    item = InboxItem.objects.get()
    event = item.events.get()
    assert (event.action, event.actor, event.from_status, event.to_status) == ("arrived", None, "", "new")
    assert event.created_at == item.created_at
    assert (item.team, item.priority, item.status) == (team, "urgent", "new")
    assert sorted(item.tags.values_list("name", flat=True)) == ["complaint", "passports"]


def test_items_arrive_writes_each_item_its_event_and_tags_together(team, account, storage_path):
    mentions = MentionFactory.create_batch(3)
    at = timezone.now()
    due = at + timedelta(hours=2)
    arrivals = [
        (mentions[0].pk, team.pk, account.pk, "urgent", due, ("a", "b")),
        (mentions[1].pk, team.pk, None, "normal", due, ()),
        (mentions[2].pk, team.pk, None, "low", due, ("c",)),
    ]
    assert services.items_arrive(arrivals=arrivals, at=at) == 3
    items = {item.mention_id: item for item in InboxItem.objects.all()}
    assert {m: (i.priority, i.account_id, i.status) for m, i in items.items()} == {
        mentions[0].pk: ("urgent", account.pk, "new"),
        mentions[1].pk: ("normal", None, "new"),
        mentions[2].pk: ("low", None, "new"),
    }
    assert sorted(InboxItemEvent.objects.values_list("item__mention_id", "action")) == sorted(
        (m.pk, "arrived") for m in mentions
    )
    assert sorted(InboxItemTag.objects.values_list("item__mention_id", "name")) == [
        (mentions[0].pk, "a"),
        (mentions[0].pk, "b"),
        (mentions[2].pk, "c"),
    ]


def test_the_item_page_history_says_when_the_item_arrived(client, x_sandbox, team, member, triage):
    RoutingRuleFactory(monitor=MonitorFactory(team=team, query="passport"), route_to=team)
    x_sandbox.inject_post("alice", "passport lost again")
    ingest.cursors_sync()
    ingest.cursor_poll(cursor_id=PollCursor.objects.get(kind="search").pk)
    client.force_login(member)
    response = client.get(reverse("monitoring:item_detail", args=[InboxItem.objects.get().pk]))
    assert "Dovecote arrived: Read from X and routed here" in response.text
