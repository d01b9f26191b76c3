"""A local webhook receiver for the alert-latency benchmark.

    with WebhookReceiver() as rx:
        ...  # point veille's webhook channel or ElastAlert2's `http_post2_url` at rx.url
        rx.wait_for(lambda deliveries: len(deliveries) >= 10, timeout=60)
        for d in rx.deliveries: print(d.at, d.body)

Every POST (any path) is answered 200 at once and recorded as a `Delivery`: the arrival
time (`time.time()`, taken before the body is parsed so JSON decoding does not count as
delivery latency), the parsed JSON body (or the raw text when it is not JSON), the headers
and the path. Wall-clock time rather than a monotonic clock, because the publisher whose
timestamps it is compared with runs in another process (veille's stages, ElastAlert2).

It listens on 127.0.0.1 only, on a free port chosen by the kernel, and serves each request in
its own thread, so a slow sender never delays another one's arrival time.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Delivery:
    """One POST the receiver got."""

    at: float  # time.time() when the request line and headers had arrived
    body: Any  # parsed JSON, or the body as text when it is not JSON
    headers: dict[str, str] = field(default_factory=dict)
    path: str = "/"
    raw: bytes = b""  # the body as sent (signatures are computed over these bytes)
    status: int = 200  # what the receiver answered


class WebhookReceiver:
    """Threaded HTTP server on 127.0.0.1 that records every POST; a context manager."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, status: int = 200,
                 script: list[int] | None = None, answer: bytes = b"{}", pause: float = 0.0) -> None:
        """`status` answers every POST, except that the first ones take their status from
        `script` in order (a receiver that fails twice then succeeds: `script=[500, 502]`);
        `answer` is the response body, sent after `pause` seconds. All four may be changed
        while the receiver runs."""
        self.status, self.script, self.answer, self.pause = status, list(script or []), answer, pause
        self._lock = threading.Condition()
        self._deliveries: list[Delivery] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                at = time.time()
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                text = raw.decode("utf-8", errors="replace")
                try:
                    body: Any = json.loads(text) if text else None
                except ValueError:
                    body = text
                time.sleep(receiver.pause)
                with receiver._lock:
                    status = receiver.script.pop(0) if receiver.script else receiver.status
                answer = receiver.answer
                # recorded before answering: once the sender has its answer, it is here
                receiver._record(Delivery(at, body, dict(self.headers.items()), self.path, raw, status))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Silence the per-request stderr line: a benchmark posts thousands."""

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> WebhookReceiver:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                name="webhook-receiver", daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what arrived ----------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """Base URL; any path under it is accepted (e.g. url + "/elastalert")."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def deliveries(self) -> list[Delivery]:
        """A snapshot (copy) of what arrived so far, in arrival order."""
        with self._lock:
            return list(self._deliveries)

    def clear(self) -> None:
        with self._lock:
            self._deliveries.clear()

    def wait_for(
        self, predicate: Callable[[list[Delivery]], bool], timeout: float
    ) -> bool:
        """Block until `predicate(deliveries)` holds or `timeout` seconds pass; returns whether
        it held. Woken by each arrival, so it adds no polling delay to a measurement."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(list(self._deliveries)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(remaining)
            return True

    def _record(self, delivery: Delivery) -> None:
        with self._lock:
            self._deliveries.append(delivery)
            self._lock.notify_all()
