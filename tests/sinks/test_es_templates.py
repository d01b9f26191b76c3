"""The Elasticsearch template bodies and index routing, without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from elasticsearch import BadRequestError

from sinks.es_store import doc_id, error_reason, es_query, from_document, to_document
from sinks.es_templates import (
    component_templates,
    detect_language_analyzers,
    index_templates,
    item_index,
    items_mappings,
    text_fields,
)
from sinks.search import parse_words
from veille.schema import SCHEMA_VERSION, EnrichedItem

ALL = {"arabic", "french", "english"}


def test_component_and_index_templates_are_named_after_the_namespace():
    components = component_templates("ns", ALL, replicas=2)
    assert list(components) == ["ns-settings", "ns-items-mappings", "ns-alerts-mappings",
                                "ns-sources-mappings"]
    index = components["ns-settings"]["template"]["settings"]["index"]
    assert index == {"number_of_shards": 1, "number_of_replicas": 2, "refresh_interval": "1s"}
    assert component_templates("ns", ALL)["ns-settings"]["template"]["settings"]["index"][
        "number_of_replicas"] == 0

    templates = index_templates("ns", ALL)
    items = templates["ns-items"]
    assert items["index_patterns"] == ["ns-items-*"]
    assert items["composed_of"] == ["ns-settings", "ns-items-mappings"]
    assert items["template"]["aliases"] == {"ns-items": {}}
    assert items["priority"] > 100  # above the built-in logs/metrics templates
    assert items["_meta"] == {"veille_schema": SCHEMA_VERSION, "analysis": "language",
                              "language_analyzers": ["arabic", "english", "french"]}
    alerts = templates["ns-alerts"]
    assert alerts["index_patterns"] == ["ns-alerts-*"]
    assert alerts["template"]["aliases"] == {"ns-alerts": {}}
    sources = templates["ns-sources"]  # one index, one document per source: no alias
    assert sources["index_patterns"] == ["ns-sources"]
    assert sources["composed_of"] == ["ns-settings", "ns-sources-mappings"]
    assert "template" not in sources


def test_text_fields_get_language_subfields_when_the_cluster_has_the_analyzers():
    props = items_mappings(ALL)["properties"]
    assert props["title"] == {
        "type": "text", "analyzer": "standard",
        "fields": {"ar": {"type": "text", "analyzer": "arabic"},
                   "en": {"type": "text", "analyzer": "english"},
                   "fr": {"type": "text", "analyzer": "french"},
                   "raw": {"type": "keyword", "ignore_above": 512}},
    }
    for name in ("body", "summary"):
        assert set(props[name]["fields"]) == {"ar", "fr", "en"}
    assert items_mappings(ALL)["_meta"]["analysis"] == "language"
    assert "title.ar" in text_fields(ALL) and "body.fr" in text_fields(ALL)


def test_without_language_analyzers_text_is_standard_only():
    mappings = items_mappings(set())
    props = mappings["properties"]
    assert props["title"] == {"type": "text", "analyzer": "standard",
                              "fields": {"raw": {"type": "keyword", "ignore_above": 512}}}
    assert props["body"] == {"type": "text", "analyzer": "standard"}
    assert mappings["_meta"] == {"veille_schema": SCHEMA_VERSION, "analysis": "standard",
                                 "language_analyzers": []}
    assert text_fields(set()) == ["title", "summary", "body"]
    assert index_templates("ns", set())["ns-items"]["_meta"]["analysis"] == "standard"
    alerts = component_templates("ns", set())["ns-alerts-mappings"]["template"]["mappings"]
    assert alerts["properties"]["reasons"] == {"type": "text", "analyzer": "standard"}


def test_item_mapping_types():
    mappings = items_mappings(ALL)
    assert mappings["dynamic"] is False
    props = mappings["properties"]
    for name in ("id", "source", "url", "lang", "doc_type", "issuer", "symbol", "translations",
                 "authors", "attachments"):
        assert props[name]["type"] == "keyword", name
    assert "ignore_above" not in props["id"]  # export sorts on it
    for name in ("published_at", "collected_at"):
        assert props[name]["type"] == "date"
    enrichment = props["enrichment"]["properties"]
    places = enrichment["places"]["properties"]
    assert places["location"] == {"type": "geo_point"}
    assert places["lat"]["type"] == places["lon"]["type"] == "float"
    assert "type" not in enrichment["places"]  # plain objects, not nested
    assert enrichment["event_types"]["properties"]["score"]["type"] == "float"
    assert enrichment["severity"]["properties"]["score"]["type"] == "float"
    assert enrichment["story_id"]["type"] == "keyword"


def test_items_go_to_the_year_of_publication_else_collection():
    published = datetime(2024, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    collected = datetime(2025, 1, 5, tzinfo=UTC)
    assert item_index("ns", published, collected) == "ns-items-2025"  # UTC year
    assert item_index("ns", None, collected) == "ns-items-2025"
    assert item_index("ns", datetime(2024, 12, 1, tzinfo=UTC), collected) == "ns-items-2024"


def test_detection_keeps_the_analyzers_the_cluster_knows():
    class Indices:
        def analyze(self, analyzer, text):
            if analyzer != "english":
                raise BadRequestError("failed to find global analyzer", meta=_Meta(), body={})
            return {"tokens": []}

    class Client:
        indices = Indices()

    assert detect_language_analyzers(Client()) == {"english"}


class _Meta:
    status = 400


def test_documents_carry_geo_points_and_read_back_without_them():
    item = EnrichedItem(id="https://e.org/a", source="s", url="https://e.org/a", title="t",
                        body="b")
    item.enrichment.places = [{"name": "Gao", "lat": 16.27, "lon": -0.04},
                              {"name": "?", "lat": None, "lon": None},
                              {"name": "bad", "lat": 200, "lon": 0}]
    doc = to_document(item)
    places = doc["enrichment"]["places"]
    assert places[0]["location"] == {"lat": 16.27, "lon": -0.04}
    assert "location" not in places[1] and "location" not in places[2]
    assert from_document(doc)["enrichment"]["places"][0] == {"name": "Gao", "lat": 16.27,
                                                              "lon": -0.04}


def test_long_ids_are_hashed_into_the_id_limit():
    assert doc_id("https://e.org/a") == "https://e.org/a"
    long_id = "https://e.org/" + "x" * 600
    assert doc_id(long_id).startswith("sha256:") and len(doc_id(long_id)) < 512
    assert doc_id(long_id) == doc_id(long_id)


def _phrase(text: str) -> dict:
    return {"multi_match": {"query": text, "fields": ["title"], "type": "phrase", "lenient": True}}


@pytest.mark.parametrize(("query", "expected"), [
    ("securite menaka", {"bool": {"must": [_phrase("securite"), _phrase("menaka")], "must_not": []}}),
    ("gao OR kidal", {"bool": {"should": [_phrase("gao"), _phrase("kidal")], "minimum_should_match": 1}}),
    ("gao AND NOT kidal", {"bool": {"must": [_phrase("gao")], "must_not": [_phrase("kidal")]}}),
    ('"situation sécuritaire" mali',
     {"bool": {"must": [_phrase("situation sécuritaire"), _phrase("mali")], "must_not": []}}),
])
def test_search_syntax_translation(query, expected):
    """The one query model (sinks/search.py) as Elasticsearch reads it: terms as phrases."""
    assert es_query(parse_words(query), ["title"]) == expected


def test_error_reason_keeps_the_causes():
    error = {"type": "document_parsing_exception", "reason": "failed to parse field [x]",
             "caused_by": {"type": "number_format_exception", "reason": "For input string"}}
    assert error_reason(error) == ("document_parsing_exception: failed to parse field [x] "
                                   "(caused by number_format_exception: For input string)")
