import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts.models import TwitterAccount, User
from core.forms import DateField, TimeOfDayField, in_london
from training.certification import ONE_TO_ONE_NOT_HELD_YET
from training.models import Action, Course, Feedback

TEXT = {"class": "govuk-input"}
SELECT = {"class": "govuk-select"}
AREA = {"class": "govuk-textarea", "rows": 5}
NUMBER = {"class": "govuk-input govuk-input--width-4", "inputmode": "numeric"}


SESSION_HORIZON_DAYS = 2 * 365  # sessions are planned up to two years ahead
EXEMPTION_LONGEST_DAYS = 5 * 365  # an exemption is time-limited: five years at most


def whole_number(label: str, low: int, high: int, *, name: str | None = None, **kwargs) -> forms.IntegerField:
    """A whole-number field whose every refusal (too small, too big, not a whole number) gives its range."""
    message = f"{name or label} must be a whole number between {low} and {high}."
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        error_messages={"min_value": message, "max_value": message, "invalid": message},
        widget=forms.NumberInput(attrs=NUMBER),
        **kwargs,
    )


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def trainers():
    return User.objects.filter(is_active=True).filter(Q(is_trainer=True) | Q(is_superuser=True))


def staff():
    return User.objects.filter(is_active=True)


def combine_local(day: dt.date, at: dt.time) -> dt.datetime:
    """A day and a time of day in UK time; a time the clocks skip raises ValidationError saying so."""
    return in_london(dt.datetime.combine(day, at))


class CourseForm(forms.ModelForm):
    validity_months = whole_number(
        "Certification valid for (months)", 1, 120, name="How long a certification is valid", initial=12
    )

    class Meta:
        model = Course
        fields = ["title", "outline", "audience", "validity_months", "is_active"]
        labels = {"is_active": "Offered in the catalogue"}
        widgets = {
            "title": forms.TextInput(attrs=TEXT),
            "outline": forms.Textarea(attrs=AREA),
            "audience": forms.TextInput(attrs=TEXT),
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
    course = forms.ModelChoiceField(
        queryset=Course.objects.filter(is_active=True), empty_label="Choose a course", widget=forms.Select(attrs=SELECT)
    )
    date = DateField(
        name="The date",
        help_text="The first session, for a series. For example, 27 3 2027.",
        error_messages={"required": "Enter the date of the session."},
    )
    time = TimeOfDayField(
        help_text="UK time, for example 14:30.", error_messages={"required": "Enter the time it starts."}
    )
    duration_minutes = whole_number("Length (minutes)", 15, 480, name="The length in minutes", initial=90)
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
    trainer = forms.ModelChoiceField(
        queryset=User.objects.none(), empty_label="Choose a trainer", widget=forms.Select(attrs=SELECT)
    )
    capacity = whole_number("Capacity", 1, 500, name="The capacity", initial=12)
    weeks = whole_number(
        "Weekly for how many weeks", 1, 26, name="The number of weeks", initial=1, help_text="1 for a one-off session."
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
            latest = timezone.localdate() + dt.timedelta(days=SESSION_HORIZON_DAYS)
            if data["starts_at"] <= timezone.now():
                self.add_error("date", "The session must start in the future.")
            elif data["date"] > latest:
                self.add_error("date", f"Sessions are planned within two years: choose a date by {long_date(latest)}.")
        return data


class SessionEditForm(SessionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["weeks"]
        del self.fields["course"]


class OneToOneForm(forms.Form):
    trainee = forms.ModelChoiceField(
        queryset=User.objects.none(),
        empty_label="Choose a person",
        widget=forms.Select(attrs=SELECT),
        error_messages={
            "invalid_choice": "Choose the person you trained. You cannot record a one-to-one with yourself."
        },
    )
    topic = forms.CharField(max_length=200, widget=forms.TextInput(attrs=TEXT))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs=AREA))
    held_on = DateField(
        label="Date held", name="The date held", error_messages={"required": "Enter the date it was held."}
    )
    held_time = TimeOfDayField(
        label="Time",
        help_text="UK time, for example 14:30.",
        error_messages={"required": "Enter the time it was held."},
    )
    follow_up_on = DateField(label="Follow up on", name="The follow-up date", required=False)
    course = forms.ModelChoiceField(
        queryset=Course.objects.filter(is_active=True),
        required=False,
        empty_label="No course",
        widget=forms.Select(attrs=SELECT),
        help_text="The course this session covered, if any.",
    )
    award = forms.BooleanField(
        label="Award or renew certification in this course",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "govuk-checkboxes__input"}),
    )

    def __init__(self, *args, trainer: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainee"].queryset = staff().exclude(pk=trainer.pk)

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
            if data.get("award") and data["held_at"] > timezone.now():
                self.add_error("held_on", ONE_TO_ONE_NOT_HELD_YET)
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
    user = forms.ModelChoiceField(
        label="Person", queryset=User.objects.none(), empty_label="Choose a person", widget=forms.Select(attrs=SELECT)
    )
    course = forms.ModelChoiceField(
        queryset=Course.objects.all(),
        required=False,
        empty_label="All training",
        widget=forms.Select(attrs=SELECT),
        help_text="Leave as 'All training' to exempt from every course.",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs=AREA), help_text="Kept in the audit trail.")
    expires_on = DateField(
        label="Exempt until",
        name="The end date",
        help_text="For example, 27 3 2027.",
        error_messages={"required": "Enter the last day of the exemption."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff()

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day <= timezone.localdate():
            raise forms.ValidationError("The exemption must end after today.")
        latest = timezone.localdate() + dt.timedelta(days=EXEMPTION_LONGEST_DAYS)
        if day > latest:
            raise forms.ValidationError(f"An exemption lasts five years at most: choose a date by {long_date(latest)}.")
        return day

    def expires_at(self) -> dt.datetime:
        # Exempt to the end of the chosen day, UK time.
        return combine_local(self.cleaned_data["expires_on"] + dt.timedelta(days=1), dt.time.min)
