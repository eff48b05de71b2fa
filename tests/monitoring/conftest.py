import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Users are made in almost every test here; a fast hasher keeps the folder quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
