from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.access import is_lead, teams_led_by
from accounts.models import TwitterAccount
from core.params import row_id, row_ids
from training import services
from training.access import (
    booking_for_user,
    course_for_trainer,
    course_for_user,
    courses_for_user,
    exemption_for_admin,
    is_trainer,
    one_to_one_for_user,
    one_to_ones_for_user,
    require_admin,
    require_trainer,
    session_for_trainer,
    session_for_user,
    sessions_for_user,
    team_for_lead,
)
from training.forms import (
    CourseForm,
    ExemptionForm,
    FeedbackForm,
    OneToOneForm,
    RequirementMatrixForm,
    SessionEditForm,
    SessionForm,
)
from training.models import (
    Action,
    Booking,
    Certification,
    CourseRequirement,
    Exemption,
    Feedback,
)
from training.policy import next_sessions_with_places
from training.selectors import booking_on_course, required_courses_for_user, standing, team_matrix
from training.services import TrainingError

NAV = {"nav_section": "training"}
RECENT_COMMENTS = 5


def _ctx(request: HttpRequest, **extra) -> dict:
    return {**NAV, "is_trainer": is_trainer(request.user), "is_lead_anywhere": is_lead(request.user), **extra}


def _ids(request: HttpRequest, name: str) -> set[int]:
    return row_ids(request.POST.getlist(name))


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


# --- Catalogue and requirements -----------------------------------------------------------------------


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    courses = courses_for_user(request.user).prefetch_related(
        Prefetch("requirements", queryset=CourseRequirement.objects.order_by("account_kind", "action"))
    )
    return render(request, "training/course_list.html", _ctx(request, courses=courses))


@login_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = course_for_user(request.user, pk)
    sessions = sessions_for_user(request.user).filter(course=course).upcoming().with_places().order_by("starts_at")[:20]
    return render(request, "training/course_detail.html", _ctx(request, course=course, sessions=sessions))


@login_required
def course_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_trainer(request.user)
    course = course_for_trainer(request.user, pk) if pk else None
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        course = services.course_save(actor=request.user, course=form.save(commit=False), request=request)
        messages.success(request, f"'{course}' saved.")
        return redirect("training:course_detail", pk=course.pk)
    return render(request, "training/course_form.html", _ctx(request, form=form, course=course))


@login_required
def requirement_matrix(request: HttpRequest) -> HttpResponse:
    courses = courses_for_user(request.user)
    current = set(CourseRequirement.objects.values_list("course_id", "account_kind", "action"))
    can_edit = is_trainer(request.user)
    if request.method == "POST":
        require_trainer(request.user)
    form = RequirementMatrixForm(request.POST or None, courses=courses, current=current)
    if request.method == "POST" and form.is_valid():
        result = services.requirements_set(actor=request.user, cells=form.cells(), request=request)
        messages.success(request, f"Requirements saved: {result['added']} added, {result['removed']} removed.")
        return redirect("training:requirements")
    return render(
        request,
        "training/requirements.html",
        _ctx(request, form=form, can_edit=can_edit, kinds=TwitterAccount.Kind, actions=Action),
    )


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
        awarded = services.certification_award_for_session(
            session=session, by=request.user, booking_ids=booking_ids, request=request
        )
    except TrainingError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"Certification in '{session.course}' awarded to {len(awarded)} people.")
    return redirect("training:session_detail", pk=session.pk)


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
            one_to_one = services.one_to_one_record(
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


# --- Team matrix ---------------------------------------------------------------------------------------


@login_required
def team_matrix_index(request: HttpRequest) -> HttpResponse:
    teams = list(teams_led_by(request.user))
    if len(teams) == 1:
        return redirect("training:team_matrix", pk=teams[0].pk)
    if not teams:
        messages.info(request, "The team training matrix is for team leads. Ask your lead how your team is doing.")
        return redirect("training:my_training")
    return render(request, "training/team_matrix_index.html", _ctx(request, teams=teams))


@login_required
def team_matrix_view(request: HttpRequest, pk: int) -> HttpResponse:
    team = team_for_lead(request.user, pk)
    return render(request, "training/team_matrix.html", _ctx(request, matrix=team_matrix(team)))


# --- Exemptions ----------------------------------------------------------------------------------------


@login_required
def exemption_list(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    form = ExemptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exemption = services.exemption_grant(
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
    services.exemption_revoke(actor=request.user, exemption=exemption, request=request)
    messages.success(request, f"Exemption for {exemption.user} ended.")
    return redirect("training:exemptions")
