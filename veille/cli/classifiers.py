"""`veille classify` and `veille eval`: the classifiers on their own, without the bus."""

from __future__ import annotations

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
    from processors.classify_stream import BadLine, classify_json_lines

    classifier = Classifier(stories_path=None)
    source = file.open("rb") if file else sys.stdin.buffer
    try:
        for lines in classify_json_lines(source, classifier, batch, str(file or "stdin")):
            sys.stdout.write("".join(lines))
            sys.stdout.flush()
    except BadLine as exc:
        err.print(f"[red]{safe(exc.origin)}:{exc.number}[/red]: {safe(exc.why, 500)}")
        raise typer.Exit(2) from None


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
