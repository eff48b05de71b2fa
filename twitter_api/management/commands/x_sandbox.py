"""Run the local X API sandbox: `python manage.py x_sandbox --port 8089 [--state-file var/sandbox.json]`."""

from django.conf import settings
from django.core.management.base import BaseCommand

from core.sandboxes import serve_until_stopped
from twitter_api.sandbox import SandboxState, start_in_thread
from twitter_api.sandbox.demo import (
    DEMO_ACCOUNTS,
    DEMO_PUBLISHED,
    DEMO_PUBLISHED_HANDLE,
    demo_published_at,
    demo_published_id,
    demo_tokens,
)


class Command(BaseCommand):
    help = "Serve the local X API v2 sandbox, which knows the demo accounts and their tokens."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8089)
        parser.add_argument("--host", default="127.0.0.1", help="Loopback by default: the sandbox has no real auth.")
        parser.add_argument("--state-file", help="Load posts and users from this file and save them back.")
        parser.add_argument("--save-interval", type=float, default=10.0, help="Seconds between saves (if changed).")
        parser.add_argument("--verbose-requests", action="store_true", help="Log every request.")
        parser.add_argument(
            "--media-ttl", type=int, default=86_400, help="Seconds an uploaded media id lives (X: about a day)."
        )

    def handle(self, *args, port, host, state_file, save_interval, verbose_requests, media_ttl, **options):
        state = SandboxState(
            consumer_key=settings.X_CONSUMER_KEY,
            consumer_secret=settings.X_CONSUMER_SECRET,
            bearer_tokens=(settings.X_BEARER_TOKEN,),
            query_length_limit=settings.X_QUERY_LENGTH_LIMIT,
            oauth2_client_id=settings.X_OAUTH2_CLIENT_ID,
            oauth2_client_secret=settings.X_OAUTH2_CLIENT_SECRET,
        )
        if state_file and state.load(state_file):
            self.stdout.write(f"Loaded {len(state.posts)} posts and {len(state.users)} users from {state_file}.")
        state.media.ttl_seconds = media_ttl
        for handle, display_name, _kind, _team, _person, x_user_id in DEMO_ACCOUNTS:
            token, secret = demo_tokens(handle)
            state.add_user(
                id=x_user_id,
                username=handle,
                name=display_name,
                verified=True,
                followers_count=48_000,
                access_token=token,
                access_token_secret=secret,
            )
        _add_demo_published(state)
        server = start_in_thread(state, host=host, port=port, state_file=state_file, verbose=verbose_requests)
        self.stdout.write(f"X API sandbox listening on {server.url} (demo accounts: {len(DEMO_ACCOUNTS)}).")

        serve_until_stopped(server, state, state_file=state_file, save_interval=save_interval, say=self.stdout.write)


def _add_demo_published(state: SandboxState) -> None:
    """The posts seed_demo records as published before the demo began, on the account's timeline (once)."""
    author = state.users_by_name[DEMO_PUBLISHED_HANDLE.lower()]
    for number, days_ago, hour, minute, text in DEMO_PUBLISHED:
        post_id = demo_published_id(number)
        if post_id not in state.by_id:
            state.add_post(
                author=author, text=text, created_at=demo_published_at(days_ago, hour, minute), num=int(post_id)
            )
