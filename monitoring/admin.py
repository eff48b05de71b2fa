from django.contrib import admin

from core.admin import ReadOnlyHistoryMixin
from monitoring import models


@admin.register(models.Monitor)
class MonitorAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "is_active", "poll_interval_seconds", "since_id", "updated_at"]
    list_filter = ["team", "is_active"]
    search_fields = ["name", "query"]


class WatchlistEntryInline(admin.TabularInline):
    model = models.WatchlistEntry
    extra = 0


@admin.register(models.Watchlist)
class WatchlistAdmin(admin.ModelAdmin):
    list_display = ["name", "team"]
    inlines = [WatchlistEntryInline]


@admin.register(models.WatchlistEntry)
class WatchlistEntryAdmin(admin.ModelAdmin):
    list_display = ["username", "watchlist", "note"]
    search_fields = ["username"]


@admin.register(models.RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "is_active", "route_to", "priority", "tags"]
    list_display_links = ["name"]


@admin.register(models.Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["tweet_id", "author_username", "posted_at", "lang", "sentiment"]
    search_fields = ["text", "author_username", "tweet_id"]
    date_hierarchy = "posted_at"


@admin.register(models.MentionMatch)
class MentionMatchAdmin(admin.ModelAdmin):
    list_display = ["mention", "monitor", "account", "matched_at"]
    raw_id_fields = ["mention"]


class InboxNoteInline(admin.TabularInline):
    model = models.InboxNote
    extra = 0


class InboxItemEventInline(ReadOnlyHistoryMixin, admin.TabularInline):
    model = models.InboxItemEvent
    extra = 0
    readonly_fields = ["actor", "action", "from_status", "to_status", "detail", "created_at"]


@admin.register(models.InboxItem)
class InboxItemAdmin(admin.ModelAdmin):
    list_display = ["id", "team", "status", "priority", "due_at", "assigned_to"]
    list_filter = ["team", "status", "priority"]
    raw_id_fields = ["mention", "escalated_from", "reply_draft"]
    inlines = [InboxNoteInline, InboxItemEventInline]


@admin.register(models.InboxItemTag)
class InboxItemTagAdmin(admin.ModelAdmin):
    list_display = ["name", "item"]
    raw_id_fields = ["item"]


@admin.register(models.InboxNote)
class InboxNoteAdmin(admin.ModelAdmin):
    list_display = ["item", "author", "created_at"]
    raw_id_fields = ["item"]


@admin.register(models.InboxItemEvent)
class InboxItemEventAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = ["item", "actor", "action", "from_status", "to_status", "created_at"]
    raw_id_fields = ["item"]


@admin.register(models.PollCursor)
class PollCursorAdmin(admin.ModelAdmin):
    list_display = [
        "key",
        "kind",
        "account",
        "is_active",
        "since_id",
        "backlog_until_id",
        "next_poll_at",
        "paused_until",
        "lease_until",
    ]
    list_filter = ["kind", "is_active"]


@admin.register(models.PollRun)
class PollRunAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = ["cursor", "started_at", "api_calls", "posts_read", "posts_new", "skipped"]


@admin.register(models.MonitorUsage)
class MonitorUsageAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = ["day", "monitor", "account", "api_calls", "posts_read"]


@admin.register(models.ReadBudget)
class ReadBudgetAdmin(admin.ModelAdmin):
    list_display = ["month", "posts_limit", "set_by", "warned_at", "exhausted_at"]


@admin.register(models.SpikeAlert)
class SpikeAlertAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = ["monitor", "hour_start", "count", "baseline", "created_at", "emailed_at"]


@admin.register(models.MonitorHour)
class MonitorHourAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = ["monitor", "hour", "matches", "sentiment_sum"]
    list_filter = ["monitor"]


@admin.register(models.SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "team", "created_at"]
    list_select_related = ["owner", "team"]


@admin.register(models.TeamTag)
class TeamTagAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "description"]
    list_select_related = ["team"]
    list_filter = ["team"]


@admin.register(models.BulkAction)
class BulkActionAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = ["created_at", "by", "team", "action", "state", "total", "changed", "skipped", "undone_at"]
    list_select_related = ["by", "team"]
    exclude = ["item_ids", "before"]


@admin.register(models.AccountEvent)
class AccountEventAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    """What X pushed about the governed accounts (monitoring.push): stored once each, never changed."""

    list_display = ["received_at", "account", "event_type", "occurred_at", "summary", "event_id"]
    list_filter = ["event_type"]
    search_fields = ["event_id", "account__handle", "summary"]
    list_select_related = ["account"]
