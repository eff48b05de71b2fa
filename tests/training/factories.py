"""Factories for the training models."""

import factory
from django.utils import timezone

from tests.factories import UserFactory
from training.models import Booking, Course, Exemption, OneToOneSession, TrainingSession


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("title",)

    title = factory.Sequence(lambda n: f"Course {n}")
    outline = "What the course covers."
    audience = "Everyone who posts."
    validity_months = 12


class TrainerFactory(UserFactory):
    """A trainer with an authenticator app enrolled, as every trainer must have (pass mfa=False for one without)."""

    is_trainer = True

    @factory.post_generation
    def mfa(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            from tests.conftest import enrol_totp

            enrol_totp(obj)


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    course = factory.SubFactory(CourseFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=7))
    duration_minutes = 90
    location = "Room 4"
    trainer = factory.SubFactory(TrainerFactory)
    capacity = 10


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    session = factory.SubFactory(TrainingSessionFactory)
    user = factory.SubFactory(UserFactory)
    status = Booking.Status.BOOKED


class OneToOneSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OneToOneSession

    trainee = factory.SubFactory(UserFactory)
    trainer = factory.SubFactory(TrainerFactory)
    topic = "Handling a difficult reply"


class ExemptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exemption

    user = factory.SubFactory(UserFactory)
    course = None
    reason = "Covering during an emergency."
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=30))
