"""Fixtures for the X API layer's tests: a fast password hasher and a department account the sandbox knows."""

import pytest

from tests.factories import TwitterAccountFactory


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def dept(db, x_sandbox):
    """The corporate account @DeptComms, registered with the sandbox."""
    account = TwitterAccountFactory(handle="DeptComms", display_name="Department for Comms")
    x_sandbox.register_account(account)
    return account
