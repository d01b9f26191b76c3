"""Local ports, plain HTTP GETs (a process's /metrics and /healthz), and throwaway local sites."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator


def free_port() -> int:
    """A localhost port nothing listens on now (for a process's /metrics and /healthz)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, timeout: float = 5) -> tuple[int, str]:
    """(status, body) of GET http://127.0.0.1:port/path; error statuses are answers too.
    Raises OSError when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@contextlib.contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[int]:
    """Serves `handler` on a free loopback port in a daemon thread; yields the port (also set
    as `handler.port`, for handlers that write their own links)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield handler.port
    finally:
        server.shutdown()
