from django import forms

from accounts.models import Membership


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
