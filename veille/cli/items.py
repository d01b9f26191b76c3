"""`veille search` and `veille export`: reading the item store (the query model and both
engines' translations of it are `sinks.search`, `sinks.sqlite_store`, `sinks.es_store`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.text import Text

from veille.cli import output
from veille.cli.common import console, err, safe, usage_error
from veille.textsafe import clean


def search(
    query: str = typer.Argument(None, metavar="[QUERY]", help='words, "phrases", AND, OR, NOT and ( ); may be left '
                                'out when a filter is given (then newest first)'),
    limit: int = typer.Option(10, "--limit", "-n", metavar="N", help="results to show"),
    since: str = typer.Option(None, "--since", metavar="WHEN", help="published (else collected) within this "
                              "duration back from now (24h, 7d, 2w) or since this date (2024-03-01)"),
    source: list[str] = typer.Option(None, "--source", "-s", metavar="KEY", help="only this source key (repeat "
                                     "or comma-separate for several)"),
    lang: list[str] = typer.Option(None, "--lang", metavar="CODE", help="only this identified language: fr, en, ar…"),
    event_type: list[str] = typer.Option(None, "--event-type", metavar="LABEL", help="only items with this event "
                                         "type label, e.g. armed_clash, attack_on_civilians"),
    place: list[str] = typer.Option(None, "--place", metavar="NAME", help="only items naming this place, region or "
                                    "cercle (case and accents ignored)"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object per line: the item without "
                                 "its body, plus snippet and matched words"),
) -> None:
    """Full-text search over stored items (words, "phrases", AND/OR/NOT, parentheses), with
    filters. Exit 1 when nothing matches, 2 on a query it cannot run."""
    from sinks.search import QuerySyntaxError, search_query
    from sinks.store import open_store

    try:
        request = search_query(query, since=since, sources=source, langs=lang,
                               event_types=event_type, places=place, limit=limit)
    except QuerySyntaxError as exc:
        usage_error(exc)
    store = open_store()
    try:
        hits = store.search(request)
    finally:
        store.close()
    if not hits:
        err.print(f"no item matches {safe(repr(query or ''))}"
                  + (" with these filters" if request.filtered else ""))
        raise typer.Exit(1)
    for hit in hits:
        if as_json:
            output.print_json([hit.document()])
            continue
        item = hit.item
        line = _marked(hit.title, 300, "bold")
        line.append(f"  {clean(item['source'], 100)} · {clean(item.get('lang') or '?', 20)} · "
                    f"{clean((item.get('published_at') or '')[:10], 10)}", style="dim")
        console.print(line)
        console.print(Text("  " + clean(item["id"], 2000, one_line=True)), highlight=False)
        console.print(Text("  ") + _marked(hit.snippet, 1000), highlight=False)


def _marked(text: str, limit: int, style: str = "") -> Text:
    """The text with its matches in reverse video, control characters removed, at most
    `limit` characters. A rich Text is never read as markup: `[/…]` prints as written."""
    from sinks.search import marked_parts

    out = Text(style=style)
    for piece, matched in marked_parts(text):
        room = limit - len(out.plain)
        if room <= 0:
            break
        out.append(clean(piece, room, one_line=True), style="reverse" if matched else "")
    return out


def export(
    format: str = typer.Option("jsonl", "--format", help="only jsonl so far"),
    out_path: Path = typer.Option(None, "--out", "-o", help="file to write; default stdout"),
    output: Path = typer.Option(None, "--output", hidden=True, help="deprecated: --out"),
) -> None:
    """Every stored item, one JSON object a line, with the schema's fields."""
    from sinks.store import open_store

    if format != "jsonl":
        usage_error(f"--format {format!r}: only 'jsonl' is supported")
    if output is not None:
        if out_path is not None:
            usage_error("give --out only (--output is its old name)")
        err.print("[yellow]--output is deprecated[/yellow]: use --out")
        out_path = output
    out = out_path.open("w", encoding="utf-8") if out_path else sys.stdout
    n = 0
    for doc in open_store().export():
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        n += 1
    if out_path:
        out.close()
        err.print(f"{n} items written to {safe(out_path)}")


def register(app: typer.Typer) -> None:
    app.command()(search)
    app.command()(export)
