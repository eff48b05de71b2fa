"""Factories for the foundation models. Apps keep their own in tests/<app>/factories.py."""

import factory
from django.utils import timezone

from accounts.models import Membership, Team, TwitterAccount, User

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@department.gov.uk")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Membership.Role.MEMBER
    started_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))


class TwitterAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TwitterAccount

    handle = factory.Sequence(lambda n: f"dept{n}")
    display_name = factory.Sequence(lambda n: f"Department account {n}")
    kind = TwitterAccount.Kind.CORPORATE
    team = factory.SubFactory(TeamFactory)
    responsible_person = factory.SubFactory(UserFactory)
    x_user_id = factory.Sequence(lambda n: str(9_000_000_000 + n))
    access_token = factory.Sequence(lambda n: f"token-{n}")
    access_token_secret = factory.Sequence(lambda n: f"secret-{n}")
    credentials_updated_at = factory.LazyFunction(timezone.now)
