"""What a first try in a browser found: hints read out with their fields, icons answering HEAD, one log entry
per server error."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_a_fields_hint_is_the_element_its_aria_describedby_names(client, lead):
    client.force_login(lead)
    page = client.get(reverse("monitoring:monitor_create")).content.decode()
    assert 'aria-describedby="id_query_helptext"' in page
    assert 'id="id_query_helptext"' in page


@pytest.mark.parametrize("path", ["/favicon.ico", "/apple-touch-icon.png", "/robots.txt"])
def test_what_browsers_ask_for_by_themselves_answers_head_too(client, path):
    assert client.head(path).status_code in (200, 301, 302)


def test_a_server_error_is_logged_once():
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').error('Internal Server Error: /somewhere')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dovecote.settings", "DEBUG": "true", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert (result.stdout + result.stderr).count("Internal Server Error: /somewhere") == 1


def _cache_prefix(**environment) -> str:
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['KEY_PREFIX'])"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dovecote.settings", "DEBUG": "true", "PYTHONPATH": str(ROOT)}
    env.pop("CACHE_KEY_PREFIX", None)
    env.update(environment)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_two_installations_sharing_a_redis_never_read_each_others_cached_answers():
    # Seen: one demo's cached "this lead has an authenticator" let a fresh demo's leads skip enrolment.
    first = _cache_prefix(DATABASE_URL="sqlite:////tmp/one/db.sqlite3")
    second = _cache_prefix(DATABASE_URL="sqlite:////tmp/two/db.sqlite3")
    assert first != second
    assert first == _cache_prefix(DATABASE_URL="sqlite:////tmp/one/db.sqlite3")
    assert _cache_prefix(DATABASE_URL="sqlite:////tmp/one/db.sqlite3", CACHE_KEY_PREFIX="chosen") == "chosen"


def test_a_refusal_is_logged_as_one_line_and_a_crash_with_its_traceback():
    script = (
        "import django, logging, sys; django.setup(); from core.permissions import Refused\n"
        "log = logging.getLogger('django.request')\n"
        "try:\n    raise Refused('Only team leads and admins can set the read budget.')\n"
        "except Refused:\n    log.warning('Forbidden (Permission denied): /budget/', exc_info=sys.exc_info())\n"
        "try:\n    raise ValueError('broken')\n"
        "except ValueError:\n    log.error('Internal Server Error: /broken/', exc_info=sys.exc_info())\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dovecote.settings", "DEBUG": "true", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    logged = result.stdout + result.stderr
    assert "Forbidden (Permission denied): /budget/" in logged
    assert logged.count("Traceback") == 1
    assert "ValueError: broken" in logged
