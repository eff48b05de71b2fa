"""The local X API sandbox for tests: `x_sandbox` serves it on a free loopback port for the whole session.

Each test gets it empty (no users, posts, faults or rate-limit windows) and with settings.X_API_BASE_URL
pointing at it, so twitter_api.client reaches it through tweepy as it would reach X. The server runs in
a thread of the test process: tests can also reach the state directly (`x_sandbox.state`).
"""

from datetime import datetime

import pytest
from django.conf import settings as django_settings

from twitter_api.sandbox import SandboxState, start_in_thread


class SandboxHandle:
    """What a test uses to arrange X's side of the world."""

    def __init__(self, server):
        self.server = server
        self.state: SandboxState = server.state
        self.url = server.url

    def reset(self) -> None:
        """Forget everything: users, tokens, posts, faults, rate-limit windows, the request log."""
        self.state.reset(keep_users=False)

    def register_account(self, account):
        """Make the sandbox accept the TwitterAccount's tokens as its x_user_id, with its handle. An account on
        another network is not X's to know (the Bluesky and Mastodon sandboxes have their own register_account)."""
        if (getattr(account, "network", "") or "x") != "x":
            return None
        return self.state.add_user(
            id=account.x_user_id,
            username=account.handle,
            name=account.display_name,
            verified=True,
            followers_count=25_000,
            access_token=account.access_token,
            access_token_secret=account.access_token_secret,
        )

    def inject_post(
        self,
        author_username: str,
        text: str,
        *,
        in_reply_to_post_id: str | None = None,
        created_at: datetime | None = None,
        lang: str = "en",
        author_followers: int = 100,
        author_verified: bool = False,
        retweet_of: str | None = None,
        quote_of: str | None = None,
    ) -> dict:
        """A public post by someone else, rendered as X would with every tweet field."""
        return self.state.inject_post(
            author_username,
            text,
            in_reply_to_post_id=in_reply_to_post_id,
            created_at=created_at,
            lang=lang,
            author_followers=author_followers,
            author_verified=author_verified,
            retweet_of=retweet_of,
            quote_of=quote_of,
        )

    def posts_by(self, x_user_id: str) -> list[dict]:
        """The user's posts that are not deleted, newest first."""
        return self.state.posts_by(x_user_id)

    def set_faults(self, **faults):
        """latency (s), error_rate (0-1), error_status, force_5xx, force_429, drop_after_accept, drop_connection;
        malformed: items served once inside the next page of posts read, [{"post": {...}, "users": [{...}]}];
        media: faults per media upload step, {"append": 1, "finalize:drop": 1, ...} (twitter_api.sandbox.media)."""
        return self.state.set_faults(**faults)

    def set_rate_limit(self, endpoint: str, limit: int, *, window_seconds: int | None = None) -> None:
        """e.g. set_rate_limit("GET /2/users/:id/mentions", 2, window_seconds=60)."""
        self.state.set_rate_limit(endpoint, limit, window_seconds=window_seconds)

    def revoke(self, account) -> None:
        """X no longer accepts the account's tokens (as when the user revokes the app)."""
        self.state.revoke_token(account.access_token)

    @property
    def requests(self) -> list[tuple[str, str, int | None]]:
        """(method, path, status) of every request the sandbox received, oldest first (status None: dropped)."""
        return list(self.state.request_log)


@pytest.fixture(scope="session")
def _x_sandbox_server():
    state = SandboxState(
        consumer_key=django_settings.X_CONSUMER_KEY,
        consumer_secret=django_settings.X_CONSUMER_SECRET,
        bearer_tokens=(django_settings.X_BEARER_TOKEN,),
        query_length_limit=django_settings.X_QUERY_LENGTH_LIMIT,
        oauth2_client_id=django_settings.X_OAUTH2_CLIENT_ID,
        oauth2_client_secret=django_settings.X_OAUTH2_CLIENT_SECRET,
    )
    server = start_in_thread(state)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def x_sandbox(_x_sandbox_server, settings):
    handle = SandboxHandle(_x_sandbox_server)
    handle.reset()
    handle.state.query_length_limit = settings.X_QUERY_LENGTH_LIMIT
    settings.X_API_BASE_URL = handle.url
    yield handle
    handle.reset()
