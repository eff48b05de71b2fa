from allauth.core import context
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django import forms

from accounts.models import Membership


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
    """OAuth 1.0a user credentials. Write-only: the inputs are never filled from stored values."""

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

    def clean(self):
        data = super().clean()
        for name in ("access_token", "access_token_secret"):
            value = data.get(name, "")
            if value and (value != value.strip() or any(c.isspace() for c in value)):
                self.add_error(name, "Paste the value exactly as X shows it, without spaces.")
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
    date_from = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input govuk-input--width-10"}),
    )
    date_to = forms.DateField(
        required=False,
        label="To",
        widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input govuk-input--width-10"}),
    )


class CreditsRestoredForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        help_text="For example: 'Bought $500 of credits in the X developer console'. Kept in the audit trail.",
        max_length=1000,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
        error_messages={"required": "Say what was done to restore the credits, so the audit trail shows it."},
    )
