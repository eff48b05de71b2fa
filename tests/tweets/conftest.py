"""Tweets tests run jobs in-process (settings.RQ_ASYNC off) unless a test starts real workers."""

import pytest

from accounts.models import Membership
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory


@pytest.fixture(autouse=True)
def _jobs_run_in_process(settings):
    settings.RQ_ASYNC = False
    # Hashing test passwords with the production hasher costs most of a second per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def second_approver(team):
    user = MembershipFactory(team=team, role=Membership.Role.APPROVER).user
    enrol_totp(user)
    return user


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """`with run_jobs(): ...` runs what the block enqueues after commit (in a test, commit never comes)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
