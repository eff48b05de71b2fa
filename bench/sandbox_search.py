"""How fast the sandbox answers with a large state: `.venv/bin/python bench/sandbox_search.py [posts]`.

Prints figures only (no assertions): time to fill the state in-process with simulated posts, then the
median and worst time of searches and mention reads over HTTP, with and without since_id.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(count: int = 200_000) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dovecote.settings")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    import requests

    from twitter_api.sandbox import SandboxState, start_in_thread
    from twitter_api.sandbox.simulator import CORPORATE, JOURNALIST_USERNAMES, populate

    state = SandboxState(rate_limits={})
    corporate = state.add_user(id="1500000000000000001", username=CORPORATE)
    started = time.perf_counter()
    ids = populate(state, count, seed=1)
    print(f"populate {count:,} posts in-process: {time.perf_counter() - started:.1f} s")

    server = start_in_thread(state)
    session = requests.Session()
    session.trust_env = False
    headers = {"Authorization": "Bearer sandbox-bearer-token"}
    fields = {
        "tweet.fields": "created_at,conversation_id,lang,in_reply_to_user_id,entities,referenced_tweets,author_id",
        "expansions": "author_id",
        "user.fields": "username,name,verified,public_metrics",
        "max_results": 100,
    }
    query = f'@{CORPORATE} OR passport OR "green homes grant" OR #BusFareCap OR from:{JOURNALIST_USERNAMES[0]}'

    def timed(label, params, *, n=20, path="/2/tweets/search/recent"):
        times = []
        for _ in range(n):
            before = time.perf_counter()
            response = session.get(server.url + path, params={**fields, **params}, headers=headers, timeout=60)
            times.append(time.perf_counter() - before)
            response.raise_for_status()
        results = response.json()["meta"]["result_count"]
        print(
            f"{label}: median {statistics.median(times) * 1000:.1f} ms, worst {max(times) * 1000:.1f} ms "
            f"({results} results, {n} requests)"
        )

    timed("search, since_id 500 posts back, 5-way OR query", {"query": query, "since_id": ids[-500]})
    timed("search, since_id at the newest post (nothing new)", {"query": query, "since_id": ids[-1]}, n=50)
    timed("search, no since_id, first page of a common query", {"query": query})
    timed(f"search, no since_id, a query matching nothing (scans all {count:,})", {"query": "zebra crossing"}, n=3)
    timed(
        "mentions, since_id 500 posts back",
        {"since_id": ids[-500]},
        path=f"/2/users/{corporate.id}/mentions",
    )
    server.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
