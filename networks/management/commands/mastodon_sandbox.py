"""Run the local Mastodon sandbox: `python manage.py mastodon_sandbox --port 8092 [--state-file var/mastodon.json]`."""

from django.core.management.base import BaseCommand

from core.sandboxes import serve_until_stopped
from networks.demo import demo_accounts
from networks.mastodon.sandbox import DEFAULT_MAX_CHARACTERS, MastodonState, start_in_thread


class Command(BaseCommand):
    help = "Serve the local Mastodon sandbox (every instance's requests; the instance named by X-Forwarded-Host)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8092)
        parser.add_argument("--host", default="127.0.0.1", help="Loopback by default: the sandbox has no real auth.")
        parser.add_argument("--state-file", help="Load users and statuses from this file and save them back.")
        parser.add_argument("--save-interval", type=float, default=10.0, help="Seconds between saves (if changed).")
        parser.add_argument(
            "--max-characters", type=int, default=DEFAULT_MAX_CHARACTERS, help="Every instance's status limit."
        )
        parser.add_argument("--demo", action="store_true", help="Know the demo department's Mastodon accounts.")
        parser.add_argument("--verbose-requests", action="store_true", help="Log every request.")

    def handle(self, *args, port, host, state_file, save_interval, max_characters, demo, verbose_requests, **options):
        state = MastodonState(max_characters=max_characters)
        if state_file and state.load(state_file):
            self.stdout.write(f"Loaded {len(state.statuses)} statuses and {len(state.users)} users from {state_file}.")
        if demo:
            for account in demo_accounts("mastodon"):
                username, _, instance = account.handle.partition("@")
                state.add_user(
                    username,
                    id=account.user_id,
                    host=instance or None,
                    display_name=account.display_name,
                    followers_count=8_400,
                    access_token=account.credential,
                )
                _add_demo_mentions(state, account.handle)
        server = start_in_thread(state, host=host, port=port, state_file=state_file, verbose=verbose_requests)
        self.stdout.write(f"Mastodon sandbox listening on {server.url} ({len(state.users)} users).")

        serve_until_stopped(server, state, state_file=state_file, save_interval=save_interval, say=self.stdout.write)


DEMO_MENTIONS = [
    ("rpatel@mastodon.example.org", "@{handle} Is the new flood guidance out yet? The link on the website is broken."),
    ("localnews@press.example.com", "@{handle} Could the press office call us back about today's statement?"),
]


def _add_demo_mentions(state: MastodonState, handle: str) -> None:
    """A few mentions of the demo account by people on other instances, so its inbox has something (once)."""
    for author_acct, text in DEMO_MENTIONS:
        author = state.add_user(author_acct)
        if not state.statuses_by(author.id):
            state.create_status(author, text.format(handle=handle))
