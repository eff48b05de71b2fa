"""Post simulated public activity into the sandbox: `python manage.py x_simulate --rate 0.5 --seed 7`."""

import random
import time

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from twitter_api.sandbox.simulator import Simulator, inject_kwargs


class Command(BaseCommand):
    help = "Post realistic, reproducible public activity aimed at the demo department into the X sandbox."

    def add_arguments(self, parser):
        parser.add_argument("--rate", type=float, default=0.5, help="Posts per second on average.")
        parser.add_argument("--seed", type=int, default=7, help="Same seed, same posts in the same order.")
        parser.add_argument("--count", type=int, default=0, help="Stop after this many posts (0: never stop).")
        parser.add_argument("--sandbox-url", default="", help="Defaults to X_API_BASE_URL, else http://127.0.0.1:8089.")
        parser.add_argument(
            "--wait", type=float, default=0, help="Give up if the sandbox is not up after this many seconds (0: never)."
        )

    def handle(self, *args, rate, seed, count, sandbox_url, wait, **options):
        if rate <= 0:
            raise CommandError("--rate must be more than 0 posts per second.")
        url = (sandbox_url or settings.X_API_BASE_URL or "http://127.0.0.1:8089").rstrip("/")
        if "api.twitter.com" in url or "api.x.com" in url:
            raise CommandError("The simulator only posts into the local sandbox, never to the real X.")
        session = requests.Session()
        session.trust_env = False
        self._wait_for(session, url, wait)
        simulator = Simulator(seed)
        pacing = random.Random(seed)
        sent = 0
        self.stdout.write(f"Simulating public activity into {url} at {rate}/s (seed {seed}).")
        while not count or sent < count:
            post = simulator.next_post()
            data = self._send(session, url, inject_kwargs(post), wait)
            simulator.remember(data["id"])
            message = simulator.next_direct_message()
            if message is not None:
                self._send(session, url, message, wait, path="/_sandbox/dms")
                if options["verbosity"] > 1:
                    self.stdout.write(f"[direct message] @{message['from']}: {message['text']}")
            sent += 1
            if options["verbosity"] > 1:
                self.stdout.write(f"[{post['category']}] @{post['author_username']}: {post['text']}")
            if not count or sent < count:
                time.sleep(pacing.expovariate(rate))
        self.stdout.write(f"Posted {sent} simulated posts.")

    def _wait_for(self, session, url, wait):
        """Wait for the sandbox (it may still be starting, e.g. under honcho), saying so every 15 seconds."""
        started = time.monotonic()
        said = started
        while True:
            try:
                if session.get(f"{url}/_sandbox/health", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            now = time.monotonic()
            if wait and now - started > wait:
                raise CommandError(f"The X sandbox at {url} did not answer. Start it with `manage.py x_sandbox`.")
            if now - said > 15:
                self.stderr.write(f"Waiting for the X sandbox at {url}...")
                said = now
            time.sleep(1)

    def _send(self, session, url, fields, wait, path="/_sandbox/posts") -> dict:
        """Post one item, waiting for the sandbox to come back if it went away (e.g. restarted)."""
        while True:
            try:
                response = session.post(f"{url}{path}", json=fields, timeout=10)
                response.raise_for_status()
                return response.json()["data"]
            except requests.RequestException as exc:
                self.stderr.write(f"Could not reach the sandbox ({exc}); retrying.")
                self._wait_for(session, url, wait)
