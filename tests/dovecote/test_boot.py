"""What a web worker and an RQ worker have loaded before they take their first request or job.

Each probe runs in a fresh interpreter, as the worker starts: in the test process everything is imported
already. The views pull in twitter-text, whose regular expressions take about half a second to compile, and
the polling jobs the router and VADER besides.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JOB_MODULES = ("dovecote.jobs", "monitoring.jobs", "training.jobs", "tweets.jobs", "twitter_text")


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
