"""Prometheus metrics shared by every stage, so one scrape config covers them all.

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

ITEMS_COLLECTED = Counter("veille_items_collected_total", "Items published by collectors", ["source"])
ITEMS_DROPPED = Counter(
    "veille_items_dropped_total", "Items dropped by the collection pipeline", ["source", "reason"]
)
COLLECT_ERRORS = Counter(
    "veille_collect_errors_total", "Errors while collecting, by kind", ["source", "kind"]
)
STAGE_MESSAGES = Counter(
    "veille_stage_messages_total", "Messages handled by a stage", ["stage", "outcome"]
)
STAGE_LAG = Gauge("veille_stage_lag", "Messages waiting for a stage", ["stage"], multiprocess_mode="max")
ALERT_OUTCOMES = Counter(
    "veille_alerts_total", "Rule matches by what became of them", ["rule", "outcome"]
)
STAGE_BATCH_SECONDS = Histogram("veille_stage_batch_seconds", "Time to handle one batch", ["stage"])
# Source health (crawlers.source_health), set by each check; errors by kind are COLLECT_ERRORS.
SOURCE_LAST_SUCCESS = Gauge(
    "veille_source_last_success_timestamp", "Unix time the source's last successful round ended",
    ["source"], multiprocess_mode="max",
)
SOURCE_LAST_NEW_ITEM = Gauge(
    "veille_source_last_new_item_timestamp", "Unix time the source last gave a new item",
    ["source"], multiprocess_mode="max",
)
SOURCE_ITEMS_PER_DAY = Gauge(
    "veille_source_items_per_day", "New items per day over the last 7 days", ["source"],
    multiprocess_mode="mostrecent",
)
SOURCE_COMPLETENESS = Gauge(
    "veille_source_completeness",
    "Share of the source's recent items with title, date, body and language", ["source"],
    multiprocess_mode="mostrecent",
)
SOURCE_BROKEN = Gauge(
    "veille_source_broken", "1 while the source's health status is broken", ["source"],
    multiprocess_mode="mostrecent",
)


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
