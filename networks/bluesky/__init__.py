"""Bluesky: its provider (provider.py), its local sandbox (sandbox.py)."""
