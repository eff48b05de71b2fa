"""The course catalogue and the requirement matrix pages."""

from django.urls import reverse

from accounts.models import AuditEvent
from tests.training.factories import CourseFactory, TrainerFactory
from tests.training.helpers import require_course
from training.models import Course, CourseRequirement


def test_staff_see_the_catalogue_with_what_each_course_is_required_for(client, member):
    require_course("press_office", "approve", title="Responding to journalists")
    CourseFactory(title="Hidden course", is_active=False)
    client.force_login(member)
    body = client.get(reverse("training:course_list")).content.decode()
    assert "Responding to journalists" in body and "approve posts (press office)" in body
    assert "Hidden course" not in body


def test_the_catalogue_uses_a_fixed_number_of_queries(client, member, django_assert_max_num_queries):
    client.force_login(member)
    CourseFactory()
    client.get(reverse("training:course_list"))
    with django_assert_max_num_queries(40) as captured:
        client.get(reverse("training:course_list"))
    for i in range(8):
        require_course("corporate", "draft", title=f"More {i}")
    with django_assert_max_num_queries(len(captured)):
        client.get(reverse("training:course_list"))


def test_a_trainer_adds_and_edits_a_course(client, db):
    trainer = TrainerFactory()
    client.force_login(trainer)
    response = client.post(
        reverse("training:course_create"),
        {"title": "Accessibility", "outline": "Alt text", "audience": "All", "validity_months": 24, "is_active": "on"},
    )
    course = Course.objects.get(title="Accessibility")
    assert response.status_code == 302 and course.validity_months == 24
    client.post(
        reverse("training:course_edit", args=[course.pk]),
        {"title": "Accessibility", "outline": "Alt text", "audience": "All", "validity_months": 12, "is_active": "on"},
    )
    course.refresh_from_db()
    assert course.validity_months == 12
    assert AuditEvent.objects.filter(action__startswith="training.course_").count() == 2


def test_staff_cannot_add_courses(client, member):
    client.force_login(member)
    assert client.get(reverse("training:course_create")).status_code == 403


def test_a_course_page_shows_upcoming_sessions(client, member):
    from tests.training.factories import TrainingSessionFactory

    session = TrainingSessionFactory(location="Room 44")
    client.force_login(member)
    body = client.get(reverse("training:course_detail", args=[session.course.pk])).content.decode()
    assert "Room 44" in body


def test_staff_see_the_requirement_matrix_read_only(client, member):
    require_course("corporate", "draft", title="Twitter basics")
    client.force_login(member)
    response = client.get(reverse("training:requirements"))
    assert response.status_code == 200
    assert "Save requirements" not in response.content.decode()
    assert client.post(reverse("training:requirements"), {}).status_code == 403


def test_a_trainer_changes_the_requirement_matrix(client, db):
    basics = require_course("corporate", "draft", title="Twitter basics")
    crisis = CourseFactory(title="Crisis and rebuttal")
    trainer = TrainerFactory()
    client.force_login(trainer)
    response = client.post(
        reverse("training:requirements"),
        {f"cell-{crisis.pk}-corporate-approve": "on", f"cell-{basics.pk}-press_office-draft": "on"},
    )
    assert response.status_code == 302
    cells = set(CourseRequirement.objects.values_list("course__title", "account_kind", "action"))
    assert cells == {("Crisis and rebuttal", "corporate", "approve"), ("Twitter basics", "press_office", "draft")}
    event = AuditEvent.objects.get(action="training.requirements_changed")
    assert len(event.details["added"]) == 2 and len(event.details["removed"]) == 1
