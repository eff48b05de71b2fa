"""Publish latency: how long after its due time does a scheduled post reach X?

Starts everything it needs on loopback: a dedicated PostgreSQL database (dovecote_bench, dropped at the
end), a Redis database of its own, the X sandbox, and real rq workers with the RQ scheduler. Schedules
200 drafts (personal accounts, so no approval step) a few seconds ahead and prints p50 and p95 of
(accepted by X − due time), where "accepted" is when X created the post. Target: p95 < 2 s.

Drafts due in the same second share one job, queued a second early, which publishes them in batches of
settings.PUBLISH_BATCH_SIZE (a full batch queues the next batch for another worker).

    .venv/bin/python bench/publish_latency.py [--drafts 200] [--workers 8] [--spread 0] [--keep]
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0, what: str = "The sandbox") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not start on port {port}.")


def sandbox_post(base: str, path: str, payload: dict) -> None:
    import json

    request = Request(base + path, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    urlopen(request, timeout=5).read()  # noqa: S310 (loopback URL we built)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drafts", type=int, default=200)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--accounts", type=int, default=4, help="Spread drafts over this many accounts.")
    parser.add_argument("--lead", type=float, default=5.0, help="Seconds between the last draft saved and due.")
    parser.add_argument("--spread", type=float, default=0.0, help="Spread due times over this many seconds.")
    parser.add_argument("--database", default="dovecote_bench")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument(
        "--redis", default="", help="A Redis URL to use; by default a private redis-server is started on a free port."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the bench database afterwards.")
    parser.add_argument("--worker-log", default="", help="Write the workers' output to this file.")
    parser.add_argument(
        "--worker-class", default="", help="e.g. rq.worker.SimpleWorker (no fork per job); default: as in the Procfile."
    )
    args = parser.parse_args()

    import psycopg2

    admin = psycopg2.connect(f"{args.pg}/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        cur.execute(f'CREATE DATABASE "{args.database}"')

    processes: list[subprocess.Popen] = []
    private_redis = not args.redis
    if private_redis:
        # A private Redis: nobody else's tests can flush our scheduled jobs.
        redis_port = free_port()
        processes.append(
            subprocess.Popen(
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for_port(redis_port, what="Redis")
        args.redis = f"redis://127.0.0.1:{redis_port}/0"
    port = free_port()
    sandbox_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"{args.pg}/{args.database}",
        "REDIS_URL": args.redis,
        "X_API_BASE_URL": sandbox_url,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "dovecote.settings",
    }
    os.environ.update(env)
    # Clean up (processes, Redis, the database) on Ctrl-C or a kill too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        import django

        django.setup()
        import redis as redis_lib
        from django.core.management import call_command
        from django.db import connections
        from django.utils import timezone

        redis_lib.Redis.from_url(args.redis).flushdb()
        call_command("migrate", verbosity=0, interactive=False)

        processes.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "x_sandbox", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_for_port(port)

        from accounts.models import Membership, Team, TwitterAccount, User
        from tweets import services
        from tweets.models import Draft, PublishAttempt

        team = Team.objects.create(name="Bench team", slug="bench")
        author = User.objects.create_user(email="bench@dovecote.example", password=uuid.uuid4().hex)
        Membership.objects.create(user=author, team=team, role=Membership.Role.MEMBER)
        accounts = []
        for i in range(args.accounts):
            account = TwitterAccount.objects.create(
                handle=f"bench_{i}",
                display_name=f"Bench {i}",
                kind=TwitterAccount.Kind.PERSONAL,
                team=team,
                responsible_person=author,
                x_user_id=str(7_000_000_000 + i),
                access_token=f"bench-token-{i}",
                access_token_secret=f"bench-secret-{i}",
                credentials_updated_at=timezone.now(),
            )
            sandbox_post(
                sandbox_url,
                "/_sandbox/users",
                {
                    "username": account.handle,
                    "id": account.x_user_id,
                    "access_token": account.access_token,
                    "access_token_secret": account.access_token_secret,
                },
            )
            accounts.append(account)

        worker_command = [sys.executable, "manage.py", "rqworker", "publish", "--with-scheduler"]
        if args.worker_class:
            worker_command += ["--worker-class", args.worker_class]
        log = open(args.worker_log, "w") if args.worker_log else subprocess.DEVNULL  # noqa: SIM115
        for _ in range(args.workers):
            processes.append(subprocess.Popen(worker_command, cwd=ROOT, env=env, stdout=log, stderr=log))
        time.sleep(4)  # workers import Django and register; the first to start takes the scheduler lock

        # Time one draft, so that every draft is saved (with a margin) before the first is due.
        run = uuid.uuid4().hex[:6]
        for i in range(6):  # the first warms up imports and connections; the other five are timed
            if i == 1:
                probe_started = time.monotonic()
            probe = services.draft_create(author=author, account=accounts[0], text=f"Bench {run}: probe {i}.")
            services.draft_submit(draft=probe, by=author)
        per_draft = (time.monotonic() - probe_started) / 5
        started = time.monotonic()
        base_due = timezone.now() + timezone.timedelta(seconds=args.lead + per_draft * args.drafts * 1.5)
        drafts = []
        for i in range(args.drafts):
            due = base_due + timezone.timedelta(seconds=args.spread * i / max(args.drafts, 1))
            draft = services.draft_create(
                author=author,
                account=accounts[i % len(accounts)],
                text=f"Bench {run}: scheduled post number {i}.",
                scheduled_at=due,
            )
            services.draft_submit(draft=draft, by=author)
            drafts.append(draft.pk)
        saved_in = time.monotonic() - started
        ahead = (base_due - timezone.now()).total_seconds()
        print(f"Saved and scheduled {len(drafts)} drafts in {saved_in:.1f} s; first due {ahead:.1f} s later.")

        deadline = time.monotonic() + ahead + args.spread + 120
        while time.monotonic() < deadline:
            remaining = Draft.objects.filter(pk__in=drafts).exclude(state__in=["published", "failed"]).count()
            if remaining == 0:
                break
            time.sleep(0.5)

        rows = list(
            PublishAttempt.objects.filter(draft_id__in=drafts, state=PublishAttempt.State.SUCCEEDED).values_list(
                "draft__scheduled_at", "accepted_at"
            )
        )
        latencies = [(accepted - due).total_seconds() for due, accepted in rows]
        states = dict(
            Draft.objects.filter(pk__in=drafts)
            .values_list("state")
            .annotate(n=__import__("django").db.models.Count("id"))
        )
        print(f"States: {states}")
        print(
            f"Workers: {args.workers} ({args.worker_class or 'rq default, forking'}); accounts: {args.accounts}; "
            f"due-time spread: {args.spread:.0f} s"
        )
        if latencies:
            print(f"Published: {len(latencies)} of {len(drafts)}")
            print(f"p50 latency (accepted by X - due): {statistics.median(latencies):.3f} s")
            print(f"p95 latency (accepted by X - due): {percentile(latencies, 95):.3f} s")
            print(f"max latency: {max(latencies):.3f} s; min: {min(latencies):.3f} s")
            print("Target p95 < 2 s:", "met" if percentile(latencies, 95) < 2 else "NOT met")
        else:
            print("Nothing was published.")
        connections.close_all()
    finally:
        for process in reversed(processes):  # Redis last, so the workers stop cleanly
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if not private_redis:
            import redis as redis_lib

            redis_lib.Redis.from_url(args.redis).flushdb()
        if not args.keep:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001, S110
                pass
            with admin.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
