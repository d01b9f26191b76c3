"""`veille search` and `veille export`: reading the item store."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from veille.cli.common import console, err, safe
from veille.settings import ConfigError


def search(query: str, limit: int = typer.Option(10, help="results to show")) -> None:
    """Full-text search over stored items (words, "phrases", AND/OR/NOT)."""
    from sinks.sqlite_store import QuerySyntaxError
    from sinks.store import open_store

    try:
        hits = open_store().search(query, limit)
    except QuerySyntaxError as exc:
        err.print(f"[red]query error[/red]: {safe(exc, 1000)}", soft_wrap=True)
        raise typer.Exit(2) from None
    if not hits:
        console.print(f"no item matches {safe(repr(query))}")
        raise typer.Exit(1)
    for hit in hits:
        date = (hit.get("published_at") or "")[:10]
        console.print(f"[bold]{safe(hit['title'])}[/bold]  "
                      f"[dim]{safe(hit['source'])} · {safe(hit.get('lang') or '?')} · {safe(date)}[/dim]")
        console.print(f"  {safe(hit['id'], 2000)}", highlight=False)
        console.print(f"  {safe(hit['snippet'], 1000)}", highlight=False)


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
        err.print(f"{n} items written to {safe(output)}")


def register(app: typer.Typer) -> None:
    app.command()(search)
    app.command()(export)
