"""Loaded by pytest before Django (see pyproject `-p tests.environment`): test-run environment defaults.

Tests run on PostgreSQL and Redis: TEST_DATABASE_URL (default the local server as `postgres`) and
TEST_REDIS_URL (default database 15 of the local Redis, which tests flush).
"""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "dovecote-tests-only-secret-key")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "u0q3wQmV3fS7x8b9Yr0y1ZqKk2c3d4e5f6g7h8i9j0k=")
os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dovecote")
os.environ["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# One prefix for the test server and the worker processes tests start (their DATABASE_URL names the test database).
os.environ.setdefault("CACHE_KEY_PREFIX", "dovecote-tests")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
