"""Bulk work on the items a search or filter found: assign, tag, close with a reason, pass on; and undo.

The transitions are the inbox's own (monitoring.services.item_*), applied to many items at once: the same rule
(monitoring.work_item) is asked for each item, the same status checks hold (only open items are worked), and
each item changed gets its history row; items the person may not act on, or that are no longer open, are skipped
and counted. They run in chunks of CHUNK items, each chunk a few bulk queries under a row lock, so ten thousand
items take seconds, not one transaction per item.

`bulk_start` records the action (a BulkAction row with the ids found) and runs it here when it is small, or on
the `default` queue (monitoring.jobs.bulk_run) when it is large, where the page shows its progress. Running is
safe to run twice and on two workers: each chunk locks the action's row and carries on from `done`.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Team, User
from accounts.services import audit_record
from core.permissions import decide
from core.queues import enqueue_on_commit
from monitoring.models import BulkAction, InboxItem, InboxItemEvent, InboxItemTag
from monitoring.signals import send_items_passed_on

log = logging.getLogger(__name__)

Status = InboxItem.Status
Action = BulkAction.Action
CHUNK = 500
# Up to this many items are worked while the person waits; more go to the queue and show their progress.
RUN_HERE_UP_TO = 1000


def bulk_start(*, by: User, team: Team, action: str, params: dict, item_ids: list[int], request=None) -> BulkAction:
    """Record a bulk action on these items and run it (here when small, on the queue when large)."""
    bulk = BulkAction.objects.create(
        by=by, team=team, action=action, params=params, item_ids=sorted(set(item_ids)), total=len(set(item_ids))
    )
    audit_record(
        action=f"monitoring.items_bulk_{action}",
        actor=by,
        obj=bulk,
        team=team,
        details={"items": bulk.total, **params},
        request=request,
    )
    if bulk.total <= RUN_HERE_UP_TO:
        bulk_run(bulk_id=bulk.pk)
        bulk.refresh_from_db()
    else:
        enqueue_on_commit("default", "monitoring.jobs.bulk_run", bulk.pk)
    return bulk


def bulk_run(*, bulk_id: int) -> BulkAction:
    """Work the action's items chunk by chunk from where it got to; safe to run twice and concurrently."""
    while True:
        with transaction.atomic():
            bulk = BulkAction.objects.select_for_update().select_related("by").get(pk=bulk_id)
            if bulk.is_finished:
                return bulk
            chunk = bulk.item_ids[bulk.done : bulk.done + CHUNK]
            changed, before = _work(bulk, chunk)
            bulk.done += len(chunk)
            bulk.changed += changed
            bulk.skipped += len(chunk) - changed
            bulk.before = bulk.before + before
            bulk.state = BulkAction.State.RUNNING
            if bulk.done >= bulk.total:
                bulk.state = BulkAction.State.DONE
                bulk.finished_at = timezone.now()
                if bulk.action == Action.ESCALATE:
                    send_items_passed_on(
                        to_team_id=int(bulk.params["to_team"]),
                        from_team_id=bulk.team_id,
                        item_ids=[row["new"] for row in bulk.before],
                        by_id=bulk.by_id,
                        note=bulk.params.get("note", ""),
                    )
            bulk.save()
            if bulk.is_finished:
                return bulk


def bulk_fail(*, bulk_id: int) -> None:
    BulkAction.objects.filter(pk=bulk_id).exclude(state=BulkAction.State.DONE).update(
        state=BulkAction.State.FAILED, finished_at=timezone.now()
    )


def _workable(bulk: BulkAction, chunk: list[int]) -> list[InboxItem]:
    """The chunk's items, locked, that the person may work (monitoring.work_item) and that are open."""
    items = InboxItem.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
    return [
        item
        for item in items
        if item.status in InboxItem.OPEN_STATUSES and decide(bulk.by, "monitoring.work_item", item).allowed
    ]


def _events(items, *, by, action, to_status=None, detail="", from_status=None) -> None:
    now = timezone.now()
    InboxItemEvent.objects.bulk_create(
        InboxItemEvent(
            item_id=item.pk,
            actor=by,
            action=action,
            from_status=from_status if from_status is not None else item.status,
            to_status=to_status or item.status,
            detail=detail,
            created_at=now,
        )
        for item in items
    )


