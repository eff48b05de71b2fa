"""Ingest benchmark: the simulator fills the sandbox with 200,000 posts; one worker polls, stores and routes
them into PostgreSQL.

Starts what it needs itself on loopback: a fresh PostgreSQL database (dovecote_bench_monitoring, dropped
at the end unless --keep) and the X sandbox in a thread of this process. Seeds the demo department
(accounts, monitors, watchlist, rules) plus --extra-monitors generated monitors, then runs poll cycles
with one worker (this process) until nothing is left to read.

Each poll runs three stages at once (monitoring/ingest.py): a thread reads pages from X, another checks and
routes them a chunk at a time, and the worker's own thread writes each chunk in the poll's transaction
(monitoring/storage.py).

Prints posts stored per second, search requests per poll cycle against the lower bound
ceil(total query characters / limit), HTTP calls (pages), posts read per unique post stored, and the CPU the
worker, PostgreSQL and the sandbox used, in all and per 1,000 posts stored (less disturbed than posts/s by other
work on the machine).

    .venv/bin/python bench/ingest.py [--posts 200000] [--extra-monitors 150] [--keep]
"""

import argparse
import math
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--extra-monitors", type=int, default=150)
    parser.add_argument("--database", default="dovecote_bench_monitoring")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--no-exclusions", action="store_true", help="Do not add -@handle to search queries.")
    parser.add_argument(
        "--mentions-source",
        choices=["timeline", "search"],
        default="search",
        help="Read our accounts' mentions per account (timeline) or with one search for all handles.",
    )
    args = parser.parse_args()

    psql(f"DROP DATABASE IF EXISTS {args.database}")
    psql(f"CREATE DATABASE {args.database}")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "dovecote.settings",
            "DEBUG": "true",
            "DATABASE_URL": f"{PG}/{args.database}",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
            "LOG_LEVEL": "WARNING",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            psql(f"DROP DATABASE IF EXISTS {args.database}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_sandbox(state, port: int) -> None:
    from twitter_api.sandbox import start_in_thread

    start_in_thread(state, port=port)
    threading.Event().wait()


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"The sandbox did not start on port {port}.")


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "")


def cpu_seconds(pid: int | None) -> float | None:
    """User and system CPU time a process has used (Linux /proc), or None where that cannot be read."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def machine_busy() -> tuple[int, int] | None:
    """(busy, total) CPU ticks of the whole machine so far (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(n) for n in stat.readline().split()[1:]]
        return sum(ticks) - ticks[3] - ticks[4], sum(ticks)  # idle and iowait are not busy
    except (OSError, ValueError, IndexError):
        return None


def cpu_used(before, after) -> float | None:
    return None if before is None or after is None else after - before


