from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox/close/", views.inbox_bulk_close, name="inbox_bulk_close"),
    path("inbox/bulk/", views.inbox_bulk, name="inbox_bulk"),
    path("inbox/bulk/<int:pk>/", views.bulk_progress, name="bulk_progress"),
    path("inbox/bulk/<int:pk>/undo/", views.bulk_undo, name="bulk_undo"),
    path("tags/", views.tag_list, name="tag_list"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="tag_delete"),
    path("searches/", views.saved_search_create, name="saved_search_create"),
    path("searches/<int:pk>/delete/", views.saved_search_delete, name="saved_search_delete"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/claim/", views.item_claim, name="item_claim"),
    path("items/<int:pk>/assign/", views.item_assign, name="item_assign"),
    path("items/<int:pk>/close/", views.item_close, name="item_close"),
    path("items/<int:pk>/reopen/", views.item_reopen, name="item_reopen"),
    path("items/<int:pk>/escalate/", views.item_escalate, name="item_escalate"),
    path("items/<int:pk>/note/", views.item_note, name="item_note"),
    path("items/<int:pk>/reply/", views.item_reply, name="item_reply"),
    path("items/<int:pk>/reply/box/", views.item_reply_box, name="item_reply_box"),
    path("items/<int:pk>/conversation/", views.item_conversation_fetch, name="item_conversation_fetch"),
    path("monitors/", views.monitor_list, name="monitor_list"),
    path("monitors/new/", views.monitor_create, name="monitor_create"),
    path("monitors/<int:pk>/", views.monitor_edit, name="monitor_edit"),
    path("watchlists/", views.watchlist_list, name="watchlist_list"),
    path("watchlists/<int:pk>/", views.watchlist_detail, name="watchlist_detail"),
    path("watchlists/entries/<int:pk>/remove/", views.watchlist_entry_remove, name="watchlist_entry_remove"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/move/", views.rule_move, name="rule_move"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("usage/", views.usage, name="usage"),
    path("usage/budget/", views.budget_set, name="budget_set"),
    path("usage/spend-budget/", views.spend_budget_set, name="spend_budget_set"),
]
