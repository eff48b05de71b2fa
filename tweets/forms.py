from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.forms import DateTimeField
from networks import text as text_rules
from tweets import announcements, services
from tweets.models import PublishingFreeze


class ThreadWidget(forms.Widget):
    """Several `posts` textareas, in order (rendered by templates/tweets/_thread_fields.html)."""

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)


class ThreadField(forms.Field):
    widget = ThreadWidget

    def to_python(self, value):
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        return list(value)

    def validate(self, value):
        pass

    def clean(self, value):
        # The text rule is the account's network's, so the form checks it once the account is known (DraftForm.clean).
        return self.to_python(value)


class AccountSelect(forms.Select):
    """The account <select>, each <option> saying its account's network and limit (data-network, data-max) so the
    browser counts by that network's rule as soon as it is chosen (static/js/compose_count.js)."""

    accounts: dict[str, object] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        account = self.accounts.get(str(value))
        if account is not None:
            network = account.network or "x"
            option["attrs"]["data-network"] = network
            option["attrs"]["data-max"] = text_rules.limit_for(network, max_characters=account.max_characters)
        return option


class LondonDateTimeField(DateTimeField):
    """Entered as the GOV.UK date input and a time of day, in UK time (core.forms.DateTimeField)."""


def _within_a_year(value):
    if value and value > timezone.now() + timezone.timedelta(days=365):
        raise ValidationError("Choose a publishing time within the next year.")
    return value


class DraftForm(forms.Form):
    account = forms.ModelChoiceField(
        queryset=None,
        empty_label="Choose an account",
        widget=AccountSelect(attrs={"class": "govuk-select", "data-account-select": ""}),
        error_messages={"required": "Choose the account to post from."},
    )
    posts = ThreadField(label="Post")
    scheduled_at = LondonDateTimeField(
        label="Publish at (optional)",
        required=False,
        help_text="UK time. Leave empty to publish as soon as it is approved.",
    )
    in_reply_to_post_id = forms.CharField(
        label="In reply to (optional)",
        required=False,
        max_length=200,
        help_text="The link to the post on X, or its id, if this is a reply.",
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-30"}),
    )

    also = forms.MultipleChoiceField(
        label="Also post this from",
        required=False,
        help_text="Each account gets its own draft, approved on its own. Leave its text empty to post the same text.",
        error_messages={"invalid_choice": "Choose the other accounts from the list."},
    )

    def __init__(self, *args, accounts, editing=False, account=None, also_accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        self.fields["account"].widget.accounts = {str(a.pk): a for a in accounts} if accounts is not None else {}
        self.fields["account"].label_from_instance = announcements.account_name  # '@handle on Bluesky'
        # Writing once for several accounts: the others this person may write for (tweets.announcements).
        self.also_accounts = {str(a.pk): a for a in also_accounts}
        self.fields["also"].choices = [(pk, announcements.account_name(a)) for pk, a in self.also_accounts.items()]
        self.editing_account = account
        self.variant_errors: dict[int, list[str]] = {}
        self.parts: list[announcements.Part] = []
        # As the account changes, the page says at once whether this person may write for it (compose_gate).
        self.fields["account"].widget.attrs.update(
            {"hx-get": reverse("tweets:compose_gate"), "hx-target": "#compose-gate", "hx-swap": "outerHTML"}
        )
        if editing:
            self.fields["account"].disabled = True
            self.fields["account"].required = False
            del self.fields["also"]

    def variant_text(self, account) -> str:
        value = self.data.get(f"variant_{account.pk}", "") if self.is_bound else ""
        return value if isinstance(value, str) else ""

    def clean(self):
        """Each account's text by its own network's rule: the main account's posts, then each other account
        ticked, with its own text or the same posts (`parts`: what to save, main account first)."""
        data = super().clean()
        account = self.editing_account or data.get("account")
        if "posts" in data:
            try:
                data["posts"] = services.clean_posts(data["posts"], account=account)
            except ValidationError as exc:
                self.add_error("posts", exc)
        if self.editing_account is not None or account is None or "posts" not in data:
            return data
        self.parts = [announcements.Part(account, data["posts"])]
        for key in data.get("also") or []:
            other = self.also_accounts[key]
            if other.pk == account.pk:
                continue  # the main account is posted from anyway
            variant = self.variant_text(other)
            self.parts.append(announcements.Part(other, [variant] if variant.strip() else data["posts"]))
        if len(self.parts) > 1 and data.get("in_reply_to_post_id"):
            self.add_error(
                "in_reply_to_post_id",
                "A reply goes out from one account only. Untick the other accounts, or leave this empty.",
            )
        for pk, problems in announcements.parts_check(self.parts[1:]).items():
            self.variant_errors[pk] = problems
            for problem in problems:
                self.add_error("also", problem)
        return data

    def clean_scheduled_at(self):
        value = self.cleaned_data.get("scheduled_at")
        if value and value <= timezone.now():
            raise ValidationError("The publishing time must be in the future. Leave it empty to publish once approved.")
        return _within_a_year(value)

    def clean_in_reply_to_post_id(self):
        return services.clean_reply_to(self.cleaned_data.get("in_reply_to_post_id"))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
        error_messages={"required": "Say why, so everyone can see it in the history."},
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Add a comment",
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
        error_messages={"required": "Write a comment before adding it."},
    )