def _work(bulk: BulkAction, chunk: list[int]) -> tuple[int, list[dict]]:
    """Apply the action to the chunk's workable items: how many changed, and what undoing them needs."""
    items = _workable(bulk, chunk)
    by, params, now = bulk.by, bulk.params, timezone.now()
    if not items:
        return 0, []
    if bulk.action == Action.ASSIGN:
        assignee_id = params.get("assignee")
        if assignee_id and not Membership.objects.current().filter(user_id=assignee_id, team_id=bulk.team_id).exists():
            return 0, []
        items = [item for item in items if item.team_id == bulk.team_id]
        before = [{"id": i.pk, "status": i.status, "assigned_to": i.assigned_to_id} for i in items]
        ids = [i.pk for i in items]
        InboxItem.objects.filter(pk__in=ids).update(assigned_to_id=assignee_id, updated_at=now)
        if assignee_id:
            InboxItem.objects.filter(pk__in=ids, status=Status.NEW).update(status=Status.IN_PROGRESS)
        label = params.get("assignee_name") or "unassigned"
        for item in items:
            old = item.status
            item.status = Status.IN_PROGRESS if assignee_id and old == Status.NEW else old
            item.old_status = old
        InboxItemEvent.objects.bulk_create(
            InboxItemEvent(
                item_id=i.pk,
                actor=by,
                action="assigned",
                from_status=i.old_status,
                to_status=i.status,
                detail=f"{label} (in bulk)",
                created_at=now,
            )
            for i in items
        )
        return len(items), before
    if bulk.action == Action.TAG:
        name = params["tag"]
        had = set(InboxItemTag.objects.filter(item__in=items, name=name).values_list("item_id", flat=True))
        items = [item for item in items if item.pk not in had]
        InboxItemTag.objects.bulk_create([InboxItemTag(item_id=i.pk, name=name) for i in items], ignore_conflicts=True)
        _events(items, by=by, action="tagged", detail=f"{name} (in bulk)")
        return len(items), [{"id": i.pk} for i in items]
    if bulk.action == Action.CLOSE:
        before = [{"id": i.pk, "status": i.status} for i in items]
        InboxItem.objects.filter(pk__in=[i.pk for i in items]).update(status=Status.NO_ACTION, updated_at=now)
        _events(items, by=by, action="closed", to_status=Status.NO_ACTION, detail=params.get("reason", ""))
        return len(items), before
    if bulk.action == Action.ESCALATE:
        return _escalate(bulk, items, now)
    raise ValueError(f"Unknown bulk action {bulk.action}")


def _escalate(bulk: BulkAction, items: list[InboxItem], now) -> tuple[int, list[dict]]:
    """item_escalate for many: each item escalated, the receiving team given its own item (with the tags), and
    both histories written; the note travels on the new item (escalation_note)."""
    to_team = Team.objects.get(pk=bulk.params["to_team"])
    note = bulk.params.get("note", "")
    items = [item for item in items if item.team_id != to_team.pk]
    if not items:
        return 0, []
    from_team = Team.objects.get(pk=bulk.team_id)
    InboxItem.objects.filter(pk__in=[i.pk for i in items]).update(status=Status.ESCALATED, updated_at=now)
    _events(items, by=bulk.by, action="escalated", to_status=Status.ESCALATED, detail=f"To {to_team}: {note}")
    new_items = InboxItem.objects.bulk_create(
        InboxItem(
            mention_id=item.mention_id,
            team=to_team,
            account_id=item.account_id,
            priority=item.priority,
            due_at=InboxItem.due_for(item.priority, now),
            escalated_from_id=item.pk,
            escalation_note=note,
            is_private=item.is_private,  # a direct message stays private with the team it is passed to
            status=Status.NEW,
            created_at=now,
        )
        for item in items
    )
    new_for = {new.escalated_from_id: new.pk for new in new_items}
    tags = defaultdict(list)
    for item_id, name in InboxItemTag.objects.filter(item__in=items).values_list("item_id", "name"):
        tags[item_id].append(name)
    InboxItemTag.objects.bulk_create(
        [InboxItemTag(item_id=new_for[old], name=name) for old, names in tags.items() for name in names],
        ignore_conflicts=True,
    )
    _events(new_items, by=bulk.by, action="received", from_status="", detail=f"From {from_team}: {note}")
    return len(items), [{"id": i.pk, "status": i.status, "new": new_for[i.pk]} for i in items]


