import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts.models import TwitterAccount, User
from dovecote.forms import in_london
from training.models import Action, Course, Feedback

TEXT = {"class": "govuk-input"}
SELECT = {"class": "govuk-select"}
AREA = {"class": "govuk-textarea", "rows": 5}
DATE = {"type": "date", "class": "govuk-input govuk-input--width-10"}
TIME = {"type": "time", "class": "govuk-input govuk-input--width-5"}
NUMBER = {"class": "govuk-input govuk-input--width-4", "inputmode": "numeric"}


def trainers():
    return User.objects.filter(is_active=True).filter(Q(is_trainer=True) | Q(is_superuser=True))


def staff():
    return User.objects.filter(is_active=True)


def combine_local(day: dt.date, at: dt.time) -> dt.datetime:
    """A day and a time of day in UK time; a time the clocks skip raises ValidationError saying so."""
    return in_london(dt.datetime.combine(day, at))


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = ["title", "outline", "audience", "validity_months", "is_active"]
        labels = {"validity_months": "Certification valid for (months)", "is_active": "Offered in the catalogue"}
        widgets = {
            "title": forms.TextInput(attrs=TEXT),
            "outline": forms.Textarea(attrs=AREA),
            "audience": forms.TextInput(attrs=TEXT),
            "validity_months": forms.NumberInput(attrs=NUMBER),
            "is_active": forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input"}),
        }


class RequirementMatrixForm(forms.Form):
    """A checkbox for every course × account kind × action."""

    def __init__(self, *args, courses, current: set[tuple[int, str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.courses = list(courses)
        self.rows = []
        for course in self.courses:
            row = []
            for kind in TwitterAccount.Kind:
                for action in Action:
                    name = f"cell-{course.pk}-{kind.value}-{action.value}"
                    self.fields[name] = forms.BooleanField(
                        required=False,
                        initial=(course.pk, kind.value, action.value) in current,
                        label=f"{course.title}: {action.label.lower()} for {kind.label.lower()} accounts",
                        widget=forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input"}),
                    )
                    row.append(self[name])
            self.rows.append((course, row))

    def cells(self) -> set[tuple[int, str, str]]:
        result = set()
        for name, value in self.cleaned_data.items():
            if value:
                _, course_id, kind, action = name.split("-", 3)
                result.add((int(course_id), kind, action))
        return result


class SessionForm(forms.Form):
    course = forms.ModelChoiceField(queryset=Course.objects.filter(is_active=True), widget=forms.Select(attrs=SELECT))
    date = forms.DateField(widget=forms.DateInput(attrs=DATE), help_text="The first session, for a series.")
    time = forms.TimeField(widget=forms.TimeInput(attrs=TIME, format="%H:%M"), help_text="UK time.")
    duration_minutes = forms.IntegerField(
        label="Length (minutes)", min_value=15, max_value=480, initial=90, widget=forms.NumberInput(attrs=NUMBER)
    )
    location = forms.CharField(
        label="Place",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=TEXT),
        help_text="Room and building.",
    )
    online_url = forms.URLField(
        label="Online link", required=False, assume_scheme="https", widget=forms.URLInput(attrs=TEXT)
    )
    trainer = forms.ModelChoiceField(queryset=User.objects.none(), widget=forms.Select(attrs=SELECT))
    capacity = forms.IntegerField(min_value=1, max_value=500, initial=12, widget=forms.NumberInput(attrs=NUMBER))
    weeks = forms.IntegerField(
        label="Weekly for how many weeks",
        min_value=1,
        max_value=26,
        initial=1,
        widget=forms.NumberInput(attrs=NUMBER),
        help_text="1 for a one-off session.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainer"].queryset = trainers()

    def clean(self):
        data = super().clean()
        if not data.get("location") and not data.get("online_url"):
            self.add_error("location", "Give a place or an online link so people know where to go.")
        if data.get("date") and data.get("time"):
            try:
                data["starts_at"] = combine_local(data["date"], data["time"])
            except forms.ValidationError as error:
                self.add_error("time", error)
                return data
            if data["starts_at"] <= timezone.now():
                self.add_error("date", "The session must start in the future.")
        return data


class SessionEditForm(SessionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["weeks"]
        del self.fields["course"]


class OneToOneForm(forms.Form):
    trainee = forms.ModelChoiceField(queryset=User.objects.none(), widget=forms.Select(attrs=SELECT))
    topic = forms.CharField(max_length=200, widget=forms.TextInput(attrs=TEXT))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs=AREA))
    held_on = forms.DateField(label="Date held", widget=forms.DateInput(attrs=DATE))
    held_time = forms.TimeField(label="Time", widget=forms.TimeInput(attrs=TIME, format="%H:%M"))
    follow_up_on = forms.DateField(label="Follow up on", required=False, widget=forms.DateInput(attrs=DATE))
    course = forms.ModelChoiceField(
        queryset=Course.objects.filter(is_active=True),
        required=False,
        widget=forms.Select(attrs=SELECT),
        help_text="The course this session covered, if any.",
    )
    award = forms.BooleanField(
        label="Award or renew certification in this course",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainee"].queryset = staff()

    def clean(self):
        data = super().clean()
        if data.get("award") and not data.get("course"):
            self.add_error("course", "Choose the course to certify the trainee in.")
        if data.get("held_on") and data.get("held_time"):
            try:
                data["held_at"] = combine_local(data["held_on"], data["held_time"])
            except forms.ValidationError as error:
                self.add_error("held_time", error)
        return data


class FeedbackForm(forms.ModelForm):
    rating = forms.TypedChoiceField(
        label="How useful was the session?",
        coerce=int,
        choices=[(i, f"{i}") for i in range(5, 0, -1)],
        widget=forms.RadioSelect(attrs={"class": "govuk-radios__input"}),
        help_text="5 is very useful, 1 is not useful at all.",
    )

    class Meta:
        model = Feedback
        fields = ["rating", "comment"]
        labels = {"comment": "Anything to add? (optional)"}
        widgets = {"comment": forms.Textarea(attrs=AREA)}


class ExemptionForm(forms.Form):
    user = forms.ModelChoiceField(label="Person", queryset=User.objects.none(), widget=forms.Select(attrs=SELECT))
    course = forms.ModelChoiceField(
        queryset=Course.objects.all(),
        required=False,
        empty_label="All training",
        widget=forms.Select(attrs=SELECT),
        help_text="Leave as 'All training' to exempt from every course.",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs=AREA), help_text="Kept in the audit trail.")
    expires_on = forms.DateField(label="Exempt until", widget=forms.DateInput(attrs=DATE))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff()

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day <= timezone.localdate():
            raise forms.ValidationError("The exemption must end after today.")
        return day

    def expires_at(self) -> dt.datetime:
        # Exempt to the end of the chosen day, UK time.
        return combine_local(self.cleaned_data["expires_on"] + dt.timedelta(days=1), dt.time.min)
