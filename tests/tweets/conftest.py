"""Tweets tests run jobs in-process (settings.RQ_ASYNC off) unless a test starts real workers."""

import pytest

from accounts.models import Membership, TwitterAccount
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory, TwitterAccountFactory


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


@pytest.fixture
def personal(team, lead, x_sandbox):
    """A personal account known to the sandbox: policy 0, so a submitted draft publishes at once."""
    account = TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PERSONAL, responsible_person=lead)
    x_sandbox.register_account(account)
    return account
