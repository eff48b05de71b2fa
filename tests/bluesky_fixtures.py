"""The local Bluesky sandbox for tests: served on a free loopback port for the whole session.

Each test gets it empty (no users, posts, faults or sessions) and with settings.BLUESKY_API_BASE_URL pointing
at it, so the Bluesky provider reaches it through the atproto client as it would reach Bluesky. The server runs
in a thread of the test process: tests can also reach the state directly (`bluesky_sandbox.state`).
"""

from datetime import datetime

import pytest

from networks.bluesky.sandbox import BlueskyState, start_in_thread


class BlueskySandbox:
    """What a test uses to arrange Bluesky's side of the world."""

    def __init__(self, server):
        self.server = server
        self.state: BlueskyState = server.state
        self.url = server.url

    def reset(self) -> None:
        self.state.reset()

    def add_user(self, handle: str, **kwargs) -> dict:
        return self.state.add_user(handle=handle, **kwargs)

    def register_account(self, account) -> dict:
        """Make the sandbox accept the account's handle and app password, as its DID."""
        return self.state.add_user(
            handle=account.handle,
            did=account.x_user_id or None,
            app_password=account.access_token,
            display_name=account.display_name,
            description="The department's account.",
        )

    def inject_post(
        self,
        author_handle: str,
        text: str,
        *,
        reply_to_uri: str | None = None,
        quote_uri: str | None = None,
        mention_dids: list[str] | None = None,
        created_at: datetime | None = None,
    ) -> dict:
        """A post by someone else (made if unknown): a reply, a quote or a mention as Bluesky would store it."""
        return self.state.inject_post(
            author_handle,
            text,
            reply_to_uri=reply_to_uri,
            quote_uri=quote_uri,
            mention_dids=mention_dids,
            created_at=created_at,
        )

    def posts_by(self, did: str) -> list[dict]:
        """The user's posts that are not deleted, newest first."""
        return self.state.posts_by(did)

    def set_faults(self, **faults):
        """latency (s), force_5xx (count; error_status), force_429 (count), drop_after_accept (count: the post is
        made, the connection dropped before the answer), expire_tokens (every access token lapses), malformed
        (raw items served once at the top of the next page of notifications or search)."""
        return self.state.set_faults(**faults)

    def calls(self, nsid: str) -> int:
        """How many requests the sandbox received for one method."""
        return sum(1 for _, name, _ in self.state.request_log if name == nsid)

    @property
    def requests(self) -> list[tuple[str, str, int | None]]:
        """(method, nsid, status) of every request, oldest first (status None: dropped)."""
        return list(self.state.request_log)


@pytest.fixture(scope="session")
def _bluesky_sandbox_server():
    server = start_in_thread(BlueskyState())
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def bluesky_sandbox(_bluesky_sandbox_server, settings):
    handle = BlueskySandbox(_bluesky_sandbox_server)
    handle.reset()
    settings.BLUESKY_API_BASE_URL = handle.url
    yield handle
    handle.reset()
