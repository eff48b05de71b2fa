"""Notifications tests run jobs in-process (settings.RQ_ASYNC off) and run what is deferred to commit."""

import pytest

from accounts.models import Membership
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory


@pytest.fixture(autouse=True)
def _jobs_run_in_process(settings):
    settings.RQ_ASYNC = False


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs what the block defers to commit (in a test, commit never comes)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def other_lead(other_team):
    user = MembershipFactory(team=other_team, role=Membership.Role.LEAD).user
    enrol_totp(user)
    return user
