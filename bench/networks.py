"""X, Bluesky and Mastodon side by side (issue 21): publishing, publishing through faults, and mention polling.

Creates a PostgreSQL database of its own (dovecote_bench_networks, dropped at the end unless --keep) and a private
redis-server (jobs are queued there but nobody runs them: the bench calls the engines itself, in this process),
migrates, and starts the three local sandboxes in threads of this process (X's, networks/bluesky/sandbox.py and
networks/mastodon/sandbox.py) with X_API_BASE_URL, BLUESKY_API_BASE_URL and MASTODON_API_BASE_URL pointing at them.
Each phase uses a personal account of its own per network (policy 0: a submitted draft is approved at once), so one
phase's rate-limit window does not hold up the next. Per network it prints:

1. Publishing: --drafts drafts created and submitted, then `tweets.publishing.drafts_publish_due_now()` until
   nothing is due: wall time, posts a second, p50/p95 per post (a PublishAttempt's started_at to finished_at),
   HTTP calls per post (ApiCall rows of the account: every call is metered) and, read from the sandbox,
   posts there, lost (a draft's text not there) and doubled (a text there more than once).
2. Publishing with faults: the same with `set_faults(drop_after_accept=k, force_5xx=k)` on each sandbox,
   k = --fault-fraction × --drafts (X's error_rate is not used: the other two sandboxes count faults, they do not
   roll them). Due sweeps are run (waiting for the engine's backoff, 5 s, 10 s, ...) until nothing is due; then
   posts in the sandbox against drafts, lost, doubled, attempts beyond one a draft (retries), reconciled ones.
3. Mention polling: --mentions mentions of the account injected into each sandbox (by 50 different people), then
   the poll cycle as the cron runs it (monitoring.ingest.cursors_sync, cursors_due, cursor_poll for each due
   cursor) until every mention is stored or --timeout; between rounds the cursors are made due at once, as if
   their interval had passed. Time to store them all, polls, HTTP calls, mentions stored, inbox items made.

    .venv/bin/python bench/networks.py [--drafts 200] [--mentions 500] [--fault-fraction 0.1] [--keep]
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.publish_latency import free_port, percentile, wait_for_port  # noqa: E402

NETWORKS = ("x", "bluesky", "mastodon")
MASTODON_HOST = "social.example.gov.uk"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drafts", type=int, default=200, help="drafts published per network in each phase")
    parser.add_argument("--mentions", type=int, default=500, help="mentions injected per network")
    parser.add_argument("--fault-fraction", type=float, default=0.1, help="share of requests faulted")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds a phase may take per network at most")
    parser.add_argument("--networks", default=",".join(NETWORKS), help="which networks, comma-separated")
    parser.add_argument("--database", default="dovecote_bench_networks")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args()
    args.networks = [n for n in NETWORKS if n in args.networks.split(",")]

    import psycopg2

    admin = psycopg2.connect(f"{args.pg}/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        cur.execute(f'CREATE DATABASE "{args.database}"')
    redis_port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "dovecote.settings",
            "DEBUG": "true",
            "DATABASE_URL": f"{args.pg}/{args.database}",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "LOG_LEVEL": "ERROR",
            "ALLOWED_HOSTS": "testserver",
            "X_MONTHLY_READ_BUDGET": "100000000",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        wait_for_port(redis_port, what="Redis")
        run(args)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110
            pass
        redis.terminate()
        redis.wait(timeout=10)
        with admin.cursor() as cur:
            if not args.keep:
                cur.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.close()


# --- The sandboxes -----------------------------------------------------------------------------------------------


class Sandboxes:
    """The three sandboxes, served from threads of this process, and what the bench reads of them."""

    def __init__(self):
        from django.conf import settings

        from networks.bluesky import sandbox as bluesky
        from networks.mastodon import sandbox as mastodon
        from twitter_api.sandbox import SandboxState, start_in_thread

        self.x = SandboxState(
            consumer_key=settings.X_CONSUMER_KEY,
            consumer_secret=settings.X_CONSUMER_SECRET,
            bearer_tokens=(settings.X_BEARER_TOKEN,),
            query_length_limit=settings.X_QUERY_LENGTH_LIMIT,
        )
        self.bluesky = bluesky.BlueskyState()
        self.mastodon = mastodon.MastodonState(host=MASTODON_HOST)
        self.servers = [
            start_in_thread(self.x),
            bluesky.start_in_thread(self.bluesky),
            mastodon.start_in_thread(self.mastodon),
        ]
        settings.X_API_BASE_URL = self.servers[0].url
        settings.BLUESKY_API_BASE_URL = self.servers[1].url
        settings.MASTODON_API_BASE_URL = self.servers[2].url

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def register(self, account) -> None:
        if account.network == "bluesky":
            self.bluesky.add_user(
                handle=account.handle, did=account.x_user_id, app_password=account.access_token, display_name="Dept"
            )
        elif account.network == "mastodon":
            username, _, host = account.handle.partition("@")
            self.mastodon.add_user(username, id=account.x_user_id, host=host or None, access_token=account.access_token)
        else:
            self.x.add_user(
                id=account.x_user_id,
                username=account.handle,
                verified=True,
                access_token=account.access_token,
                access_token_secret=account.access_token_secret,
            )

    def texts(self, account) -> list[str]:
        """The texts of the account's posts on its network (not deleted)."""
        if account.network == "bluesky":
            return [p["record"]["text"] for p in self.bluesky.posts_by(account.x_user_id)]
        if account.network == "mastodon":
            return [s.text for s in self.mastodon.statuses_by(account.x_user_id)]
        return [p["text"] for p in self.x.posts_by(account.x_user_id)]

    def set_faults(self, network: str, *, count: int) -> None:
        state = {"x": self.x, "bluesky": self.bluesky, "mastodon": self.mastodon}[network]
        state.set_faults(drop_after_accept=count, force_5xx=count)

    def mention(self, account, n: int) -> None:
        """One post by someone else mentioning the account, as each network marks a mention."""
        text = f"Question {n} for @{account.handle}: when does the consultation close?"
        person = f"citizen{n % 50}"
        if account.network == "bluesky":
            self.bluesky.inject_post(f"{person}.bsky.social", text, mention_dids=[account.x_user_id])
        elif account.network == "mastodon":
            author = self.mastodon.add_user(f"{person}@elsewhere.example")
            self.mastodon.create_status(author, text)
        else:
            self.x.inject_post(person, text)


