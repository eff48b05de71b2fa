"""A text field encrypted at rest with Fernet (AES-128-CBC + HMAC) from the cryptography package.

Keys come from settings.FIELD_ENCRYPTION_KEYS: the first encrypts, all of them decrypt, so a key can
be rotated by putting the new one first. Unlike SECRET_KEY-derived schemes, rotating SECRET_KEY never
makes stored credentials unreadable.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be one or more comma-separated Fernet keys "
            "(32 url-safe base64-encoded bytes each)."
        ) from None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


class EncryptedTextField(models.TextField):
    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return fernet().encrypt(value.encode()).decode()

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        try:
            return fernet().decrypt(value.encode()).decode()
        except InvalidToken:
            raise ImproperlyConfigured(
                "A stored credential could not be decrypted: FIELD_ENCRYPTION_KEY does not include the "
                "key it was encrypted with."
            ) from None
