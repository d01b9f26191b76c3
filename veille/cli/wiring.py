"""The composition root: the one place the rooms are put together.

`build_stages` builds what a command runs, from the settings: the consuming stages (by
their stage names, `processor`, `indexer`, `alerter`, run by `veille process`, `index`,
`alert`), and the collector (`collector`, run by `veille crawl`: the scheduler, whose
source-health check after each round raises the built-in "source-broken" alert through an
`AlertEngine`, `sinks/alerts/source_broken.py`). `veille run` and `veille demo` build them
all, `veille sources status` the health check alone; the one in-process wait for alert deliveries at the end of a one-shot command is
`drain_deliveries` (`sinks/alerts/in_process.py`).

The long-lived processes (`run_all`, `run_crawl`, `run_stage`) stop on SIGTERM after the
batch in hand and serve /metrics and /healthz. Nothing outside `veille.cli` imports this;
stage modules are imported inside functions, after `prepare_metrics_dir` (prometheus_client
must not be loaded before its folder is chosen).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sinks.alerts.in_process import delivery_worker, finish_alerts, recover_deliveries
from sinks.alerts.source_broken import SourceBrokenAlerts
from veille.cli.errors import preflight
from veille.settings import Settings, get_settings

if TYPE_CHECKING:  # importing them would load prometheus_client before its folder is set
    from crawlers.scheduler import Scheduler
    from crawlers.source_health import HealthChecker
    from crawlers.state import CrawlState
    from sinks.alerts.stage import AlertEngine
    from veille.bus.base import Bus
    from veille.sources import Registry
    from veille.stage import Stage

log = logging.getLogger(__name__)

CONSUMING = ("processor", "indexer", "alerter")  # stage names = consumer groups = metric labels
EVERY_STAGE = ("collector", *CONSUMING)


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


@dataclass
class Pipeline:
    """What `build_stages` built: the consuming stages on their bus and store; with the
    collector (or `health=True`), the registry, the collection state and the health check."""

    bus: Bus | None = None
    store: Any = None
    stages: list[Stage] = field(default_factory=list)
    registry: Registry | None = None
    state: CrawlState | None = None
    health: HealthChecker | None = None
    scheduler: Scheduler | None = None

    @property
    def engine(self) -> AlertEngine | None:
        return next((s.engine for s in self.stages if s.name == "alerter"), None)  # type: ignore[attr-defined]

    def stage_health(self) -> tuple[bool, dict]:
        checks = [s.health() for s in self.stages]
        return all(ok for ok, _ in checks), {"stages": [d for _, d in checks]}

    def close(self) -> None:
        for stage in self.stages:
            stage.close()
        if self.health is not None:
            self.health.on_broken.close()  # type: ignore[union-attr]
        if self.bus is not None:
            self.bus.close()


def build_stages(names: Sequence[str] = EVERY_STAGE, batch_size: int | None = None,
                 health: bool = False) -> Pipeline:
    """The stages called `names` (see CONSUMING, EVERY_STAGE), wired to the settings' bus,
    item store, collection state and source registry. `health`: the source-health check
    without the collector (`veille demo` collects with its own round)."""
    from sinks.store import open_store

    unknown = set(names) - set(EVERY_STAGE)
    if unknown:
        raise ValueError(f"no stage called {', '.join(sorted(unknown))} (known: {', '.join(EVERY_STAGE)})")
    pipeline = Pipeline()
    consuming = [n for n in CONSUMING if n in names]
    # The collector alone opens the store at its first health check (Elasticsearch may be down).
    pipeline.store = open_store() if "indexer" in consuming else open_store
    if consuming:
        from veille.bus import open_bus

        pipeline.bus = open_bus()
    for name in consuming:
        pipeline.stages.append(_stage(name, pipeline.bus, pipeline.store))
        if batch_size:
            pipeline.stages[-1].batch_size = batch_size
    if "collector" in names or health:
        from crawlers.config import crawler_settings
        from crawlers.source_health import HealthChecker
        from crawlers.state import open_state
        from veille.sources import configured_registry

        crawler_settings()  # a bad VEILLE_* of the crawlers stops start-up, not a round's child
        pipeline.registry = configured_registry()
        pipeline.state = open_state()
        pipeline.health = HealthChecker(pipeline.registry, pipeline.state, pipeline.store,
                                        on_broken=SourceBrokenAlerts())
    if "collector" in names:
        from crawlers.jobs import crawl_source
        from crawlers.scheduler import Scheduler

        pipeline.scheduler = Scheduler(pipeline.registry.enabled(), pipeline.state,
                                       crawl_source.send, on_round_finished=pipeline.health)
    return pipeline


def _stage(name: str, bus: Bus, store: Any) -> Stage:
    if name == "processor":
        from processors.enrich_stage import processor_stage

        return processor_stage(bus)
    if name == "indexer":
        from sinks.index_stage import indexer_stage

        return indexer_stage(bus, store)
    from sinks.alerts.stage import alert_stage

    return alert_stage(bus)


# -- the long-lived processes ----------------------------------------------------------------
def run_stage(name: str, batch_size: int | None = None, deliver: bool = False) -> int:
    """One consuming stage until SIGTERM; returns how many messages it handled. `deliver` also
    runs a Dramatiq worker for the alert delivery queue in this process (`veille alert`)."""
    from veille.metrics import serve_metrics

    settings = get_settings()
    preflight([name])
    pipeline = build_stages([name], batch_size)
    [stage] = pipeline.stages
    serve_metrics(settings.metrics_port, stage.health, settings.metrics_host)
    stop_on_signals(stage.stop)
    worker = delivery_worker(4, {"alerts"}) if deliver else None
    log.info("%s: consuming %s (bus %s)", name, stage.topic, type(pipeline.bus).__name__)
    try:
        stage.run_forever()
    finally:
        if worker is not None:
            worker.stop(timeout=10_000)
        pipeline.close()
    log.info("%s: stopped after %d messages", name, stage.handled)
    return stage.handled


def run_crawl(workers: int = 2, schedule: bool = True, once: bool = False) -> None:
    """Collection (`crawlers/collector.py`): a Dramatiq worker for `crawl_source` jobs and, in
    the process holding the leader lease (Redis), the scheduler that sends them."""
    settings = get_settings()
    preflight(["collector"])
    prepare_metrics_dir(settings)
    from crawlers.collector import run_collector

    pipeline = build_stages(["collector"])
    assert pipeline.scheduler is not None
    stopping = threading.Event()
    stop_on_signals(stopping.set)
    try:
        run_collector(pipeline.scheduler, settings, stopping, workers=workers, schedule=schedule,
                      once=once)
    finally:
        pipeline.close()


def stop_for_storage(once: bool, wait: float) -> None:
    """Raises the storage fault to stop on: a damaged file at once (it does not heal); with
    `once`, a full disk that has lasted `wait` seconds (a long-lived run waits for space, its
    stages retrying from their last commit)."""
    from veille.sqlite_db import FAULTS, DatabaseDamaged

    fault = FAULTS.persisting(wait)
    if fault is not None and (once or isinstance(fault, DatabaseDamaged)):
        raise fault


def drain_patiently(stage: Stage, wait: float) -> int:
    """`stage.drain()`, retried while the disk is full, for at most `wait` seconds."""
    from veille.sqlite_db import DiskFull

    while True:
        try:
            return stage.drain()
        except DiskFull:
            stop_for_storage(True, wait)
            stage.consumer.rewind()  # nothing of the failed batch was committed: read it again
            time.sleep(min(1.0, max(wait, 0.05)))


def run_all(once: bool = False, announce: Callable[[str], None] = print) -> int:
    """The embedded default: collection, processing, indexing and alerting in one process."""
    settings = get_settings()
    preflight(EVERY_STAGE)
    from crawlers.source_health import last_health
    from sinks.brief.schedule import scheduled_brief  # VEILLE_BRIEF_SCHEDULE (docs/brief.md)

    brief = None if once else scheduled_brief(settings, health=lambda: last_health(settings))
    prepare_metrics_dir(settings)
    from veille.metrics import serve_metrics

    pipeline = build_stages(EVERY_STAGE)
    stages, scheduler, engine = pipeline.stages, pipeline.scheduler, pipeline.engine
    assert scheduler is not None and engine is not None and pipeline.state is not None
    interrupted = pipeline.state.mark_interrupted()
    if interrupted:
        announce(f"{interrupted} interrupted round(s) from a previous run will be redone")
    serve_metrics(settings.metrics_port, pipeline.stage_health, settings.metrics_host)
    threads = [threading.Thread(target=s.run_forever, name=s.name, daemon=True) for s in stages]
    for t in threads:
        t.start()
    worker = delivery_worker(4)  # every queue: collection jobs and deliveries
    recover_deliveries(engine)
    stop = threading.Event()
    stop_on_signals(stop.set)
    announce(f"veille run: {len(scheduler.sources)} sources, state in {settings.home}; Ctrl-C to stop")
    try:
        while not stop.is_set():
            stop_for_storage(once, settings.disk_full_wait)
            scheduler.tick(once=once)
            if brief:
                brief.tick()
            if once and not scheduler.busy:
                break
            stop.wait(1.0)
        if once:
            for stage in stages:
                stage.stop()
            for t in threads:
                t.join()
            for stage in stages:
                drain_patiently(stage, settings.disk_full_wait)
            finish_alerts(engine, worker)
    finally:
        worker.stop()
        for stage in stages:
            stage.stop()
    return pipeline.store.count()
