"""How command modules print a listing: a rich Table whose columns fold long text, or, with
`--json`, one JSON object per line (text as written, dates as ISO strings). One home, so
every listing reads and pipes the same way."""

from __future__ import annotations

import json

from rich.table import Table

__all__ = ["Table", "print_json", "table"]


def print_json(rows: list[dict]) -> None:
    for row in rows:
        print(json.dumps(row, ensure_ascii=False, default=str))


def table(title: str, *columns: str, right: tuple[str, ...] = ()) -> Table:
    """A table with these columns, folding (not cutting) long cells; `right`: the columns of
    numbers, right-justified."""
    out = Table(title=title)
    for col in columns:
        out.add_column(col, overflow="fold", justify="right" if col in right else "left")
    return out
