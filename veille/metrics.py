"""Prometheus plumbing shared by every stage, so one scrape config covers them all: the
/metrics and /healthz endpoint, the multiprocess registry, and the stage metrics that
`veille.stage` updates. Each room declares its own metrics next to their use
(`crawlers/metrics.py`, `sinks.alerts.stage.ALERT_OUTCOMES`).

Collection rounds run in child processes; with `PROMETHEUS_MULTIPROC_DIR` set (as `veille run`
does when `VEILLE_METRICS_PORT` is given) every process writes its counters there and the
parent's /metrics endpoint adds them up.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

STAGE_MESSAGES = Counter(
    "veille_stage_messages_total", "Messages handled by a stage", ["stage", "outcome"]
)
STAGE_LAG = Gauge("veille_stage_lag", "Messages waiting for a stage", ["stage"], multiprocess_mode="max")
STAGE_BATCH_SECONDS = Histogram("veille_stage_batch_seconds", "Time to handle one batch", ["stage"])


HealthCheck = Callable[[], tuple[bool, dict]]


def serve_metrics(port: int, health: HealthCheck | None = None, host: str = "127.0.0.1") -> None:
    """Starts /metrics and /healthz when a port is configured (VEILLE_METRICS_PORT).

    /healthz answers 200 or 503 with a JSON body saying why, so an orchestrator can restart a
    stage that stopped turning and an operator can read what it is stuck on.
    """
    if not port:
        return
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                status, ctype, body = 200, CONTENT_TYPE_LATEST, generate_latest(registry)
            elif path == "/healthz":
                ok, detail = health() if health else (True, {})
                status, ctype = (200 if ok else 503), "application/json"
                body = json.dumps({"ok": ok, **detail}).encode()
            else:
                status, ctype, body = 404, "text/plain", b"try /metrics or /healthz\n"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - scrapes are not news
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
