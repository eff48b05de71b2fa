"""Each kind of event reaches the right people, told once, and nobody else (a table per kind)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from monitoring import services as monitoring_services
from notifications.models import Notification
from tests.monitoring.factories import InboxItemFactory
from tests.training.factories import CourseFactory
from tests.training.helpers import certify
from tests.tweets.factories import DraftFactory
from training.jobs import send_reminders
from tweets import freezes, services
from tweets.models import Approval, Draft, DraftTransition
from tweets.signals import draft_state_changed

S = Draft.State


def told(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


@pytest.fixture
def people(member, approver, lead, outsider, other_lead, admin_user):
    return {"member": member, "approver": approver, "lead": lead, "outsider": outsider, "other_lead": other_lead}


def test_a_submitted_draft_tells_those_who_could_approve_it_not_its_author(committed, account, people):
    with committed():
        draft = services.draft_create(author=people["member"], account=account, text="Offices close at 4pm.")
        services.draft_submit(draft=draft, by=people["member"])

    assert told("approval_needed") == {people["approver"].pk, people["lead"].pk}
    notice = Notification.objects.get(kind="approval_needed", recipient=people["approver"])
    assert notice.title == "A post for @DeptComms is waiting for your approval"
    assert notice.url == f"/drafts/{draft.pk}/"
    assert "Offices close at 4pm." in notice.body


def test_an_approver_who_submits_is_not_asked_to_approve_their_own_draft(committed, account, people):
    with committed():
        draft = services.draft_create(author=people["approver"], account=account, text="My own words.")
        services.draft_submit(draft=draft, by=people["approver"])

    assert told("approval_needed") == {people["lead"].pk}


def _moved(draft: Draft, to: str) -> None:
    """As tweets' _move leaves it: the state, a history row, and the signal after commit."""
    Draft.objects.filter(pk=draft.pk).update(state=to)
    draft.state = to
    DraftTransition.objects.create(draft=draft, from_state=S.SCHEDULED, to_state=to)
    draft_state_changed.send(sender=Draft, draft=draft, from_state=S.SCHEDULED, to_state=to)


@pytest.mark.parametrize(
    ("to_state", "kind", "expected"),
    [
        (S.HELD, "post_held", {"member", "approver"}),
        (S.PUBLISHED, "post_published", {"member"}),
        (S.FAILED, "post_failed", {"member"}),
    ],
)
def test_the_author_hears_their_post_was_held_published_or_failed(committed, account, people, to_state, kind, expected):
    draft = DraftFactory(account=account, author=people["member"], state=S.SCHEDULED)
    Approval.objects.create(draft=draft, revision=draft.current_revision, approver=people["approver"])
    with committed():
        _moved(draft, to_state)

    assert told(kind) == {people[name].pk for name in expected}


def test_a_signal_sent_twice_tells_nobody_twice(committed, account, people):
    draft = DraftFactory(account=account, author=people["member"], state=S.SCHEDULED)
    with committed():
        _moved(draft, S.PUBLISHED)
        draft_state_changed.send(sender=Draft, draft=draft, from_state=S.SCHEDULED, to_state=S.PUBLISHED)
        draft_state_changed.send(sender=Draft, draft=draft, from_state=S.SCHEDULED, to_state=S.PUBLISHED)

    assert Notification.objects.filter(kind="post_published").count() == 1


def test_a_draft_that_moved_on_before_the_notice_tells_nobody_of_the_old_state(committed, account, people):
    draft = DraftFactory(account=account, author=people["member"], state=S.SCHEDULED)
    DraftTransition.objects.create(draft=draft, from_state=S.SCHEDULED, to_state=S.HELD)
    with committed():  # the signal says held, but it has since been published
        Draft.objects.filter(pk=draft.pk).update(state=S.PUBLISHED)
        draft_state_changed.send(sender=Draft, draft=draft, from_state=S.SCHEDULED, to_state=S.HELD)

    assert not Notification.objects.exists()