# --- Setting up --------------------------------------------------------------------------------------------------


def make_accounts(team, lead, phase: str) -> dict:
    """A personal account per network for one phase (its own rate-limit windows and sandbox posts)."""
    from accounts.models import TwitterAccount
    from tests.factories import TwitterAccountFactory

    personal = TwitterAccount.Kind.PERSONAL
    common = {"team": team, "kind": personal, "responsible_person": lead}
    return {
        "x": TwitterAccountFactory(handle=f"dept_{phase}", **common),
        "bluesky": TwitterAccountFactory(
            network="bluesky",
            handle=f"{phase}.dept.bsky.social",
            access_token=f"app-pass-{phase}",
            access_token_secret="",
            x_user_id=f"did:plc:{phase:a<24}",
            **common,
        ),
        "mastodon": TwitterAccountFactory(
            network="mastodon",
            handle=f"dept{phase}@{MASTODON_HOST}",
            instance_url=f"https://{MASTODON_HOST}",
            access_token=f"mastodon-token-{phase}",
            access_token_secret="",
            x_user_id=str(20_000 + len(phase)),
            **common,
        ),
    }


def submit_drafts(account, author, count: int, label: str) -> list:
    """`count` approved drafts on the account. The first goes through the services (draft_create, draft_submit: with
    policy 0 it is approved at once, and its publish job is queued where no worker runs it); the others are copies
    of it made in bulk, each with its own text (two database round trips instead of ~30 per draft)."""
    from tweets import services
    from tweets.models import Draft, DraftRevision

    def text(n: int) -> str:
        return f"{label} {n}: the {account.network_label} update number {n}."

    first = services.draft_create(author=author, account=account, text=text(0))
    first = services.draft_submit(draft=first, by=author)
    first.refresh_from_db()
    assert first.state == Draft.State.APPROVED, first.state
    copied = {
        f.attname: getattr(first, f.attname)
        for f in Draft._meta.concrete_fields
        if f.attname not in ("id", "current_revision_id")
    }
    drafts = Draft.objects.bulk_create([Draft(**copied) for _ in range(count - 1)])
    revisions = DraftRevision.objects.bulk_create(
        [DraftRevision(draft=d, number=1, posts=[text(n)], created_by=author) for n, d in enumerate(drafts, 1)]
    )
    for draft, revision in zip(drafts, revisions, strict=True):
        draft.current_revision = revision
    Draft.objects.bulk_update(drafts, ["current_revision"])
    return [first, *drafts]


def publish_until_done(drafts: list, timeout: float) -> float:
    """Run the engine on everything due, then wait for the next retry, until none of the drafts is still to go."""
    from django.utils import timezone

    from tweets import publishing
    from tweets.models import Draft

    S = Draft.State
    ids = [d.pk for d in drafts]
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        publishing.drafts_publish_due_now()
        waiting = Draft.objects.filter(pk__in=ids).exclude(state__in=[S.PUBLISHED, S.FAILED])
        if not waiting.exists():
            break
        due = waiting.exclude(publish_due_at=None).order_by("publish_due_at").values_list("publish_due_at", flat=True)
        first = due.first()
        pause = (first - timezone.now()).total_seconds() if first else 0.2
        time.sleep(min(max(pause, 0.05), 5.0))
    return time.perf_counter() - started


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


