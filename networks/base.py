"""What every network's provider offers, and which provider an account uses.

An account is duck-typed, as in `twitter_api`: `network`, `handle`, `instance_url` (Mastodon), `x_user_id` (the id
the network knows the account by: X's numeric id, Bluesky's DID, Mastodon's account id), `access_token` (X's OAuth
1.0a token, Bluesky's app password, Mastodon's access token), `access_token_secret` (X only), `has_credentials`,
`max_characters` (Mastodon: the instance's limit, read when the account is connected) and `pk`.

Errors are `twitter_api.errors`' (XApiError and its kinds: Transient with `uncertain`, RateLimited with `reset_at`,
Forbidden with `is_duplicate`, NotFound, CredentialsRejected, InvalidRequest): each provider raises them with a
message naming its own network, so the engine decides retries, reconciling and failures once for all of them.
"""

from importlib import import_module
from typing import Protocol

from twitter_api.types import XPage, XPost, XProfile

X = "x"
BLUESKY = "bluesky"
MASTODON = "mastodon"
NETWORKS = (X, BLUESKY, MASTODON)
NETWORK_CHOICES = [(X, "X"), (BLUESKY, "Bluesky"), (MASTODON, "Mastodon")]
LABELS = dict(NETWORK_CHOICES)

_MODULES = {X: "networks.x", BLUESKY: "networks.bluesky.provider", MASTODON: "networks.mastodon.provider"}


class Provider(Protocol):
    """One network, as the apps use it. Every call is metered (a `twitter_api.models.ApiCall` row per HTTP request,
    `endpoint` prefixed with the network for Bluesky and Mastodon) and honours the network's rate limits by raising
    RateLimited with its reset time (never sleeping)."""

    name: str  # "x", "bluesky", "mastodon"
    label: str  # "X", "Bluesky", "Mastodon"
    max_media: int  # images a post may carry
    alt_text_limit: int  # characters of alt text per image

    def post_create(
        self,
        account,
        *,
        text: str,
        reply_to_id: str | None = None,
        media_ids: list[str] | None = None,
        idempotency_key: str = "",
        context: str = "",
    ) -> XPost:
        """Publish a post as the account (`reply_to_id`: the network's id of the post it answers). The key names
        this attempt: a network that can use it to refuse or merge a repeat (Mastodon's Idempotency-Key, a record
        key on Bluesky) does. Raises Transient(uncertain=True) when the post may have been made."""

    def post_delete(self, account, *, post_id: str, context: str = "") -> None:
        """Delete one of the account's posts; NotFound when it is gone already."""

    def recent_posts(self, account, *, context: str = "") -> list[XPost]:
        """The account's own latest posts, newest first (one page): to reconcile a publish whose outcome is not
        known (`reply_to_post_id` set on replies, as the network's id of the parent)."""

    def media_upload(self, account, *, data: bytes, mime_type: str, alt_text: str, context: str = "") -> str:
        """Upload one image with its alt text; the id (or reference) to pass in `post_create(media_ids=…)`."""

    def mentions_since(self, account, *, since_id: str | None = None, max_pages: int = 5, context: str = "") -> XPage:
        """Posts mentioning or replying to the account, newest first, after the cursor `since_id` (whatever the
        network uses as a cursor; `XPage.newest_id` is the next one). Items that cannot be read are set aside."""

    def search(
        self, account, *, query: str, since_id: str | None = None, max_pages: int = 5, context: str = ""
    ) -> XPage:
        """Recent public posts matching plain words or a hashtag, read as the account, newest first."""

    def profile(self, account, *, context: str = "") -> XProfile:
        """The account's profile as the network shows it now."""

    def post_url(self, account, post_id: str) -> str:
        """Where a person reads the post on the network."""


def provider_named(network: str) -> Provider:
    """The provider of a network by its name ("x", "bluesky", "mastodon"); KeyError for any other."""
    return import_module(_MODULES[network]).PROVIDER


def provider_for(account) -> Provider:
    """The provider of the account's network (X for an account that says none)."""
    return provider_named(getattr(account, "network", "") or X)


def stored_id(network_post_id: str, created_at) -> int:
    """A local 63-bit id for a post on Bluesky or Mastodon (monitoring keys every post by one integer): minted as an
    X id would be from the post's time, its low 22 bits from its own id, so posts of every network sort by time."""
    from hashlib import blake2b

    from twitter_api.types import snowflake_for

    low = int.from_bytes(blake2b(network_post_id.encode("utf-8", "surrogatepass"), digest_size=4).digest()) & 0x3FFFFF
    return snowflake_for(created_at, low)
