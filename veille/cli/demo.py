"""`veille demo`: one full round over the offline mirror of every source, every stage."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import typer
from rich.live import Live

from veille.cli import output
from veille.cli.common import console, err, safe, setup_logging, use_home
from veille.settings import ConfigError, get_settings, reset_settings
from veille.sources import configured_registry


def _round_table(title: str, registry, stats, stored) -> output.Table:
    table = output.table(title, "source", "status", "new", "unchanged", "stored", "languages",
                         "errors", right=("new", "unchanged", "stored", "errors"))
    for source in registry.enabled():
        st = stats.get(source.key)
        kept = stored.get(source.key, {"items": 0, "languages": {}})
        langs = " ".join(f"{k}:{v}" for k, v in sorted(kept["languages"].items()))
        errors = st.error_count if st else 0
        table.add_row(
            safe(source.key),
            safe(st.status) if st else "waiting",
            str(st.items if st else 0),
            str(st.unchanged if st else 0),
            str(kept["items"]),
            safe(langs),
            f"[red]{errors}[/red]" if errors else "0",
        )
    return table


def demo(
    home: Path = typer.Option(None, help="state folder; default $VEILLE_HOME/demo"),
    verbose: bool = typer.Option(False, help="show the crawlers' logs"),
) -> None:
    """Serves the offline mirror on localhost and runs one full round over every source."""
    from crawlers.config import crawler_settings
    from crawlers.crawl_round import start_round
    from crawlers.mirror import Mirror
    from sinks.alerts.in_process import delivery_worker, finish_alerts, recover_deliveries
    from veille.cli.wiring import CONSUMING, build_stages

    use_home(home or get_settings().home / "demo")
    setup_logging("INFO" if verbose else "WARNING")
    registry = configured_registry()
    sites = crawler_settings().demo_sites_path()
    if not sites.is_dir():
        raise ConfigError(f"VEILLE_DEMO_SITES={str(sites)!r}: no recorded sites there; set "
                          "VEILLE_DEMO_SITES to the folder of recorded sites (a checkout's "
                          "tests/fixtures/sites, the image's /usr/share/veille/demo-sites)")
    started = time.monotonic()
    with Mirror(sites) as mirror:
        os.environ["VEILLE_MIRROR"] = mirror.env_value()
        reset_settings()
        pipeline = build_stages(CONSUMING, health=True)
        bus, store, state, stages = pipeline.bus, pipeline.store, pipeline.state, pipeline.stages
        engine = pipeline.engine
        worker = delivery_worker(2, {"alerts"})
        recover_deliveries(engine)
        round_id = uuid.uuid4().hex[:12]
        env = {} if verbose else {"VEILLE_LOG_LEVEL": "ERROR"}
        console.print(f"[bold]veille demo[/bold]: {len(registry.enabled())} sources from the offline mirror "
                      f"({len(mirror.servers)} hosts on localhost); state in {safe(get_settings().home)}")
        child = start_round(registry.enabled(), round_id, env)
        with Live(console=console, refresh_per_second=4, transient=True) as live:
            while child.poll() is None:
                for stage in stages:
                    stage.run_once(timeout=0.05)
                live.update(_round_table("collecting…", registry, state.round_stats(round_id), store.counts_by_source()))
                time.sleep(0.1)
        for stage in stages:
            stage.drain()
        pipeline.health()
        finish_alerts(engine, worker)
        worker.stop()
    stats = state.round_stats(round_id)
    elapsed = time.monotonic() - started
    console.print(_round_table(f"Round {round_id} in {elapsed:.1f}s", registry, stats, store.counts_by_source()))
    dead = bus.count("veille.dlq") if hasattr(bus, "count") else 0
    total_errors = sum(s.error_count for s in stats.values())
    from sinks.alerts.ledger import recent_with_delivery
    from veille.cli.alerts import alerts_summary

    alerts_summary(*recent_with_delivery(10_000), get_settings().rules_path())
    console.print(f"{store.count()} items stored, {dead} dead letters. Try: [bold]veille search Kidal[/bold], "
                  f"[bold]veille alerts list[/bold] (with VEILLE_HOME={safe(get_settings().home)})")
    if child.returncode != 0 or total_errors:
        for e in state.recent_errors(limit=10):
            err.print(f"[red]{safe(e['source'])}[/red] {safe(e['kind'])} {safe(e['url'] or '')}: "
                      f"{safe(e['message'], 500)}")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(demo)
