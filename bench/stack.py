"""What the push and tripwire benches stand on, as `make run` does with INGESTION=push: a PostgreSQL database of their
own (dropped at the end), a private Redis, Django set up on them and migrated, and the X sandbox; the benches start
the workers they need on it (`Stack.start`) and everything is stopped when the `with` block ends."""

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.request import Request, urlopen

from bench.publish_latency import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]


def sandbox(base: str, path: str, payload: dict | None = None) -> dict:
    """A call to the sandbox's own endpoints (`/_sandbox/...`): JSON in, JSON out."""
    data = json.dumps(payload).encode() if payload is not None else None
    request = Request(base + path, data=data, headers={"Content-Type": "application/json"})
    with urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback URL we built)
        return json.loads(answer.read() or b"{}")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


@dataclass
class Stack:
    env: dict[str, str]
    sandbox_url: str
    log: object
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start(self, *command: str) -> None:
        """A `manage.py` process (a worker, the scheduler, the stream), its output to the log."""
        self.processes.append(
            subprocess.Popen(
                [sys.executable, "manage.py", *command], cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log
            )
        )


@contextmanager
def push_stack(*, pg: str, database: str, log: str = "", **settings: str) -> Iterator[Stack]:
    import psycopg2

    admin = psycopg2.connect(f"{pg}/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{database}"')
        cur.execute(f'CREATE DATABASE "{database}"')
    processes: list[subprocess.Popen] = []
    redis_port = free_port()
    processes.append(
        subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    wait_for_port(redis_port, what="Redis")
    port = free_port()
    sandbox_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"{pg}/{database}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "X_API_BASE_URL": sandbox_url,
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "dovecote.settings",
        "INGESTION": "push",
        **settings,
    }
    os.environ.update(env)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    stack = Stack(
        env=env, sandbox_url=sandbox_url, log=open(log, "w") if log else subprocess.DEVNULL, processes=processes
    )  # noqa: SIM115
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        processes.append(
            subprocess.Popen([sys.executable, "manage.py", "x_sandbox", "--port", str(port)], cwd=ROOT, env=env)
        )
        wait_for_port(port)
        yield stack
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110
            pass
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
