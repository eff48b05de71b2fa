from allauth.core import context
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django import forms

from accounts.models import Membership
from core.forms import DateField
from networks.base import BLUESKY, LABELS, MASTODON, X


class ActivateTOTPForm(AllauthActivateTOTPForm):
    """allauth makes a new secret each time the activation page is shown; keep the one already pending in the
    session, so the secret a person scanned stays the one checked (however often the page is shown again) until
    enrolment succeeds and allauth clears it."""

    def __init__(self, *args, **kwargs) -> None:
        pending = context.request.session.get(SECRET_SESSION_KEY)
        super().__init__(*args, **kwargs)
        if pending:
            self.secret = context.request.session[SECRET_SESSION_KEY] = pending


class CredentialsForm(forms.Form):
    """What the account's network needs: X's OAuth 1.0a token and secret, Bluesky's app password, Mastodon's access
    token. Write-only: the inputs are never filled from stored values."""

    access_token = forms.CharField(
        label="Access token",
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"class": "govuk-input", "autocomplete": "off"}),
    )
    access_token_secret = forms.CharField(
        label="Access token secret",
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"class": "govuk-input", "autocomplete": "off"}),
    )

    def __init__(self, *args, network: str = X, **kwargs):
        super().__init__(*args, **kwargs)
        self.network = network or X
        if self.network == BLUESKY:
            del self.fields["access_token_secret"]
            self.fields["access_token"].label = "App password"
            self.fields["access_token"].help_text = (
                "Make one for Dovecote in Bluesky's settings, under Privacy and security, App passwords. Never "
                "enter the account's main password."
            )
            self.fields["access_token"].error_messages["required"] = "Enter the app password."
        elif self.network == MASTODON:
            del self.fields["access_token_secret"]
            self.fields["access_token"].help_text = (
                "Make one in the account's Mastodon settings, under Development, New application, with permission "
                "to read, write and delete posts."
            )
            self.fields["access_token"].error_messages["required"] = "Enter the access token."

    def clean(self):
        data = super().clean()
        where = LABELS.get(self.network, "X")
        for name in ("access_token", "access_token_secret"):
            value = data.get(name, "")
            if value and (value != value.strip() or any(c.isspace() for c in value)):
                self.add_error(name, f"Paste the value exactly as {where} shows it, without spaces.")
        return data


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices, widget=forms.Select(attrs={"class": "govuk-select"}))


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-20"})
    )
    actor = forms.CharField(
        required=False,
        label="Who (email)",
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-20"}),
    )
    date_from = DateField(required=False, label="From", name="The first day", help_text="For example, 27 3 2027.")
    date_to = DateField(required=False, label="To", name="The last day", help_text="For example, 27 3 2027.")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The last day must be the same as or after the first day.")
        return data


class CreditsRestoredForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        help_text="For example: 'Bought $500 of credits in the X developer console'. Kept in the audit trail.",
        max_length=1000,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
        error_messages={"required": "Say what was done to restore the credits, so the audit trail shows it."},
    )


class TeamInviteForm(forms.Form):
    """A lead adds someone to their team by email: a new person is invited to choose a password."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"class": "govuk-input govuk-!-width-two-thirds", "autocomplete": "off"}),
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@department.gov.uk",
        },
    )
    first_name = forms.CharField(
        label="First name (if they are new)",
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-!-width-one-half", "autocomplete": "off"}),
    )
    last_name = forms.CharField(
        label="Last name (if they are new)",
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-!-width-one-half", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label="Role in the team",
        choices=Membership.Role.choices,
        initial=Membership.Role.MEMBER,
        widget=forms.RadioSelect(attrs={"class": "govuk-radios__input"}),
        error_messages={"required": "Choose their role in the team", "invalid_choice": "Choose one of the roles"},
    )
    trainer = forms.BooleanField(
        label="They also run training (workshops, one-to-ones and certification)",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input"}),
    )

    def clean_first_name(self):
        return _plain(self.cleaned_data["first_name"])

    def clean_last_name(self):
        return _plain(self.cleaned_data["last_name"])


def _plain(value: str) -> str:
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise forms.ValidationError("Use letters, spaces, hyphens and apostrophes only")
    return value.strip()


RETENTION_RANGE = "Enter a whole number of years between 1 and 100."


class RetentionForm(forms.Form):
    """An admin sets how long an account's records are kept (accounts.services.account_retention_change)."""

    years = forms.IntegerField(
        label="Keep records for (years)",
        min_value=1,
        max_value=100,
        help_text="Follow the department's records schedule. Export the records to the archive before they go.",
        error_messages={key: RETENTION_RANGE for key in ("required", "invalid", "min_value", "max_value")},
        widget=forms.TextInput(
            attrs={"class": "govuk-input govuk-input--width-3", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


class LegalHoldForm(forms.Form):
    """An admin places or lifts a legal hold, saying why (kept in the audit trail)."""

    reason = forms.CharField(
        label="Reason",
        max_length=1000,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
        error_messages={"required": "Say why: the reason is kept in the audit trail."},
    )

    def __init__(self, *args, label: str = "Reason", hint: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = hint