class RescheduleForm(forms.Form):
    scheduled_at = LondonDateTimeField(label="New publishing time", help_text="UK time.")

    def clean_scheduled_at(self):
        value = self.cleaned_data["scheduled_at"]
        if value <= timezone.now():
            raise ValidationError("Choose a time in the future, or use 'Publish now'.")
        return _within_a_year(value)


class FreezeForm(forms.Form):
    scope = forms.ChoiceField(
        label="What to freeze",
        choices=PublishingFreeze.Scope.choices,
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    team = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Choose a team",
        label="Team (if freezing one team)",
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    account = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Choose an account",
        label="Account (if freezing one account)",
        widget=forms.Select(attrs={"class": "govuk-select"}),
    )
    reason = forms.CharField(
        label="Reason",
        help_text="Everyone sees this in the banner, for example 'Pre-election period' or 'National mourning'.",
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
        error_messages={"required": "Give a reason for the freeze."},
    )

    def __init__(self, *args, teams, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["account"].queryset = accounts

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope == PublishingFreeze.Scope.TEAM and not data.get("team"):
            self.add_error("team", "Choose the team whose accounts to freeze.")
        if scope == PublishingFreeze.Scope.ACCOUNT and not data.get("account"):
            self.add_error("account", "Choose the account to freeze.")
        return data


class LiftForm(forms.Form):
    note = forms.CharField(
        label="Note (optional)", required=False, widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 2})
    )


class CoverageForm(forms.Form):
    """Plan live coverage of an event: the account, the event, its time window and the approver on duty."""

    account = forms.ModelChoiceField(
        queryset=None,
        empty_label="Choose an account",
        widget=forms.Select(attrs={"class": "govuk-select"}),
        error_messages={
            "required": "Choose the account to post from.",
            "invalid_choice": "Choose one of your accounts.",
        },
    )
    title = forms.CharField(
        label="Event",
        max_length=200,
        help_text="For example 'Launch of the Green Homes Grant'.",
        widget=forms.TextInput(attrs={"class": "govuk-input"}),
        error_messages={"required": "Give the event a title.", "max_length": "Keep the title to 200 characters."},
    )
    starts_at = LondonDateTimeField(
        label="Starts", help_text="UK time.", error_messages={"required": "Enter when the coverage starts."}
    )
    ends_at = LondonDateTimeField(
        label="Ends", help_text="UK time.", error_messages={"required": "Enter when the coverage ends."}
    )
    approver_on_duty = forms.ModelChoiceField(
        queryset=None,
        empty_label="Choose the approver on duty",
        label="Approver on duty",
        help_text="An approver or lead for the account, trained to approve for it, who approves each post as it comes.",
        widget=forms.Select(attrs={"class": "govuk-select"}),
        error_messages={
            "required": "Choose the approver on duty.",
            "invalid_choice": "Choose one of the approvers listed.",
        },
    )

    def __init__(self, *args, accounts, approvers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        self.fields["approver_on_duty"].queryset = approvers

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The coverage must end after it starts.")
        if ends and ends <= timezone.now():
            self.add_error("ends_at", "The coverage must end in the future.")
        if starts:
            _within_a_year(starts)
        return data


class CoveragePostForm(forms.Form):
    text = forms.CharField(
        label="Next post",
        help_text="It goes to the approver on duty, and out as soon as it is approved, after the posts before it.",
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 4}),
        error_messages={"required": "Write the post."},
    )
    photo = forms.FileField(
        label="Photo (optional)",
        required=False,
        help_text="JPG, PNG, GIF or WEBP. Location and camera details are removed before it is kept.",
        widget=forms.ClearableFileInput(attrs={"class": "govuk-file-upload", "accept": "image/*"}),
    )
    alt_text = forms.CharField(
        label="Alt text for the photo",
        required=False,
        max_length=1000,
        help_text="Describe the photo for people who cannot see it: up to 1,000 characters.",
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 2}),
        error_messages={"max_length": "Keep the alt text to 1,000 characters."},
    )

    def clean(self):
        data = super().clean()
        if data.get("photo") and not (data.get("alt_text") or "").strip():
            self.add_error("alt_text", "Describe the photo in its alt text: people who cannot see it rely on it.")
        return data
