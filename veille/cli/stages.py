"""The long-lived processes: `veille run` (every stage) and one stage each: `veille crawl`
(collector), `veille process` (processor), `veille index` (indexer), `veille alert` (alerter).
The wiring is `veille.cli.wiring.build_stages`."""

from __future__ import annotations

import typer

from veille.cli.common import console, safe, setup_logging


def run(once: bool = typer.Option(False, help="one round of every due source, then stop")) -> None:
    """Every stage in this process: scheduled collection, processing, indexing; until stopped."""
    from veille.cli.wiring import run_all

    setup_logging()
    stored = run_all(once=once, announce=lambda text: console.print(safe(text, 2000)))
    console.print(f"stopped; {stored} items stored")


def crawl(
    workers: int = typer.Option(2, min=1, help="collection jobs run at once by this process"),
    schedule: bool = typer.Option(True, help="take part in scheduling (one leader at a time)"),
    once: bool = typer.Option(False, help="one round of every due source, then stop"),
) -> None:
    """Collection only: runs `crawl_source` jobs from the broker (Redis with VEILLE_REDIS_URL)
    and, while it holds the leader lease, schedules them. Start any number."""
    from veille.cli.wiring import run_crawl

    setup_logging()
    run_crawl(workers=workers, schedule=schedule, once=once)


def process(batch: int = typer.Option(200, min=1, help="messages per batch")) -> None:
    """Processor stage only: veille.raw → enrichment → veille.enriched. Start any number."""
    from veille.cli.wiring import run_stage

    setup_logging()
    run_stage("processor", batch)


def index(batch: int = typer.Option(500, min=1, help="messages per bulk write")) -> None:
    """Indexer stage only: veille.enriched → the item store (Elasticsearch with VEILLE_ES_URL)."""
    from veille.cli.wiring import run_stage

    setup_logging()
    run_stage("indexer", batch)


def alert(
    batch: int = typer.Option(200, min=1, help="messages per batch"),
    deliver: bool = typer.Option(True, help="also run delivery workers in this process"),
) -> None:
    """Alert stage only: veille.enriched → rules.yaml → alerts (store, veille.alerts topic) →
    delivery (Dramatiq on Redis with VEILLE_REDIS_URL). Start any number; more delivery
    workers: `dramatiq sinks.alerts.delivery`."""
    from veille.cli.wiring import run_stage

    setup_logging()
    run_stage("alerter", batch, deliver=deliver)


def register(app: typer.Typer) -> None:
    for command in (run, crawl, process, index, alert):
        app.command()(command)
