"""Alert delivery inside a veille process: a Dramatiq worker for the delivery queue, the
recovery of deliveries an in-process broker lost, and the one wait for deliveries at the end
of a one-shot command (`veille run --once`, `veille demo`, `veille sources status`).

Dramatiq and the delivery actor are imported inside the functions: importing this module
loads nothing (prometheus_client must not be loaded before a process chooses its metrics
folder).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sinks.alerts.stage import AlertEngine

log = logging.getLogger(__name__)


def delivery_worker(threads: int, queues: set[str] | None = None):
    """A Dramatiq worker in this process (the delivery actor declared first)."""
    import dramatiq

    import sinks.alerts.delivery  # noqa: F401 - declares the delivery actor
    from veille.broker import broker

    worker = dramatiq.Worker(broker, worker_threads=threads, queues=queues)
    worker.start()
    return worker


def recover_deliveries(engine: AlertEngine) -> None:
    """Embedded default only: deliveries queued in the in-process broker died with the last
    process; send again what the delivery ledger has not seen through."""
    from dramatiq.brokers.stub import StubBroker

    from veille.broker import broker

    if isinstance(broker, StubBroker):
        from sinks.alerts.ledger import open_ledger

        ledger = open_ledger()
        try:
            engine.recover(ledger)
        finally:
            ledger.close()


def drain_deliveries(running: Any = None, timeout: float = 120.0) -> None:
    """The one wait for alert deliveries at the end of a one-shot command: returns when the
    delivery queue is empty (retries included), so nothing raised is left undelivered in an
    in-process broker. `running`: this process's worker consuming the queue. Without one, on
    the in-process broker a worker is started for the wait; on Redis nothing is waited for
    (`veille alert` workers deliver)."""
    from dramatiq.brokers.stub import StubBroker

    from veille.broker import broker

    stub = isinstance(broker, StubBroker)
    if running is None and not stub:
        return
    worker = running or delivery_worker(1, {"alerts"})
    try:
        broker.join("alerts", timeout=int(timeout * 1000), **({"fail_fast": False} if stub else {}))
    except Exception as exc:  # noqa: BLE001 - a timeout: deliveries still retrying are in the ledger
        log.warning("alert deliveries still pending after %.0f s: %s", timeout, exc)
    finally:
        if running is None:
            worker.stop()


def finish_alerts(engine: AlertEngine, worker: Any, timeout: float = 120.0) -> None:
    """End of a one-shot run: what time passing raises (flatline), the held digests, then
    drain the deliveries."""
    engine.tick(force=True)
    engine.flush_due(force=True)
    drain_deliveries(worker, timeout)
