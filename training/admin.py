from django.contrib import admin

from core.admin import ReadOnlyHistoryMixin
from training.models import (
    Booking,
    BookingEvent,
    Certification,
    CertificationAward,
    Course,
    CourseRequirement,
    Exemption,
    Feedback,
    OneToOneSession,
    ReminderSent,
    TrainingSession,
)


class CourseRequirementInline(admin.TabularInline):
    model = CourseRequirement
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "audience", "validity_months", "is_active", "created_at"]
    list_filter = ["is_active", "validity_months"]
    search_fields = ["title", "outline", "audience"]
    inlines = [CourseRequirementInline]


@admin.register(CourseRequirement)
class CourseRequirementAdmin(admin.ModelAdmin):
    list_display = ["course", "account_kind", "action"]
    list_filter = ["account_kind", "action", "course"]
    search_fields = ["course__title"]
    list_select_related = ["course"]


class BookingInline(admin.TabularInline):
    model = Booking
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["course", "starts_at", "duration_minutes", "location", "trainer", "capacity", "cancelled_at"]
    list_filter = ["course", "trainer", ("cancelled_at", admin.EmptyFieldListFilter), "starts_at"]
    search_fields = ["course__title", "location", "trainer__email"]
    date_hierarchy = "starts_at"
    list_select_related = ["course", "trainer"]
    raw_id_fields = ["trainer"]
    inlines = [BookingInline]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["user", "session", "status", "created_at", "updated_at"]
    list_filter = ["status", "session__course"]
    search_fields = ["user__email", "session__course__title"]
    list_select_related = ["user", "session__course"]
    raw_id_fields = ["user", "session"]


@admin.register(BookingEvent)
class BookingEventAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = ["booking", "from_status", "to_status", "by", "reason", "created_at"]
    list_filter = ["to_status"]
    search_fields = ["booking__user__email", "reason"]
    list_select_related = ["booking__user", "booking__session__course", "by"]
    raw_id_fields = ["booking", "by"]


class CertificationAwardInline(ReadOnlyHistoryMixin, admin.TabularInline):
    model = CertificationAward
    extra = 0
    raw_id_fields = ["awarded_by", "session", "one_to_one"]


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "certified_at", "expires_at"]
    list_filter = ["course", "expires_at"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "course__title"]
    list_select_related = ["user", "course"]
    raw_id_fields = ["user"]
    date_hierarchy = "expires_at"
    inlines = [CertificationAwardInline]

    def save_model(self, request, obj, form, change):
        from accounts.services import audit_record

        super().save_model(request, obj, form, change)
        audit_record(
            action="training.certification_changed" if change else "training.certification_awarded",
            actor=request.user,
            obj=obj,
            details={"expires_at": obj.expires_at.isoformat(), "via": "admin"},
            request=request,
        )


@admin.register(CertificationAward)
class CertificationAwardAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = ["certification", "awarded_at", "expires_at", "awarded_by", "renewal"]
    list_filter = ["renewal", "certification__course"]
    search_fields = ["certification__user__email", "certification__course__title"]
    list_select_related = ["certification__user", "certification__course", "awarded_by"]
    raw_id_fields = ["certification", "awarded_by", "session", "one_to_one"]


@admin.register(OneToOneSession)
class OneToOneSessionAdmin(admin.ModelAdmin):
    list_display = ["trainee", "trainer", "topic", "course", "held_at", "follow_up_on"]
    list_filter = ["trainer", "course", "held_at"]
    search_fields = ["trainee__email", "trainer__email", "topic", "notes"]
    list_select_related = ["trainee", "trainer", "course"]
    raw_id_fields = ["trainee", "trainer"]


@admin.register(Exemption)
class ExemptionAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "starts_at", "expires_at", "granted_by", "revoked_at"]
    list_filter = ["course", ("revoked_at", admin.EmptyFieldListFilter), "expires_at"]
    search_fields = ["user__email", "reason"]
    list_select_related = ["user", "course", "granted_by"]
    raw_id_fields = ["user", "granted_by"]

    def save_model(self, request, obj, form, change):
        from accounts.services import audit_record

        if not change and obj.granted_by_id is None:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)
        audit_record(
            action="training.exemption_changed" if change else "training.exemption_granted",
            actor=request.user,
            obj=obj,
            details={"reason": obj.reason, "expires_at": obj.expires_at.isoformat(), "via": "admin"},
            request=request,
        )


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["booking", "rating", "created_at"]
    list_filter = ["rating", "booking__session__course"]
    search_fields = ["comment", "booking__user__email"]
    list_select_related = ["booking__user", "booking__session__course"]
    raw_id_fields = ["booking"]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = ["kind", "user", "key", "sent_at"]
    list_filter = ["kind", "sent_at"]
    search_fields = ["user__email", "key"]
    list_select_related = ["user"]
