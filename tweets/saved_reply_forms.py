from django import forms

from accounts.models import TwitterAccount


class SavedReplyForm(forms.Form):
    account = forms.ModelChoiceField(
        queryset=TwitterAccount.objects.none(),
        label="Account it is for",
        empty_label=None,
        help_text="Its approval follows this account's policy, and only its team can use it.",
        error_messages={
            "required": "Choose the account this saved reply is for.",
            "invalid_choice": "Choose one of your team's accounts.",
        },
    )
    title = forms.CharField(
        label="Title",
        max_length=80,
        help_text="What the team will look for, such as “Opening hours”.",
        error_messages={
            "required": "Give the saved reply a title, such as “Opening hours”.",
            "max_length": "Keep the title to 80 characters or fewer.",
        },
    )
    text = forms.CharField(
        label="Text",
        max_length=2000,
        strip=False,
        error_messages={
            "required": "Write the saved reply's text.",
            "max_length": "Keep the text to 2,000 characters or fewer.",
        },
    )

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts if accounts is not None else TwitterAccount.objects.none()
        self.fields["account"].widget.attrs["class"] = "govuk-select"
        self.fields["title"].widget.attrs["class"] = "govuk-input"


class SavedReplyEditForm(forms.Form):
    text = forms.CharField(
        label="New version",
        max_length=2000,
        strip=False,
        error_messages={
            "required": "Write the new version's text.",
            "max_length": "Keep the text to 2,000 characters or fewer.",
        },
    )


class SavedReplyRejectForm(forms.Form):
    reason = forms.CharField(
        label="Why it is rejected",
        max_length=1000,
        widget=forms.Textarea(attrs={"class": "govuk-textarea", "rows": 3}),
        error_messages={"required": "Say why it is rejected, so its writer knows what to change."},
    )
