"""The collectors' Prometheus metrics, declared where they are updated (`crawlers.round_report`,
`crawlers.pipelines`, `crawlers.source_health`); the registry, the multiprocess folder and the
/metrics endpoint are `veille.metrics`. Like it, this module must be first imported after
`PROMETHEUS_MULTIPROC_DIR` is chosen (`source_health` imports it inside a function)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

ITEMS_COLLECTED = Counter("veille_items_collected_total", "Items published by collectors", ["source"])
ITEMS_DROPPED = Counter(
    "veille_items_dropped_total", "Items dropped by the collection pipeline", ["source", "reason"]
)
COLLECT_ERRORS = Counter(
    "veille_collect_errors_total", "Errors while collecting, by kind", ["source", "kind"]
)
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
