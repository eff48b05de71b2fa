"""Training pages: sessions, booking, attendance and certifying the people who completed a session."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.params import row_id
from training import certification, services
from training.access import (
    booking_for_user,
    courses_for_user,
    is_trainer,
    require_trainer,
    session_for_trainer,
    session_for_user,
    sessions_for_user,
)
from training.forms import (
    SessionEditForm,
    SessionForm,
)
from training.models import (
    Booking,
    Certification,
)
from training.selectors import booking_on_course
from training.services import TrainingError
from training.views.common import _ctx, _ids

# --- Sessions ------------------------------------------------------------------------------------------


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    courses = list(courses_for_user(request.user))
    course_id = row_id(request.GET.get("course"))
    sessions = sessions_for_user(request.user).upcoming().with_places().order_by("starts_at")
    if course_id is not None:
        sessions = sessions.filter(course_id=course_id)
    sessions = list(sessions[:100])
    mine = dict(
        Booking.objects.filter(user=request.user, session__in=[s.pk for s in sessions])
        .exclude(status=Booking.Status.CANCELLED)
        .values_list("session_id", "status")
    )
    for s in sessions:
        s.my_status = mine.get(s.pk)
    return render(
        request,
        "training/session_list.html",
        _ctx(request, sessions=sessions, courses=courses, course_id=course_id),
    )


@login_required
def session_create(request: HttpRequest) -> HttpResponse:
    require_trainer(request.user)
    initial = {"trainer": request.user.pk if request.user.is_trainer else None}
    if row_id(request.GET.get("course")) is not None:
        initial["course"] = row_id(request.GET.get("course"))
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sessions = services.session_schedule(
            actor=request.user,
            course=data["course"],
            starts_at=data["starts_at"],
            trainer=data["trainer"],
            capacity=data["capacity"],
            duration_minutes=data["duration_minutes"],
            location=data["location"],
            online_url=data["online_url"],
            weeks=data["weeks"],
            request=request,
        )
        count = len(sessions)
        messages.success(request, f"{count} session{'s' if count != 1 else ''} of '{data['course']}' scheduled.")
        return redirect("training:session_detail", pk=sessions[0].pk)
    return render(request, "training/session_form.html", _ctx(request, form=form, session=None))


@login_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_trainer(request.user, pk)
    local = timezone.localtime(session.starts_at)
    initial = {
        "date": local.date(),
        "time": local.time(),
        "duration_minutes": session.duration_minutes,
        "location": session.location,
        "online_url": session.online_url,
        "trainer": session.trainer_id,
        "capacity": session.capacity,
    }
    form = SessionEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {
            "starts_at": data["starts_at"],
            "duration_minutes": data["duration_minutes"],
            "location": data["location"],
            "online_url": data["online_url"],
            "trainer": data["trainer"],
            "capacity": data["capacity"],
        }
        try:
            services.session_update(actor=request.user, session=session, changes=changes, request=request)
        except TrainingError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "Session updated.")
            return redirect("training:session_detail", pk=session.pk)
    return render(request, "training/session_form.html", _ctx(request, form=form, session=session))


@login_required
@require_POST
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_trainer(request.user, pk)
    services.session_cancel(actor=request.user, session=session, request=request)
    messages.success(request, "Session cancelled. Everyone booked has been told by email.")
    return redirect("training:session_detail", pk=session.pk)


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(sessions_for_user(request.user).with_places(), pk=pk)
    my_booking = (
        Booking.objects.filter(session=session, user=request.user).exclude(status=Booking.Status.CANCELLED).first()
    )
    started = session.starts_at <= timezone.now()
    # One booking per course: instead of a second, the page points to the one held on another session.
    course_booking = booking_on_course(request.user, session.course_id) if my_booking is None and not started else None
    trainer = is_trainer(request.user)
    roster = waiting = []
    if trainer:
        bookings = list(
            session.bookings.exclude(status=Booking.Status.CANCELLED)
            .select_related("user", "feedback")
            .order_by("created_at")
        )
        roster = [b for b in bookings if b.status in Booking.HOLDS_PLACE]
        waiting = [b for b in bookings if b.status == Booking.Status.WAITING]
        certified_ids = set(
            Certification.objects.filter(
                course=session.course, user__in=[b.user_id for b in roster], awards__session=session
            ).values_list("user_id", flat=True)
        )
        for b in roster:
            b.certified = b.user_id in certified_ids
    return render(
        request,
        "training/session_detail.html",
        _ctx(
            request,
            session=session,
            my_booking=my_booking,
            course_booking=course_booking,
            roster=roster,
            waiting=waiting,
            started=started,
        ),
    )


@login_required
@require_POST
def session_book(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_user(request.user, pk)
    try:
        booking = services.booking_create(session=session, user=request.user)
    except TrainingError as e:
        messages.error(request, e.message)
    else:
        if booking.status == Booking.Status.WAITING:
            messages.success(
                request, "The session is full, so you are on the waiting list. We will email you if a place frees up."
            )
        else:
            messages.success(request, f"You are booked on '{session.course}'.")
    return redirect("training:session_detail", pk=session.pk)


@login_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = booking_for_user(request.user, pk)
    try:
        services.booking_cancel(booking=booking, by=request.user)
    except TrainingError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "Booking cancelled.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("training:my_training")
    return redirect(next_url)


@login_required
@require_POST
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_trainer(request.user, pk)
    attended, no_show = set(), set()
    for key, value in request.POST.items():
        booking_id = row_id(key[11:]) if key.startswith("attendance-") else None
        if booking_id is not None:
            if value == Booking.Status.ATTENDED:
                attended.add(booking_id)
            elif value == Booking.Status.NO_SHOW:
                no_show.add(booking_id)
    try:
        changed = services.attendance_mark(
            session=session, by=request.user, attended=attended, no_show=no_show, request=request
        )
    except TrainingError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request, f"Attendance saved: {changed['attended']} attended, {changed['no_show']} did not attend."
        )
    return redirect("training:session_detail", pk=session.pk)


@login_required
@require_POST
def session_certify(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for_trainer(request.user, pk)
    booking_ids = _ids(request, "certify")
    if not booking_ids:
        messages.error(request, "Tick the people who completed the course, then award certification.")
        return redirect("training:session_detail", pk=session.pk)
    try:
        awarded = certification.certification_award_for_session(
            session=session, by=request.user, booking_ids=booking_ids, request=request
        )
    except TrainingError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"Certification in '{session.course}' awarded to {len(awarded)} people.")
    return redirect("training:session_detail", pk=session.pk)
