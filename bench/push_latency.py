"""Push against poll, in one run: how long from a mention posted in the X sandbox to its item in the team inbox, and
how the stream worker holds 1,000 events a second.

Starts everything on loopback, as `make run` does with INGESTION=push: a PostgreSQL database of its own
(dovecote_bench_push, dropped at the end), a private Redis, the X sandbox, the `stream` process, an RQ worker for the
`poll` queue and the `rqcron` scheduler. Two governed accounts: one authorised for X's Activity API (its mentions are
pushed), one not (its mentions are polled, at the configured MONITORING_TIMELINE_INTERVAL, through the poll cycle
every 30 s). Mentions of both are posted at random moments over `--window` seconds; a watcher reads the inbox every
50 ms and notes when each item appears. Then the sandbox posts mentions of the streamed account at `--rate` a second
for `--seconds` and the script counts what was stored against what was sent: lost, doubled.

    .venv/bin/python bench/push_latency.py [--window 180] [--mentions 60] [--rate 1000] [--seconds 10]
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.publish_latency import percentile  # noqa: E402
from bench.stack import load, push_stack, sandbox  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--window", type=float, default=180.0, help="Seconds over which the mentions are posted.")
    parser.add_argument("--mentions", type=int, default=60, help="Mentions posted, half to each account.")
    parser.add_argument("--rate", type=float, default=1000.0, help="Events a second in the throughput run.")
    parser.add_argument("--seconds", type=float, default=10.0, help="Length of the throughput run.")
    parser.add_argument("--database", default="dovecote_bench_push")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--log", default="", help="Write the processes' output to this file.")
    args = parser.parse_args()

    with push_stack(pg=args.pg, database=args.database, log=args.log, TRIAGE_TEAM_SLUG="bench") as stack:
        sandbox_url = stack.sandbox_url
        from django.conf import settings
        from django.db import connections
        from django.db.models import Count
        from django.utils import timezone

        from accounts.models import ActivityGrant, Membership, Team, TwitterAccount, User
        from monitoring.models import InboxItem, Mention

        team = Team.objects.create(name="Bench", slug="bench")
        person = User.objects.create_user(email="bench@dovecote.example", password="bench-not-used-1")
        Membership.objects.create(user=person, team=team, role=Membership.Role.LEAD)
        accounts = {}
        for kind in ("pushed", "polled"):
            account = TwitterAccount.objects.create(
                handle=f"Bench_{kind}",
                display_name=f"Bench {kind}",
                kind=TwitterAccount.Kind.CORPORATE,
                team=team,
                responsible_person=person,
                x_user_id=str(7_100_000_000 + len(accounts)),
                access_token=f"bench-token-{kind}",
                access_token_secret=f"bench-secret-{kind}",
                credentials_updated_at=timezone.now(),
            )
            sandbox(
                sandbox_url,
                "/_sandbox/users",
                {
                    "username": account.handle,
                    "id": account.x_user_id,
                    "access_token": account.access_token,
                    "access_token_secret": account.access_token_secret,
                },
            )
            accounts[kind] = account
        ActivityGrant.objects.create(
            account=accounts["pushed"], access_token="bench-oauth2", authorised_at=timezone.now()
        )

        for command in (["stream"], ["rqworker", "poll"], ["rqcron", "dovecote.cron"]):
            stack.start(*command)
        deadline = time.monotonic() + 60
        while sandbox(sandbox_url, "/_sandbox/activity")["data"]["connections"] < 1:
            if time.monotonic() > deadline:
                raise SystemExit("The stream process did not connect to the sandbox.")
            time.sleep(0.2)
        time.sleep(35)  # the first poll cycle (every 30 s) makes the cursors and reads the empty timelines
        print(f"Before: {load()}")

        # --- latency: mentions at random moments, pushed and polled side by side -----------------------------------
        rng = random.Random(7)
        moments = sorted(rng.uniform(0, args.window) for _ in range(args.mentions))
        posted: dict[int, tuple[str, float]] = {}
        seen: dict[int, float] = {}
        started = time.monotonic()
        for n, moment in enumerate(moments):
            kind = "pushed" if n % 2 == 0 else "polled"
            while time.monotonic() - started < moment:
                _watch(InboxItem, posted, seen)
                time.sleep(0.05)
            at = time.monotonic()
            made = sandbox(
                sandbox_url,
                "/_sandbox/posts",
                {"author_username": f"citizen_{n}", "text": f"@{accounts[kind].handle} question {n} for the bench"},
            )
            posted[int(made["data"]["id"])] = (kind, at)
        interval = settings.MONITORING_TIMELINE_INTERVAL
        deadline = time.monotonic() + interval + 90
        while len(seen) < len(posted) and time.monotonic() < deadline:
            _watch(InboxItem, posted, seen)
            time.sleep(0.05)
        print(f"Latency, mention posted in the sandbox -> item in the team inbox ({args.mentions} mentions over "
              f"{args.window:.0f} s, inbox read every 50 ms):")  # fmt: skip
        for kind, how in (("pushed", "push (X Activity API stream)"), ("polled", f"polling every {interval} s")):
            times = [seen[t] - at for t, (k, at) in posted.items() if k == kind and t in seen]
            missing = sum(1 for t, (k, _) in posted.items() if k == kind and t not in seen)
            if times:
                print(
                    f"  {how:<32} p50 {percentile(times, 50):7.2f} s   p95 {percentile(times, 95):7.2f} s   "
                    f"max {max(times):7.2f} s   ({len(times)} seen, {missing} not seen)"
                )
        print(f"  ({load()})")

        # --- throughput: the sandbox posts mentions of the streamed account at --rate a second ------------------------
        before = Mention.objects.filter(text__contains="burst post number").count()
        emitted_before = sandbox(sandbox_url, "/_sandbox/activity")["data"]["emitted"]
        sent = int(args.rate * args.seconds)
        started = time.monotonic()
        sandbox(
            sandbox_url,
            "/_sandbox/activity",
            {"burst": {"username": accounts["pushed"].handle, "rate": args.rate, "seconds": args.seconds}},
        )
        last, last_change, stored = -1, time.monotonic(), 0
        while time.monotonic() - last_change < 10 and time.monotonic() - started < args.seconds + 180:
            stored = Mention.objects.filter(text__contains="burst post number").count() - before
            if stored != last:
                last, last_change = stored, time.monotonic()
            if stored >= sent:
                break
            time.sleep(0.2)
        took = last_change - started
        emitted = sandbox(sandbox_url, "/_sandbox/activity")["data"]["emitted"] - emitted_before
        burst = Mention.objects.filter(text__contains="burst post number")
        distinct = burst.values("text").distinct().count()
        items = InboxItem.objects.filter(mention__in=burst).values("mention_id").annotate(n=Count("id"))
        doubled_items = sum(1 for row in items if row["n"] > 1)
        print(
            f"Throughput: {sent} mentions at {args.rate:.0f}/s for {args.seconds:.0f} s; "
            f"the sandbox emitted {emitted} events"
        )
        print(
            f"  stored {stored} in {took:.1f} s ({stored / took if took else 0:.0f}/s); lost {sent - distinct}; "
            f"doubled {stored - distinct} mentions, {doubled_items} inbox items"
        )
        print(f"After: {load()}")
        connections.close_all()


def _watch(inbox_item, posted: dict, seen: dict) -> None:
    """Note when each posted mention's inbox item first shows."""
    pending = [t for t in posted if t not in seen]
    if not pending:
        return
    now = time.monotonic()
    for tweet_id in inbox_item.objects.filter(mention__tweet_id__in=pending).values_list(
        "mention__tweet_id", flat=True
    ):
        seen[tweet_id] = now


if __name__ == "__main__":
    main()
