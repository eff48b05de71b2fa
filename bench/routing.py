"""Routing benchmark: 100,000 generated posts against 2,000 monitors and 200 rules, in one process.

Prints posts per second for the project's router (one Aho-Corasick pass over each post's text, the query
matcher only on candidate monitors, only the rules whose indexed condition holds) and for a naive loop
that runs every monitor's matcher on every post. The naive loop is timed on a sample of posts and
extrapolated (it says so). Sentiment is an input to routing, computed at ingest; here it is generated.

    .venv/bin/python bench/routing.py [--posts 100000] [--monitors 2000] [--rules 200] [--naive-sample 2000]
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dovecote.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()  # monitoring.routing also holds the cached router, which reads the models

from monitoring.routing import PostFacts, Router, RuleSpec  # noqa: E402
from twitter_api.query import analyse  # noqa: E402
from twitter_api.types import XPost, XUser  # noqa: E402

COMMON = (
    "the a to and of in is for on my it with this that you at be have are not was but just so what when "
    "why how can will get still now today again all from about out up who they we our your their time day "
    "people help need want think really good bad new"
).split()


def vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(4, 10))))
    return sorted(words)


def generate_monitors(rng, topics, count):
    shapes = [
        lambda: rng.choice(topics),
        lambda: f"{rng.choice(topics)} {rng.choice(COMMON)}",
        lambda: f"({rng.choice(topics)} OR {rng.choice(topics)}) -{rng.choice(COMMON)}",
        lambda: f'"{rng.choice(topics)} {rng.choice(topics)}"',
        lambda: f"#{rng.choice(topics)} lang:en",
        lambda: f"{rng.choice(topics)} OR {rng.choice(topics)} OR {rng.choice(topics)} -is:retweet",
        lambda: f"@{rng.choice(topics)} {rng.choice(topics)}",
    ]
    return [(n + 1, rng.choice(shapes)()) for n in range(count)]


def generate_rules(rng, topics, monitors, count, teams=20):
    rules = []
    for n in range(count):
        kind = n % 10
        common = {"id": n + 1, "position": (n + 1) * 10, "name": f"rule {n}", "route_to_id": rng.randint(1, teams)}
        if kind < 5:
            spec = RuleSpec(**common, phrases=tuple(rng.sample(topics, 3)), tags=("phrase",))
        elif kind < 7:
            spec = RuleSpec(**common, monitor_id=rng.choice(monitors)[0], priority="high")
        elif kind < 8:
            spec = RuleSpec(**common, watchlist_id=rng.randint(1, 10), priority="high", tags=("press",))
        elif kind < 9:
            spec = RuleSpec(**common, account_id=rng.randint(1, 10))
        else:
            # Rules with only cheap conditions: checked for every post.
            spec = RuleSpec(
                **common,
                sentiment_below=-0.5 if n % 3 == 0 else None,
                language="cy" if n % 3 == 1 else "",
                min_followers=100_000 if n % 3 == 2 else None,
                tags=("cheap",),
            )
        rules.append(spec)
    return rules


def generate_posts(rng, topics, count):
    when = datetime(2026, 11, 20, tzinfo=UTC)
    # Followers as on X: most accounts small, a long tail of large ones.
    users = [
        XUser(id=str(n), username=f"user{n}", name=f"User {n}", followers_count=int(rng.paretovariate(1.2) * 40))
        for n in range(5000)
    ]
    posts = []
    for n in range(count):
        words = [rng.choice(COMMON) for _ in range(rng.randint(6, 20))]
        for _ in range(rng.choice((0, 0, 1, 1, 2))):  # most posts mention a topic or two, some none
            words.insert(rng.randrange(len(words)), rng.choice(topics))
        if n % 7 == 0:
            words.append(f"#{rng.choice(topics)}")
        if n % 5 == 0:
            words.insert(0, f"@{rng.choice(topics)}")
        post = XPost(
            id=str(10**18 + n),
            text=" ".join(words),
            author_id=str(n % 5000),
            created_at=when,
            lang="cy" if n % 50 == 0 else "en",
            author=users[n % 5000],
        )
        # VADER scores cluster near neutral; a fifth of posts are clearly negative or positive.
        sentiment = round(
            rng.uniform(-0.3, 0.3) if rng.random() < 0.8 else rng.choice((-1, 1)) * rng.uniform(0.3, 1), 3
        )
        accounts = frozenset({rng.randint(1, 10)}) if n % 4 == 0 else frozenset()
        posts.append(PostFacts(post=post, sentiment=sentiment, account_ids=accounts))
    return posts


def calibration_ms() -> float:
    """A fixed pure-Python loop, to compare this machine's speed with others (about 45 ms on a typical laptop)."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        sum(i * i for i in range(10**6))
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--monitors", type=int, default=2_000)
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--naive-sample", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    topics = vocabulary(rng, 6_000)
    monitors = generate_monitors(rng, topics, args.monitors)
    rules = generate_rules(rng, topics, monitors, args.rules)
    watchlists = {w: {f"user{rng.randint(0, 4999)}" for _ in range(50)} for w in range(1, 11)}
    posts = generate_posts(rng, topics, args.posts)

    started = time.perf_counter()
    router = Router(
        monitors=monitors,
        rules=rules,
        watchlists=watchlists,
        account_teams={a: a for a in range(1, 11)},
        triage_team_id=99,
    )
    build_seconds = time.perf_counter() - started

    started = time.perf_counter()
    matched_posts = total_matches = 0
    for facts in posts:
        decision = router.route(facts)
        if decision.monitor_ids:
            matched_posts += 1
            total_matches += len(decision.monitor_ids)
    router_seconds = time.perf_counter() - started
    router_rate = len(posts) / router_seconds

    # Naive: every monitor's matcher on every post (each post analysed once, to be fair to it).
    sample = posts[: args.naive_sample]
    queries = [router.queries[mid] for mid, _ in monitors]
    started = time.perf_counter()
    naive_matches = []
    for facts in sample:
        analysed = analyse(facts.post)
        naive_matches.append(
            [mid for (mid, _), q in zip(monitors, queries, strict=True) if q.matches_analysed(analysed)]
        )
    naive_seconds = time.perf_counter() - started
    naive_rate = len(sample) / naive_seconds
    agree = all(router.match_monitors(f.post) == m for f, m in zip(sample, naive_matches, strict=True))

    print(f"Routing benchmark: {len(posts):,} posts, {len(monitors):,} monitors, {len(rules):,} rules (one process)")
    print(f"  machine calibration: {calibration_ms():.0f} ms for a fixed 1M-step Python loop (best of 5)")
    print(f"  router built in {build_seconds:.2f} s (parse every query, one Aho-Corasick automaton)")
    print(
        f"  router:     {router_rate:>10,.0f} posts/s  ({router_seconds:.2f} s for {len(posts):,} posts, full routing)"
    )
    print(
        f"  naive loop: {naive_rate:>10,.0f} posts/s  (measured on a sample of {len(sample):,} posts in "
        f"{naive_seconds:.2f} s, extrapolated: ~{len(posts) / naive_rate:,.0f} s for {len(posts):,}; monitors only)"
    )
    print(f"  speed-up:   {router_rate / naive_rate:>10,.1f}x")
    print(
        f"  posts matching at least one monitor: {matched_posts / len(posts):.0%}; "
        f"matches per post {total_matches / len(posts):.2f}"
    )
    print(f"  router and naive loop agree on the sample's monitor matches: {agree}")
    print(
        f"  targets: >= 50,000 posts/s: {'met' if router_rate >= 50_000 else 'NOT met'}; >= 20x naive: "
        f"{'met' if router_rate / naive_rate >= 20 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
