"""Signals other apps listen to; monitoring never imports its listeners (a notifications app tells people).

`items_passed_on`: inbox items were passed on ("escalated") to another team, one item or a bulk action's many.
Sent once per pass-on, after the transaction commits (never for a change rolled back), with:

- sender: monitoring.models.InboxItem
- to_team_id: the receiving team's id (its leads are the ones to tell)
- from_team_id: the team that passed them on
- item_ids: the receiving team's new items (one per item passed on, each pointing back through escalated_from)
- by_id: the user who passed them on
- note: the note they wrote for the receiving team

Each new item also has a "received" InboxItemEvent (detail "From <team>: <note>") in its history.
"""

from django.dispatch import Signal

items_passed_on = Signal()


def send_items_passed_on(*, to_team_id: int, from_team_id: int, item_ids: list[int], by_id: int | None, note: str):
    """Send `items_passed_on` once the current transaction commits."""
    from django.db import transaction

    from monitoring.models import InboxItem

    if not item_ids:
        return
    transaction.on_commit(
        lambda: items_passed_on.send(
            sender=InboxItem,
            to_team_id=to_team_id,
            from_team_id=from_team_id,
            item_ids=list(item_ids),
            by_id=by_id,
            note=note,
        )
    )
