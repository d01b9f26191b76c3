"""`veille search` and `veille export`: reading the item store."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from veille.cli.common import console, err
from veille.settings import ConfigError


def search(query: str, limit: int = typer.Option(10, help="results to show")) -> None:
    """Full-text search over stored items (words, "phrases", AND/OR/NOT)."""
    from sinks.store import open_store

    hits = open_store().search(query, limit)
    if not hits:
        console.print(f"no item matches {query!r}")
        raise typer.Exit(1)
    for hit in hits:
        date = (hit.get("published_at") or "")[:10]
        console.print(f"[bold]{hit['title']}[/bold]  [dim]{hit['source']} · {hit.get('lang') or '?'} · {date}[/dim]")
        console.print(f"  {hit['id']}")
        console.print(f"  {hit['snippet']}", highlight=False)


def export(
    format: str = typer.Option("jsonl", "--format", help="only jsonl so far"),
    output: Path = typer.Option(None, "--output", "-o", help="file to write; default stdout"),
) -> None:
    """Every stored item, one JSON object a line, with the schema's fields."""
    from sinks.store import open_store

    if format != "jsonl":
        raise ConfigError(f"--format {format!r}: only 'jsonl' is supported")
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    n = 0
    for doc in open_store().export():
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        n += 1
    if output:
        out.close()
        err.print(f"{n} items written to {output}")


def register(app: typer.Typer) -> None:
    app.command()(search)
    app.command()(export)
