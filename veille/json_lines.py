"""Reading JSON lines, once for every room: items for `veille classify` and `veille rules
test`, labelled sets for `veille eval`, Kibana's saved objects. They all meet the same bad
input (a line that is not UTF-8, not JSON, or JSON but not an object), and a user should get
the same one-line answer naming the file and the line whichever command read it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator


class BadLine(ValueError):
    """Line `number` of `origin` cannot be read; `why` says why, in one line."""

    def __init__(self, origin: str, number: int, why: str) -> None:
        super().__init__(f"{origin}:{number}: {why}")
        self.origin, self.number, self.why = origin, number, why


def json_objects(lines: Iterable[str | bytes], origin: str, what: str = "a JSON object"
                 ) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line, lazily: what came before a bad line has
    been yielded when `BadLine` is raised. `what` names what a line should hold ("an item")."""
    for number, line in enumerate(lines, 1):
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadLine(origin, number, f"not UTF-8 (byte {exc.start}); JSON lines must "
                                              "be UTF-8") from None
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadLine(origin, number, f"not a JSON line ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise BadLine(origin, number, f"not {what}: a JSON {type(obj).__name__}, not an object")
        yield number, obj
