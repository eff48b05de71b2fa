"""Cost benchmark: what a simulated month of the demo department costs on X under the current price list, read
Dovecote's way beside the same month read the usual way, in one run; and the share of paid reads Dovecote threw
away (posts X returned that matched no monitor and named none of our accounts after local matching).

Starts what it needs on loopback: a fresh PostgreSQL database (dovecote_bench_cost, dropped at the end unless
--keep) and the X sandbox in a thread of this process. Seeds the demo department (accounts.demo: its accounts;
monitoring.demo: its monitors, watchlist and routing rules). Then, for each simulated day, the sandbox's simulator
(twitter_api/sandbox/simulator.py: citizens, journalists, complaints, praise, noise) posts --posts-per-day public
posts in --cycles-per-day bursts, and after each burst both readers poll X (the sandbox) for what is new:

- Dovecote: the real ingest (monitoring/ingest.py `cursor_poll` on every cursor `cursors_sync` made: monitors'
  queries packed by monitoring/packing.py into few OR queries that leave our own handles to the mentions search;
  every post stored once and matched locally by twitter_api/query.py through the router);
- the usual way: one search per monitor (its query as written) and one mentions timeline per account, through the
  same client (twitter_api/client.py); it keeps each search's since_id, and re-reads the mention timelines (the
  last 800 mentions, X's limit) after each restart (--restarts-per-day, e.g. a deploy or a crashed worker).

X bills a post read by one app once per UTC day however often it is returned (the pricing page); the benchmark
records every post the sandbox returns to each reader, with the simulated UTC day, and bills distinct (post, day)
pairs at the read price. Both readers publish the same posts (--posts-a-day per account kind below), priced by
tweets/costs.py. The sandbox's 7-day search window is turned off: the simulated month is in the past.

    .venv/bin/python bench/cost.py [--days 30] [--posts-per-day 1500] [--cycles-per-day 8] [--restarts-per-day 1]
"""

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")

# The demo department's own posting, per account kind per day: (posts, of which with a link, of which with one
# image and its alt text). Replies: inbox items answered from an account each day (summoned replies).
POSTS_A_DAY = {"corporate": (6, 2, 2), "press_office": (3, 1, 0), "personal": (1, 0, 1)}
REPLIES_A_DAY = 12
TIMELINE_REREAD_PAGES = 8  # X serves only the 800 most recent mentions: 8 pages of 100


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--posts-per-day", type=int, default=1500)
    parser.add_argument("--cycles-per-day", type=int, default=8)
    parser.add_argument("--restarts-per-day", type=int, default=1)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--database", default="dovecote_bench_cost")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args()

    psql(f"DROP DATABASE IF EXISTS {args.database}")
    psql(f"CREATE DATABASE {args.database}")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "dovecote.settings",
            "DEBUG": "true",
            "DATABASE_URL": f"{PG}/{args.database}",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3"),
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


class Ledger:
    """Every post X (the sandbox) returned to one reader, with the UTC day it was returned on."""

    def __init__(self):
        self.returned = 0
        self.pairs: set[tuple[str, object]] = set()

    def add(self, post_ids: list[str], day) -> None:
        self.returned += len(post_ids)
        self.pairs.update((post_id, day) for post_id in post_ids)

    @property
    def billed(self) -> int:
        return len(self.pairs)


class Meter:
    """Which reader is asking now, and on which simulated day: the sandbox's pages are recorded against it."""

    def __init__(self, state):
        self.ledger: Ledger | None = None
        self.day = None
        original = state.page

        def page(*args, **kwargs):
            found, more = original(*args, **kwargs)
            if self.ledger is not None:
                self.ledger.add([stored.post.id for stored in found], self.day)
            return found, more

        state.page = page

    def reading(self, ledger: Ledger, day):
        self.ledger, self.day = ledger, day
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.ledger = None


