"""What a trainer's award of certification must respect: an authenticator, never themselves, the session's own
time; and what it gives at once: a current certification that opens the training gate."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import enrol_totp
from tests.factories import TwitterAccountFactory, UserFactory
from tests.training.factories import BookingFactory, CourseFactory, TrainerFactory, TrainingSessionFactory
from tests.training.helpers import require_course
from training import policy, services
from training.certification import certification_award, certification_award_for_session, one_to_one_record
from training.models import Booking, Certification, OneToOneSession
from training.services import TrainingError


@pytest.fixture
def trainer(db):
    return TrainerFactory()


def _in_progress(**kwargs):
    """A 90-minute session that began half an hour ago: a trainer may award now, before it ends."""
    return TrainingSessionFactory(starts_at=timezone.now() - dt.timedelta(minutes=30), duration_minutes=90, **kwargs)


# --- An authenticator, like approving ---------------------------------------------------------------


def test_trainers_must_enrol_an_authenticator_like_approvers(client, db):
    trainer = UserFactory(is_trainer=True)
    assert trainer.requires_mfa()
    client.force_login(trainer)
    # As a browser navigates to a page (the MFA gate applies to page navigations).
    navigation = {"HTTP_ACCEPT": "text/html,application/xhtml+xml", "HTTP_SEC_FETCH_MODE": "navigate"}
    response = client.get(reverse("training:session_list"), **navigation)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_a_trainer_with_an_authenticator_uses_the_training_pages(client, trainer):
    client.force_login(trainer)
    assert client.get(reverse("training:session_list")).status_code == 200


def test_a_trainer_without_an_authenticator_cannot_award_certification(db):
    trainer = UserFactory(is_trainer=True)
    session = _in_progress()
    booking = BookingFactory(session=session, status=Booking.Status.ATTENDED)
    with pytest.raises(TrainingError, match="authenticator app"):
        certification_award_for_session(session=session, by=trainer, booking_ids={booking.pk})
    with pytest.raises(TrainingError, match="authenticator app"):
        one_to_one_record(trainer=trainer, trainee=UserFactory(), topic="Replies", course=session.course, award=True)
    assert not Certification.objects.exists()
    assert not OneToOneSession.objects.exists()
    enrol_totp(trainer)
    certification_award_for_session(session=session, by=trainer, booking_ids={booking.pk})
    assert Certification.objects.filter(user=booking.user).exists()


# --- Never themselves --------------------------------------------------------------------------------


def test_a_trainer_cannot_certify_themselves_at_a_session(trainer):
    session = _in_progress()
    own = BookingFactory(session=session, user=trainer, status=Booking.Status.ATTENDED)
    with pytest.raises(TrainingError, match="cannot certify yourself"):
        certification_award_for_session(session=session, by=trainer, booking_ids={own.pk})
    assert not Certification.objects.exists()


def test_the_session_page_offers_no_box_to_certify_the_trainer_themselves(client, trainer):
    session = _in_progress()
    own = BookingFactory(session=session, user=trainer, status=Booking.Status.ATTENDED)
    other = BookingFactory(session=session, status=Booking.Status.ATTENDED)
    client.force_login(trainer)
    page = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert f'id="cert-{other.pk}"' in page
    assert f'id="cert-{own.pk}"' not in page
    assert "You cannot certify yourself" in page


def test_a_trainer_cannot_certify_themselves_in_a_one_to_one(trainer):
    course = CourseFactory()
    with pytest.raises(TrainingError, match="cannot certify yourself"):
        one_to_one_record(trainer=trainer, trainee=trainer, topic="Self study", course=course, award=True)
    with pytest.raises(TrainingError, match="cannot certify yourself"):
        certification_award(user=trainer, course=course, by=trainer)
    assert not Certification.objects.exists()


def test_the_one_to_one_form_does_not_offer_the_trainer_as_trainee(client, trainer):
    client.force_login(trainer)
    now = timezone.localtime()
    response = client.post(
        reverse("training:one_to_one_create"),
        {
            "trainee": trainer.pk,
            "topic": "Self study",
            "held_on": now.date().isoformat(),
            "held_time": "00:00",
            "course": CourseFactory().pk,
            "award": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["trainee"]
    assert not Certification.objects.exists()


# --- Dated inside the session ------------------------------------------------------------------------


def test_a_session_certification_cannot_be_dated_outside_the_session(trainer, member):
    session = _in_progress()
    for at in (session.starts_at - dt.timedelta(days=30), session.ends_at + dt.timedelta(days=30)):
        with pytest.raises(TrainingError, match="during the session"):
            certification_award(user=member, course=session.course, by=trainer, at=at, session=session)
    assert not Certification.objects.exists()


def test_a_certification_cannot_be_dated_in_the_future(trainer, member):
    with pytest.raises(TrainingError, match="future"):
        certification_award(user=member, course=CourseFactory(), by=trainer, at=timezone.now() + dt.timedelta(days=400))
    assert not Certification.objects.exists()


def test_a_one_to_one_held_in_the_future_cannot_award_certification(client, trainer, member):
    course = CourseFactory()
    later = timezone.now() + dt.timedelta(days=60)
    with pytest.raises(TrainingError, match="once it has been held"):
        one_to_one_record(trainer=trainer, trainee=member, topic="Replies", held_at=later, course=course, award=True)
    client.force_login(trainer)
    local = timezone.localtime(later)
    response = client.post(
        reverse("training:one_to_one_create"),
        {
            "trainee": member.pk,
            "topic": "Replies",
            "held_on": local.date().isoformat(),
            "held_time": local.strftime("%H:%M"),
            "course": course.pk,
            "award": "on",
        },
    )
    assert response.status_code == 200
    assert "once it has been held" in response.content.decode()
    assert not Certification.objects.exists()


def test_a_one_to_one_certification_is_dated_when_it_was_held(trainer, member):
    held_at = timezone.now() - dt.timedelta(days=3)
    one_to_one = one_to_one_record(
        trainer=trainer, trainee=member, topic="Replies", held_at=held_at, course=CourseFactory(), award=True
    )
    certification = Certification.objects.get(user=member)
    assert certification.certified_at == held_at
    assert certification.awards.get().one_to_one == one_to_one


# --- Current at once ---------------------------------------------------------------------------------


def test_a_certification_awarded_during_the_session_is_current_at_once_and_opens_the_gate(
    client, trainer, team, member
):
    course = require_course("corporate", "draft", title="Twitter basics")
    account = TwitterAccountFactory(team=team, kind="corporate")
    session = _in_progress(course=course)
    booking = BookingFactory(session=session, user=member)
    services.attendance_mark(session=session, by=trainer, attended={booking.pk}, no_show=set())
    assert not policy.check(member, account, "draft").allowed

    [certification] = certification_award_for_session(session=session, by=trainer, booking_ids={booking.pk})

    assert certification.certified_at <= timezone.now()
    assert session.starts_at <= certification.certified_at <= session.ends_at
    assert certification.is_current()
    assert certification.expires_at == course.expiry_from(certification.certified_at)
    assert policy.check(member, account, "draft").allowed
    client.force_login(member)
    page = client.get(reverse("training:my_training")).content.decode()
    assert "Expired" not in page
    assert "Current" in page
