"""`veille classify` and `veille eval`: the classifiers on their own, without the bus."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from veille.cli.common import err, safe


def classify(
    file: Path = typer.Argument(None, help="JSON lines; default stdin"),
    batch: int = typer.Option(200, min=1, help="items classified together"),
) -> None:
    """JSON lines in ({"id","title","body","url"?,"lang"?,"source"?}), one enriched JSON line out
    per input, in order: the input's fields plus the enrichment contract's, at the top level."""
    from processors.classify import Classifier
    from veille.schema import item_from_json

    classifier = Classifier(stories_path=None)
    source = file.open(encoding="utf-8") if file else sys.stdin
    out = sys.stdout

    def flush(rows: list[tuple[int, dict]]) -> None:
        items = []
        for number, data in rows:
            try:
                if not isinstance(data, dict):
                    raise ValueError(f"a JSON {type(data).__name__}, not an object")
                items.append(item_from_json({"url": f"stdin:{number}", "source": "classify", **data}))
            except ValueError as exc:
                err.print(f"[red]line {number}[/red]: not an item ({safe(str(exc).splitlines()[0])}); "
                          "expected JSON with at least id, title and body")
                raise typer.Exit(2) from None
        for (_, data), enrichment in zip(rows, classifier.classify_many(items), strict=True):
            result = {**data, **enrichment.model_dump(mode="json", exclude={"processed_at"})}
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()

    rows: list[tuple[int, dict]] = []
    for number, line in enumerate(source, 1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            err.print(f"[red]line {number}[/red]: not JSON ({safe(exc)})")
            raise typer.Exit(2) from None
        if len(rows) >= batch:
            flush(rows)
            rows = []
    if rows:
        flush(rows)


def eval_(
    set_path: Path = typer.Option(None, "--set", help="labelled items; default tests/eval/items.jsonl"),
    as_json: bool = typer.Option(False, "--json", help="the full report as JSON"),
) -> None:
    """Runs the classifiers over the labelled set; per-label precision/recall/F1 per language,
    place admin1 accuracy, organisations, figures, duplicates and stories."""
    from processors.evaluation import main as evaluation_main

    argv = (["--set", str(set_path)] if set_path else []) + (["--json"] if as_json else [])
    raise typer.Exit(evaluation_main(argv))


def register(app: typer.Typer) -> None:
    app.command()(classify)
    app.command(name="eval")(eval_)
