"""The training forms take days in the GOV.UK date input and times in a time box (core.forms.DateField,
TimeOfDayField): what is typed is read in UK time, and each mistake is shown beside its boxes and in the error
summary, in GOV.UK's words."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.boxes import date_boxes
from tests.training.factories import CourseFactory, TrainerFactory, TrainingSessionFactory
from training.models import Exemption, OneToOneSession, TrainingSession


@pytest.fixture
def trainer(db):
    return TrainerFactory()


def _session(course, trainer, **changes):
    return {
        "course": course.pk,
        **date_boxes("date", timezone.localdate() + dt.timedelta(days=7)),
        "time": "10:00",
        "duration_minutes": 90,
        "location": "Room 4",
        "online_url": "",
        "trainer": trainer.pk,
        "capacity": 12,
        "weeks": 1,
        **changes,
    }


def _shown_in_place(response, message):
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert content.count(message) == 2, content  # in the summary and beside the field


def test_a_session_is_scheduled_from_the_date_boxes_and_a_time_written_as_people_do(client, trainer):
    client.force_login(trainer)
    day = timezone.localdate() + dt.timedelta(days=9)
    data = _session(CourseFactory(), trainer, date_day=str(day.day), date_month=f"{day:%B}", time="2:30pm")

    response = client.post(reverse("training:session_create"), data)

    assert response.status_code == 302
    starts = timezone.localtime(TrainingSession.objects.get().starts_at)
    assert (starts.date(), starts.strftime("%H:%M")) == (day, "14:30")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"date_month": ""}, "date", "The date must include a month."),
        ({"date_day": "31", "date_month": "2"}, "date", "The date must be a real date."),
        ({"date_year": "27"}, "date", "Year must include 4 numbers."),
        ({"date_day": "", "date_month": "", "date_year": ""}, "date", "Enter the date of the session."),
        ({"time": "half ten"}, "time", "Enter a time like 14:30."),
        ({"time": ""}, "time", "Enter the time it starts."),
    ],
)
def test_a_mistake_in_the_session_s_day_or_time_is_shown_in_place(client, trainer, changes, field, message):
    client.force_login(trainer)

    response = client.post(reverse("training:session_create"), _session(CourseFactory(), trainer, **changes))

    _shown_in_place(response, message)
    assert response.context["form"].errors[field] == [message]
    assert not TrainingSession.objects.exists()


def test_changing_a_session_shows_its_day_in_the_boxes_and_its_time(client, trainer):
    session = TrainingSessionFactory()
    local = timezone.localtime(session.starts_at)
    client.force_login(trainer)

    content = client.get(reverse("training:session_edit", args=[session.pk])).content.decode()

    assert f'name="date_day" value="{local.day}"' in content
    assert f'name="date_year" value="{local.year}"' in content
    assert f'name="time" value="{local:%H:%M}"' in content
    assert 'type="date"' not in content and 'type="time"' not in content


def test_a_one_to_one_is_recorded_from_the_date_boxes(client, trainer, member):
    client.force_login(trainer)
    held = timezone.localdate() - dt.timedelta(days=2)
    response = client.post(
        reverse("training:one_to_one_create"),
        {
            "trainee": member.pk,
            "topic": "Replying to an angry citizen",
            **date_boxes("held_on", held),
            "held_time": "9.30",
            **date_boxes("follow_up_on", held + dt.timedelta(days=14)),
        },
    )

    assert response.status_code == 302
    session = OneToOneSession.objects.get()
    assert timezone.localtime(session.held_at).strftime("%Y-%m-%d %H:%M") == f"{held:%Y-%m-%d} 09:30"
    assert session.follow_up_on == held + dt.timedelta(days=14)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"follow_up_on_day": "", "follow_up_on_month": "5", "follow_up_on_year": "2027"},
            "The follow-up date must include a day.",
        ),
        ({"held_on_day": "30", "held_on_month": "2", "held_on_year": "2026"}, "The date held must be a real date."),
        ({"held_time": "25:00"}, "Enter a time like 14:30."),
    ],
)
def test_a_mistake_in_a_one_to_one_s_dates_is_shown_in_place(client, trainer, member, changes, message):
    client.force_login(trainer)
    held = timezone.localdate() - dt.timedelta(days=2)
    data = {"trainee": member.pk, "topic": "Replies", **date_boxes("held_on", held), "held_time": "09:30", **changes}

    response = client.post(reverse("training:one_to_one_create"), data)

    _shown_in_place(response, message)
    assert not OneToOneSession.objects.exists()


def test_a_one_to_one_form_starts_with_today_in_the_boxes(client, trainer):
    client.force_login(trainer)
    today = timezone.localdate()

    content = client.get(reverse("training:one_to_one_create")).content.decode()

    assert f'name="held_on_day" value="{today.day}"' in content
    assert 'name="held_time" value="' in content


@pytest.mark.parametrize(
    ("boxes", "message"),
    [
        (
            {"expires_on_day": "31", "expires_on_month": "4", "expires_on_year": "2030"},
            "The end date must be a real date.",
        ),
        ({"expires_on_day": "1", "expires_on_month": "4", "expires_on_year": ""}, "The end date must include a year."),
        ({}, "Enter the last day of the exemption."),
    ],
)
def test_a_mistake_in_an_exemption_s_end_is_shown_in_place(client, admin_user, member, boxes, message):
    client.force_login(admin_user)

    response = client.post(
        reverse("training:exemptions"), {"user": member.pk, "course": "", "reason": "Covering the inbox", **boxes}
    )

    _shown_in_place(response, message)
    assert not Exemption.objects.exists()
