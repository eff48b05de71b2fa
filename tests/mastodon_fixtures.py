"""The local Mastodon sandbox for tests: `mastodon_sandbox` serves it on a free loopback port for the whole session.

Each test gets it empty (no users, statuses, faults, rate-limit windows; every instance's limit 500) and with
settings.MASTODON_API_BASE_URL pointing at it, so networks.mastodon.provider reaches it through Mastodon.py as it
would reach an instance. The server runs in a thread of the test process: tests can reach the state directly
(`mastodon_sandbox.state`).
"""

from datetime import datetime

import pytest

from networks.mastodon.sandbox import Faults, MastodonState, start_in_thread


class MastodonSandboxHandle:
    """What a test uses to arrange Mastodon's side of the world."""

    def __init__(self, server):
        self.server = server
        self.state: MastodonState = server.state
        self.url = server.url

    def reset(self) -> None:
        """Forget everything: users, tokens, statuses, media, notifications, faults, limits, the request log."""
        self.state.reset()

    def register_account(self, account):
        """Make the sandbox accept the TwitterAccount's access token as its account (x_user_id) on its instance."""
        handle = account.handle.lstrip("@")
        username, _, host = handle.partition("@")
        return self.state.add_user(
            username,
            id=account.x_user_id,
            host=host or None,
            display_name=account.display_name,
            followers_count=12_000,
            access_token=account.access_token,
        )

    def add_user(self, acct: str, **kwargs):
        """A user by `name` (of the default instance) or `name@host`; kwargs as MastodonState.add_user."""
        return self.state.add_user(acct, **kwargs)

    def inject_status(
        self,
        author_acct: str,
        text: str,
        in_reply_to_id: str | None = None,
        *,
        created_at: datetime | None = None,
        language: str = "en",
    ) -> dict:
        """A public status by someone else (made a user if new), rendered as Mastodon would."""
        author = self.state.add_user(author_acct)
        status = self.state.create_status(
            author,
            text,
            in_reply_to_id=int(in_reply_to_id) if in_reply_to_id else None,
            created_at=created_at,
            language=language,
        )
        with self.state.lock:
            return self.state.render_status(status)

    def statuses_by(self, account_id: str) -> list[dict]:
        """The account's statuses that are not deleted, newest first, as Mastodon renders them, with their `text`
        (as the author wrote it) and `media_ids`."""
        with self.state.lock:
            return [
                {**self.state.render_status(s, with_text=True), "media_ids": list(s.media_ids)}
                for s in self.state.statuses_by(account_id)
            ]

    def set_faults(self, **faults) -> Faults:
        """latency (s), force_5xx (count), status_5xx, force_429 (count), drop_connection (count),
        drop_after_accept (count: the status is made, the connection closed unanswered), malformed (raw items served
        once in the next notifications, search or hashtag page), media_processing_polls, search_enabled."""
        return self.state.set_faults(**faults)

    def set_max_characters(self, n: int, *, host: str | None = None) -> None:
        """The instance's limit on a status's length (every instance's when host is None)."""
        if host is None:
            self.state.default_max_characters = n
        else:
            self.state.max_characters[host] = n

    @property
    def requests(self) -> list[tuple[str, str, int | None, str]]:
        """(method, path, status, instance host) of every request, oldest first (status None: dropped)."""
        with self.state.lock:
            return list(self.state.request_log)


@pytest.fixture(scope="session")
def _mastodon_sandbox_server():
    server = start_in_thread(MastodonState())
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def mastodon_sandbox(_mastodon_sandbox_server, settings):
    handle = MastodonSandboxHandle(_mastodon_sandbox_server)
    handle.reset()
    handle.state.default_max_characters = 500
    settings.MASTODON_API_BASE_URL = handle.url
    yield handle
    handle.reset()


@pytest.fixture
def mastodon_account(db, mastodon_sandbox, settings):
    """comms@social.example.gov.uk, a Mastodon account the sandbox knows by its token."""
    from tests.factories import TwitterAccountFactory

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    account = TwitterAccountFactory(
        network="mastodon",
        handle="comms@social.example.gov.uk",
        display_name="Department for Comms",
        instance_url="https://social.example.gov.uk",
        access_token="token",
        access_token_secret="",
        x_user_id="10937",
    )
    mastodon_sandbox.register_account(account)
    return account
