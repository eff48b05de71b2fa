"""Courses, the requirement matrix, sessions and bookings, one-to-ones, feedback, certification, exemptions."""

import uuid

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.models import TwitterAccount


class Action(models.TextChoices):
    """What a user wants to do for an account; each may need its own courses."""

    DRAFT = "draft", "Draft posts"
    APPROVE = "approve", "Approve posts"
    REPLY = "reply", "Reply from the inbox"


class Course(models.Model):
    title = models.CharField(max_length=120, unique=True)
    outline = models.TextField(blank=True, help_text="What the course covers.")
    audience = models.CharField(max_length=200, blank=True, help_text="Who the course is for.")
    validity_months = models.PositiveSmallIntegerField(
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="How long a certification stays valid, in months.",
    )
    is_active = models.BooleanField(default=True, help_text="Inactive courses are hidden from the catalogue.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def expiry_from(self, at):
        return at + relativedelta(months=self.validity_months)


class CourseRequirement(models.Model):
    """One cell of the requirement matrix: this course is needed to do this action for this kind of account."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="requirements")
    account_kind = models.CharField(max_length=20, choices=TwitterAccount.Kind.choices)
    action = models.CharField(max_length=10, choices=Action.choices)

    class Meta:
        ordering = ["account_kind", "action", "course__title"]
        constraints = [
            models.UniqueConstraint(fields=["course", "account_kind", "action"], name="one_requirement_per_cell"),
        ]
        indexes = [models.Index(fields=["account_kind", "action"])]

    def __str__(self) -> str:
        return f"{self.course} to {self.get_action_display().lower()} for {self.get_account_kind_display().lower()}"


class TrainingSessionQuerySet(models.QuerySet):
    def with_places(self):
        return self.annotate(
            booked_count=Count("bookings", filter=Q(bookings__status__in=Booking.HOLDS_PLACE)),
            waiting_count=Count("bookings", filter=Q(bookings__status=Booking.Status.WAITING)),
        ).annotate(places_left=F("capacity") - F("booked_count"))

    def upcoming(self, at=None):
        return self.filter(starts_at__gt=at or timezone.now(), cancelled_at__isnull=True)


class TrainingSession(models.Model):
    """A workshop: one sitting of a course at a time and place (or online), run by a trainer."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(db_index=True)
    duration_minutes = models.PositiveSmallIntegerField(default=90, validators=[MinValueValidator(15)])
    location = models.CharField(max_length=200, blank=True, help_text="Room and building, if in person.")
    online_url = models.URLField(blank=True, help_text="Video call link, if online.")
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_sessions_run"
    )
    capacity = models.PositiveSmallIntegerField(default=12, validators=[MinValueValidator(1)])
    series = models.UUIDField(null=True, blank=True, db_index=True, help_text="Shared by a weekly series.")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.course} — {local:%a %-d %b %Y, %H:%M}"

    @property
    def ends_at(self):
        return self.starts_at + timezone.timedelta(minutes=self.duration_minutes)

    @property
    def place(self) -> str:
        if self.location:
            return self.location
        return "Online" if self.online_url else "Place to be confirmed"

    @staticmethod
    def new_series_id() -> uuid.UUID:
        return uuid.uuid4()


class Booking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        WAITING = "waiting", "On the waiting list"
        CANCELLED = "cancelled", "Cancelled"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "Did not attend"

    HOLDS_PLACE = (Status.BOOKED, Status.ATTENDED, Status.NO_SHOW)
    ACTIVE = (Status.BOOKED, Status.WAITING, Status.ATTENDED, Status.NO_SHOW)

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="bookings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_bookings")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=~Q(status="cancelled"),
                name="one_active_booking_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.session} ({self.get_status_display().lower()})"


class BookingEvent(models.Model):
    """History of a booking: who moved it from which status to which, and why."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.from_status or '—'} → {self.to_status}"


class OneToOneSession(models.Model):
    """A trainer's individual session with one trainee; may lead to certification."""

    trainee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="one_to_ones")
    trainer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="one_to_ones_run")
    course = models.ForeignKey(
        Course, on_delete=models.SET_NULL, null=True, blank=True, related_name="one_to_ones", help_text="If any."
    )
    topic = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    held_at = models.DateTimeField(default=timezone.now)
    follow_up_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.trainee} with {self.trainer}: {self.topic}"


class CertificationQuerySet(models.QuerySet):
    def current(self, at=None):
        at = at or timezone.now()
        return self.filter(certified_at__lte=at, expires_at__gt=at)


class Certification(models.Model):
    """A user's current standing in a course. Renewal moves expires_at on; each award is kept as history."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certifications")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="certifications")
    certified_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    objects = CertificationQuerySet.as_manager()

    class Meta:
        ordering = ["course__title"]
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="one_certification_per_course")]

    def __str__(self) -> str:
        return f"{self.user} — {self.course} (until {timezone.localtime(self.expires_at):%-d %b %Y})"

    def is_current(self, at=None) -> bool:
        at = at or timezone.now()
        return self.certified_at <= at < self.expires_at


class CertificationAward(models.Model):
    """History: each time a certification was awarded or renewed, by whom and on what evidence."""

    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="awards")
    awarded_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    session = models.ForeignKey(TrainingSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    one_to_one = models.ForeignKey(
        OneToOneSession, on_delete=models.SET_NULL, null=True, blank=True, related_name="awards"
    )
    renewal = models.BooleanField(default=False)

    class Meta:
        ordering = ["-awarded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.certification} awarded {timezone.localtime(self.awarded_at):%-d %b %Y}"


class ExemptionQuerySet(models.QuerySet):
    def current(self, at=None):
        at = at or timezone.now()
        return self.filter(starts_at__lte=at, expires_at__gt=at, revoked_at__isnull=True)


class Exemption(models.Model):
    """An admin's time-limited waiver of one course (or of all training when course is blank), with a reason."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_exemptions")
    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exemptions",
        help_text="Leave blank to exempt from every course.",
    )
    reason = models.TextField()
    starts_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ExemptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        what = self.course.title if self.course_id else "all training"
        return f"{self.user} exempt from {what} until {timezone.localtime(self.expires_at):%-d %b %Y}"

    def covers(self, course_id: int) -> bool:
        return self.course_id is None or self.course_id == course_id


class Feedback(models.Model):
    """An attendee's rating of a session they attended: once per booking."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 from {self.booking.user_id} for session {self.booking.session_id}"


class ReminderSent(models.Model):
    """One row per reminder email sent, so each goes once (the key names what it was about)."""

    class Kind(models.TextChoices):
        EXPIRY_30 = "expiry_30", "Certification expires in 30 days"
        EXPIRY_7 = "expiry_7", "Certification expires in 7 days"
        SESSION_TOMORROW = "session_tomorrow", "Session tomorrow"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=120, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.user_id} at {self.sent_at:%Y-%m-%d}"
