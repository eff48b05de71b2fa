"""Ids typed into query strings and forms: a digit that is not ASCII ('²', a full-width '１') or a number too long
for the database names nothing, on every page that reads one, instead of a server error (found in a browser)."""

import pytest
from django.urls import reverse

from core.params import row_id
from tests.factories import TwitterAccountFactory
from tests.training.factories import CourseFactory, TrainerFactory


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("0", None),
        ("-1", None),
        ("", None),
        (None, None),
        ("²", None),
        ("\uff11", None),
        ("1" * 20, None),
        ("9223372036854775807", 9223372036854775807),
        ("9223372036854775808", None),
        ("99999999999999999999999", None),
        (" 12", None),
    ],
)
def test_row_id_reads_only_plain_ascii_ids_that_fit_the_database(value, expected):
    assert row_id(value) == expected


BAD = ["99999999999999999999999", "%C2%B2", "%EF%BC%91", "-5", "1e3"]


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize(
    "path",
    [
        "/drafts/scheduled/?account={}",
        "/training/sessions/?course={}",
        "/training/sessions/new/?course={}",
        "/reports/export/?account={}",
    ],
)
def test_a_page_given_an_id_that_names_nothing_answers_without_a_server_error(client, admin_user, path, value):
    client.force_login(admin_user)
    response = client.get(path.format(value))
    assert response.status_code in (200, 400, 404)


def test_a_full_width_digit_does_not_pick_an_account(client, admin_user):
    account = TwitterAccountFactory()
    full_width = "".join(chr(0xFF10 + int(digit)) for digit in str(account.pk))
    client.force_login(admin_user)
    response = client.get(f"/drafts/scheduled/?account={full_width}")
    assert response.status_code == 200
    assert response.context["account"] is None


def test_a_course_picked_by_its_id_still_fills_the_new_session_form(client, db):
    trainer = TrainerFactory()
    course = CourseFactory()
    client.force_login(trainer)
    response = client.get(reverse("training:session_create") + f"?course={course.pk}")
    assert response.context["form"].initial["course"] == course.pk
