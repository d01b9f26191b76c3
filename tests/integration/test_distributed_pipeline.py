"""Distributed mode end to end on the real servers: `veille crawl` (Dramatiq on Redis) →
Kafka → `veille process` → Kafka → `veille index` → Elasticsearch, each its own process.

Every item of the offline mirror ends up searchable, with every schema field mapped as
intended, and each process answers /healthz and /metrics and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import json
import signal

import pytest

from sinks.es_store import ElasticsearchStore
from tests.support.net import free_port, http_get
from tests.support.sites import all_source_keys, expected_id, expected_items

pytestmark = pytest.mark.integration

# Schema field → the Elasticsearch type it must have in the real mapping.
FIELD_TYPES = {
    "schema_version": {"short", "integer", "byte"},
    "id": {"keyword"},
    "source": {"keyword"},
    "url": {"keyword"},
    "title": {"text"},
    "body": {"text"},
    "lang": {"keyword"},
    "published_at": {"date"},
    "collected_at": {"date"},
    "doc_type": {"keyword"},
    "issuer": {"keyword"},
    "symbol": {"keyword"},
    "translations": {"keyword"},
    "authors": {"keyword"},
    "summary": {"text"},
    "attachments": {"keyword"},
    "enrichment.language.code": {"keyword"},
    "enrichment.language.score": {"float", "half_float", "scaled_float"},
    "enrichment.processed_at": {"date"},
    "enrichment.places.location": {"geo_point"},
    "enrichment.places.admin1": {"keyword"},
    "enrichment.event_types.label": {"keyword"},
    "enrichment.topics.label": {"keyword"},
    "enrichment.orgs.id": {"keyword"},
    "enrichment.severity.score": {"float", "short", "integer"},
    "enrichment.story_id": {"keyword"},
    "enrichment.duplicate_of": {"keyword"},
    "enrichment.figures.killed": {"integer"},
    "enrichment.symbols": {"keyword"},
}


def _field_type(mapping: dict, dotted: str) -> str | None:
    node = mapping
    for part in dotted.split("."):
        node = node.get("properties", {}).get(part)
        if node is None:
            return None
    return node.get("type", "object")


def test_crawled_items_are_searchable_in_elasticsearch(distributed, mirror):
    expected_ids = {expected_id(e) for key in all_source_keys() for e in expected_items(key)["items"]}
    distributed.env["VEILLE_MIRROR"] = mirror.env_value()
    ports = {name: free_port() for name in ("process", "index")}
    processor = distributed.start("process", env={"VEILLE_METRICS_PORT": str(ports["process"])})
    indexer = distributed.start("index", env={"VEILLE_METRICS_PORT": str(ports["index"])})
    crawler = distributed.start("crawl", "--once", "--workers", "4")
    assert crawler.wait(timeout=300) == 0, distributed.logs()

    distributed.wait_for(lambda: distributed.count() >= len(expected_ids), f"{len(expected_ids)} documents")
    assert set(distributed.ids()) == expected_ids
    assert distributed.count() == len(expected_ids)

    # Every schema field mapped as intended, in the index the items were written to.
    mappings = distributed.es.indices.get_mapping(index=distributed.alias)
    assert mappings, "no index behind the alias"
    for index, body in mappings.items():
        for field, wanted in FIELD_TYPES.items():
            assert _field_type(body["mappings"], field) in wanted, f"{index}: {field}"

    # Searchable as users search, in each language: a title's longest word finds its item.
    store = ElasticsearchStore(distributed.env["VEILLE_ES_URL"], distributed.namespace)
    for lang in ("ar", "fr", "en"):
        entry = next(e for key in all_source_keys() for e in expected_items(key)["items"]
                     if e.get("lang") == lang and e.get("title"))
        word = max(entry["title"].split(), key=len).strip(".,:;«»\"'()")
        assert expected_id(entry) in {h.item["id"] for h in store.search(word, limit=50)}, (lang, word)
    by_source = store.counts_by_source()
    assert set(by_source) == set(all_source_keys())
    langs = {lang for s in by_source.values() for lang in s["languages"]}
    assert {"ar", "fr", "en"} <= langs

    # Health and metrics of each long-lived stage, then a clean stop on SIGTERM.
    for name, port in ports.items():
        status, body = http_get(port, "/healthz")
        assert status == 200 and json.loads(body)["ok"], f"{name}: {body}"
        status, text = http_get(port, "/metrics")
        stage = "processor" if name == "process" else "indexer"
        assert f'veille_stage_messages_total{{outcome="ok",stage="{stage}"}}' in text
        assert "veille_stage_lag" in text
    for proc in (processor, indexer):
        proc.send_signal(signal.SIGTERM)
    assert processor.wait(timeout=30) == 0 and indexer.wait(timeout=30) == 0, distributed.logs()
