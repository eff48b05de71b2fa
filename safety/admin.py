from django.contrib import admin

from accounts.services import audit_record
from safety.models import Incident, SecurityContact, Watch


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


@admin.register(SecurityContact)
class SecurityContactAdmin(admin.ModelAdmin):
    """Beside SECURITY_CONTACT_EMAIL from the environment: everyone here is emailed about every possible takeover."""

    list_display = ["email", "name"]
    search_fields = ["email", "name"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        action = "security_contact.changed" if change else "security_contact.added"
        audit_record(action=action, actor=request.user, obj=obj, details={"email": obj.email}, request=request)

    def delete_model(self, request, obj):
        audit_record(
            action="security_contact.removed",
            actor=request.user,
            obj=obj,
            details={"email": obj.email},
            request=request,
        )
        super().delete_model(request, obj)
