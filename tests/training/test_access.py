"""Who may open which training page: staff browse and book; trainers and admins manage; others get 403."""

import pytest
from django.urls import reverse

from tests.training.factories import TrainerFactory, TrainingSessionFactory

STAFF_PAGES = ["my_training", "course_list", "requirements", "session_list", "one_to_one_list"]
TRAINER_PAGES = ["course_create", "session_create", "one_to_one_create", "feedback_summary"]
ADMIN_PAGES = ["exemptions"]


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    for name in STAFF_PAGES + TRAINER_PAGES + ADMIN_PAGES:
        response = client.get(reverse(f"training:{name}"))
        assert response.status_code == 302 and "/accounts/login/" in response.url, name


@pytest.mark.parametrize(
    "name, member_status, trainer_status",
    [(n, 200, 200) for n in STAFF_PAGES]
    + [(n, 403, 200) for n in TRAINER_PAGES]
    + [(n, 403, 403) for n in ADMIN_PAGES],
)
def test_pages_by_role(client, member, name, member_status, trainer_status):
    client.force_login(member)
    assert client.get(reverse(f"training:{name}")).status_code == member_status
    client.force_login(TrainerFactory())
    assert client.get(reverse(f"training:{name}")).status_code == trainer_status


def test_admins_reach_every_page(client, admin_user):
    client.force_login(admin_user)
    for name in STAFF_PAGES + TRAINER_PAGES + ADMIN_PAGES:
        assert client.get(reverse(f"training:{name}")).status_code == 200, name


def test_sessions_of_withdrawn_courses_are_hidden_from_staff(client, member):
    session = TrainingSessionFactory(course__is_active=False)
    client.force_login(member)
    assert client.get(reverse("training:session_detail", args=[session.pk])).status_code == 404
    client.force_login(TrainerFactory())
    assert client.get(reverse("training:session_detail", args=[session.pk])).status_code == 200
