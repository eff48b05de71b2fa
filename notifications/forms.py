from django import forms

from notifications.kinds import Channels, Kind


class PreferencesForm(forms.Form):
    """For each kind of notice, two boxes: in the app, and by email."""

    def __init__(self, *args, current: dict[str, Channels], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            channels = current[kind.value]
            for channel, label in (("in_app", "In Dovecote"), ("email", "By email")):
                self.fields[f"{kind.value}__{channel}"] = forms.BooleanField(
                    required=False,
                    label=label,
                    initial=getattr(channels, channel),
                    widget=forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input"}),
                )

    def rows(self):
        """(kind label, in-app field, email field) for the template, one fieldset per kind."""
        return [(kind.value, kind.label, self[f"{kind.value}__in_app"], self[f"{kind.value}__email"]) for kind in Kind]

    def choices(self) -> dict[str, Channels]:
        data = self.cleaned_data
        return {kind.value: Channels(data[f"{kind.value}__in_app"], data[f"{kind.value}__email"]) for kind in Kind}
