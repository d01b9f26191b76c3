"""`veille classify`'s stream: JSON lines of items in, one enriched JSON line out per input, in
order, classified in batches (language identification is batched). The input's fields are
kept as they were written and the enrichment contract's added beside them, at the top level.

A line that is not a JSON object or not an item stops the stream with `BadLine` naming it
(`veille.json_lines`, the one reader of JSON lines): what was classified before it has been
yielded, nothing after it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from processors.classify import Classifier
from veille.json_lines import BadLine, json_objects
from veille.schema import item_from_json

__all__ = ["BadLine", "classify_json_lines"]


def classify_json_lines(lines: Iterable[str | bytes], classifier: Classifier, batch: int = 200,
                        origin: str = "stdin") -> Iterator[list[str]]:
    """The output lines (each ending in a newline), one list per batch of `batch` inputs.
    Blank lines are skipped; an item without `url` gets `stdin:<line>`, without `source`
    gets `classify`. `origin` names the input in errors."""
    rows: list[tuple[int, dict]] = []
    for number, data in json_objects(lines, origin, "an item"):
        rows.append((number, data))
        if len(rows) >= batch:
            yield _classified(rows, classifier, origin)
            rows = []
    if rows:
        yield _classified(rows, classifier, origin)


def _classified(rows: list[tuple[int, dict]], classifier: Classifier, origin: str) -> list[str]:
    items = []
    for number, data in rows:
        try:
            items.append(item_from_json({"url": f"stdin:{number}", "source": "classify", **data}))
        except ValueError as exc:
            raise BadLine(origin, number, f"not an item ({str(exc).splitlines()[0][:300]}); "
                                          "expected JSON with at least id, title and body") from None
    return [json.dumps({**data, **enrichment.model_dump(mode="json", exclude={"processed_at"})},
                       ensure_ascii=False) + "\n"
            for (_, data), enrichment in zip(rows, classifier.classify_many(items), strict=True)]
