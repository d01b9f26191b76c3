"""`veille repair`: checks every SQLite file of `$VEILLE_HOME` and rebuilds what is damaged
(what each file is rebuilt from: `sinks/repair.py`). Prints one line per file; exit 1 when
something could not be repaired."""

from __future__ import annotations

from pathlib import Path

import typer

from veille.cli.common import console, err, use_home
from veille.settings import get_settings


def repair(
    home: Path | None = typer.Option(None, help="VEILLE_HOME to repair"),
    dry_run: bool = typer.Option(False, "--dry-run", help="only check and say what is damaged"),
) -> None:
    """Checks every SQLite file (bus, state, store, stories, alerts) and rebuilds the damaged
    ones: the store from the bus, the story index afresh, the state by crawling again. Stop
    veille first."""
    use_home(home)
    settings = get_settings()
    if settings.es_url or settings.kafka_bootstrap:
        err.print("note: only the local SQLite files are checked; Elasticsearch and Kafka keep "
                  "their own data", markup=False, highlight=False)
    from sinks.repair import repair_home

    lines, ok = repair_home(settings.home, dry_run)
    for line in lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if not ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(repair)
