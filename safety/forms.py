from django import forms

from safety.models import Incident


class OutcomeForm(forms.Form):
    """What a lead found: legitimate (the freeze it started is lifted unless kept), or compromised (with the
    actions to take now)."""

    outcome = forms.ChoiceField(
        choices=[(Incident.State.LEGITIMATE, "Legitimate"), (Incident.State.COMPROMISED, "Compromised")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether it was legitimate or the account was compromised."},
    )
    keep_freeze = forms.BooleanField(required=False)
    revoke_credentials = forms.BooleanField(required=False)
    delete_post = forms.BooleanField(required=False)
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        help_text="What you found and who you spoke to. It is kept in the audit trail.",
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
        error_messages={"max_length": "Keep the note to 2,000 characters or fewer."},
    )
