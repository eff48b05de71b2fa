"""An inbox row, built from plain values, says what the item's own model methods say."""

from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.models import InboxItem
from monitoring.rows import INBOX_ROWS, inbox_rows
from tests.factories import UserFactory
from tests.monitoring.factories import InboxItemFactory, MentionFactory
from tests.tweets.factories import DraftFactory

pytestmark = pytest.mark.django_db


def test_each_row_shows_what_the_item_itself_would(team, account):
    past = timezone.now() - timedelta(hours=1)
    named = UserFactory(first_name="Ada", last_name="Lovelace")
    unnamed = UserFactory(first_name="", last_name="", email="press.desk@department.gov.uk")
    items = [
        InboxItemFactory(team=team, due_at=past, assigned_to=named, priority="urgent"),
        InboxItemFactory(team=team, due_at=past, status=InboxItem.Status.NO_ACTION, assigned_to=unnamed),
        InboxItemFactory(
            team=team,
            status=InboxItem.Status.IN_PROGRESS,
            reply_draft=DraftFactory(account=account, state="submitted"),
            mention=MentionFactory(author_username="JaneJournalist", text="x" * 300),
        ),
    ]
    items[0].tags.create(name="refund")
    items[0].tags.create(name="complaint")

    rows = inbox_rows(list(INBOX_ROWS.filter(pk__in=[i.pk for i in items])))

    assert [r["pk"] for r in rows] == [str(i.pk) for i in sorted(items, key=lambda i: (i.due_at, i.pk))]
    by_pk = {r["pk"]: r for r in rows}
    for item in items:
        row = by_pk[str(item.pk)]
        assert row["url"] == item.get_absolute_url()
        assert row["author"] == item.mention.author_username
        assert row["status"] == item.status
        assert row["status_label"] == item.get_status_display()
        assert row["status_tag"] == item.status_tag
        assert row["priority"] == item.get_priority_display()
        assert row["overdue"] == item.is_overdue
        assert row["assignee"] == (str(item.assigned_to) if item.assigned_to else "Nobody")
        assert row["reply_state"] == (item.reply_draft.get_state_display() if item.reply_draft else "")
    first, closed, replying = (by_pk[str(i.pk)] for i in items)
    assert first["tags"] == ["complaint", "refund"]
    assert (first["overdue"], closed["overdue"]) == (True, False)  # a closed item is never overdue
    assert (first["assignee"], closed["assignee"]) == ("Ada Lovelace", "press.desk@department.gov.uk")
    assert replying["reply_state"] == "Waiting for approval" and len(replying["text"]) <= 140
