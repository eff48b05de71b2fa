"""Admin: every model, searchable and filterable. History, revisions, approvals and attempts are read-only;
states change only through the services (a draft added or edited here goes through draft_create/draft_edit,
so the same text validation and training gate apply)."""

from django import forms
from django.contrib import admin

from core.admin import ReadOnlyHistoryMixin
from tweets import retention, services
from tweets.models import (
    Approval,
    Comment,
    Draft,
    DraftRevision,
    DraftTransition,
    PostOnX,
    PublishAttempt,
    PublishingFreeze,
)

THREAD_SEPARATOR = "\n---\n"


class RevisionInline(ReadOnlyHistoryMixin, admin.TabularInline):
    model = DraftRevision
    fields = ["number", "posts", "in_reply_to_post_id", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0


class ApprovalInline(ReadOnlyHistoryMixin, admin.TabularInline):
    model = Approval
    fields = ["revision", "approver", "note", "created_at"]
    readonly_fields = fields
    extra = 0


class TransitionInline(ReadOnlyHistoryMixin, admin.TabularInline):
    model = DraftTransition
    fields = ["created_at", "from_state", "to_state", "actor", "reason"]
    readonly_fields = fields
    extra = 0


class AttemptInline(ReadOnlyHistoryMixin, admin.TabularInline):
    model = PublishAttempt
    fields = ["position", "state", "error_kind", "x_post_id", "reconciled", "error", "started_at", "finished_at"]
    readonly_fields = fields
    extra = 0


class DraftAdminForm(forms.ModelForm):
    posts_text = forms.CharField(
        label="Text",
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text="For a thread, put a line with only --- between posts.",
    )

    class Meta:
        model = Draft
        fields = ["account", "scheduled_at", "in_reply_to_post_id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.current_revision_id:
            self.fields["posts_text"].initial = THREAD_SEPARATOR.join(self.instance.current_revision.posts)

    def clean_posts_text(self):
        raw = self.cleaned_data["posts_text"].replace("\r\n", "\n")
        # By the account's network's rule (the account field is cleaned first); X's while it is not known.
        account = self.cleaned_data.get("account") or (self.instance.account if self.instance.account_id else None)
        return services.clean_posts(raw.split(THREAD_SEPARATOR), account=account)

    def clean_in_reply_to_post_id(self):
        return services.clean_reply_to(self.cleaned_data.get("in_reply_to_post_id"))


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    form = DraftAdminForm
    list_display = ["id", "account", "author", "state", "purpose", "scheduled_at", "published_post_id", "updated_at"]
    list_filter = ["state", "purpose", "account__kind", "account"]
    search_fields = ["author__email", "account__handle", "published_post_id", "in_reply_to_post_id"]
    list_select_related = ["account", "author"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "author",
        "state",
        "purpose",
        "current_revision",
        "publish_due_at",
        "published_post_id",
        "published_at",
        "failure_reason",
        "held_by",
        "essential_reason",
        "essential_by",
        "claim_token",
        "claimed_at",
        "created_at",
        "updated_at",
    ]
    inlines = [RevisionInline, ApprovalInline, TransitionInline, AttemptInline]

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj is not None else []

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["account", *self.readonly_fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            draft = services.draft_edit(
                draft=obj,
                by=request.user,
                posts=data["posts_text"],
                scheduled_at=data.get("scheduled_at"),
                in_reply_to_post_id=data.get("in_reply_to_post_id", ""),
                request=request,
            )
        else:
            draft = services.draft_create(
                author=request.user,
                account=data["account"],
                posts=data["posts_text"],
                scheduled_at=data.get("scheduled_at"),
                in_reply_to_post_id=data.get("in_reply_to_post_id"),
                request=request,
            )
        obj.pk = draft.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        pass  # inlines are read-only

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DraftRevision)
class DraftRevisionAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = ["draft", "number", "created_by", "created_at"]
    search_fields = ["draft__id", "created_by__email", "draft__account__handle"]
    list_filter = ["draft__account"]
    list_select_related = ["draft", "created_by"]


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = ["draft", "revision", "approver", "created_at"]
    search_fields = ["approver__email", "draft__account__handle"]
    list_filter = ["draft__account", "created_at"]
    list_select_related = ["draft", "revision", "approver"]


@admin.register(DraftTransition)
class DraftTransitionAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = ["created_at", "draft", "from_state", "to_state", "actor", "reason"]
    search_fields = ["reason", "actor__email", "draft__account__handle"]
    list_filter = ["to_state", "from_state"]
    list_select_related = ["draft", "actor"]


@admin.register(PublishAttempt)
class PublishAttemptAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    list_display = ["started_at", "draft", "position", "state", "error_kind", "x_post_id", "reconciled"]
    search_fields = ["x_post_id", "error", "draft__account__handle"]
    list_filter = ["state", "error_kind", "reconciled"]
    list_select_related = ["draft"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["created_at", "draft", "author"]
    search_fields = ["body", "author__email"]
    list_filter = ["created_at"]
    list_select_related = ["draft", "author"]
    readonly_fields = ["draft", "revision", "author", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Not while the account is on legal hold (tweets.retention also refuses the deletion itself).
        if obj is not None and retention.account_held(obj.draft.account_id):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, where a legal hold is checked first
        return actions


@admin.register(PostOnX)
class PostOnXAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    """Records of changes on X: written only by tweets.records, never changed."""

    list_display = ["seen_at", "draft", "kind", "source", "x_post_id", "recorded_at"]
    list_filter = ["kind", "source"]
    search_fields = ["x_post_id", "event_id", "draft__account__handle"]
    list_select_related = ["draft"]


@admin.register(PublishingFreeze)
class PublishingFreezeAdmin(ReadOnlyHistoryMixin, admin.ModelAdmin):
    """Freezes are started and lifted from the Drafts section, which checks roles and audits them."""

    list_display = ["started_at", "scope", "team", "account", "reason", "started_by", "lifted_at", "lifted_by"]
    list_filter = ["scope", "lifted_at"]
    search_fields = ["reason", "started_by__email"]
    list_select_related = ["team", "account", "started_by", "lifted_by"]
