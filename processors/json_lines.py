"""`veille classify`'s stream: JSON lines of items in, one enriched JSON line out per input, in
order, classified in batches (language identification is batched). The input's fields are
kept as they were written and the enrichment contract's added beside them, at the top level.

A line that is not a JSON object or not an item stops the stream with `BadLine` naming it:
what was classified before it has been yielded, nothing after it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from processors.classify import Classifier
from veille.schema import item_from_json


class BadLine(ValueError):
    """Line `number` of the input is not JSON or not an item; `why` says which, in one line."""

    def __init__(self, number: int, why: str) -> None:
        super().__init__(f"line {number}: {why}")
        self.number, self.why = number, why


def classify_json_lines(lines: Iterable[str], classifier: Classifier, batch: int = 200) -> Iterator[list[str]]:
    """The output lines (each ending in a newline), one list per batch of `batch` inputs.
    Blank lines are skipped; an item without `url` gets `stdin:<line>`, without `source`
    gets `classify`."""
    rows: list[tuple[int, dict]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise BadLine(number, f"not JSON ({exc})") from None
        if len(rows) >= batch:
            yield _classified(rows, classifier)
            rows = []
    if rows:
        yield _classified(rows, classifier)


def _classified(rows: list[tuple[int, dict]], classifier: Classifier) -> list[str]:
    items = []
    for number, data in rows:
        try:
            if not isinstance(data, dict):
                raise ValueError(f"a JSON {type(data).__name__}, not an object")
            items.append(item_from_json({"url": f"stdin:{number}", "source": "classify", **data}))
        except ValueError as exc:
            raise BadLine(number, f"not an item ({str(exc).splitlines()[0][:300]}); expected JSON "
                                  "with at least id, title and body") from None
    return [json.dumps({**data, **enrichment.model_dump(mode="json", exclude={"processed_at"})},
                       ensure_ascii=False) + "\n"
            for (_, data), enrichment in zip(rows, classifier.classify_many(items), strict=True)]
