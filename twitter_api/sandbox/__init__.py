"""A local X API v2 sandbox: in-memory state (state.py), an HTTP server (server.py), a simulator (simulator.py)."""

from twitter_api.sandbox.server import SandboxServer, start_in_thread
from twitter_api.sandbox.state import Faults, SandboxState

__all__ = ["Faults", "SandboxServer", "SandboxState", "start_in_thread"]
