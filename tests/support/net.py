"""Local ports and plain HTTP GETs (a process's /metrics and /healthz)."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request


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
