"""The collector process (`veille crawl`): a Dramatiq worker for `crawl_source` jobs and, in
the process holding the leader lease (Redis), the scheduler that sends them. Any number run,
on any number of hosts; only the lease holder schedules, the others only collect.

The scheduler (with its source-health check) comes built from the composition root
(`veille/cli/wiring.py` `build_stages`); this loop only turns it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from crawlers.scheduler import LeaderLease, Scheduler

log = logging.getLogger(__name__)


def run_collector(scheduler: Scheduler, settings: Any, stopping: threading.Event, workers: int = 2,
                  schedule: bool = True, once: bool = False) -> None:
    """Runs until `stopping` is set (or, with `once`, until every due source's round is done);
    serves /metrics and /healthz on the settings' port meanwhile."""
    import dramatiq

    from veille.broker import broker
    from veille.metrics import serve_metrics

    lease = LeaderLease(settings.redis_url, settings.namespace) if settings.redis_url and schedule else None
    worker = dramatiq.Worker(broker, worker_threads=workers, queues={"collect"})
    leading = schedule and lease is None

    def health() -> tuple[bool, dict]:
        alive = all(t.is_alive() for t in worker.workers) if worker.workers else False
        fresh = time.time() - scheduler.last_tick < 120
        return alive and fresh, {
            "stage": "crawl",
            "worker_threads": len(worker.workers),
            "leader": bool(lease and leading),
            "jobs_in_flight": len(scheduler.in_flight),
        }

    serve_metrics(settings.metrics_port, health, settings.metrics_host)
    worker.start()
    log.info("crawl: %d worker threads on %s; scheduling: %s", workers, type(broker).__name__, schedule)
    try:
        while not stopping.is_set():
            if schedule:
                leading = lease.hold() if lease else True
                if leading:
                    scheduler.tick(once=once)
                    if once and not scheduler.busy:
                        break
            scheduler.last_tick = time.time()
            stopping.wait(1.0)
    finally:
        worker.stop(timeout=10_000)
        if lease:
            lease.release()
