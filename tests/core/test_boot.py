"""What a web worker and an RQ worker have loaded before they take their first request or job.

Each probe runs in a fresh interpreter, as the worker starts: in the test process everything is imported
already. The views pull in twitter-text, whose regular expressions take about half a second to compile, and
the polling jobs the router and VADER besides.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
JOB_MODULES = ("reports.jobs", "monitoring.jobs", "training.jobs", "tweets.jobs", "twitter_text")


def _probe(code: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dovecote.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_web_worker_has_every_view_loaded_before_its_first_request():
    # gunicorn imports the WSGI module before the worker accepts anything.
    views = ("tweets.views", "monitoring.views", "training.views", "twitter_text")
    assert _probe(f"import sys, dovecote.wsgi; print(all(m in sys.modules for m in {views!r}))") == "True"


def test_an_rq_worker_has_every_job_module_loaded_before_it_forks_for_a_job():
    # `manage.py rqworker` sets Django up, then takes its worker class; each job runs in a fork of it.
    code = (
        "import sys, django; django.setup(); "
        "from django_rq.workers import get_worker_class; "
        f"before = all(m in sys.modules for m in {JOB_MODULES!r}); "
        "get_worker_class(); "
        f"print(before, all(m in sys.modules for m in {JOB_MODULES!r}))"
    )
    assert _probe(code) == "False True"


def test_a_web_worker_keeps_what_it_loaded_at_boot_out_of_the_garbage_collectors_way():
    frozen, threshold = _probe("import gc, dovecote.wsgi; print(gc.get_freeze_count(), gc.get_threshold()[0])").split()
    assert int(frozen) > 50_000  # Django, the apps and every view: about 118,000 objects
    assert int(threshold) > 700  # Python's default


def _start(**environ: str) -> subprocess.CompletedProcess:
    """Start the web process's Django as gunicorn would, with these environment variables."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dovecote.settings", **environ}
    return subprocess.run(
        [sys.executable, "-c", "import dovecote.wsgi"], cwd=ROOT, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize("debug", ["false", "true"])
@pytest.mark.parametrize(
    "key",
    [
        "not-a-key",
        "dGhpcnR5LW9uZS1ieXRlcy1vZi1rZXktbWF0ZXJpYQ==",  # valid base64, 31 bytes
        "u0q3wQmV3fS7x8b9Yr0y1ZqKk2c3d4e5f6g7h8i9j0k=,Zm9v",  # a good key, then a bad one
    ],
)
def test_it_refuses_to_start_with_a_malformed_field_encryption_key_and_says_how_to_make_one(key, debug):
    result = _start(DEBUG=debug, SECRET_KEY="a-long-random-secret-key-for-this-test", FIELD_ENCRYPTION_KEY=key)
    assert result.returncode != 0
    assert "ImproperlyConfigured: FIELD_ENCRYPTION_KEY is not a valid Fernet key" in result.stderr
    assert "Fernet.generate_key()" in result.stderr
    assert key.split(",")[-1] not in result.stderr  # a secret is not printed to the logs


def test_it_starts_with_a_well_formed_field_encryption_key():
    result = _start(
        DEBUG="false", SECRET_KEY="a-long-random-secret-key", FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode()
    )
    assert result.returncode == 0, result.stderr
