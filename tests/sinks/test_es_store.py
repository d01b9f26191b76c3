"""The Elasticsearch item store against the real server of `deploy/local/services up`.

Each test works in its own namespace (`t<8 hex>`) and removes its indices and templates.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import elastic_transport
import pytest
from elasticsearch import Elasticsearch

from sinks.es_store import ElasticsearchStore, StoreUnavailable, doc_id
from sinks.index_stage import indexer_stage
from sinks.store import open_store
from tests.support.services import cleanup_es
from veille.bus.base import DLQ, ENRICHED
from veille.bus.sqlite_bus import SqliteBus
from veille.schema import SCHEMA_VERSION, EnrichedItem
from veille.settings import Settings

pytestmark = pytest.mark.integration

ES_URL = os.environ.get("VEILLE_ES_URL", "http://127.0.0.1:19200")


@pytest.fixture
def namespace(es: Elasticsearch) -> Iterator[str]:
    ns = f"t{uuid.uuid4().hex[:8]}"
    yield ns
    cleanup_es(es, ns)


@pytest.fixture
def store(namespace: str) -> Iterator[ElasticsearchStore]:
    s = ElasticsearchStore(ES_URL, namespace)
    yield s
    s.close()


def _item(i: str, title: str = "t", body: str = "b", source: str = "s", lang: str = "und",
          published: datetime | None = datetime(2024, 5, 10, tzinfo=UTC),
          **enrichment: Any) -> EnrichedItem:
    item = EnrichedItem(id=f"https://example.org/{i}", source=source,
                        url=f"https://example.org/{i}", title=title, body=body,
                        published_at=published)
    item.enrichment.language.code = lang
    for key, value in enrichment.items():
        setattr(item.enrichment, key, value)
    return item


def _full_item() -> EnrichedItem:
    item = EnrichedItem(
        id="https://example.org/full", source="minusma", url="https://example.org/full?x=1",
        title="Attaque à Ménaka", body="Des hommes armés ont attaqué Ménaka.",
        lang="fr", published_at=datetime(2024, 5, 10, 8, 30, tzinfo=UTC), doc_type="statement",
        issuer="minusma", symbol="S/2024/1", translations=["https://example.org/full-en"],
        authors=["A. Auteur"], summary="Une attaque.", attachments=["https://example.org/a.pdf"],
    )
    item.enrichment.language.code, item.enrichment.language.score = "fr", 0.98
    item.enrichment.event_types = [{"label": "armed_clash", "score": 0.9,
                                    "evidence": ["hommes armés"]}]
    item.enrichment.topics = [{"label": "security", "score": 0.8, "evidence": ["attaque"]}]
    item.enrichment.places = [{"name": "Ménaka", "country": "ML", "admin1": "Ménaka",
                               "admin2": "Ménaka", "lat": 15.92, "lon": 2.4,
                               "evidence": ["Ménaka"]}]
    item.enrichment.orgs = [{"id": "minusma", "name": "MINUSMA", "evidence": ["MINUSMA"]}]
    item.enrichment.severity = {"score": 70, "reasons": ["armed_clash"]}
    item.enrichment.duplicate_of = "https://example.org/other"
    item.enrichment.story_id = "story-1"
    return item


def _flatten(props: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for name, spec in props.items():
        path = prefix + name
        out[path] = spec.get("type", "object")
        if "properties" in spec:
            out.update(_flatten(spec["properties"], path + "."))
        for sub, sub_spec in spec.get("fields", {}).items():
            out[f"{path}.{sub}"] = sub_spec["type"]
    return out


def test_templates_and_the_real_mapping_of_an_indexed_item(es, store, namespace):
    assert store.upsert([_full_item()]) == {}
    for kind in ("items", "alerts"):
        template = es.indices.get_index_template(name=f"{namespace}-{kind}")
        body = template["index_templates"][0]["index_template"]
        assert body["composed_of"] == [f"{namespace}-settings", f"{namespace}-{kind}-mappings"]
        assert body["_meta"]["veille_schema"] == SCHEMA_VERSION
    assert es.cluster.get_component_template(name=f"{namespace}-settings")

    mappings = es.indices.get_mapping(index=f"{namespace}-items")
    assert list(mappings) == [f"{namespace}-items-2024"]
    assert es.indices.get_alias(name=f"{namespace}-items")[f"{namespace}-items-2024"]
    mapping = mappings[f"{namespace}-items-2024"]["mappings"]
    analysis = "language" if store.analyzers else "standard"
    assert mapping["_meta"]["analysis"] == analysis
    assert mapping["dynamic"] == "false"
    types = _flatten(mapping["properties"])
    expected = {
        "schema_version": "short", "id": "keyword", "source": "keyword", "url": "keyword",
        "title": "text", "title.raw": "keyword", "body": "text", "summary": "text",
        "lang": "keyword", "published_at": "date", "collected_at": "date",
        "doc_type": "keyword", "issuer": "keyword", "symbol": "keyword",
        "translations": "keyword", "authors": "keyword", "attachments": "keyword",
        "enrichment": "object", "enrichment.language.code": "keyword",
        "enrichment.language.score": "float", "enrichment.processed_at": "date",
        "enrichment.event_types.label": "keyword", "enrichment.event_types.score": "float",
        "enrichment.event_types.evidence": "keyword", "enrichment.topics.label": "keyword",
        "enrichment.topics.score": "float", "enrichment.topics.evidence": "keyword",
        "enrichment.places": "object", "enrichment.places.name": "keyword",
        "enrichment.places.country": "keyword", "enrichment.places.admin1": "keyword",
        "enrichment.places.admin2": "keyword", "enrichment.places.lat": "float",
        "enrichment.places.lon": "float", "enrichment.places.location": "geo_point",
        "enrichment.places.evidence": "keyword", "enrichment.orgs.id": "keyword",
        "enrichment.orgs.name": "keyword", "enrichment.orgs.evidence": "keyword",
        "enrichment.severity.score": "float", "enrichment.severity.reasons": "keyword",
        "enrichment.duplicate_of": "keyword", "enrichment.story_id": "keyword",
    }
    for sub, analyzer in (("ar", "arabic"), ("fr", "french"), ("en", "english")):
        for field in ("title", "body", "summary"):
            if analyzer in store.analyzers:
                expected[f"{field}.{sub}"] = "text"
            else:
                assert f"{field}.{sub}" not in types
    assert {k: types.get(k) for k in expected} == expected
    # every field of the schema is mapped
    top = set(EnrichedItem.model_fields)
    assert top <= set(mapping["properties"])

    # the geo_point is really indexed: a distance query finds the item
    store.refresh()
    hits = es.search(index=f"{namespace}-items", query={"geo_distance": {
        "distance": "10km", "enrichment.places.location": {"lat": 15.9, "lon": 2.4}}})
    assert [h["_id"] for h in hits["hits"]["hits"]] == ["https://example.org/full"]
    # and reads give the item back as it was given
    exported = next(store.export())
    assert exported == json.loads(_full_item().model_dump_json()) | {
        "collected_at": exported["collected_at"], "enrichment": exported["enrichment"]}
    assert "location" not in exported["enrichment"]["places"][0]


def test_reindexing_never_duplicates_even_when_the_year_changes(es, store, namespace):
    a, b = _item("a", "Ménaka"), _item("b", "Gao", published=None)
    store.upsert([a, b])
    store.upsert([a, b])
    assert store.count() == 2

    moved = _item("a", "Ménaka (mis à jour)", published=datetime(2022, 1, 3, tzinfo=UTC))
    assert store.upsert([moved]) == {}
    assert store.count() == 2
    doc = store.get(a.id)
    assert doc["title"] == "Ménaka (mis à jour)" and doc["published_at"].startswith("2022-01")
    # it stayed in the index it was first written to
    hits = es.search(index=f"{namespace}-items", query={"ids": {"values": [a.id]}})
    assert [h["_index"] for h in hits["hits"]["hits"]] == [f"{namespace}-items-2024"]

    # rewritten before any refresh (invisible to search): remembered by the store
    c = _item("c", published=datetime(2024, 6, 1, tzinfo=UTC))
    store.upsert([c])
    store.upsert([_item("c", published=datetime(2021, 6, 1, tzinfo=UTC))])
    # a new store (no memory) after a refresh finds it by search
    other = ElasticsearchStore(ES_URL, namespace)
    store.refresh()
    other.upsert([_item("c", published=datetime(2020, 6, 1, tzinfo=UTC))])
    assert store.count() == 3

    # a copy left in another index is removed on the next write of that id
    es.index(index=f"{namespace}-items-2019.01", id=doc_id(b.id),
             document=json.loads(b.model_dump_json()), refresh=True)
    assert store.count() == 4
    store.upsert([b])
    assert store.count() == 3
    other.close()


def test_a_document_the_mapping_refuses_is_returned_with_the_reason(store):
    good1, good2 = _item("g1"), _item("g2")
    bad = _item("bad", severity={"score": "very high", "reasons": []})
    rejected = store.upsert([good1, bad, good2])
    assert list(rejected) == [bad.id]
    assert "enrichment.severity.score" in rejected[bad.id]
    assert "very high" in rejected[bad.id]
    assert store.count() == 2
    assert store.get(good1.id) and store.get(good2.id) and store.get(bad.id) is None


def test_documents_still_refused_for_overload_make_the_write_raise(store, monkeypatch):
    seen: dict[str, Any] = {}

    def overloaded(client, actions, **kwargs):  # what streaming_bulk yields after its retries
        seen.update(kwargs)
        for action in actions:
            yield False, {"index": {"_index": action["_index"], "_id": action["_id"],
                                    "status": 429, "error": {
                                        "type": "es_rejected_execution_exception",
                                        "reason": "rejected execution (queue capacity 10000)"}}}

    monkeypatch.setattr("sinks.es_store.helpers.streaming_bulk", overloaded)
    with pytest.raises(StoreUnavailable, match="429 es_rejected_execution_exception"):
        store.upsert([_item("a")])
    assert seen["max_retries"] > 0 and 429 in seen["retry_on_status"]
    assert seen["raise_on_exception"] is True and seen["raise_on_error"] is False


def test_the_indexer_dead_letters_refused_items_and_commits(tmp_path, store):
    bus = SqliteBus(tmp_path / "bus.db")
    # Valid for the schema (any int), refused by Elasticsearch's `integer` field.
    bad = _item("bad", figures={"killed": 3_000_000_000})
    for item in (_item("g1"), bad, _item("g2")):
        bus.publish(ENRICHED, item.id, item.model_dump_json().encode())
    assert indexer_stage(bus, store).drain() == 3
    assert bus.consumer(ENRICHED, "indexer").lag() == 0
    dead = bus.read_all(DLQ)
    assert [m.key for m in dead] == [bad.id]
    assert dead[0].headers["stage"] == "indexer"
    assert "ValueError" in dead[0].headers["error"]
    assert "figures.killed" in dead[0].headers["error"]
    assert store.count() == 2


def test_search_in_arabic_and_french(store):
    fr = _item("fr", "Sécurité à Ménaka", "La situation sécuritaire se dégrade à Ménaka.",
               lang="fr")
    ar = _item("ar", "مالي", "نزوح آلاف الأسر من منطقة ميناكا", lang="ar")
    en = _item("en", "Attacks near Gao", "Armed men attacked villages near Gao.", lang="en")
    store.upsert([fr, ar, en])
    store.refresh()
    ids = lambda query: [h.item["id"] for h in store.search(query)]  # noqa: E731
    assert ids("ميناكا") == [ar.id]
    assert ids("Ménaka") == [fr.id]
    assert ids('"situation sécuritaire"') == [fr.id]
    assert ids("Gao OR ميناكا") in ([ar.id, en.id], [en.id, ar.id])
    assert ids("Gao NOT attacks") == []
    assert ids("S/2020/476") == []
    hit = store.search("sécuritaire")[0]
    assert hit.item["id"] == fr.id and hit.item["source"] == "s"
    assert "sécuritaire" in hit.matched() and "[" not in hit.snippet

    if "arabic" in store.analyzers:  # Arabic normalisation: bare alef finds hamza forms
        assert ids("الاسر") == [ar.id]
    else:
        assert ids("الاسر") == []
    if "french" in store.analyzers:  # accents folded and plurals stemmed
        assert ids("securite menaka") == [fr.id]
        assert ids("situations") == [fr.id]
    else:
        assert ids("securite menaka") == []
    if "english" in store.analyzers:
        assert ids("attack") == [en.id]
    else:
        assert ids("attack") == []


def test_export_in_id_order_and_counts_by_source(store):
    items = [
        _item("c", source="s1", lang="fr"),
        _item("a", source="s1", lang="ar", published=datetime(2023, 1, 1, tzinfo=UTC)),
        _item("b", source="s2", lang="fr"),
        _item("d", source="s2", published=None),
    ]
    store.upsert(items)
    exported = list(store.export())
    assert [d["id"] for d in exported] == sorted(i.id for i in items)
    for field in ("id", "source", "url", "title", "body", "lang", "published_at",
                  "collected_at", "doc_type", "issuer", "symbol", "translations",
                  "schema_version", "enrichment"):
        assert field in exported[0]
    assert store.counts_by_source() == {
        "s1": {"items": 2, "languages": {"ar": 1, "fr": 1}},
        "s2": {"items": 2, "languages": {"fr": 1, "und": 1}},
    }


def test_an_empty_store_reads_as_empty(store):
    assert store.count() == 0
    assert store.search("Gao") == []
    assert list(store.export()) == []
    assert store.counts_by_source() == {}
    assert store.upsert([]) == {}


def test_open_store_picks_elasticsearch_when_configured(namespace, tmp_path):
    settings = Settings(home=tmp_path, es_url=ES_URL, namespace=namespace)
    store = open_store(settings)
    try:
        assert isinstance(store, ElasticsearchStore) and store.alias == f"{namespace}-items"
    finally:
        store.close()


def test_an_unreachable_store_raises_and_the_indexer_does_not_commit(tmp_path):
    dead = "http://127.0.0.1:9"
    with pytest.raises(elastic_transport.ConnectionError):
        ElasticsearchStore(dead, request_timeout=2)
    store = ElasticsearchStore(dead, connect=False, request_timeout=2)
    with pytest.raises(elastic_transport.ConnectionError):
        store.upsert([_item("a")])
    bus = SqliteBus(tmp_path / "bus.db")
    bus.publish(ENRICHED, "https://example.org/a", _item("a").model_dump_json().encode())
    with pytest.raises(elastic_transport.ConnectionError):
        indexer_stage(bus, store).run_once()
    assert bus.consumer(ENRICHED, "indexer").lag() == 1