# --- The phases --------------------------------------------------------------------------------------------------


def publishing_phase(sandboxes, accounts, author, args) -> None:
    from django.db.models import Count

    from tweets.models import Draft, PublishAttempt
    from twitter_api.models import ApiCall

    print(f"\n1. Publishing {args.drafts} drafts per network (one personal account each, policy 0)")
    rows = []
    for network in args.networks:
        account = accounts[network]
        t0 = time.perf_counter()
        drafts = submit_drafts(account, author, args.drafts, "Notice")
        submitting = time.perf_counter() - t0
        wall = publish_until_done(drafts, args.timeout)
        states = Counter(Draft.objects.filter(account=account).values_list("state", flat=True))
        durations = [
            (done - begun).total_seconds()
            for begun, done in PublishAttempt.objects.filter(
                draft__account=account, finished_at__isnull=False
            ).values_list("started_at", "finished_at")
        ]
        calls = ApiCall.objects.filter(account=account)
        by_endpoint = calls.values("method", "endpoint").annotate(n=Count("id")).order_by("-n")
        texts = sandboxes.texts(account)
        wanted = {d.current_revision.posts[0] for d in drafts}
        lost = len(wanted - set(texts))
        doubled = sum(n - 1 for n in Counter(texts).values() if n > 1)
        published = states.get(Draft.State.PUBLISHED, 0)
        rows.append(
            (
                network,
                f"{wall:.2f} s",
                f"{published / wall:,.1f}" if wall else "-",
                ms(percentile(durations, 50)) if durations else "-",
                ms(percentile(durations, 95)) if durations else "-",
                f"{calls.count() / max(published, 1):.2f}",
                f"{len(texts)}",
                f"lost {lost}, doubled {doubled}",
            )
        )
        print(
            f"   {network}: submitting {args.drafts} drafts took {submitting:.2f} s; states {dict(states)}; calls "
            + ", ".join(f"{c['method']} {c['endpoint']} ×{c['n']}" for c in by_endpoint)
        )
    table(["network", "wall", "posts/s", "p50/post", "p95/post", "calls/post", "in sandbox", "check"], rows)
    print(
        "   (per post: a publish attempt's start to its end, in batches of PUBLISH_BATCH_SIZE posts sent "
        "PUBLISH_CONCURRENCY at a time; calls/post: the account's metered HTTP calls, sessions included)"
    )


def faults_phase(sandboxes, accounts, author, args) -> None:
    from django.db.models import Count, Q

    from tweets.models import Draft, PublishAttempt

    k = round(args.drafts * args.fault_fraction)
    print(
        f"\n2. Publishing {args.drafts} drafts per network with faults: the first {k} requests answer 5xx, then "
        f"{k} posts are made and their connection dropped before the answer"
    )
    rows = []
    for network in args.networks:
        account = accounts[network]
        drafts = submit_drafts(account, author, args.drafts, "Faulty notice")
        sandboxes.set_faults(network, count=k)
        wall = publish_until_done(drafts, args.timeout)
        sandboxes.set_faults(network, count=0)
        states = Counter(Draft.objects.filter(account=account).values_list("state", flat=True))
        attempts = PublishAttempt.objects.filter(draft__account=account).aggregate(
            n=Count("id"), reconciled=Count("id", filter=Q(reconciled=True))
        )
        kinds = Counter(
            PublishAttempt.objects.filter(draft__account=account)
            .exclude(error_kind="")
            .values_list("error_kind", flat=True)
        )
        texts = sandboxes.texts(account)
        wanted = {d.current_revision.posts[0] for d in drafts}
        lost = len(wanted - set(texts))
        doubled = sum(n - 1 for n in Counter(texts).values() if n > 1)
        published = states.get(Draft.State.PUBLISHED, 0)
        rows.append(
            (
                network,
                f"{wall:.1f} s",
                f"{published}/{len(drafts)}",
                f"{len(texts)}",
                f"{attempts['n'] - len(drafts)}",
                f"{attempts['reconciled']}",
                f"lost {lost}, doubled {doubled}",
            )
        )
        print(f"   {network}: states {dict(states)}; attempts' errors {dict(kinds)}")
        if states.get(Draft.State.PUBLISHED, 0) < len(drafts):
            last = PublishAttempt.objects.filter(draft__account=account).exclude(error="").order_by("-pk").first()
            print(f"     last error: {last.error if last else '-'}")
    table(["network", "wall", "published", "in sandbox", "retries", "reconciled", "check"], rows)


