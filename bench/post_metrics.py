"""Own posts' figures benchmark: the sweep, the reads and the analytics page with a busy fortnight of posts.

Creates a fresh PostgreSQL database (dovecote_bench_post_metrics, dropped at the end unless --keep), seeds the demo
department's accounts (accounts.demo), starts the X sandbox in this process and publishes --posts posts spread over
the last 15 days across the accounts (on X and in Dovecote). Then it prints:
- the sweep (monitoring.post_metrics.post_metrics_sweep): how long finding the due snapshots takes, and how many
  it skipped as late;
- the reads (post_metrics_read per account): calls to X, posts read, snapshots kept, time, posts a second;
- the sweep again, with nothing left to read (what every five minutes costs in a quiet hour);
- the analytics page for an admin (every account): median and lowest time per request, SQL queries, size.

    .venv/bin/python bench/post_metrics.py [--posts 5000] [--rounds 10]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=5000, help="posts published over the last 15 days")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--database", default="dovecote_bench_post_metrics")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args()

    psql(f"DROP DATABASE IF EXISTS {args.database}")
    psql(f"CREATE DATABASE {args.database}")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "dovecote.settings",
            "DEBUG": "true",
            "DATABASE_URL": f"{PG}/{args.database}",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
            "LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "testserver",
            "X_MONTHLY_READ_BUDGET": "100000000",
        }
    )
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            psql(f"DROP DATABASE IF EXISTS {args.database}")


def seed(posts: int, sandbox) -> list:
    from django.utils import timezone

    from accounts import demo as accounts_demo
    from accounts.models import TwitterAccount, User
    from tweets.models import Draft, DraftRevision
    from twitter_api.types import snowflake_for

    accounts_demo.seed()
    accounts = list(TwitterAccount.objects.order_by("pk"))
    users = [
        sandbox.state.add_user(
            id=a.x_user_id, username=a.handle, access_token=a.access_token, access_token_secret=a.access_token_secret
        )
        for a in accounts
    ]
    author = User.objects.get(email="comms.officer@dovecote.example")
    now = timezone.now()
    step = timedelta(days=15) / max(posts, 1)
    drafts = []
    for n in range(posts):
        at = now - timedelta(days=15) + step * n
        k = n % len(accounts)
        stored = sandbox.state.add_post(
            author=users[k], text=f"Post {n}: news from the department.", created_at=at, num=snowflake_for(at, n)
        )
        drafts.append(
            Draft(
                account=accounts[k],
                author=author,
                state=Draft.State.PUBLISHED,
                scheduled_at=at,
                published_at=at,
                published_post_id=stored.post.id,
            )
        )
    Draft.objects.bulk_create(drafts, batch_size=2000)
    revisions = DraftRevision.objects.bulk_create(
        [DraftRevision(draft=d, number=1, posts=[f"Post {d.pk}."], created_by=author) for d in drafts],
        batch_size=2000,
    )
    for draft, revision in zip(drafts, revisions, strict=True):
        draft.current_revision = revision
    Draft.objects.bulk_update(drafts, ["current_revision"], batch_size=2000)
    return accounts


def measure(client, url: str, rounds: int) -> tuple[list[float], int, int]:
    from django.db import connection

    timings, counted, size = [], [], 0

    def count(execute, *args):
        counted.append(1)
        return execute(*args)

    client.get(url)  # warm: the session, the roles' cache
    for _ in range(rounds):
        counted.clear()
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.content)
    return timings, len(counted), size


def run(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from monitoring import post_metrics
    from tests.conftest import enrol_totp
    from tweets.models import PostMetrics
    from twitter_api.models import ApiCall
    from twitter_api.sandbox import SandboxState, start_in_thread

    state = SandboxState(
        consumer_key=settings.X_CONSUMER_KEY,
        consumer_secret=settings.X_CONSUMER_SECRET,
        bearer_tokens=(settings.X_BEARER_TOKEN,),
        rate_limits={},
    )
    server = start_in_thread(state)
    settings.X_API_BASE_URL = server.url

    class Sandbox:
        pass

    sandbox = Sandbox()
    sandbox.state = state
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    accounts = seed(args.posts, sandbox)
    took = time.perf_counter() - t0
    print(f"Published {args.posts:,} posts over 15 days on {len(accounts)} accounts in {took:.1f} s")

    t0 = time.perf_counter()
    due_accounts = post_metrics.post_metrics_sweep()
    took = time.perf_counter() - t0
    skipped = PostMetrics.objects.filter(status=PostMetrics.Status.SKIPPED).count()
    print(f"Sweep: {took * 1000:.0f} ms, {skipped:,} snapshots skipped as late, {len(due_accounts)} accounts to read")

    t0 = time.perf_counter()
    read = taken = 0
    for account_id in due_accounts:
        outcome = post_metrics.post_metrics_read(account_id=account_id)
        read += outcome.posts_read
        taken += outcome.taken
    took = time.perf_counter() - t0
    calls = ApiCall.objects.filter(endpoint="/2/tweets", method="GET").count()
    print(
        f"Reads: {calls} calls to X, {read:,} posts read, {taken:,} snapshots kept in {took:.2f} s "
        f"({read / took if took else 0:,.0f} posts a second)"
    )

    t0 = time.perf_counter()
    again = post_metrics.post_metrics_sweep()
    print(f"Sweep again (nothing due): {(time.perf_counter() - t0) * 1000:.0f} ms, {len(again)} accounts to read")

    admin = User.objects.get(email="admin@dovecote.example")
    if admin.requires_mfa():
        enrol_totp(admin)
    client = Client()
    client.force_login(admin)
    timings, queries, size = measure(client, "/reports/analytics/", args.rounds)
    print(
        f"Analytics page (admin, every account): median {statistics.median(timings) * 1000:.1f} ms, "
        f"lowest {min(timings) * 1000:.1f} ms, {queries} queries, {size / 1024:.1f} KB"
    )
    server.shutdown()


if __name__ == "__main__":
    main()