def generated_monitors(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """Monitors a department might add: services, problems, places and policies, in several shapes."""
    from twitter_api.sandbox.simulator import PLACES, POLICIES, SERVICES

    rng = random.Random(seed)
    words = [
        "crashing",
        "delay",
        "waiting",
        "overdue",
        "refund",
        "helpline",
        "deadline",
        "form",
        "letter",
        "broken",
        "appeal",
        "closed",
        "charged",
        "postcode",
        "login",
        "reference",
        "email",
        "payment",
        "boiler",
        "scheme",
    ]
    shapes = [
        lambda: f'"{rng.choice(SERVICES)}" {rng.choice(words)}',
        lambda: f"({rng.choice(words)} OR {rng.choice(words)}) {rng.choice(PLACES)}",
        lambda: f'"{rng.choice(POLICIES)[0]}" {rng.choice(PLACES)}',
        lambda: f"#{rng.choice(POLICIES)[1]} {rng.choice(words)} -is:retweet",
        lambda: f"{rng.choice(words)} {rng.choice(words)} lang:en",
    ]
    return [(f"Generated {n}", rng.choice(shapes)()) for n in range(count)]


def run(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.db.models import Sum

    from accounts import demo as accounts_demo
    from accounts.models import Team, TwitterAccount
    from monitoring import demo as monitoring_demo
    from monitoring import ingest, packing, routing
    from monitoring.models import Mention, MentionMatch, Monitor, PollCursor, PollRun
    from twitter_api.models import ApiCall
    from twitter_api.sandbox import SandboxState
    from twitter_api.sandbox.simulator import populate

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    accounts_demo.seed()
    monitoring_demo.seed()
    team = Team.objects.get(slug="customer-service")
    Monitor.objects.bulk_create(
        [
            Monitor(team=team, name=name, query=query, poll_interval_seconds=300)
            for name, query in generated_monitors(args.extra_monitors)
        ]
    )
    print(f"Database {args.database} migrated and seeded in {time.perf_counter() - t0:.1f} s")

    state = SandboxState(
        consumer_key=settings.X_CONSUMER_KEY,
        consumer_secret=settings.X_CONSUMER_SECRET,
        bearer_tokens=(settings.X_BEARER_TOKEN,),
        query_length_limit=settings.X_QUERY_LENGTH_LIMIT,
        # Pages per 15 minutes far above X's, so the benchmark measures Dovecote rather than waiting on limits.
        rate_limits={"GET /2/users/:id/mentions": 1_000_000, "GET /2/tweets/search/recent": 1_000_000},
    )
    for account in TwitterAccount.objects.all():
        state.add_user(
            id=account.x_user_id,
            username=account.handle,
            name=account.display_name,
            verified=True,
            followers_count=25_000,
            access_token=account.access_token,
            access_token_secret=account.access_token_secret,
        )
    t0 = time.perf_counter()
    populate(state, args.posts, seed=7)
    print(f"Sandbox filled with {len(state.posts):,} simulated posts in {time.perf_counter() - t0:.1f} s")
    # The sandbox serves from a child process (forked with the filled state), so its work runs on another
    # core instead of competing with the worker for this process's GIL.
    connections.close_all()
    port = free_port()
    sandbox = multiprocessing.get_context("fork").Process(target=serve_sandbox, args=(state, port), daemon=True)
    sandbox.start()
    wait_for_port(port)
    settings.X_API_BASE_URL = f"http://127.0.0.1:{port}"
    settings.X_REQUEST_TIMEOUT_SECONDS = 120  # a search page may scan the whole sandbox
    settings.MONITORING_MAX_PAGES = 100_000  # one poll reads a cursor's whole backlog
    settings.MONITORING_EXCLUDE_OWN_MENTIONS = not args.no_exclusions
    settings.MONITORING_MENTIONS_SOURCE = args.mentions_source
    settings.X_MONTHLY_READ_BUDGET = 10_000_000

    try:
        cursors = ingest.cursors_sync()
        searches = [c for c in cursors if c.kind == PollCursor.Kind.SEARCH]
        monitors = list(Monitor.objects.filter(is_active=True).values_list("pk", "query"))
        limit = settings.X_QUERY_LENGTH_LIMIT
        bound = packing.lower_bound(monitors, limit=limit)
        total_chars = len(packing.build([packing.wrapped(q) for _, q in monitors], ""))

        with connections["default"].cursor() as db:
            db.execute("SELECT pg_backend_pid()")
            # The server process's CPU time is readable only when it runs on this machine.
            backend = db.fetchone()[0] if connections["default"].settings_dict["HOST"] in LOCAL_HOSTS else None
        cpu_before = (time.process_time(), cpu_seconds(backend), cpu_seconds(sandbox.pid), machine_busy())
        started = time.perf_counter()
        cycles = []
        errors = []
        while True:
            due = ingest.cursors_due()
            if not due:
                break
            calls_before = ApiCall.objects.count()
            outcomes = [ingest.cursor_poll(cursor_id=pk) for pk in due]
            errors += [o.message for o in outcomes if o.status == "error"]
            cycles.append(
                {
                    "searches": sum(1 for pk in due if PollCursor.objects.get(pk=pk).kind == PollCursor.Kind.SEARCH),
                    "timelines": TwitterAccount.objects.count(),
                    "http_calls": ApiCall.objects.count() - calls_before,
                    "new": sum(o.posts_new for o in outcomes),
                    "statuses": sorted({o.status for o in outcomes}),
                }
            )
            if sum(o.posts_new for o in outcomes) == 0:
                break
            PollCursor.objects.update(next_poll_at=PollCursor.objects.first().created_at)  # next cycle now
        elapsed = time.perf_counter() - started
        cpu_after = (time.process_time(), cpu_seconds(backend), cpu_seconds(sandbox.pid), machine_busy())
    finally:
        sandbox.terminate()
        sandbox.join()

    stored = Mention.objects.count()
    api_seconds = (ApiCall.objects.aggregate(ms=Sum("duration_ms"))["ms"] or 0) / 1000
    posts_read = ApiCall.objects.aggregate(n=Sum("posts_read"))["n"] or 0
    read_by_kind = {
        kind: PollRun.objects.filter(cursor__kind=kind).aggregate(n=Sum("posts_read"))["n"] or 0
        for kind in (PollCursor.Kind.SEARCH, PollCursor.Kind.TIMELINE)
    }
    first = cycles[0] if cycles else {"searches": 0, "http_calls": 0, "timelines": 0}
    cache = routing.sentiment_of.cache_info()
    print()
    print(
        f"Ingest benchmark: {len(state.posts):,} posts in the sandbox, {len(monitors):,} active monitors, "
        f"{TwitterAccount.objects.count()} accounts' mentions read by {args.mentions_source}, one worker"
    )
    print(
        f"  stored {stored:,} unique posts ({MentionMatch.objects.count():,} matches) in {elapsed:.1f} s: "
        f"{stored / elapsed:,.0f} posts stored/s (target >= 5,000)"
    )
    print(
        f"  X (the sandbox, in another process) took {api_seconds:.1f} s to answer the {posts_read:,} posts' pages "
        "in all; a thread reads pages while others are routed and written, so that time overlaps the above"
    )
    print(
        f"  search requests per poll cycle: {first['searches']} packed queries for {len(monitors)} monitors; "
        f"lower bound ceil({total_chars:,} chars / {limit}) = {bound}; "
        f"ratio {first['searches'] / max(bound, 1):.2f} (target <= 1.10)"
    )
    print(
        f"    (each packed query also carries the -@handle exclusions of our {first['timelines']} accounts: "
        f"{len(searches[0].query) if searches else 0} chars in the first query)"
    )
    suffix_len = len(packing.exclusion_suffix(ingest.exclusion_handles())) + 2
    with_suffix = math.ceil(total_chars / (limit - suffix_len))
    print(
        f"    lower bound if every query carries that suffix: ceil({total_chars:,} / ({limit} - {suffix_len})) = "
        f"{with_suffix}; ratio {first['searches'] / max(with_suffix, 1):.2f}"
    )
    intervals = sorted(set(Monitor.objects.filter(is_active=True).values_list("poll_interval_seconds", flat=True)))
    print(
        f"    (monitors poll every {', '.join(f'{i} s' for i in intervals)}: packed together, slower monitors "
        "filling the room in faster queries, so no extra query per interval)"
    )
    print(
        f"  HTTP calls in the first cycle (pages of up to 100 posts): {first['http_calls']:,}; "
        f"cycles run: {len(cycles)}"
    )
    print(
        f"  posts read: {posts_read:,} (search {read_by_kind['search']:,}, timelines {read_by_kind['timeline']:,}); "
        f"per unique post stored: {posts_read / max(stored, 1):.3f} (target <= 1.05)"
    )
    print(f"  sentiment cache: {cache.hits:,} hits, {cache.misses:,} misses (the simulator repeats template texts)")
    worker, database, x = (cpu_used(a, b) for a, b in zip(cpu_before[:3], cpu_after[:3], strict=True))
    if None not in (database, x):
        print(
            f"  CPU used while polling: worker {worker:.1f} s (reading, routing, writing), "
            f"PostgreSQL {database:.1f} s, X sandbox {x:.1f} s; {os.cpu_count()} CPUs"
        )
        per_post = 1000 / max(stored, 1)
        print(
            f"    per 1,000 posts stored: worker {worker * per_post * 1000:.0f} ms + PostgreSQL "
            f"{database * per_post * 1000:.0f} ms = Dovecote {(worker + database) * per_post * 1000:.0f} ms; "
            f"X sandbox {x * per_post * 1000:.0f} ms (X's own work, on this machine only for the benchmark)"
        )
    if None not in (cpu_before[3], cpu_after[3]):
        busy = (cpu_after[3][0] - cpu_before[3][0]) / max(1, cpu_after[3][1] - cpu_before[3][1])
        ours = (worker + (database or 0) + (x or 0)) / (elapsed * (os.cpu_count() or 1))
        print(
            f"    the machine was {busy:.0%} busy meanwhile, {max(0.0, busy - ours):.0%} of it other work "
            "(figures are only comparable on a quiet machine)"
        )
    if any(c["statuses"] != ["stored"] for c in cycles):
        print(f"  note: poll outcomes {[c['statuses'] for c in cycles]}; errors: {errors}")
    print(f"  lower-bound check: {math.ceil(total_chars / limit)} == {bound}")


if __name__ == "__main__":
    main()
