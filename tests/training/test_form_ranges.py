"""Numbers and dates out of range on the training forms are refused with the range they must fall in, never a
500."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.boxes import date_boxes
from tests.training.factories import CourseFactory, TrainerFactory
from training.models import Course, Exemption, TrainingSession

TOO_BIG = "1" + "0" * 25


@pytest.fixture
def trainer(db):
    return TrainerFactory()


def _course(**changes):
    return {
        "title": "Accessibility",
        "outline": "",
        "audience": "",
        "validity_months": 12,
        "is_active": "on",
        **changes,
    }


@pytest.mark.parametrize("months", ["0", "121", "-3", TOO_BIG, "1.5"])
def test_a_certification_validity_out_of_range_is_refused_with_the_range(client, trainer, months):
    client.force_login(trainer)
    response = client.post(reverse("training:course_create"), _course(validity_months=months))
    assert response.status_code == 200
    assert "between 1 and 120" in " ".join(response.context["form"].errors["validity_months"])
    assert not Course.objects.exists()


def _session(course, **changes):
    day = timezone.localdate() + dt.timedelta(days=7)
    return {
        "course": course.pk,
        **date_boxes("date", day),
        "time": "10:00",
        "duration_minutes": 90,
        "location": "Room 4",
        "online_url": "",
        "capacity": 12,
        "weeks": 1,
        **changes,
    }


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("capacity", "0", "between 1 and 500"),
        ("capacity", "501", "between 1 and 500"),
        ("capacity", TOO_BIG, "between 1 and 500"),
        ("duration_minutes", "14", "between 15 and 480"),
        ("duration_minutes", "481", "between 15 and 480"),
        ("weeks", "0", "between 1 and 26"),
        ("weeks", "27", "between 1 and 26"),
    ],
)
def test_session_numbers_out_of_range_are_refused_with_the_range(client, trainer, field, value, words):
    client.force_login(trainer)
    data = _session(CourseFactory(), trainer=trainer.pk, **{field: value})
    response = client.post(reverse("training:session_create"), data)
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    assert not TrainingSession.objects.exists()


def test_a_session_too_far_ahead_is_refused_with_the_latest_date(client, trainer):
    client.force_login(trainer)
    data = _session(CourseFactory(), trainer=trainer.pk, **date_boxes("date", "9999-12-20"), weeks=3)
    response = client.post(reverse("training:session_create"), data)
    assert response.status_code == 200
    message = " ".join(response.context["form"].errors["date"])
    latest = timezone.localdate() + dt.timedelta(days=2 * 365)
    assert "within two years" in message and str(latest.year) in message
    assert not TrainingSession.objects.exists()


def test_an_exemption_too_long_is_refused_with_the_latest_date(client, admin_user, member):
    client.force_login(admin_user)
    response = client.post(
        reverse("training:exemptions"),
        {"user": member.pk, "course": "", "reason": "Covering the inbox", **date_boxes("expires_on", "9999-12-31")},
    )
    assert response.status_code == 200
    message = " ".join(response.context["form"].errors["expires_on"])
    assert "five years" in message
    assert not Exemption.objects.exists()
