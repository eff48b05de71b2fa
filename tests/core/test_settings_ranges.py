"""Numbers read from the environment that the product relies on are refused at start when out of range."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _start(**environment) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dovecote.settings", **environment}
    return subprocess.run(
        [sys.executable, "-c", "import dovecote.settings"], cwd=ROOT, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize("value", ["0", "721", "100000000000"])
def test_a_due_time_out_of_range_is_refused_at_start_with_the_range(value):
    result = _start(MONITORING_DUE_HOURS_URGENT=value)

    assert result.returncode != 0
    assert f"MONITORING_DUE_HOURS_URGENT must be between 1 and 720 (hours), not {value}." in result.stderr


def test_a_due_time_in_range_starts():
    assert _start(MONITORING_DUE_HOURS_URGENT="4").returncode == 0
