"""The long-lived processes: every stage in one (`veille run`) or one stage each.

In distributed mode each stage is its own process, any number of each: `veille crawl`
(scheduler + collection worker on Redis), `veille process` (raw → enriched) and
`veille index` (enriched → store). They share the same loop (`veille.stage.Stage`), stop
on SIGTERM after finishing the batch in hand, and serve /metrics and /healthz.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from veille.settings import Settings, get_settings

if TYPE_CHECKING:  # importing it would load prometheus_client before its folder is set
    from veille.stage import Stage

log = logging.getLogger(__name__)


def prepare_metrics_dir(settings: Settings) -> None:
    """Collection rounds run in child processes: they report into one folder that /metrics
    sums up. Must run before prometheus_client is first imported."""
    if not settings.metrics_port:
        return
    # Per host and pid: replicas in containers all run as pid 1 and may share VEILLE_HOME.
    metrics_dir = settings.home / "metrics" / f"{socket.gethostname()}-{os.getpid()}"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)


def stop_on_signals(stop: Callable[[], None]) -> threading.Event:
    stopped = threading.Event()

    def handler(signum, frame) -> None:
        log.info("signal %s: finishing the work in hand, then stopping", signum)
        stopped.set()
        stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)
    return stopped


def make_stage(name: str, bus) -> Stage:
    if name == "processor":
        from processors.enrich_stage import processor_stage

        return processor_stage(bus)
    if name == "indexer":
        from sinks.index_stage import indexer_stage
        from sinks.store import open_store

        return indexer_stage(bus, open_store())
    if name == "alerter":
        from sinks.alerts.stage import alert_stage

        return alert_stage(bus)
    raise ValueError(f"no stage called {name!r}")


def run_stage(name: str, batch_size: int | None = None, deliver: bool = False) -> int:
    """One stage until SIGTERM; returns how many messages it handled. `deliver` also runs a
    Dramatiq worker for the alert delivery queue in this process (`veille alert`)."""
    from veille.bus import open_bus
    from veille.metrics import serve_metrics

    settings = get_settings()
    bus = open_bus()
    stage = make_stage(name, bus)
    if batch_size:
        stage.batch_size = batch_size
    serve_metrics(settings.metrics_port, stage.health, settings.metrics_host)
    stop_on_signals(stage.stop)
    worker = None
    if deliver:
        import dramatiq

        import sinks.alerts.delivery  # noqa: F401 - declares the delivery actor
        from veille.broker import broker

        worker = dramatiq.Worker(broker, worker_threads=4, queues={"alerts"})
        worker.start()
    log.info("%s: consuming %s (bus %s)", name, stage.topic, type(bus).__name__)
    try:
        stage.run_forever()
    finally:
        if worker is not None:
            worker.stop(timeout=10_000)
        stage.close()
        bus.close()
    log.info("%s: stopped after %d messages", name, stage.handled)
    return stage.handled


def run_crawl(workers: int = 2, schedule: bool = True, once: bool = False) -> None:
    """Collection: a Dramatiq worker for `crawl_source` jobs and, in the process holding the
    leader lease (Redis), the scheduler that sends them."""
    settings = get_settings()
    prepare_metrics_dir(settings)
    import dramatiq

    from crawlers.jobs import crawl_source
    from crawlers.scheduler import LeaderLease, Scheduler
    from sinks.store import open_store
    from veille.broker import broker
    from veille.metrics import serve_metrics
    from veille.source_health import HealthChecker
    from veille.sources import load_registry
    from veille.state import open_state

    registry = load_registry(settings.sources_path())
    state = open_state()
    # Source health after each finished round, by the leader (the only one ticking); the
    # store is opened at the first check so a crawler starts even with Elasticsearch down.
    scheduler = Scheduler(registry.enabled(), state, crawl_source.send,
                          on_round_finished=HealthChecker(registry, state, open_store))
    lease = LeaderLease(settings.redis_url, settings.namespace) if settings.redis_url and schedule else None
    worker = dramatiq.Worker(broker, worker_threads=workers, queues={"collect"})
    stopping = threading.Event()

    def health() -> tuple[bool, dict]:
        alive = all(t.is_alive() for t in worker.workers) if worker.workers else False
        fresh = time.time() - scheduler.last_tick < 120
        return alive and fresh, {
            "stage": "crawl",
            "worker_threads": len(worker.workers),
            "leader": bool(lease and leading),
            "jobs_in_flight": len(scheduler.in_flight),
        }

    leading = schedule and lease is None
    serve_metrics(settings.metrics_port, health, settings.metrics_host)
    stop_on_signals(stopping.set)
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


def recover_alerts(alerter, broker) -> None:
    """Embedded default only: deliveries queued in the in-process broker died with the last
    process; send again what the delivery ledger has not seen through."""
    from dramatiq.brokers.stub import StubBroker

    if isinstance(broker, StubBroker):
        from sinks.alerts.ledger import open_ledger

        ledger = open_ledger()
        try:
            alerter.engine.recover(ledger)
        finally:
            ledger.close()


def finish_alerts(alerter, broker, timeout: float = 120.0) -> None:
    """End of a one-shot run: send the held digests and wait for the delivery queue to empty
    (retries included), so nothing raised is left undelivered in an in-process broker."""
    alerter.engine.flush_due(force=True)
    try:
        from dramatiq.brokers.stub import StubBroker

        extra = {"fail_fast": False} if isinstance(broker, StubBroker) else {}
        broker.join("alerts", timeout=int(timeout * 1000), **extra)
    except Exception as exc:  # a timeout: deliveries still retrying are in the ledger
        log.warning("alert deliveries still pending after %.0f s: %s", timeout, exc)


def run_all(once: bool = False, announce: Callable[[str], None] = print) -> int:
    """The embedded default: collection, processing and indexing in one process."""
    settings = get_settings()
    prepare_metrics_dir(settings)
    import dramatiq

    import sinks.alerts.delivery  # noqa: F401 - declares the delivery actor for the worker
    from crawlers.jobs import crawl_source
    from crawlers.scheduler import Scheduler
    from processors.enrich_stage import processor_stage
    from sinks.alerts.stage import alert_stage
    from sinks.index_stage import indexer_stage
    from sinks.store import open_store
    from veille.broker import broker
    from veille.bus import open_bus
    from veille.metrics import serve_metrics
    from veille.sources import load_registry
    from veille.state import open_state

    registry = load_registry(settings.sources_path())
    bus, store, state = open_bus(), open_store(), open_state()
    interrupted = state.mark_interrupted()
    if interrupted:
        announce(f"{interrupted} interrupted round(s) from a previous run will be redone")
    alerter = alert_stage(bus)
    stages = [processor_stage(bus), indexer_stage(bus, store), alerter]

    def health() -> tuple[bool, dict]:
        checks = [s.health() for s in stages]
        return all(ok for ok, _ in checks), {"stages": [d for _, d in checks]}

    serve_metrics(settings.metrics_port, health, settings.metrics_host)
    threads = [threading.Thread(target=s.run_forever, name=s.name, daemon=True) for s in stages]
    for t in threads:
        t.start()
    worker = dramatiq.Worker(broker, worker_threads=4)
    worker.start()
    recover_alerts(alerter, broker)
    stop = threading.Event()
    stop_on_signals(stop.set)
    from veille.source_health import HealthChecker

    scheduler = Scheduler(registry.enabled(), state, crawl_source.send,
                          on_round_finished=HealthChecker(registry, state, store))
    announce(f"veille run: {len(registry.enabled())} sources, state in {settings.home}; Ctrl-C to stop")
    try:
        while not stop.is_set():
            scheduler.tick(once=once)
            if once and not scheduler.busy:
                break
            stop.wait(1.0)
        if once:
            for stage in stages:
                stage.stop()
            for t in threads:
                t.join()
            for stage in stages:
                stage.drain()
            finish_alerts(alerter, broker)
    finally:
        worker.stop()
        for stage in stages:
            stage.stop()
    return store.count()
