"""The one JSON-lines reader (veille/json_lines.py): lazy, blank lines skipped, and every kind
of bad line named by origin and line number, after what came before it."""

from __future__ import annotations

import pytest

from veille.json_lines import BadLine, json_objects


def test_objects_with_their_line_numbers_blank_lines_skipped() -> None:
    lines = [b'{"a": 1}\n', b"\n", "  \n", '{"b": "caf\u00e9"}\n'.encode()]
    assert list(json_objects(lines, "x.jsonl")) == [(1, {"a": 1}), (4, {"b": "café"})]


@pytest.mark.parametrize(("line", "why"), [
    (b"{not json", "not a JSON line ("),
    (b'{"a": "caf\xe9"}', "not UTF-8 (byte 10)"),
    (b"[1, 2]", "not a thing: a JSON list, not an object"),
    ("null", "not a thing: a JSON NoneType, not an object"),
])
def test_a_bad_line_is_named_after_what_came_before_it(line: str | bytes, why: str) -> None:
    reader = json_objects([b'{"ok": true}', line, b'{"never": "read"}'], "in.jsonl", "a thing")
    assert next(reader) == (1, {"ok": True})
    with pytest.raises(BadLine) as bad:
        next(reader)
    assert (bad.value.origin, bad.value.number) == ("in.jsonl", 2) and why in bad.value.why
    assert str(bad.value).startswith("in.jsonl:2: ") and "\n" not in str(bad.value)
