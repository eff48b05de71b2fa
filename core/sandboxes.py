"""What every local sandbox (X's in twitter_api/sandbox, Bluesky's and Mastodon's in networks/) shares: a loopback
HTTP server in a thread, its state saved atomically to a file when it changed, and a command's serve-and-save loop.
Each sandbox keeps its own protocol, state and faults; only this plumbing is one."""

import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer


class SavedState:
    """Saving and loading a sandbox's state (a mixin): the class has `lock`, `_dirty`, `to_dict()` and
    `load_dict(data)`; `save_prefix` names its temporary files."""

    save_prefix = ".sandbox-"

    def save(self, path: str) -> None:
        """Write the state atomically (temp file + rename) if it changed since the last save."""
        with self.lock:
            if not self._dirty:
                return
            data = self.to_dict()
            self._dirty = False
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=self.save_prefix, suffix=".json")
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
        os.replace(tmp, path)

    def load(self, path: str) -> bool:
        if not os.path.exists(path):
            return False
        with open(path) as handle:
            self.load_dict(json.load(handle))
        return True


class LoopbackServer(ThreadingHTTPServer):
    """A sandbox's server: its state, its request handler (`handler`), and its address as a URL."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    handler = None  # the sandbox's BaseHTTPRequestHandler

    def __init__(self, address, state, *, state_file: str | None = None, verbose: bool = False):
        self.state = state
        self.state_file = state_file
        self.verbose = verbose
        super().__init__(address, self.handler)

    def handle_error(self, request, client_address):
        # A client that gave up (timeout) or a connection dropped on purpose is not an error here.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def serve_in_thread(server_class: type[LoopbackServer], state, *, host: str, port: int, name: str, **kwargs):
    """Serve the state from a daemon thread (port 0 picks a free one); stop with server.shutdown()."""
    server = server_class((host, port), state, **kwargs)
    threading.Thread(target=server.serve_forever, name=name, daemon=True).start()
    return server


def serve_until_stopped(server, state, *, state_file: str | None, save_interval: float, say: Callable) -> None:
    """A sandbox command's life: save the state every `save_interval` seconds while it serves, and once more when
    SIGINT or SIGTERM stops it."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.wait(save_interval):
            if state_file:
                state.save(state_file)
    finally:
        server.shutdown()
        server.server_close()
        if state_file:
            state.save(state_file)
            say(f"Saved the sandbox to {state_file}.")
