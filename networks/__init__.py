"""The social networks Dovecote governs accounts on: X, Bluesky and Mastodon, each one provider.

A provider does what the apps ask of a network (publish, delete, upload media with alt text, read the account's
recent posts, mentions, search, the account's profile) and answers in the same plain data (`twitter_api.types`)
and the same domain errors (`twitter_api.errors`), so the publishing engine, retraction, polling and the
tripwire keep one path for every network. `provider_for(account)` picks it by `account.network`.

Layering: `networks` sits beside `core` and `twitter_api` (it imports them, never an app). X's provider is a thin
adapter over `twitter_api`; Bluesky's and Mastodon's are in `networks/bluesky/` and `networks/mastodon/`, and
nothing outside a provider imports its client library (`atproto`, `mastodon`).
"""

from networks.base import BLUESKY, MASTODON, NETWORK_CHOICES, NETWORKS, Provider, X, provider_for, provider_named

__all__ = ["BLUESKY", "MASTODON", "NETWORKS", "NETWORK_CHOICES", "X", "Provider", "provider_for", "provider_named"]
