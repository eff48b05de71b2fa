"""The Bluesky sandbox for tests (filled in with the sandbox)."""
