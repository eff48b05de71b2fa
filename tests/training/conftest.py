import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories set passwords; the production hasher is deliberately slow, which these tests don't need."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
