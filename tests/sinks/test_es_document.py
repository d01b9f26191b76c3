"""What the store sends as `_source`: the same JSON whichever path serialises it."""

from __future__ import annotations

import json

from sinks.es_store import document_source, to_document
from veille.schema import EnrichedItem, Place


def _item() -> EnrichedItem:
    return EnrichedItem(id="https://e.org/a", source="s", url="https://e.org/a", title="Gao",
                        body="Des hommes armés…", lang="fr", translations=["https://e.org/b"])


def test_without_places_the_source_is_pydantic_json_equal_to_the_document():
    item = _item()
    source = document_source(item)
    assert isinstance(source, bytes)
    assert json.loads(source) == to_document(item)


def test_with_places_the_source_carries_geo_points():
    item = _item()
    item.enrichment.places = [Place(name="Gao", country="ML", lat=16.27, lon=-0.04)]
    source = document_source(item)
    assert source == to_document(item)
    assert source["enrichment"]["places"][0]["location"] == {"lat": 16.27, "lon": -0.04}
