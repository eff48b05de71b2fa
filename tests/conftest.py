"""Shared fixtures: a team with an owner (lead), a teammate and an outsider, and clean Redis per test."""

import pytest
import redis
from allauth.mfa.models import Authenticator

from accounts.models import Membership
from core.redis import redis_connection
from tests.factories import (
    AdminFactory,
    MembershipFactory,
    TeamFactory,
    TwitterAccountFactory,
)

pytest_plugins = ["tests.sandbox_fixtures", "tests.bluesky_fixtures", "tests.mastodon_fixtures"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories set a password for every user; the production hasher would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clean_redis():
    """Tests share one Redis database (TEST_REDIS_URL): start each from empty."""
    redis_connection().flushdb()
    yield


@pytest.fixture
def redis_commands(monkeypatch) -> list[tuple[str, str]]:
    """The commands sent to Redis from now on, each as (command, its first key): round trips, to count."""
    sent = []
    send = redis.Redis.execute_command

    def recorded(self, *args, **options):
        sent.append((args[0], str(args[1]) if len(args) > 1 else ""))
        return send(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", recorded)
    return sent


@pytest.fixture
def team(db):
    return TeamFactory(name="Digital Communications", slug="digital-comms")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Customer Service", slug="customer-service")


@pytest.fixture
def member(team):
    return MembershipFactory(team=team, role=Membership.Role.MEMBER).user


@pytest.fixture
def approver(team):
    user = MembershipFactory(team=team, role=Membership.Role.APPROVER).user
    enrol_totp(user)
    return user


@pytest.fixture
def lead(team):
    user = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    enrol_totp(user)
    return user


@pytest.fixture
def outsider(other_team):
    return MembershipFactory(team=other_team, role=Membership.Role.MEMBER).user


@pytest.fixture
def admin_user(db):
    user = AdminFactory()
    enrol_totp(user)
    return user


@pytest.fixture
def account(team, lead):
    return TwitterAccountFactory(team=team, responsible_person=lead, handle="DeptComms")


def enrol_totp(user) -> str:
    """Enrol an authenticator for the user, as if they had done it; returns the TOTP secret for codes."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def ended_member(team):
    """A leaver: a member of the team until yesterday, who must reach none of its things any more."""
    from django.utils import timezone

    now = timezone.now()
    membership = MembershipFactory(
        team=team,
        role=Membership.Role.MEMBER,
        started_at=now - timezone.timedelta(days=90),
        ended_at=now - timezone.timedelta(days=1),
    )
    return membership.user
