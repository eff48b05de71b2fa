from django.contrib import admin

from safety.models import Incident, Watch


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Read-only: incidents are raised by the tripwire and resolved by a lead on the incident's page (audited)."""

    list_display = ["detected_at", "account", "kind", "state", "source", "freeze"]
    list_filter = ["state", "kind", "source"]
    search_fields = ["account__handle", "post_text", "post_id", "after"]
    list_select_related = ["account", "freeze"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ["account", "since_id", "posts_read_at", "profile_read_at", "error"]
    readonly_fields = [
        "account",
        "since_id",
        "posts_baseline_at",
        "posts_read_at",
        "profile",
        "profile_read_at",
        "paused_until",
    ]
    list_select_related = ["account"]

    def has_add_permission(self, request):
        return False
