"""The source-health check's `on_broken` callback (crawlers/source_health.py reports a
breakage; it imports no sink): the built-in "source-broken" alert, raised by the one
`AlertEngine` like every rule's alert."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sinks.alerts.stage import AlertEngine


class SourceBrokenAlerts:
    """An `AlertEngine` of its own (the alert stage's runs in another thread), opened at the
    first breakage — so a collector starts even with the alert store's Elasticsearch down —
    and tolerant of a rules file it cannot read."""

    def __init__(self) -> None:
        self.engine: AlertEngine | None = None

    def __call__(self, health: Any, source: Any) -> Any:
        if self.engine is None:
            from sinks.alerts.stage import alert_engine

            self.engine = alert_engine(tolerant=True)
        return self.engine.raise_source_broken(health, source)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()
