"""The tripwire's tests: governed accounts known to the sandbox, jobs run in-process, a security contact set."""

import pytest

from accounts.models import TwitterAccount
from safety import tripwire
from tests.factories import TwitterAccountFactory

SECURITY = "security@dept.example"


@pytest.fixture(autouse=True)
def _in_process(settings):
    settings.RQ_ASYNC = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURITY_CONTACT_EMAIL = [SECURITY]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """`with run_jobs(): ...` runs what the block enqueues after commit (in a test, commit never comes)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def corporate(account, x_sandbox):
    """The team's corporate account (frozen on a possible compromise by default), known to the sandbox."""
    x_sandbox.register_account(account)
    return account


@pytest.fixture
def personal(team, lead, x_sandbox):
    account = TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PERSONAL, responsible_person=lead)
    x_sandbox.register_account(account)
    return account


@pytest.fixture
def watch(run_jobs):
    """`watch(account)`: one tripwire read of the account, with what it enqueues after commit run."""

    def read(account) -> str:
        with run_jobs():
            return tripwire.account_watch(account_id=account.pk)

    return read


def take_over(x_sandbox, account, text: str) -> dict:
    """A post on the account made outside Dovecote (as the sandbox's /_sandbox/takeover does)."""
    return x_sandbox.state.inject_post(account.handle, text)
