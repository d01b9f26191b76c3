"""Prometheus metrics shared by every stage, so one scrape config covers them all.

Collection rounds run in child processes; with `PROMETHEUS_MULTIPROC_DIR` set (as `veille run`
does when `VEILLE_METRICS_PORT` is given) every process writes its counters there and the
parent's /metrics endpoint adds them up.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
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
STAGE_BATCH_SECONDS = Histogram("veille_stage_batch_seconds", "Time to handle one batch", ["stage"])


def serve_metrics(port: int) -> None:
    """Starts the /metrics endpoint when a port is configured (VEILLE_METRICS_PORT)."""
    if not port:
        return
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        start_http_server(port, addr="127.0.0.1", registry=registry)
    else:
        start_http_server(port, addr="127.0.0.1")
