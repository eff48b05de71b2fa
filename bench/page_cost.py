"""What one request to each page of bench/dashboard_load.py costs, in-process: figures to compare code by.

Prints figures; it is not a test. Wall-clock load figures on a shared 2-CPU machine drift by a quarter or more
between runs of the same code, so changes are easier to compare by what a request does:

- Python function calls per request (counted by cProfile): the same on every run of the same code and data;
- CPU per request, warm (each person's panels already cached): the lowest and the median of the rounds;
- SQL queries and the time spent waiting on them, per request.

With --first-visits it measures each person's first request instead, as bench/dashboard_load.py's runs begin:
the cache is emptied (sessions included, so they are read from the database), one person outside the measured
ones warms the panels everyone shares, then each measured person asks once.

Uses the data bench/dashboard_load.py generated (run that first, once); the pages and people are its own.

    .venv/bin/python bench/page_cost.py
    .venv/bin/python bench/page_cost.py --rounds 10 --people 30 --page "team inbox (filtered)"
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

import dashboard_load  # noqa: E402


class SqlTimer:
    """A database execute wrapper that counts the queries and the time spent waiting on them."""

    def __init__(self) -> None:
        self.queries = 0
        self.seconds = 0.0

    def __call__(self, execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            self.queries += 1
            self.seconds += time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the people, for CPU (default 5)")
    parser.add_argument("--people", type=int, default=30, help="people per page (default 30)")
    parser.add_argument("--page", action="append", help="only this page (repeatable); default every page")
    parser.add_argument(
        "--first-visits", action="store_true", help="each person's first request, with the cache emptied first"
    )
    args = parser.parse_args()

    shim_dir = tempfile.mkdtemp(prefix="bench-page-cost-")
    Path(shim_dir, "bench_dashboard_settings.py").write_text(dashboard_load.SETTINGS_SHIM)
    os.environ.update(dashboard_load.bench_environment(shim_dir))
    sys.path.insert(0, shim_dir)
    import django

    django.setup()
    warnings.filterwarnings("ignore", message="No directory at")  # static files are not collected here
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from monitoring.models import Mention

    if not Mention.objects.exists():
        sys.exit("No benchmark data: run bench/dashboard_load.py first.")

    state = "first visits" if args.first_visits else "warm"
    print(f"Per request, {state}, on {dashboard_load.DB_NAME}; {args.people} people a page, {args.rounds} rounds")
    print(f"{'page':<24}{'calls':>8}{'CPU min ms':>12}{'CPU median':>12}{'queries':>9}{'SQL wait ms':>13}")
    for page, targets in dashboard_load.page_plan().items():
        if args.page and page not in args.page:
            continue
        targets = targets[: args.people]
        clients = {}
        for user_id, path in targets:  # sign in, and warm each person's caches and the templates
            clients[user_id] = Client()
            clients[user_id].force_login(User.objects.get(pk=user_id))
            assert clients[user_id].get(path).status_code == 200, (page, path)

        (warmer, warmer_path), measured = targets[0], targets[1:] if args.first_visits else targets

        def begin(warmer: Client, path: str) -> None:
            if args.first_visits:
                cache.clear()
                warmer.get(path)

        sql = SqlTimer()
        cpu = []
        for _ in range(args.rounds):
            begin(clients[warmer], warmer_path)
            with connection.execute_wrapper(sql):
                started = time.process_time()
                for user_id, path in measured:
                    clients[user_id].get(path)
                cpu.append((time.process_time() - started) / len(measured))
        requests = args.rounds * len(measured)

        begin(clients[warmer], warmer_path)
        profile = cProfile.Profile()
        profile.enable()
        for user_id, path in measured:
            clients[user_id].get(path)
        profile.disable()
        calls = pstats.Stats(profile).total_calls / len(measured)

        print(
            f"{page:<24}{calls:>8,.0f}{min(cpu) * 1000:>12.2f}{statistics.median(cpu) * 1000:>12.2f}"
            f"{sql.queries / requests:>9.1f}{sql.seconds / requests * 1000:>13.2f}"
        )


if __name__ == "__main__":
    main()
