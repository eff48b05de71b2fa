"""The inbox page and the item page: filters, access, bulk close, actions through the views."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring.models import InboxItem, MentionMatch
from tests.factories import MembershipFactory, TwitterAccountFactory
from tests.monitoring.factories import (
    InboxItemFactory,
    MentionFactory,
    MonitorFactory,
    WatchlistEntryFactory,
    WatchlistFactory,
)

pytestmark = pytest.mark.django_db
INBOX = reverse("monitoring:inbox")


def item_url(item, action=""):
    name = f"monitoring:item_{action}" if action else "monitoring:item_detail"
    return reverse(name, args=[item.pk])


def test_it_shows_the_team_inbox_with_who_is_working_each_item(client, team, member, approver):
    item = InboxItemFactory(team=team, assigned_to=approver, status="in_progress")
    client.force_login(member)
    response = client.get(INBOX)
    assert response.status_code == 200
    assert item.mention.text in response.text
    assert str(approver) in response.text


def test_it_lists_with_a_fixed_number_of_queries_whatever_the_rows(client, team, member, django_assert_num_queries):
    client.force_login(member)
    InboxItemFactory.create_batch(2, team=team)
    client.get(INBOX)  # warm the session
    # me; the page's ids, its rows, their tags; my last bulk action. The filter form, its choices, my teams and roles,
    # the bulk choices and my saved searches: from the cache
    with django_assert_num_queries(5) as first:
        client.get(INBOX)
    for item in InboxItemFactory.create_batch(30, team=team):
        item.tags.create(name="complaint")
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(INBOX)
    assert response.text.count("complaint") >= 30


def test_the_inbox_reads_its_cache_in_two_round_trips_after_the_session_and_roles(client, team, member, redis_commands):
    InboxItemFactory.create_batch(2, team=team)
    client.force_login(member)
    client.get(INBOX)  # caches the filter form, the bulk choices, my teams, saved searches and the banners
    redis_commands.clear()

    assert client.get(INBOX).status_code == 200

    # The session, my roles; the data's generations with my teams; the page's cached parts, saved searches, banners.
    assert [command for command, _ in redis_commands] == ["GET", "GET", "MGET", "MGET"], redis_commands


def test_other_teams_items_are_404(client, team, outsider):
    item = InboxItemFactory(team=team)
    client.force_login(outsider)
    assert client.get(item_url(item)).status_code == 404
    assert client.post(item_url(item, "claim")).status_code == 404
    assert client.get(INBOX, {"team": team.pk}).status_code == 404


def test_admins_can_open_any_team_inbox(client, team, admin_user):
    item = InboxItemFactory(team=team)
    client.force_login(admin_user)
    assert client.get(INBOX, {"team": team.pk}).status_code == 200
    assert client.get(item_url(item)).status_code == 200


def test_filters_narrow_the_list(client, team, member):
    monitor = MonitorFactory(team=team)
    watchlist = WatchlistFactory(team=team)
    WatchlistEntryFactory(watchlist=watchlist, username="janejournalist")
    angry = InboxItemFactory(team=team, mention=MentionFactory(sentiment=-0.8, text="angry post"), priority="urgent")
    matched = InboxItemFactory(team=team, mention=MentionFactory(text="matched post"))
    MentionMatch.objects.create(mention=matched.mention, monitor=monitor)
    journalist = InboxItemFactory(
        team=team, mention=MentionFactory(author_username="JaneJournalist", text="press post")
    )
    tagged = InboxItemFactory(team=team, mention=MentionFactory(text="tagged post"))
    tagged.tags.create(name="refund")
    late = InboxItemFactory(
        team=team, mention=MentionFactory(text="late post"), due_at=timezone.now() - timedelta(hours=1)
    )
    client.force_login(member)

    def shown(**params):
        text = client.get(INBOX, {"team": team.pk, "status": "open", **params}).text
        return {i.mention.text for i in [angry, matched, journalist, tagged, late] if i.mention.text in text}

    assert shown(sentiment="negative") == {"angry post"}
    assert shown(priority="urgent") == {"angry post"}
    assert shown(monitor=monitor.pk) == {"matched post"}
    assert shown(watchlist=watchlist.pk) == {"press post"}
    assert shown(tag="refund") == {"tagged post"}
    assert shown(overdue="on") == {"late post"}


def test_overdue_items_are_highlighted(client, team, member):
    InboxItemFactory(team=team, due_at=timezone.now() - timedelta(minutes=5))
    client.force_login(member)
    assert "dovecote-row--overdue" in client.get(INBOX).text


def test_bulk_close_only_touches_the_users_teams(client, team, other_team, member):
    mine = InboxItemFactory.create_batch(2, team=team)
    theirs = InboxItemFactory(team=other_team)
    client.force_login(member)
    response = client.post(reverse("monitoring:inbox_bulk_close"), {"items": [i.pk for i in [*mine, theirs]]})
    assert response.status_code == 302
    assert set(InboxItem.objects.filter(team=team).values_list("status", flat=True)) == {"no_action"}
    theirs.refresh_from_db()
    assert theirs.status == "new"


def test_claim_assign_note_and_escalate_through_the_item_page(client, team, other_team, member, approver):
    item = InboxItemFactory(team=team)
    client.force_login(member)
    assert client.post(item_url(item, "claim")).status_code == 302
    client.post(item_url(item, "note"), {"text": "Checking with policy"})
    client.post(item_url(item, "assign"), {"assignee": approver.pk})
    item.refresh_from_db()
    assert item.assigned_to == approver and item.notes.count() == 1
    page = client.get(item_url(item)).text
    assert "Checking with policy" in page and str(approver) in page
    response = client.post(item_url(item, "escalate"), {"team": other_team.pk, "note": "Benefits question"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "escalated"
    assert InboxItem.objects.get(team=other_team).escalation_note == "Benefits question"


def test_escalate_without_a_note_shows_the_error(client, team, other_team, member):
    item = InboxItemFactory(team=team)
    client.force_login(member)
    response = client.post(item_url(item, "escalate"), {"team": other_team.pk, "note": ""})
    assert response.status_code == 400
    assert "There is a problem" in response.text


def test_reply_refused_for_training_shows_the_missing_course(client, team, account, member):
    from tests.training.helpers import require_course
    from training.policy import Action

    require_course(account.kind, Action.REPLY, title="Replying to the public")
    item = InboxItemFactory(team=team, account=account)
    client.force_login(member)
    response = client.post(item_url(item, "reply"), {"account": account.pk, "text": "@someone hello"})
    assert response.status_code == 403
    assert "Replying to the public" in response.text


def test_reply_opens_a_draft_and_the_item_shows_its_state(client, team, account, member):
    item = InboxItemFactory(team=team, account=account)
    client.force_login(member)
    response = client.post(item_url(item, "reply"), {"account": account.pk, "text": "@someone hello"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.reply_draft is not None
    page = client.get(item_url(item)).text
    assert item.reply_draft.get_state_display() in page


def test_actions_need_post(client, team, member):
    item = InboxItemFactory(team=team)
    client.force_login(member)
    assert client.get(item_url(item, "claim")).status_code == 405


def test_the_filter_form_shows_a_new_monitor_at_once(client, team, member):
    client.force_login(member)
    MonitorFactory(team=team, name="Visas")
    assert "Visas" in client.get(INBOX).text

    MonitorFactory(team=team, name="Passports")

    assert "Passports" in client.get(INBOX).text


def test_the_filter_form_keeps_what_was_asked_for(client, team, member):
    client.force_login(member)
    client.get(INBOX)

    page = client.get(INBOX, {"team": team.pk, "status": "escalated", "tag": "refunds"}).text

    assert 'value="refunds"' in page
    assert '<option value="escalated" selected>' in page


def test_a_team_joined_or_renamed_shows_in_the_inbox_at_once(client, team, other_team, member):
    client.force_login(member)
    assert client.get(INBOX, {"team": other_team.pk}).status_code == 404  # my teams are now cached
    MembershipFactory(user=member, team=other_team)
    assert client.get(INBOX, {"team": other_team.pk}).status_code == 200
    other_team.name = "Press Office (renamed)"
    other_team.save()
    assert "Press Office (renamed)" in client.get(INBOX, {"team": other_team.pk}).text


def test_a_team_with_no_account_is_told_how_to_get_the_item_answered_instead_of_an_empty_reply_form(
    client, team, other_team, member
):
    account = TwitterAccountFactory(team=other_team, handle="DeptElsewhere")
    item = InboxItemFactory(team=team, account=account)
    client.force_login(member)

    page = client.get(item_url(item)).content.decode()

    assert f"{team} has no X account to reply from" in page
    assert "@DeptElsewhere" in page
    assert "Write reply draft" not in page


def test_a_team_with_an_account_gets_the_reply_form(client, team, member):
    item = InboxItemFactory(team=team, account=TwitterAccountFactory(team=team))
    client.force_login(member)

    page = client.get(item_url(item)).content.decode()

    assert "Write reply draft" in page
    assert "has no X account to reply from" not in page


def test_the_reply_form_starts_on_the_teams_only_account_when_the_mention_names_another_teams(
    client, team, other_team, member
):
    ours = TwitterAccountFactory(team=team)
    item = InboxItemFactory(team=team, account=TwitterAccountFactory(team=other_team))
    client.force_login(member)

    form = client.get(item_url(item)).context["reply_form"]

    assert form.initial["account"] == ours.pk
