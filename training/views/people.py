"""Training pages about people: my training, feedback, one-to-ones and exemptions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from training import certification, services
from training.access import (
    booking_for_user,
    courses_for_user,
    exemption_for_admin,
    one_to_one_for_user,
    one_to_ones_for_user,
    require_admin,
    require_trainer,
)
from training.forms import (
    ExemptionForm,
    FeedbackForm,
    OneToOneForm,
)
from training.models import (
    Booking,
    Exemption,
    Feedback,
)
from training.policy import next_sessions_with_places
from training.selectors import required_courses_for_user, standing
from training.services import TrainingError
from training.views.common import _ctx

RECENT_COMMENTS = 5


# --- My training ---------------------------------------------------------------------------------------


@login_required
def my_training(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    mine = standing(user, at=now)
    needs = required_courses_for_user(user)
    outstanding = mine.missing(needs)
    next_sessions = next_sessions_with_places([n.course.pk for n in outstanding]) if outstanding else {}
    bookings = list(
        Booking.objects.filter(user=user, session__starts_at__gt=now, session__cancelled_at__isnull=True)
        .filter(status__in=[Booking.Status.BOOKED, Booking.Status.WAITING])
        .select_related("session__course")
        .order_by("session__starts_at")
    )
    booked = {}
    for booking in bookings:
        booked.setdefault(booking.session.course_id, booking)
    for need in outstanding:
        need.next_session = next_sessions.get(need.course.pk)
        need.booking = booked.get(need.course.pk)
    to_review = (
        Booking.objects.filter(user=user, status=Booking.Status.ATTENDED, feedback__isnull=True)
        .select_related("session__course")
        .order_by("-session__starts_at")[:5]
    )
    certifications = sorted(mine.certifications.values(), key=lambda c: c.course.title)
    for c in certifications:
        c.current = mine.holds(c.course_id)
        c.expiring = mine.is_expiring(c.course_id)
    return render(
        request,
        "training/my_training.html",
        _ctx(
            request,
            certifications=certifications,
            exemptions=mine.exemptions,
            outstanding=outstanding,
            needs=needs,
            bookings=bookings,
            to_review=to_review,
            one_to_ones=one_to_ones_for_user(user).filter(trainee=user)[:5],
        ),
    )


# --- Feedback ------------------------------------------------------------------------------------------


@login_required
def feedback_create(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_for_user(request.user, pk)
    if booking.user_id != request.user.pk:
        return redirect("training:session_detail", pk=booking.session_id)
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_submit(
                booking=booking, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
            )
        except TrainingError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "Thank you for your feedback.")
        return redirect("training:my_training")
    return render(request, "training/feedback_form.html", _ctx(request, form=form, booking=booking))


@login_required
def feedback_summary(request: HttpRequest) -> HttpResponse:
    require_trainer(request.user)
    courses = list(
        courses_for_user(request.user).annotate(
            feedback_count=Count("sessions__bookings__feedback"),
            feedback_average=Avg("sessions__bookings__feedback__rating"),
        )
    )
    recent = (
        Feedback.objects.exclude(comment="")
        .select_related("booking__session__course", "booking__user")
        .order_by("-created_at")[:200]
    )
    comments: dict[int, list] = {}
    for f in recent:
        bucket = comments.setdefault(f.booking.session.course_id, [])
        if len(bucket) < RECENT_COMMENTS:
            bucket.append(f)
    for c in courses:
        c.recent_comments = comments.get(c.pk, [])
    return render(request, "training/feedback_summary.html", _ctx(request, courses=courses))


# --- One-to-ones ---------------------------------------------------------------------------------------


@login_required
def one_to_one_list(request: HttpRequest) -> HttpResponse:
    one_to_ones = one_to_ones_for_user(request.user)[:200]
    return render(request, "training/one_to_one_list.html", _ctx(request, one_to_ones=one_to_ones))


@login_required
def one_to_one_create(request: HttpRequest) -> HttpResponse:
    require_trainer(request.user)
    now = timezone.localtime()
    form = OneToOneForm(
        request.POST or None,
        initial={"held_on": now.date(), "held_time": now.time().replace(second=0, microsecond=0)},
        trainer=request.user,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            one_to_one = certification.one_to_one_record(
                trainer=request.user,
                trainee=data["trainee"],
                topic=data["topic"],
                notes=data["notes"],
                held_at=data["held_at"],
                follow_up_on=data["follow_up_on"],
                course=data["course"],
                award=data["award"],
                request=request,
            )
        except TrainingError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, f"One-to-one with {one_to_one.trainee} recorded.")
            return redirect("training:one_to_one_detail", pk=one_to_one.pk)
    return render(request, "training/one_to_one_form.html", _ctx(request, form=form))


@login_required
def one_to_one_detail(request: HttpRequest, pk: int) -> HttpResponse:
    one_to_one = one_to_one_for_user(request.user, pk)
    awards = one_to_one.awards.select_related("certification__course")
    return render(request, "training/one_to_one_detail.html", _ctx(request, one_to_one=one_to_one, awards=awards))


# --- Exemptions ----------------------------------------------------------------------------------------


@login_required
def exemption_list(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    form = ExemptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exemption = certification.exemption_grant(
                actor=request.user,
                user=data["user"],
                course=data["course"],
                reason=data["reason"],
                expires_at=form.expires_at(),
                request=request,
            )
        except TrainingError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, f"Exemption granted: {exemption}.")
            return redirect("training:exemptions")
    exemptions = Exemption.objects.select_related("user", "course", "granted_by")[:200]
    return render(
        request,
        "training/exemptions.html",
        _ctx(request, form=form, exemptions=exemptions, now=timezone.now()),
    )


@login_required
@require_POST
def exemption_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    exemption = exemption_for_admin(request.user, pk)
    certification.exemption_revoke(actor=request.user, exemption=exemption, request=request)
    messages.success(request, f"Exemption for {exemption.user} ended.")
    return redirect("training:exemptions")
