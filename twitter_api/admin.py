from django.contrib import admin

from core.admin import ReadOnlyHistoryMixin
from twitter_api.models import ApiCall


@admin.register(ApiCall)
class ApiCallAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "method",
        "endpoint",
        "account",
        "context",
        "status_code",
        "posts_read",
        "posts_created",
        "rate_limit_remaining",
        "duration_ms",
    ]
    list_filter = ["endpoint", "method", "status_code"]
    search_fields = ["context", "error", "account__handle"]
    date_hierarchy = "created_at"
    list_select_related = ["account"]
