"""One-to-one sessions: recorded by trainers, seen by the trainee, and able to award or renew certification."""

from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from tests.boxes import date_boxes
from tests.training.factories import CourseFactory, OneToOneSessionFactory, TrainerFactory
from training.models import Certification, OneToOneSession


def _post(client, trainee, **extra):
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    data = {
        "trainee": trainee.pk,
        "topic": "Replying to an angry citizen",
        "notes": "Practised three replies.",
        **date_boxes("held_on", yesterday),
        "held_time": "09:30",
        **date_boxes("follow_up_on", yesterday + timezone.timedelta(days=14)),
        **extra,
    }
    return client.post(reverse("training:one_to_one_create"), data)


def test_a_trainer_records_a_one_to_one(client, member):
    client.force_login(TrainerFactory())
    response = _post(client, member)
    one_to_one = OneToOneSession.objects.get()
    assert response.status_code == 302
    assert one_to_one.trainee == member and one_to_one.follow_up_on is not None
    assert not Certification.objects.exists()


def test_a_one_to_one_can_award_certification(client, member):
    course = CourseFactory()
    trainer = TrainerFactory()
    client.force_login(trainer)
    _post(client, member, course=course.pk, award="on")
    certification = Certification.objects.get(user=member, course=course)
    assert certification.awards.get().one_to_one == OneToOneSession.objects.get()
    assert AuditEvent.objects.filter(action="training.certification_awarded", actor=trainer).exists()


def test_awarding_needs_a_course(client, member):
    client.force_login(TrainerFactory())
    response = _post(client, member, award="on")
    assert response.status_code == 200
    assert "Choose the course" in response.content.decode()


def test_the_trainee_sees_their_own_one_to_ones_and_nobody_elses(client, member):
    mine = OneToOneSessionFactory(trainee=member, topic="My session")
    theirs = OneToOneSessionFactory(topic="Someone else")
    client.force_login(member)
    assert client.get(reverse("training:one_to_one_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("training:one_to_one_detail", args=[theirs.pk])).status_code == 404
    body = client.get(reverse("training:one_to_one_list")).content.decode()
    assert "My session" in body and "Someone else" not in body


def test_staff_cannot_record_one_to_ones(client, member):
    client.force_login(member)
    assert client.get(reverse("training:one_to_one_create")).status_code == 403
