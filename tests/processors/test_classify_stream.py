"""`veille classify`'s stream (processors/classify_stream.py): one enriched line per input line, in
order, the caller's fields kept; a bad line is named and stops the stream after what came
before it."""

from __future__ import annotations

import json

import pytest

from processors.classify import Classifier
from processors.classify_stream import BadLine, classify_json_lines

KIDAL = {"id": "a", "lang": "fr", "title": "Attaque à Kidal",
         "body": "Des hommes armés ont attaqué un poste de l'armée malienne à Kidal; trois soldats "
                 "ont été tués selon l'armée."}
NIAMEY = {"id": "b", "title": "Security Council meets on the Sahel",
          "body": "The Security Council met in New York on the situation in Mali and the Sahel."}


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(stories_path=None)


def test_one_line_out_per_item_in_order_with_the_input_fields(classifier: Classifier) -> None:
    lines = [json.dumps(KIDAL) + "\n", "\n", json.dumps(NIAMEY, ensure_ascii=False) + "\n"]
    batches = list(classify_json_lines(lines, classifier, batch=1))
    assert len(batches) == 2 and all(len(b) == 1 for b in batches)
    out = [json.loads(line) for batch in batches for line in batch]
    assert [o["id"] for o in out] == ["a", "b"] and out[0]["lang"] == "fr" and "url" not in out[0]
    assert out[0]["language"]["code"] == "fr" and out[1]["language"]["code"] == "en"
    assert any(p["name"] == "Kidal" for p in out[0]["places"])
    assert "processed_at" not in out[0] and "event_types" in out[0]


def test_a_line_that_is_not_json_is_named_after_the_batches_before_it(classifier: Classifier) -> None:
    stream = classify_json_lines([json.dumps(KIDAL), "{not json"], classifier, batch=1)
    assert json.loads(next(stream)[0])["id"] == "a"
    with pytest.raises(BadLine) as bad:
        next(stream)
    assert bad.value.number == 2 and bad.value.why.startswith("not a JSON line (")


@pytest.mark.parametrize("line,why", [
    ("[1, 2]", "a JSON list, not an object"),
    ('{"id": "c", "title": "no body"}', "body"),
    ('{"id": "c", "title": "no body"}', "expected JSON with at least id, title and body"),
])
def test_a_line_that_is_not_an_item_is_named(classifier: Classifier, line: str, why: str) -> None:
    with pytest.raises(BadLine) as bad:
        list(classify_json_lines([json.dumps(KIDAL), line], classifier, origin="items.jsonl"))
    assert bad.value.number == 2 and bad.value.why.startswith("not an item") and why in bad.value.why
    assert str(bad.value).startswith("items.jsonl:2: not an item")


def test_a_line_that_is_not_utf8_is_named(classifier: Classifier) -> None:
    with pytest.raises(BadLine) as bad:
        list(classify_json_lines([json.dumps(KIDAL).encode(), b'{"id": "caf\xe9"}'], classifier))
    assert (bad.value.origin, bad.value.number) == ("stdin", 2) and "not UTF-8" in bad.value.why
