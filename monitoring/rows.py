"""The rows of a team inbox page, prepared for its table.

A page's rows are read as plain values (`INBOX_ROWS`), not model instances, and everything a row shows is worked
out here, once, as plain strings: the template then only looks up keys, which the Django template engine
does far faster than calling model methods row by row. Building fifty items, mentions, assignees and reply
drafts as model instances would cost about as much as rendering the table.
"""

from collections import defaultdict

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.models import person_name
from core.formats import clip, when
from core.paths import path_with_pk
from monitoring.models import InboxItem, InboxItemTag, Priority
from monitoring.search import highlighted
from networks.base import LABELS
from tweets.models import Draft

TEXT_SHOWN = 140

# What a row shows, for `page_of(..., rows=INBOX_ROWS)`: in the inbox's order, one query, no model instances.
# The reply draft's state is a subquery rather than a join: PostgreSQL took longer to plan the join to the drafts
# table (with its many indexes) than to run the whole query.
INBOX_ROWS = (
    InboxItem.objects.annotate(
        reply_draft_state=Subquery(Draft.objects.filter(pk=OuterRef("reply_draft_id")).order_by().values("state"))
    )
    .order_by("due_at", "id")
    .values(
        "pk",
        "status",
        "priority",
        "due_at",
        "assigned_to_id",
        "reply_draft_id",
        "mention__author_username",
        "mention__author_name",
        "mention__text",
        "mention__network",
        "assigned_to__first_name",
        "assigned_to__last_name",
        "assigned_to__email",
        "reply_draft_state",
    )
)

STATUS_LABELS = dict(InboxItem.Status.choices)
PRIORITY_LABELS = dict(Priority.choices)
DRAFT_STATE_LABELS = dict(Draft.State.choices)


def inbox_rows(items: list[dict], terms: list[str] | None = None) -> list[dict]:
    """One dict per item, from its `INBOX_ROWS` values, plus one query for the tags; the words of a search
    (`terms`) are highlighted in the author's handle, name and the text, everything else escaped."""
    tags = defaultdict(list)
    for item_id, name in InboxItemTag.objects.filter(item__in=[i["pk"] for i in items]).values_list("item_id", "name"):
        tags[item_id].append(name)  # ordered by name (the model's ordering)
    now = timezone.now()
    rows = []
    for item in items:
        status = item["status"]
        rows.append(
            {
                "pk": str(item["pk"]),
                "url": path_with_pk("monitoring:item_detail", item["pk"]),
                # Reply where you read: the item's reply box, brought above the list (the link opens the item without
                # scripts). Not for an item already being replied to.
                "can_reply": status in InboxItem.OPEN_STATUSES and not item["reply_draft_id"],
                "reply_box_url": path_with_pk("monitoring:item_reply_box", item["pk"]) + "?inline=1",
                "author": highlighted(item["mention__author_username"], terms or []),
                "name": highlighted(item["mention__author_name"], terms or []) if terms else "",
                "text": highlighted(clip(item["mention__text"], TEXT_SHOWN), terms or []),
                "tags": tags[item["pk"]],
                # Bluesky or Mastodon, tagged; X, the inbox's usual network, is not.
                "network": LABELS.get(item["mention__network"], "") if item["mention__network"] else "",
                "reply_state": DRAFT_STATE_LABELS.get(item["reply_draft_state"], "") if item["reply_draft_id"] else "",
                "status": status,
                "status_tag": InboxItem.STATUS_TAGS.get(status, "govuk-tag--grey"),
                "status_label": STATUS_LABELS.get(status, status),
                "priority": PRIORITY_LABELS.get(item["priority"], item["priority"]),
                "due": when(item["due_at"], "j M H:i"),
                "overdue": status in InboxItem.OPEN_STATUSES and item["due_at"] < now,
                "assignee": (
                    person_name(
                        item["assigned_to__first_name"], item["assigned_to__last_name"], item["assigned_to__email"]
                    )
                    if item["assigned_to_id"]
                    else "Nobody"
                ),
            }
        )
    return rows
