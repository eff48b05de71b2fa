"""The Mastodon sandbox for tests (filled in with the sandbox)."""
