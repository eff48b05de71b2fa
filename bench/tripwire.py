"""The takeover tripwire: how long from a post made on a governed account outside Dovecote (in the X sandbox) to the
account frozen and the email to its leads and the security contact sent, by polling and by push, in one run.

Starts everything on loopback, as `make run` does with INGESTION=push: a PostgreSQL database of its own
(dovecote_bench_tripwire, dropped at the end), a private Redis, the X sandbox, the `stream` process, an RQ worker for
the `poll` and `default` queues and the `rqcron` scheduler (the tripwire's cycle every SAFETY_POSTS_INTERVAL s).
`--accounts` corporate accounts, half authorised for X's Activity API (a takeover reaches the tripwire pushed, and by
polling too), half not (polling only). One takeover per account at a random moment over `--window` seconds
(`POST /_sandbox/takeover`); a watcher reads the incidents every 50 ms and notes when each account's incident has its
freeze (committed with the incident, the email's job queued with it) and when its email was sent.

    .venv/bin/python bench/tripwire.py [--accounts 20] [--window 60]
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
    parser.add_argument("--accounts", type=int, default=20, help="Governed accounts, one takeover each.")
    parser.add_argument("--window", type=float, default=60.0, help="Seconds over which the takeovers are made.")
    parser.add_argument("--database", default="dovecote_bench_tripwire")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--log", default="", help="Write the processes' output to this file.")
    args = parser.parse_args()

    with push_stack(
        pg=args.pg,
        database=args.database,
        log=args.log,
        TRIAGE_TEAM_SLUG="bench",
        SECURITY_CONTACT_EMAIL="security@dovecote.example",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    ) as stack:
        sandbox_url = stack.sandbox_url
        from django.conf import settings
        from django.db import connections
        from django.utils import timezone

        from accounts.models import ActivityGrant, Membership, Team, TwitterAccount, User
        from safety.models import Incident, Watch

        team = Team.objects.create(name="Bench", slug="bench")
        person = User.objects.create_user(email="bench@dovecote.example", password="bench-not-used-1")
        Membership.objects.create(user=person, team=team, role=Membership.Role.LEAD)
        accounts: dict[int, tuple[TwitterAccount, str]] = {}
        for n in range(args.accounts):
            kind = "pushed" if n % 2 == 0 else "polled"
            account = TwitterAccount.objects.create(
                handle=f"Bench_{n}",
                display_name=f"Bench {n}",
                kind=TwitterAccount.Kind.CORPORATE,
                team=team,
                responsible_person=person,
                x_user_id=str(7_200_000_000 + n),
                access_token=f"bench-token-{n}",
                access_token_secret=f"bench-secret-{n}",
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
            if kind == "pushed":
                ActivityGrant.objects.create(
                    account=account, access_token=f"bench-oauth2-{n}", authorised_at=timezone.now()
                )
            accounts[account.pk] = (account, kind)

        for command in (["stream"], ["rqworker", "poll", "default"], ["rqcron", "dovecote.cron"]):
            stack.start(*command)
        deadline = time.monotonic() + 120
        while Watch.objects.filter(posts_baseline_at__isnull=False).count() < args.accounts:
            if time.monotonic() > deadline:
                raise SystemExit("The tripwire did not read every account (is the scheduler running?).")
            time.sleep(0.5)
        while sandbox(sandbox_url, "/_sandbox/activity")["data"]["connections"] < 1:
            if time.monotonic() > deadline:
                raise SystemExit("The stream process did not connect to the sandbox.")
            time.sleep(0.2)
        print(f"Before: {load()}")

        rng = random.Random(11)
        order = list(accounts)
        rng.shuffle(order)
        moments = sorted(rng.uniform(0, args.window) for _ in order)
        posted: dict[int, float] = {}
        frozen: dict[int, float] = {}
        emailed: dict[int, float] = {}
        started = time.monotonic()
        for account_pk, moment in zip(order, moments, strict=True):
            while time.monotonic() - started < moment:
                _watch(Incident, posted, frozen, emailed)
                time.sleep(0.05)
            account = accounts[account_pk][0]
            posted[account_pk] = time.monotonic()
            sandbox(sandbox_url, "/_sandbox/takeover", {"user_id": account.x_user_id, "text": f"Hijacked {account.pk}"})
        deadline = time.monotonic() + 60
        while len(emailed) < len(posted) and time.monotonic() < deadline:
            _watch(Incident, posted, frozen, emailed)
            time.sleep(0.05)

        interval = settings.SAFETY_POSTS_INTERVAL
        print(
            f"Takeover posted in the sandbox -> account frozen (email queued) and email sent ({len(posted)} takeovers "
            f"over {args.window:.0f} s, incidents read every 50 ms; polling every {interval} s):"
        )
        for kind, how in (("pushed", "push and polling"), ("polled", "polling only")):
            for label, when in (("frozen, email queued", frozen), ("email sent", emailed)):
                times = [when[pk] - at for pk, at in posted.items() if accounts[pk][1] == kind and pk in when]
                missing = sum(1 for pk in posted if accounts[pk][1] == kind and pk not in when)
                if times:
                    print(
                        f"  {how:<17} {label:<21} p50 {percentile(times, 50):6.2f} s   p95 "
                        f"{percentile(times, 95):6.2f} s   max {max(times):6.2f} s   ({len(times)} seen, {missing} not)"
                    )
        sources = {s: Incident.objects.filter(source=s).count() for s in ("push", "poll")}
        print(
            f"  incidents {Incident.objects.count()} ({sources['push']} found by push first, "
            f"{sources['poll']} by polling)"
        )
        print(f"After: {load()}")
        connections.close_all()


def _watch(incident, posted: dict, frozen: dict, emailed: dict) -> None:
    """Note when each account's incident first has its freeze, and when its email went."""
    pending = [pk for pk in posted if pk not in emailed]
    if not pending:
        return
    now = time.monotonic()
    rows = incident.objects.filter(account_id__in=pending, freeze__isnull=False).values_list("account_id", "emailed_at")
    for account_id, emailed_at in rows:
        frozen.setdefault(account_id, now)
        if emailed_at is not None:
            emailed.setdefault(account_id, now)


if __name__ == "__main__":
    main()
