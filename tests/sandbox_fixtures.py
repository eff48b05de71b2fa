"""Fixtures that run the local X API sandbox for tests (filled in by the X API layer)."""
