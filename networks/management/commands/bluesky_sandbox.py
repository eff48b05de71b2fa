"""Run the local Bluesky sandbox: `python manage.py bluesky_sandbox --port 8091 [--state-file var/bluesky.json]
[--demo]`."""

from django.core.management.base import BaseCommand

from core.sandboxes import serve_until_stopped
from networks.bluesky.sandbox import BlueskyState, start_in_thread
from networks.demo import demo_accounts


class Command(BaseCommand):
    help = "Serve the local Bluesky (AT Protocol XRPC) sandbox, which knows the demo accounts with --demo."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8091)
        parser.add_argument("--host", default="127.0.0.1", help="Loopback by default: the sandbox has no real auth.")
        parser.add_argument("--state-file", help="Load users, posts and sessions from this file and save them back.")
        parser.add_argument("--save-interval", type=float, default=10.0, help="Seconds between saves (if changed).")
        parser.add_argument("--demo", action="store_true", help="Add the demo department's Bluesky accounts.")
        parser.add_argument("--verbose-requests", action="store_true", help="Log every request.")

    def handle(self, *args, port, host, state_file, save_interval, demo, verbose_requests, **options):
        state = BlueskyState()
        if state_file and state.load(state_file):
            self.stdout.write(f"Loaded {len(state.posts)} posts and {len(state.users)} users from {state_file}.")
        if demo:
            for account in demo_accounts("bluesky"):
                state.add_user(
                    handle=account.handle,
                    did=account.user_id,
                    app_password=account.credential,
                    display_name=account.display_name,
                    description=f"The official account of the {account.display_name}.",
                )
        server = start_in_thread(state, host=host, port=port, verbose=verbose_requests)
        self.stdout.write(f"Bluesky sandbox listening on {server.url} ({len(state.users)} users).")

        serve_until_stopped(server, state, state_file=state_file, save_interval=save_interval, say=self.stdout.write)
