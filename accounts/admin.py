import copy

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts import services
from accounts.jobs import INVITATION_DAYS
from accounts.models import AuditEvent, Membership, Team, TwitterAccount, User
from accounts.services import audit_record
from networks.base import NETWORK_CHOICES, X


class UserInviteForm(forms.ModelForm):
    """Adding a person in the admin invites them: they choose their own password from the emailed link."""

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name"]

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "Someone already has this email address. Find them in the list of people: if they never set a "
                "password, select them and send the invitation again."
            )
        return email


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "is_staff",
        "is_superuser",
        "is_trainer",
        "is_active",
        "last_login",
    ]
    list_filter = ["is_staff", "is_superuser", "is_trainer", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Roles", {"fields": ("is_active", "is_trainer", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_form = UserInviteForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name"),
                "description": "They will be emailed a link to choose their own password, which works once, for "
                f"{INVITATION_DAYS} days. Add them to their teams once they are saved.",
            },
        ),
    )
    actions = ["invite_again"]

    def save_model(self, request, obj, form, change):
        if not change:
            services.user_invite(by=request.user, user=obj, request=request)
            self.message_user(request, f"An invitation to choose a password is on its way to {obj.email}.")
            return
        super().save_model(request, obj, form, change)
        role_fields = {"is_staff", "is_superuser", "is_trainer", "is_active"} & set(form.changed_data)
        if role_fields:
            audit_record(
                action="user.roles_changed",
                actor=request.user,
                obj=obj,
                details={name: getattr(obj, name) for name in sorted(role_fields)},
                request=request,
            )

    @admin.action(description="Send the invitation again (people who have not set a password)")
    def invite_again(self, request, queryset):
        sent = 0
        for user in queryset:
            try:
                services.user_invite_again(by=request.user, user=user, request=request)
            except services.InvitationError as error:
                self.message_user(request, str(error), level=messages.WARNING)
            else:
                sent += 1
        if sent:
            people = "1 person" if sent == 1 else f"{sent} people"
            self.message_user(request, f"A new invitation is on its way to {people}.")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "started_at", "ended_at"]
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "email", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for membership in instances:
            action = "membership.changed" if membership.pk else "membership.added"
            membership.save()
            audit_record(
                action=action,
                actor=request.user,
                obj=membership,
                team=membership.team,
                details={"role": membership.role, "ended_at": str(membership.ended_at or "")},
                request=request,
            )
        for membership in formset.deleted_objects:
            audit_record(
                action="membership.deleted", actor=request.user, obj=membership, team=membership.team, request=request
            )
            membership.delete()
        formset.save_m2m()


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "started_at", "ended_at"]
    list_filter = ["role", "team", ("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__first_name", "user__last_name", "team__name"]
    autocomplete_fields = ["user", "team"]
    date_hierarchy = "started_at"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            action="membership.changed" if change else "membership.added",
            actor=request.user,
            obj=obj,
            team=obj.team,
            details={name: str(form.cleaned_data.get(name)) for name in form.changed_data},
            request=request,
        )

    def delete_model(self, request, obj):
        audit_record(action="membership.deleted", actor=request.user, obj=obj, team=obj.team, request=request)
        super().delete_model(request, obj)


class KindDefaultSelect(forms.NullBooleanSelect):
    """Yes, no, or (blank) the default for the account's kind."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [
            ("unknown", "The default for the kind (on for corporate and press office)"),
            ("true", "Yes: freeze the account"),
            ("false", "No: only tell the leads"),
        ]


class TwitterAccountAdminForm(forms.ModelForm):
    """Credentials are write-only: the inputs start empty and a blank input keeps what is stored. X takes a token
    and its secret; Bluesky an app password and Mastodon an access token, each checked with the network before it
    is kept (accounts.services.account_connect), which also reads the account's id there."""

    new_access_token = forms.CharField(
        label="New access token (X), app password (Bluesky) or access token (Mastodon)",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Bluesky: an app password made in Bluesky's settings, never the account's main password.",
    )
    new_access_token_secret = forms.CharField(
        label="New access token secret (X only)", required=False, widget=forms.PasswordInput(render_value=False)
    )
    revoke_credentials = forms.BooleanField(required=False, help_text="Remove the stored credentials now.")
    network = forms.ChoiceField(
        choices=NETWORK_CHOICES,
        required=False,
        help_text="Where the account is. The handle's rule is its network's: on Bluesky a domain name, on Mastodon "
        "name@server with the server's address below.",
    )

    def clean_network(self):
        """An account says its network; a form that leaves it out keeps the one stored (X for a new account)."""
        return self.cleaned_data.get("network") or self.instance.network or X

    class Meta:
        model = TwitterAccount
        fields = [
            "network",
            "handle",
            "display_name",
            "kind",
            "instance_url",
            "team",
            "responsible_person",
            "x_user_id",
            "status",
            "approvals_required",
            "approver_team",
            "replies_need_approval",
            "saved_replies_skip_approval",
            "approval_expiry_hours",
            "freeze_on_compromise",
            "api_access",
            "retention_years",
        ]
        widgets = {"freeze_on_compromise": KindDefaultSelect}

    def clean(self):
        data = super().clean()
        token, secret = data.get("new_access_token"), data.get("new_access_token_secret")
        network = data.get("network") or X
        self.connected = None
        if network == X and bool(token) != bool(secret):
            raise forms.ValidationError("Enter both the new access token and its secret, or neither.")
        if network != X and secret:
            self.add_error("new_access_token_secret", "Only an X account has a token secret. Leave it empty.")
        if network != X and token and not data.get("revoke_credentials") and not self.errors:
            # Checked with the network now, so a refusal is shown here and nothing is kept.
            candidate = copy.copy(self.instance)
            for name in ("network", "handle", "instance_url"):
                setattr(candidate, name, data.get(name) or "")
            try:
                self.connected = services.account_connect(account=candidate, access_token=token)
            except services.CredentialsRefused as exc:
                self.add_error("new_access_token", exc.message)
        return data


