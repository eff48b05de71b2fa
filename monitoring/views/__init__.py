"""Monitoring's pages, one module per family: the inbox and its items, monitors and watchlists, routing rules,
and usage and budget. The URLconf reaches every view through this package."""

from monitoring.views.bulk import bulk_progress, bulk_undo, inbox_bulk
from monitoring.views.conversation import item_conversation_fetch
from monitoring.views.inbox import (
    inbox,
    inbox_bulk_close,
    item_assign,
    item_claim,
    item_close,
    item_detail,
    item_escalate,
    item_note,
    item_reopen,
    item_reply,
)
from monitoring.views.monitors import (
    monitor_create,
    monitor_edit,
    monitor_list,
    watchlist_detail,
    watchlist_entry_remove,
    watchlist_list,
)
from monitoring.views.reply import item_reply_box
from monitoring.views.routing_rules import rule_create, rule_delete, rule_edit, rule_list, rule_move
from monitoring.views.saved import saved_search_create, saved_search_delete
from monitoring.views.tags import tag_delete, tag_list
from monitoring.views.usage import budget_set, spend_budget_set, usage

__all__ = [
    "bulk_progress",
    "bulk_undo",
    "inbox_bulk",
    "tag_delete",
    "tag_list",
    "budget_set",
    "inbox",
    "inbox_bulk_close",
    "item_assign",
    "item_claim",
    "item_close",
    "item_conversation_fetch",
    "item_detail",
    "item_escalate",
    "item_note",
    "item_reopen",
    "item_reply_box",
    "item_reply",
    "monitor_create",
    "monitor_edit",
    "monitor_list",
    "rule_create",
    "rule_delete",
    "rule_edit",
    "rule_list",
    "rule_move",
    "saved_search_create",
    "saved_search_delete",
    "spend_budget_set",
    "usage",
    "watchlist_detail",
    "watchlist_entry_remove",
    "watchlist_list",
]
