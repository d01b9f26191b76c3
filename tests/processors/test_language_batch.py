"""The processor's batch path decides exactly as the one-by-one functions."""

from __future__ import annotations

import json

from processors.enrich_stage import enrich, enrich_many
from processors.language import identify, identify_many
from tests.support.items import synthetic_items
from veille.schema import item_from_json


def test_identify_many_is_identify_in_order():
    texts = [
        ("Des hommes armés ont attaqué un poste de la gendarmerie près de Ménaka.", "en"),
        ("Mali", "fr"),
        ("Armed men attacked a gendarmerie post near Menaka on Tuesday.", None),
        ("هاجم مسلحون مركزا للدرك قرب ميناكا يوم الثلاثاء مما أسفر عن مقتل عدة أشخاص", "fr"),
        ("", None),
    ]
    assert identify_many(texts) == [identify(text, declared) for text, declared in texts]
    assert identify_many([]) == []


def test_enrich_many_is_enrich():
    raw = synthetic_items(30, prefix="batch")
    one_by_one = [enrich(json.loads(json.dumps(item))) for item in raw]
    batch = enrich_many([item_from_json(item) for item in raw])
    strip = lambda e: e.model_dump(exclude={"enrichment": {"processed_at"}})  # noqa: E731
    assert [strip(e) for e in batch] == [strip(e) for e in one_by_one]
