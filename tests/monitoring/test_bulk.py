"""Bulk work from the inbox: every item a search or filter found, or those ticked; assign, tag, close with a
reason, pass on; who may (a table of roles and actions); undo; ten thousand items through the queue."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring import bulk as bulk_work
from monitoring import jobs
from monitoring.models import BulkAction, InboxItem, InboxItemEvent, Mention, TeamTag
from monitoring.signals import items_passed_on
from tests.conftest import enrol_totp
from tests.monitoring.factories import InboxItemFactory, MentionFactory, next_tweet_id

pytestmark = pytest.mark.django_db
BULK = reverse("monitoring:inbox_bulk")


def items(team, n, text="passport question", **kwargs):
    return [InboxItemFactory(team=team, mention=MentionFactory(text=f"{text} {i}"), **kwargs) for i in range(n)]


def many_items(team, n, text="passport delayed"):
    """`n` open items in bulk (factories one by one would take minutes for thousands)."""
    now = timezone.now()
    mentions = Mention.objects.bulk_create(
        Mention(tweet_id=next_tweet_id(), text=f"{text} {i}", posted_at=now, author_x_id="1", author_username="c")
        for i in range(n)
    )
    return InboxItem.objects.bulk_create(
        InboxItem(mention=m, team=team, due_at=now + timedelta(hours=i % 50), status="new")
        for i, m in enumerate(mentions)
    )


@pytest.fixture
def tag(team):
    return TeamTag.objects.create(team=team, name="refunds")


def action_data(action, *, team, other_team, member, tag, scope="all", filters="q=passport", **extra):
    data = {"team": team.pk, "scope": scope, "action": action, "filters": filters}
    data.update(
        {
            "assign": {"assignee": member.pk},
            "tag": {"tag": tag.pk},
            "close": {"reason": "Spam from a bot network"},
            "escalate": {"to_team": other_team.pk, "note": "Benefits questions: yours"},
        }[action]
    )
    data.update(extra)
    return data


def changed(action, item, *, member, other_team):
    item.refresh_from_db()
    return {
        "assign": item.assigned_to_id == member.pk,
        "tag": item.tags.filter(name="refunds").exists(),
        "close": item.status == "no_action",
        "escalate": item.status == "escalated" and InboxItem.objects.filter(escalated_from=item).exists(),
    }[action]


ACTIONS = ["assign", "tag", "close", "escalate"]


@pytest.mark.parametrize(
    "role, allowed",
    [("member", True), ("approver", True), ("lead", True), ("admin", True), ("outsider", False), ("ended", False)],
)
@pytest.mark.parametrize("action", ACTIONS)
def test_who_may_act_in_bulk_on_a_teams_items(client, request, team, other_team, member, tag, role, allowed, action):
    fixture = {"member": "member", "admin": "admin_user", "ended": "ended_member"}.get(role, role)
    user = request.getfixturevalue(fixture)
    if user.requires_mfa():
        enrol_totp(user)
    found = items(team, 3)
    client.force_login(user)
    response = client.post(BULK, action_data(action, team=team, other_team=other_team, member=member, tag=tag))
    assert response.status_code == (302 if allowed else 404)
    assert [changed(action, i, member=member, other_team=other_team) for i in found] == [allowed] * 3


@pytest.mark.parametrize("action", ACTIONS)
def test_every_item_the_search_found_is_worked_not_only_the_page(client, team, other_team, member, tag, action):
    found = items(team, 60)  # more than a page (50)
    others = items(team, 3, text="visa question")
    client.force_login(member)
    data = action_data(action, team=team, other_team=other_team, member=member, tag=tag)
    response = client.post(BULK, data, follow=True)
    assert all(changed(action, i, member=member, other_team=other_team) for i in found)
    assert not any(changed(action, i, member=member, other_team=other_team) for i in others)
    assert "60 items" in response.text
    bulk = BulkAction.objects.get()
    assert (bulk.by, bulk.total, bulk.changed, bulk.skipped, bulk.state) == (member, 60, 60, 0, "done")
    assert InboxItemEvent.objects.filter(item__in=found, actor=member).count() == 60


def test_only_the_ticked_items_when_so_chosen(client, team, other_team, member, tag):
    found = items(team, 5)
    client.force_login(member)
    data = action_data("close", team=team, other_team=other_team, member=member, tag=tag, scope="selected")
    data["items"] = [found[0].pk, found[1].pk, "junk", "99999999999"]
    client.post(BULK, data)
    assert [changed("close", i, member=member, other_team=other_team) for i in found] == [True, True] + [False] * 3


def test_items_that_are_not_open_or_not_mine_to_work_are_skipped_and_counted(team, other_team, member):
    mine = items(team, 3)
    closed = items(team, 2, status="no_action")
    theirs = items(other_team, 2)
    ids = [i.pk for i in mine + closed + theirs]
    bulk = bulk_work.bulk_start(by=member, team=team, action="close", params={"reason": "done"}, item_ids=ids)
    assert (bulk.changed, bulk.skipped) == (3, 4)
    assert all(i.status == "new" for i in InboxItem.objects.filter(pk__in=[t.pk for t in theirs]))
    from monitoring.views.bulk import summary

    assert summary(bulk).startswith("Closed 3 items with no action. 4 skipped")


def test_the_form_says_what_is_missing_and_changes_nothing(client, team, other_team, member, tag):
    found = items(team, 2)
    client.force_login(member)
    for action, missing in [("tag", "tag"), ("close", "reason"), ("escalate", "to_team"), ("escalate", "note")]:
        data = action_data(action, team=team, other_team=other_team, member=member, tag=tag)
        data[missing] = ""
        response = client.post(BULK, data, follow=True)
        assert "Nothing was changed." in response.text
    assert not BulkAction.objects.exists()
    assert all(i.status == "new" for i in InboxItem.objects.filter(pk__in=[f.pk for f in found]))


def test_passing_on_in_bulk_sends_one_signal_with_every_new_item(
    team, other_team, member, django_capture_on_commit_callbacks
):
    found = items(team, 4)
    calls = []
    items_passed_on.connect(lambda sender, **kw: calls.append(kw), weak=False, dispatch_uid="test-bulk")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            bulk_work.bulk_start(
                by=member,
                team=team,
                action="escalate",
                params={"to_team": other_team.pk, "to_team_name": str(other_team), "note": "Yours"},
                item_ids=[i.pk for i in found],
            )
    finally:
        items_passed_on.disconnect(dispatch_uid="test-bulk")
    new = set(InboxItem.objects.filter(team=other_team).values_list("pk", flat=True))
    assert len(calls) == 1
    assert (set(calls[0]["item_ids"]), calls[0]["to_team_id"], calls[0]["note"]) == (new, other_team.pk, "Yours")
    assert set(InboxItem.objects.filter(team=other_team).values_list("escalation_note", flat=True)) == {"Yours"}


# --- Undo ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_undo_puts_back_exactly_the_items_the_last_bulk_action_changed(client, team, other_team, member, tag, action):
    found = items(team, 4)
    already = items(team, 1, assigned_to=member, status="in_progress")[0]
    already.tags.create(name="refunds")
    untouched = items(team, 2, text="visa")
    before = {i.pk: (i.status, i.assigned_to_id) for i in [*found, already, *untouched]}
    client.force_login(member)
    client.post(BULK, action_data(action, team=team, other_team=other_team, member=member, tag=tag))
    bulk = BulkAction.objects.get()
    page = client.get(reverse("monitoring:inbox"), {"team": team.pk}).text
    assert "Undo it" in page
    response = client.post(reverse("monitoring:bulk_undo", args=[bulk.pk]), follow=True)
    assert "Undone:" in response.text
    after = {i.pk: (i.status, i.assigned_to_id) for i in InboxItem.objects.filter(pk__in=before)}
    assert after == before
    assert already.tags.filter(name="refunds").exists()  # it had the tag before: it keeps it
    assert not InboxItem.objects.filter(team=other_team).exists()
    bulk.refresh_from_db()
    assert bulk.undone_at is not None
    from accounts.models import AuditEvent

    assert AuditEvent.objects.filter(action=f"monitoring.items_bulk_{action}_undone", actor=member).exists()
    # Once only.
    response = client.post(reverse("monitoring:bulk_undo", args=[bulk.pk]), follow=True)
    assert "already been undone" in response.text


def test_undo_leaves_items_worked_on_since(client, team, other_team, member, approver):
    found = items(team, 3)
    bulk = bulk_work.bulk_start(
        by=member, team=team, action="close", params={"reason": "x"}, item_ids=[i.pk for i in found]
    )
    from monitoring import services

    services.item_reopen(item=found[0], by=approver)
    restored, skipped = bulk_work.bulk_undo(bulk=bulk, by=member)
    assert (restored, skipped) == (2, 1)


def test_only_my_last_bulk_action_can_be_undone_and_only_by_me(client, team, member, approver):
    found = items(team, 3)
    first = bulk_work.bulk_start(by=member, team=team, action="close", params={"reason": "x"}, item_ids=[found[0].pk])
    bulk_work.bulk_start(by=member, team=team, action="close", params={"reason": "y"}, item_ids=[found[1].pk])
    with pytest.raises(bulk_work.UndoRefused, match="Only your last"):
        bulk_work.bulk_undo(bulk=first, by=member)
    client.force_login(approver)
    assert client.post(reverse("monitoring:bulk_undo", args=[first.pk])).status_code == 404
    assert client.get(reverse("monitoring:bulk_progress", args=[first.pk])).status_code == 404


# --- Ten thousand ----------------------------------------------------------------------------------------------


def test_ten_thousand_items_go_through_the_queue_with_progress_in_bulk_queries(client, team, member, settings):
    many_items(team, 10_000)
    client.force_login(member)
    response = client.post(
        BULK, {"team": team.pk, "scope": "all", "action": "close", "reason": "Bot storm", "filters": "q=passport"}
    )
    bulk = BulkAction.objects.get()
    assert response.url == reverse("monitoring:bulk_progress", args=[bulk.pk])
    assert "0 of 10000 items" in client.get(response.url).text
    with CaptureQueriesContext(connection) as ctx:
        assert jobs.bulk_run(bulk.pk) == "done"  # as the worker runs it from the `default` queue
    assert len(ctx.captured_queries) < 10 * (10_000 // bulk_work.CHUNK)  # a few bulk queries a chunk, not per item
    assert InboxItem.objects.filter(team=team, status="no_action").count() == 10_000
    assert jobs.bulk_run(bulk.pk) == "done"  # safe to run twice
    assert InboxItemEvent.objects.filter(action="closed", detail="Bot storm").count() == 10_000
    assert "Done. Closed 10,000 items with no action." in client.get(response.url).text
    restored, skipped = bulk_work.bulk_undo(bulk=BulkAction.objects.get(), by=member)
    assert (restored, skipped) == (10_000, 0)
    assert InboxItem.objects.filter(team=team, status="new").count() == 10_000


# --- Garbage ---------------------------------------------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=80) | st.sampled_from(
    ["", "0", "-1", "99999999999999999999", "\x00", "all", "selected", "<script>", "q=%00&team=1", "1.5"]
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.fixed_dictionaries(
        {k: TEXT for k in ["scope", "action", "assignee", "tag", "reason", "to_team", "note", "filters", "items"]}
    )
)
def test_garbage_in_the_bulk_form_is_never_a_server_error(client, team, member, data):
    client.force_login(member)
    response = client.post(BULK, {"team": team.pk, **data})
    assert response.status_code in (302, 400, 404)
