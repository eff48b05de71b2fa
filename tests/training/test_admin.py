"""Every training model is in the Django admin with working lists."""

from django.contrib import admin
from django.urls import reverse

from tests.training.factories import BookingFactory, ExemptionFactory, OneToOneSessionFactory
from tests.training.helpers import certify, require_course
from training import models

MODELS = [
    models.Course,
    models.CourseRequirement,
    models.TrainingSession,
    models.Booking,
    models.BookingEvent,
    models.Certification,
    models.CertificationAward,
    models.OneToOneSession,
    models.Exemption,
    models.Feedback,
    models.ReminderSent,
]


def test_every_model_is_registered():
    assert all(admin.site.is_registered(m) for m in MODELS)


def test_the_admin_lists_and_searches_load(client, admin_user):
    course = require_course("corporate", "draft", title="Twitter basics")
    certify(admin_user, course)
    BookingFactory()
    OneToOneSessionFactory()
    ExemptionFactory()
    client.force_login(admin_user)
    for model in MODELS:
        url = reverse(f"admin:training_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, model
        assert client.get(url, {"q": "x"}).status_code == 200, model