def test_an_item_assigned_to_someone_tells_them_but_not_when_they_took_it_themselves(committed, team, people):
    item = InboxItemFactory(team=team)
    with committed():
        monitoring_services.item_assign(item=item, by=people["lead"], assignee=people["member"])
    assert told("item_assigned") == {people["member"].pk}

    other = InboxItemFactory(team=team)
    with committed():
        monitoring_services.item_assign(item=other, by=people["member"], assignee=people["member"])
    assert Notification.objects.filter(kind="item_assigned").count() == 1


def test_an_item_passed_on_tells_the_receiving_teams_leads_only(committed, team, other_team, people):
    item = InboxItemFactory(team=other_team)
    with committed():
        new_item = monitoring_services.item_escalate(
            item=item, by=people["outsider"], to_team=team, note="A complaint about the office."
        )

    assert told("item_passed") == {people["lead"].pk}
    notice = Notification.objects.get(kind="item_passed")
    assert notice.url == f"/monitoring/items/{new_item.pk}/"
    assert "A complaint about the office." in notice.body


@pytest.mark.parametrize(
    ("scope", "expected"),
    [("team", {"lead"}), ("everything", {"lead", "other_lead"})],
)
def test_a_freeze_started_and_lifted_tells_the_leads_in_its_scope_but_not_who_did_it(
    committed, team, people, admin_user, scope, expected
):
    with committed():
        freeze = freezes.freeze_start(
            by=admin_user, scope=scope, team=team if scope == "team" else None, reason="Pre-election period"
        )
    assert told("freeze_started") == {people[name].pk for name in expected}

    with committed():
        freezes.freeze_lift(freeze=freeze, by=people["lead"], note="Election over")
    assert told("freeze_lifted") == {people[name].pk for name in expected} - {people["lead"].pk}


def test_a_certification_about_to_lapse_tells_its_holder_once(committed, people):
    course = CourseFactory(validity_months=12)
    certification = certify(people["member"], course, at=timezone.now() - dt.timedelta(days=300))
    certification.expires_at = timezone.now() + dt.timedelta(days=20)
    certification.save()
    with committed():
        send_reminders()
        send_reminders()

    assert told("certification_lapsing") == {people["member"].pk}
    assert Notification.objects.get().title.startswith(f"Your '{course}' certification expires on")
    assert len(mail.outbox) == 1  # training's own email, once


def test_a_bulk_pass_on_tells_the_leads_once_however_often_the_signal_comes(committed, team, other_team, people):
    from monitoring.models import InboxItem
    from monitoring.signals import items_passed_on

    items = [InboxItemFactory(team=team) for _ in range(3)]
    signal = {
        "sender": InboxItem,
        "to_team_id": team.pk,
        "from_team_id": other_team.pk,
        "item_ids": [i.pk for i in items],
        "by_id": people["outsider"].pk,
        "note": "Three about passports.",
    }
    with committed():
        items_passed_on.send(**signal)
        items_passed_on.send(**signal)

    (notice,) = Notification.objects.filter(kind="item_passed")
    assert notice.recipient == people["lead"]
    assert notice.title == f"{people['outsider']} passed 3 inbox items on to {team}"
    assert notice.body == "Three about passports."
    assert notice.url == "/monitoring/"


def test_a_bulk_assignment_tells_the_assignee_once_with_how_many(committed, team, people):
    from monitoring import bulk as bulk_work
    from monitoring.bulk import bulk_run

    items = [InboxItemFactory(team=team) for _ in range(4)]
    with committed():
        bulk = bulk_work.bulk_start(
            by=people["lead"],
            team=team,
            action="assign",
            params={"assignee": people["member"].pk, "assignee_name": str(people["member"])},
            item_ids=[i.pk for i in items],
        )
        bulk_run(bulk_id=bulk.pk)  # run again: already done, nobody told twice

    (notice,) = Notification.objects.filter(kind="item_assigned")
    assert notice.recipient == people["member"]
    assert notice.title == f"{people['lead']} assigned 4 inbox items to you"

    with committed():  # assigning to oneself tells nobody
        bulk_work.bulk_start(
            by=people["member"],
            team=team,
            action="assign",
            params={"assignee": people["member"].pk},
            item_ids=[InboxItemFactory(team=team).pk],
        )
    assert Notification.objects.filter(kind="item_assigned").count() == 1
