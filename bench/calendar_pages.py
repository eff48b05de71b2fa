"""Calendar benchmark: what the calendar's pages cost with a busy month of posts, in-process (Django's test client).

Creates a fresh PostgreSQL database (dovecote_bench_calendar, dropped at the end unless --keep), seeds the demo
department's teams, people and accounts (accounts.demo), then --posts posts spread over this month across its
accounts (scheduled from today, published before), and --history posts in the months before and after (what a
year of use leaves behind). Then, for an admin (every account) and a member of one team, it asks each page
--rounds times and prints, per page: the median and lowest time per request, the SQL queries per request, and
the size of the page. The queries must be the same however many posts there are (tests/tweets/test_calendar.py).

    .venv/bin/python bench/calendar_pages.py [--posts 1000] [--history 20000] [--rounds 10]
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
    parser.add_argument("--posts", type=int, default=1000, help="posts in this month (default 1,000)")
    parser.add_argument("--history", type=int, default=20_000, help="posts in the other months (default 20,000)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--database", default="dovecote_bench_calendar")
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
        }
    )
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            psql(f"DROP DATABASE IF EXISTS {args.database}")


def seed(posts: int, history: int) -> None:
    from django.utils import timezone

    from accounts import demo as accounts_demo
    from accounts.models import TwitterAccount, User
    from tweets.models import Draft, DraftRevision

    accounts_demo.seed()
    accounts = list(TwitterAccount.objects.order_by("pk"))
    author = User.objects.get(email="comms.officer@dovecote.example")
    now = timezone.localtime()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    spread = [(month_start, timedelta(days=28) / max(posts, 1), posts)]
    spread.append((month_start - timedelta(days=180), timedelta(days=365) / max(history, 1), history))
    drafts = []
    for start, step, count in spread:
        for n in range(count):
            at = start + step * n
            if start == month_start or not (month_start <= at < month_start + timedelta(days=31)):
                published = at < now
                drafts.append(
                    Draft(
                        account=accounts[n % len(accounts)],
                        author=author,
                        state=Draft.State.PUBLISHED if published else Draft.State.SCHEDULED,
                        scheduled_at=at,
                        published_at=at if published else None,
                        published_post_id=str(1_900_000_000_000_000_000 + len(drafts)) if published else "",
                    )
                )
    Draft.objects.bulk_create(drafts, batch_size=2000)
    revisions = DraftRevision.objects.bulk_create(
        [
            DraftRevision(draft=d, number=1, posts=[f"Post {d.pk}: news from the department."], created_by=author)
            for d in drafts
        ],
        batch_size=2000,
    )
    for draft, revision in zip(drafts, revisions, strict=True):
        draft.current_revision = revision
    Draft.objects.bulk_update(drafts, ["current_revision"], batch_size=2000)


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
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from tests.conftest import enrol_totp

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    seed(args.posts, args.history)
    took = time.perf_counter() - t0
    print(f"Seeded {args.posts:,} posts this month and {args.history:,} in other months in {took:.1f} s")

    today = timezone.localdate()
    pages = [
        ("month", f"/drafts/calendar/?view=month&day={today}"),
        ("week", f"/drafts/calendar/?view=week&day={today}"),
        ("day (all its posts, 50 a page)", f"/drafts/calendar/day/?day={today}"),
    ]
    print(f"{'person':<10} {'page':<32} {'median ms':>10} {'lowest ms':>10} {'queries':>8} {'KB':>7}")
    for label, email in (("admin", "admin@dovecote.example"), ("member", "comms.officer@dovecote.example")):
        user = User.objects.get(email=email)
        if user.requires_mfa():
            enrol_totp(user)
        client = Client()
        client.force_login(user)
        for name, url in pages:
            timings, queries, size = measure(client, url, args.rounds)
            print(
                f"{label:<10} {name:<32} {statistics.median(timings) * 1000:>10.1f} {min(timings) * 1000:>10.1f} "
                f"{queries:>8} {size / 1024:>7.1f}"
            )


if __name__ == "__main__":
    main()