def writes_cost(days: int) -> tuple[Decimal, Counter]:
    """The month's own posts, priced by tweets/costs.py (the same for either way of reading)."""
    from accounts.models import TwitterAccount
    from tweets.costs import cost_of

    total, kinds = Decimal(0), Counter()
    for account in TwitterAccount.objects.all():
        posts, with_link, with_image = POSTS_A_DAY.get(account.kind, (0, 0, 0))
        texts = [f"Update {n} https://www.gov.uk/x" if n < with_link else f"Update {n}" for n in range(posts)]
        alt_texts = [1 if n >= posts - with_image else 0 for n in range(posts)]
        for text, alts in zip(texts, alt_texts, strict=True):
            cost = cost_of([text], alt_texts=[alts])
            total += cost.total * days
            kinds[cost.posts[0].kind] += days
    reply = cost_of(["Thanks for getting in touch: we have replied by email."], is_reply=True)
    total += reply.total * REPLIES_A_DAY * days
    kinds[reply.posts[0].kind] += REPLIES_A_DAY * days
    return total, kinds


def run(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from accounts import demo as accounts_demo
    from accounts.models import TwitterAccount
    from monitoring import demo as monitoring_demo
    from monitoring import ingest
    from monitoring.models import Mention, MentionMatch, Monitor, PollCursor
    from twitter_api import client, prices
    from twitter_api.sandbox import SandboxState, start_in_thread
    from twitter_api.sandbox.simulator import Simulator, inject_kwargs

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    accounts_demo.seed()
    monitoring_demo.seed()

    state = SandboxState(
        consumer_key=settings.X_CONSUMER_KEY,
        consumer_secret=settings.X_CONSUMER_SECRET,
        bearer_tokens=(settings.X_BEARER_TOKEN,),
        query_length_limit=settings.X_QUERY_LENGTH_LIMIT,
        rate_limits={"GET /2/users/:id/mentions": 1_000_000, "GET /2/tweets/search/recent": 1_000_000},
    )
    state.search_window = None  # the simulated month lies in the past; X's 7 days would hide it
    accounts = list(TwitterAccount.objects.order_by("pk"))
    for account in accounts:
        state.add_user(
            id=account.x_user_id,
            username=account.handle,
            name=account.display_name,
            verified=True,
            followers_count=25_000,
            access_token=account.access_token,
            access_token_secret=account.access_token_secret,
        )
    meter = Meter(state)
    server = start_in_thread(state, port=0)
    settings.X_API_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.X_REQUEST_TIMEOUT_SECONDS = 120
    settings.MONITORING_MAX_PAGES = 100_000
    settings.X_MONTHLY_READ_BUDGET = 100_000_000

    monitors = list(Monitor.objects.filter(is_active=True).order_by("pk"))
    cursors = ingest.cursors_sync()
    cursor_ids = [c.pk for c in cursors]
    searches = [c for c in cursors if c.kind == PollCursor.Kind.SEARCH]

    dovecote, usual = Ledger(), Ledger()
    usual_search_since: dict[int, str | None] = {m.pk: None for m in monitors}
    usual_timeline_since: dict[int, str | None] = {a.pk: None for a in accounts}
    simulator = Simulator(args.seed)
    start = datetime.now(tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=args.days)
    burst = max(1, args.posts_per_day // args.cycles_per_day)
    step = timedelta(days=1) / (burst * args.cycles_per_day)
    restart_cycles = {round(n * args.cycles_per_day / args.restarts_per_day) for n in range(args.restarts_per_day)}
    restarts = 0
    errors = Counter()

    def drain(stream) -> str | None:
        """Read every page; the newest post id seen, the next poll's since_id."""
        for _page in stream:
            pass
        return str(stream.newest) if stream.newest else None

    for day in range(args.days):
        day_start = start + timedelta(days=day)
        for cycle in range(args.cycles_per_day):
            at = day_start + step * burst * cycle
            with state.lock:
                for n in range(burst):
                    fields = simulator.next_post()
                    posted = state.inject_post(**inject_kwargs(fields), created_at=at + step * n)
                    simulator.remember(posted["id"])
            poll_day = (at + step * burst).date()  # the polls run as the burst ends
            with meter.reading(dovecote, poll_day):
                for pk in cursor_ids:
                    outcome = ingest.cursor_poll(cursor_id=pk)
                    if outcome.status != "stored":
                        errors[f"dovecote {outcome.status}: {outcome.message}"] += 1
            if day and cycle in restart_cycles:  # the usual reader restarts: its timelines start again
                restarts += 1
                usual_timeline_since = dict.fromkeys(usual_timeline_since)
            with meter.reading(usual, poll_day):
                for monitor in monitors:
                    stream = client.search_pages(
                        monitor.query, since_id=usual_search_since[monitor.pk], max_pages=100_000, context="usual"
                    )
                    usual_search_since[monitor.pk] = drain(stream) or usual_search_since[monitor.pk]
                for account in accounts:
                    since = usual_timeline_since[account.pk]
                    stream = client.mentions_pages(
                        account,
                        since_id=since,
                        max_pages=TIMELINE_REREAD_PAGES if since is None else 100_000,
                        context="usual",
                    )
                    usual_timeline_since[account.pk] = drain(stream) or since
    server.shutdown()
    elapsed = time.perf_counter() - started

    price = prices.current()
    kept = set(MentionMatch.objects.values_list("mention__tweet_id", flat=True).distinct())
    wasted_pairs = sum(1 for post_id, _day in dovecote.pairs if int(post_id) not in kept)
    writes, write_kinds = writes_cost(args.days)
    dovecote_reads = price.post_read * dovecote.billed
    usual_reads = price.post_read * usual.billed
    dovecote_total, usual_total = dovecote_reads + writes, usual_reads + writes

    taken = price.taken.isoformat() if price.taken else "unknown"
    print()
    print(
        f"Cost benchmark: {args.days} simulated days of the demo department, {len(state.posts):,} public posts "
        f"({args.posts_per_day:,} a day in {args.cycles_per_day} bursts), {len(monitors)} monitors, "
        f"{len(accounts)} accounts; X's prices as taken on {taken} (read ${price.post_read} a post, "
        f"post ${price.post}, with a link ${price.post_with_url}, summoned reply ${price.summoned_reply}, "
        f"alt text ${price.alt_text})"
    )
    print(
        f"  Dovecote: {len(searches)} packed searches for {len(monitors)} monitors + "
        f"{len(cursor_ids) - len(searches)} mentions search(es) for {len(accounts)} accounts; "
        f"{dovecote.returned:,} posts returned, {dovecote.billed:,} billed after X's same-day rule"
    )
    print(
        f"  usual way: {len(monitors)} searches (one per monitor) + {len(accounts)} mention timelines, "
        f"re-read after {restarts} restarts; {usual.returned:,} posts returned, {usual.billed:,} billed"
    )
    print(f"  own posts (the same both ways): {dict(write_kinds)} = ${writes:,.2f}")
    print(f"  reads:  Dovecote ${dovecote_reads:,.2f}   usual way ${usual_reads:,.2f}")
    print(f"  month:  Dovecote ${dovecote_total:,.2f}   usual way ${usual_total:,.2f}")
    ratio = dovecote_total / usual_total if usual_total else Decimal(0)
    read_ratio = dovecote_reads / usual_reads if usual_reads else Decimal(0)
    print(
        f"  ratio Dovecote / usual way: {ratio:.3f} for the month, {read_ratio:.3f} for reads "
        "(target: below 1, cheaper than the usual way)"
    )
    share = wasted_pairs / dovecote.billed if dovecote.billed else 0.0
    print(
        f"  paid reads Dovecote threw away (matched no monitor, named none of our accounts): {wasted_pairs:,} of "
        f"{dovecote.billed:,} = {share:.2%} (target: under 5%)"
    )
    print(f"  stored mentions: {Mention.objects.count():,}; run took {elapsed:.0f} s")
    if errors:
        print(f"  note: polls that did not store: {dict(errors)}")
    connections.close_all()


if __name__ == "__main__":
    main()