def polling_phase(sandboxes, accounts, args) -> None:
    from django.utils import timezone

    from monitoring import ingest
    from monitoring.models import InboxItem, Mention, PollCursor
    from twitter_api.models import ApiCall

    print(f"\n3. Mention polling: {args.mentions} mentions per network, by 50 people, then the poll cycle")
    t0 = time.perf_counter()
    for network in args.networks:
        for n in range(args.mentions):
            sandboxes.mention(accounts[network], n)
    print(f"   injected {args.mentions * len(args.networks):,} mentions in {time.perf_counter() - t0:.2f} s")
    ingest.cursors_sync()
    first_call = (ApiCall.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    prefix = {"x": "/2/", "bluesky": "bluesky:", "mastodon": "mastodon:"}

    def stored(account) -> int:
        return InboxItem.objects.filter(account=account).values("mention").distinct().count()

    done: dict[str, float] = {}  # network -> seconds from the first poll until all its mentions were stored
    busy: Counter = Counter()  # network -> seconds spent polling its cursors
    polls: Counter = Counter()
    outcomes: Counter = Counter()
    started = time.perf_counter()
    rounds = 0
    while len(done) < len(args.networks) and time.perf_counter() - started < args.timeout:
        rounds += 1
        ingest.cursors_sync()
        for cursor_id in ingest.cursors_due():
            cursor = PollCursor.objects.select_related("account").get(pk=cursor_id)
            network = (cursor.account.network or "x") if cursor.account_id else "x"
            t0 = time.perf_counter()
            outcome = ingest.cursor_poll(cursor_id=cursor_id)
            busy[network] += time.perf_counter() - t0
            polls[network] += 1
            outcomes[f"{network} {outcome.status}"] += 1
            if network in accounts and network not in done and stored(accounts[network]) >= args.mentions:
                done[network] = time.perf_counter() - started
        # As if each cursor's interval had passed: the next round polls them again at once.
        PollCursor.objects.filter(is_active=True).update(next_poll_at=timezone.now(), paused_until=None)
    rows = []
    for network in args.networks:
        account = accounts[network]
        items = InboxItem.objects.filter(account=account)
        mention_ids = list(items.values_list("mention_id", flat=True))
        mentions = Mention.objects.filter(pk__in=mention_ids)
        texts = Counter(mentions.values_list("text", flat=True))
        calls = ApiCall.objects.filter(pk__gte=first_call, endpoint__startswith=prefix[network]).count()
        rows.append(
            (
                network,
                f"{busy[network]:.2f} s",
                f"{done[network]:.2f} s" if network in done else f"not in {args.timeout:.0f} s",
                f"{polls[network]}",
                f"{calls}",
                f"{mentions.count()}",
                f"{items.count()}",
                f"{sum(n - 1 for n in texts.values() if n > 1)}",
                f"{args.mentions - len(texts)}",
            )
        )
    for cursor in PollCursor.objects.exclude(last_error="").select_related("account"):
        print(f"   cursor {cursor.key} ({cursor.account.network if cursor.account else 'x'}): {cursor.last_error}")
    headers = ["network", "polling", "all stored at", "polls", "calls", "mentions", "inbox items", "doubled", "missing"]
    table(headers, rows)
    total = ApiCall.objects.filter(pk__gte=first_call).count()
    print(f"   {rounds} rounds of the cycle, {total} calls in all; polls' outcomes {dict(outcomes)}")
    print(
        "   (polling: time spent in that network's polls, every X cursor counted as X's; all stored at: seconds from "
        "the first poll, the networks' polls taking turns in one process)"
    )


def table(headers: list[str], rows: list[tuple]) -> None:
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]
    line = "   " + "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("   " + "  ".join("-" * w for w in widths))
    for row in rows:
        print("   " + "  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))


def run(args) -> None:
    import django

    django.setup()
    import logging

    from django.core.management import call_command

    from accounts.models import Membership
    from bench.stack import load
    from tests.factories import MembershipFactory, TeamFactory

    logging.disable(logging.WARNING)  # the faults make the engine log every retry
    call_command("migrate", verbosity=0, interactive=False)
    sandboxes = Sandboxes()
    try:
        team = TeamFactory(name="Digital Communications", slug="digital-comms")
        lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user
        author = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
        phases = {phase: make_accounts(team, lead, phase) for phase in ("plain", "faults", "mentions")}
        for accounts in phases.values():
            for account in accounts.values():
                sandboxes.register(account)
        print(f"X, Bluesky and Mastodon sandboxes on loopback, in threads of this process; {load()}")
        publishing_phase(sandboxes, phases["plain"], author, args)
        faults_phase(sandboxes, phases["faults"], author, args)
        polling_phase(sandboxes, phases["mentions"], args)
    finally:
        sandboxes.stop()


if __name__ == "__main__":
    main()