# --- Undo -------------------------------------------------------------------------------------------------


def last_bulk_action(user: User) -> BulkAction | None:
    return BulkAction.objects.filter(by=user).order_by("-created_at", "-id").first()


class UndoRefused(Exception):
    """This bulk action cannot be undone; the message says why."""


@transaction.atomic
def bulk_undo(*, bulk: BulkAction, by: User, request=None) -> tuple[int, int]:
    """Put back what the person's last bulk action changed, on exactly those items: (restored, skipped).

    An item someone has worked on since (its status or assignee moved on, or the receiving team has started on
    what was passed to it) is left as it is and counted as skipped."""
    bulk = BulkAction.objects.select_for_update().get(pk=bulk.pk)
    if bulk.by_id != by.pk:
        raise UndoRefused("You can only undo your own bulk actions.")
    latest = last_bulk_action(by)
    if latest is None or latest.pk != bulk.pk:
        raise UndoRefused("Only your last bulk action can be undone.")
    if bulk.undone_at:
        raise UndoRefused("That bulk action has already been undone.")
    if bulk.state != BulkAction.State.DONE:
        raise UndoRefused("That bulk action is still running. Undo it once it has finished.")
    restored = 0
    for start in range(0, len(bulk.before), CHUNK):
        restored += _undo_chunk(bulk, bulk.before[start : start + CHUNK], by)
    bulk.undone_at = timezone.now()
    bulk.undone_count = restored
    bulk.save(update_fields=["undone_at", "undone_count"])
    audit_record(
        action=f"monitoring.items_bulk_{bulk.action}_undone",
        actor=by,
        obj=bulk,
        team=bulk.team,
        details={"restored": restored, "skipped": len(bulk.before) - restored},
        request=request,
    )
    return restored, len(bulk.before) - restored


def _undo_chunk(bulk: BulkAction, rows: list[dict], by: User) -> int:
    now = timezone.now()
    by_id = {row["id"]: row for row in rows}
    items = {i.pk: i for i in InboxItem.objects.select_for_update().filter(pk__in=by_id).order_by("pk")}
    restore: list[tuple[InboxItem, dict]] = []
    if bulk.action == Action.TAG:
        name = bulk.params["tag"]
        InboxItemTag.objects.filter(item_id__in=list(items), name=name).delete()
        _events(items.values(), by=by, action="untagged", detail=f"{name} (bulk action undone)")
        return len(items)
    if bulk.action == Action.ASSIGN:
        assignee_id = bulk.params.get("assignee")
        restore = [
            (items[pk], row)
            for pk, row in by_id.items()
            if pk in items and items[pk].assigned_to_id == assignee_id and items[pk].is_open
        ]
    elif bulk.action == Action.CLOSE:
        restore = [
            (items[pk], row) for pk, row in by_id.items() if pk in items and items[pk].status == Status.NO_ACTION
        ]
    elif bulk.action == Action.ESCALATE:
        untouched = set(
            InboxItem.objects.filter(
                pk__in=[row["new"] for row in rows], status=Status.NEW, assigned_to__isnull=True
            ).values_list("pk", flat=True)
        )
        restore = [
            (items[pk], row)
            for pk, row in by_id.items()
            if pk in items and items[pk].status == Status.ESCALATED and row["new"] in untouched
        ]
        InboxItem.objects.filter(pk__in=[row["new"] for _, row in restore]).delete()
    groups = defaultdict(list)
    for item, row in restore:
        groups[(row["status"], row.get("assigned_to", item.assigned_to_id))].append(item)
    for (status, assigned_to), group in groups.items():
        InboxItem.objects.filter(pk__in=[i.pk for i in group]).update(
            status=status, assigned_to_id=assigned_to, updated_at=now
        )
        InboxItemEvent.objects.bulk_create(
            InboxItemEvent(
                item_id=i.pk,
                actor=by,
                action="bulk action undone",
                from_status=i.status,
                to_status=status,
                detail=f"{bulk.get_action_display()} undone",
                created_at=now,
            )
            for i in group
        )
    return len(restore)