def _access_change(form, obj: TwitterAccount) -> dict:
    """The audit says what X API access was and became, when it changed (it decides which replies are offered)."""
    if "api_access" not in form.changed_data:
        return {}
    return {"api_access": {"from": form.initial.get("api_access", ""), "to": obj.api_access}}


@admin.register(TwitterAccount)
class TwitterAccountAdmin(admin.ModelAdmin):
    form = TwitterAccountAdminForm
    list_display = [
        "handle",
        "network",
        "display_name",
        "kind",
        "team",
        "status",
        "approvals_required",
        "credentials_state",
    ]
    list_filter = ["network", "kind", "status", "team"]
    search_fields = ["handle", "display_name", "x_user_id"]
    autocomplete_fields = ["team", "approver_team", "responsible_person"]
    readonly_fields = [
        "credentials_updated_at",
        "credentials_revoked_at",
        "max_characters",
        "created_at",
        "legal_hold_since",
        "legal_hold_by",
        "legal_hold_reason",
    ]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "network",
                    "handle",
                    "display_name",
                    "kind",
                    "team",
                    "responsible_person",
                    "instance_url",
                    "x_user_id",
                    "max_characters",
                    "status",
                )
            },
        ),
        (
            "Approval policy",
            {
                "fields": (
                    "approvals_required",
                    "approver_team",
                    "replies_need_approval",
                    "saved_replies_skip_approval",
                    "approval_expiry_hours",
                    "freeze_on_compromise",
                )
            },
        ),
        (
            "Credentials (never shown)",
            {
                "fields": (
                    "new_access_token",
                    "new_access_token_secret",
                    "revoke_credentials",
                    "credentials_updated_at",
                    "credentials_revoked_at",
                )
            },
        ),
        ("X API access (X accounts only)", {"fields": ("api_access",)}),
        (
            "Records (a legal hold is placed and lifted, with a reason, from the account's records page)",
            {"fields": ("retention_years", "legal_hold_since", "legal_hold_by", "legal_hold_reason")},
        ),
        ("Record", {"fields": ("created_at",)}),
    )

    @admin.display(description="Credentials")
    def credentials_state(self, obj: TwitterAccount) -> str:
        if obj.has_credentials:
            return "Set"
        return "Revoked" if obj.credentials_revoked_at else "Not set"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = [name for name in form.changed_data if not name.startswith(("new_access", "revoke"))]
        if changed or not change:
            audit_record(
                action="account.changed" if change else "account.created",
                actor=request.user,
                obj=obj,
                team=obj.team,
                details={"fields": changed, **_access_change(form, obj)},
                request=request,
            )
        data = form.cleaned_data
        if data.get("revoke_credentials"):
            services.account_revoke_credentials(actor=request.user, account=obj, request=request)
        elif data.get("new_access_token"):
            services.account_set_credentials(
                actor=request.user,
                account=obj,
                access_token=data["new_access_token"],
                access_token_secret=data["new_access_token_secret"],
                connected=form.connected,
                request=request,
            )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail can be searched but never changed."""

    list_display = ["created_at", "actor_label", "action", "object_repr", "team", "ip_address"]
    list_filter = ["action", "team"]
    search_fields = ["actor_label", "action", "object_repr", "object_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
