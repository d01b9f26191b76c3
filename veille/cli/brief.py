"""`veille brief`: writes the daily brief (sinks/brief/page.py) from the item store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from veille.cli.common import safe

err = Console(stderr=True)


def _export() -> Iterator[dict[str, Any]]:
    """Every stored item. Elasticsearch could filter by date on the server; `export()` is the
    one read both stores offer, and a brief reads the store once a day, so it scans."""
    from sinks.store import open_store

    store = open_store()
    try:
        yield from store.export()
    finally:
        store.close()


def brief(
    since: str = typer.Option("24h", help="length of the window: 24h, 7d, 90m, 2w, 1d 12h"),
    until: str = typer.Option(
        "now", help="end of the window: now, latest (the newest item's date: for old data such "
                    "as the demo's), an ISO datetime, or a date (= the end of that day, UTC)"),
    top: int = typer.Option(10, min=1, help="stories listed by severity"),
    out: Path = typer.Option(Path("brief.html"), "--out", "-o", help="HTML file to write"),
    title: str = typer.Option(None, help="page title; default 'Mali / Sahel brief — <date>'"),
) -> None:
    """A self-contained HTML brief of the items of a window: counts by event type and region,
    the week's chart, a map of the places named and the most severe stories, to mail around."""
    from sinks.brief.page import (
        build_brief,
        item_time,
        latest_time,
        needed_since,
        parse_instant,
    )
    from veille.durations import parse_duration

    try:
        span = parse_duration(since)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from None
    now = datetime.now(UTC)
    if until.strip().lower() == "now":
        end = now
    elif until.strip().lower() == "latest":
        found = latest_time(_export(), now)
        if found is None:
            err.print("[yellow]the store holds no dated item[/yellow]: the brief ends now")
        end = found or now
    else:
        try:
            end = parse_instant(until)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--until") from None
    first = needed_since(end, span)
    items = [i for i in _export() if (t := item_time(i)) is not None and first <= t < end]
    page = build_brief(items, end, span, top=top, title=title, generated_at=now)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    in_window = sum(1 for i in items if end - span <= item_time(i) < end)
    err.print(f"{safe(out)}: {in_window} items from {(end - span):%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC "
              f"({len(page) // 1024} KiB)")
    if not in_window:
        err.print("[yellow]no item in the window[/yellow]; for old data try --until latest or a longer --since")
