"""The RQ worker class the project runs."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_worker_has_every_job_module_loaded_before_it_forks_for_a_job():
    # A fresh interpreter, as `manage.py rqworker` starts: once it has its worker class, every job module
    # (and what they import) is loaded, so the horse forked for each job imports nothing more.
    probe = (
        "import sys, django; django.setup(); "
        "from django_rq.workers import get_worker_class; "
        "jobs = ('dovecote.jobs', 'monitoring.jobs', 'training.jobs', 'tweets.jobs', 'twitter_text'); "
        "missing_before = [m for m in jobs if m not in sys.modules]; "
        "get_worker_class(); "
        "print(bool(missing_before), all(m in sys.modules for m in jobs))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dovecote.settings"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True"
