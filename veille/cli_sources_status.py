"""`veille sources status`: each source's health, checked now (see veille.source_health).

Registered by veille/cli.py as `sources_app.command("status")(sources_status)`. The command
runs a real check, not a read of the last one: it records it (state.db, `<ns>-sources`,
like the check after every round) and raises the "source-broken" alert for a source that
has just become broken, so an operator running it sees exactly what the scheduler would
act on. Exit status 1 when a source is broken, so it can serve as a cron or CI probe.
"""

from __future__ import annotations

import contextlib
import json
import sys
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.table import Table

from veille.settings import get_settings

_STYLE = {"ok": "green", "degraded": "yellow", "broken": "bold red", "never": "dim"}


def _when(value: datetime | None, now: datetime) -> str:
    from veille.source_health import duration

    if value is None:
        return "-"
    return f"{value:%Y-%m-%d %H:%M} ({duration((now - value).total_seconds())} ago)"


def _deliver_in_process(timeout: float = 60.0) -> None:
    """Embedded mode (no Redis): the alert messages sit in this process's broker; deliver
    them before exiting, as `veille run --once` does. With Redis, `veille alert` workers do."""
    from dramatiq.brokers.stub import StubBroker

    from veille.broker import broker

    if not isinstance(broker, StubBroker):
        return
    import dramatiq

    worker = dramatiq.Worker(broker, worker_threads=1, queues={"alerts"})
    worker.start()
    try:
        broker.join("alerts", timeout=int(timeout * 1000), fail_fast=False)
    except Exception as exc:  # noqa: BLE001 - a timeout: retries are in the ledger
        Console(stderr=True).print(f"alert deliveries still pending after {timeout:.0f} s: {exc}")
    finally:
        worker.stop()


def sources_status(
    as_json: bool = typer.Option(False, "--json", help="one JSON object per source, in a list"),
    source: list[str] = typer.Option(None, "--source", "-s", help="only these source keys"),
    alert: bool = typer.Option(True, "--alert/--no-alert",
                               help="raise the source-broken alert for sources that just broke"),
) -> None:
    """Health of every enabled source: status (ok, degraded, broken, never), last success,
    last new item, items per day, extraction completeness, errors by kind, and why."""
    from sinks.store import open_store
    from veille.source_health import BrokenSourceAlerts, check_sources
    from veille.sources import load_registry
    from veille.state import open_state

    registry = load_registry(get_settings().sources_path())
    for key in source or []:
        registry.get(key)  # an unknown key is a configuration error naming the known ones
    state, store = open_state(), open_store()
    alerts = BrokenSourceAlerts.open() if alert else None
    now = datetime.now(UTC)
    try:
        healths, raised = check_sources(registry, state, store, now, alerts=alerts, keys=source or None)
        if raised:
            # The log channel prints its block on stdout: keep --json output parseable.
            with contextlib.redirect_stdout(sys.stderr if as_json else sys.stdout):
                _deliver_in_process()
    finally:
        if alerts is not None:
            alerts.close()
        store.close()
    console = Console()
    if as_json:
        typer.echo(json.dumps([h.document() for h in healths], ensure_ascii=False, indent=2))
    else:
        table = Table(title=f"Source health at {now:%Y-%m-%d %H:%M} UTC")
        for col, justify in (("source", "left"), ("status", "left"), ("last success", "left"),
                             ("last new item", "left"), ("items/day", "right"),
                             ("complete", "right"), ("errors 24h", "left"),
                             ("last round", "left"), ("reasons", "left")):
            table.add_column(col, justify=justify, overflow="fold")
        for h in healths:
            errors = ", ".join(f"{k}:{n}" for k, n in sorted(h.errors_24h.items())) or "-"
            last_round = ", ".join(f"{k}:{n}" for k, n in sorted(h.errors_last_round.items()))
            table.add_row(
                h.source, f"[{_STYLE[h.status]}]{h.status}[/]", _when(h.last_success, now),
                _when(h.last_new_item, now), f"{h.items_per_day:.1f}",
                "-" if h.completeness is None else f"{h.completeness:.0%}", errors,
                f"{h.last_round_status or '-'}" + (f" ({last_round})" if last_round else ""),
                "\n".join(h.reasons) or "-",
            )
        console.print(table)
        for a in raised:
            console.print(f"[bold red]alert raised[/]: {a.title} → {', '.join(a.channels)}")
    if any(h.status == "broken" for h in healths):
        raise typer.Exit(1)
