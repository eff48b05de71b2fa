"""What the tests of the workers on SQLite share (`make run`'s database): the environment the demo's processes get,
and running one of them to the end in a subprocess, as honcho would."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sqlite_env(tmp_path: Path, *, redis_url: str, sandbox_url: str, **extra: str) -> dict[str, str]:
    """The demo's settings on a SQLite file of its own, with this run's Redis and X sandbox (`extra` adds to them)."""
    return {
        **os.environ,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "dovecote.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "REDIS_URL": redis_url,
        "X_API_BASE_URL": sandbox_url,
        "X_REQUEST_TIMEOUT_SECONDS": "5",
        **extra,
    }


def run_code(code: str, env: dict[str, str]) -> str:
    """Python run as its own process (`python -c`); what it printed."""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def run_worker(env: dict[str, str], *queues: str) -> str:
    """An RQ worker (`manage.py rqworker --burst`) on these queues until they are empty: it must end cleanly, with no
    traceback in what it wrote."""
    result = subprocess.run(
        [sys.executable, "manage.py", "rqworker", *queues, "--burst"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr, (result.stdout + result.stderr)[-3000:]
    return result.stdout
