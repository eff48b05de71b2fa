"""The WSGI module a gunicorn worker imports before it accepts any request."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_has_every_view_loaded_before_its_first_request():
    # A fresh interpreter, as a gunicorn worker: importing the WSGI module must leave nothing for the first
    # request to import (the views pull in twitter-text, whose regular expressions take half a second).
    probe = (
        "import sys, dovecote.wsgi; "
        "print(all(m in sys.modules for m in ('tweets.views', 'monitoring.views', 'training.views', 'twitter_text')))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dovecote.settings"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
