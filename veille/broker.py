"""Which Dramatiq broker the collection jobs go through.

Redis when `VEILLE_REDIS_URL` is set (distributed mode, `dramatiq crawlers.jobs` workers);
otherwise an in-process StubBroker whose worker runs inside `veille run` (embedded default).
The broker must be chosen before any actor module is imported.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker

REDIS_IDLE_POLL_MS = 100
"""Longest pause of an idle worker between two looks at a Redis queue. Dramatiq's Redis
consumer does not block on Redis: after each empty fetch it sleeps 5, 10, 20 … ms (jittered),
up to the worker's `worker_timeout`, 1 s by default, so the first alert after a quiet spell
waited 0.5–1 s in the queue (bench/alerts.py: raised → webhook p50 0.76 s at 50 items/s).
Capped at 100 ms, that wait is at most 0.1 s; the price is at most ~20 fetches a second per
idle queue (one short Lua call each), nothing beside the rest of a worker's work."""


def _capped_redis_broker(url: str, namespace: str) -> dramatiq.Broker:
    """A RedisBroker whose consumers wait at most REDIS_IDLE_POLL_MS when idle, whatever
    `worker_timeout` the worker was built with (veille's stages or `dramatiq …` on the command
    line: both import this module)."""
    from dramatiq.brokers.redis import RedisBroker

    class CappedRedisBroker(RedisBroker):
        def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000):  # type: ignore[override]
            return super().consume(queue_name, prefetch, min(timeout, REDIS_IDLE_POLL_MS))

    return CappedRedisBroker(url=url, namespace=namespace)


def setup_broker() -> dramatiq.Broker:
    from veille.settings import get_settings

    url = get_settings().redis_url
    if url:
        broker: dramatiq.Broker = _capped_redis_broker(url, f"{get_settings().namespace}.dramatiq")
    else:
        broker = StubBroker()
        broker.emit_after("process_boot")
    dramatiq.set_broker(broker)
    return broker


broker = setup_broker()
