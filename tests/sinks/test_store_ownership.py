"""The stores' last guard (issue 13): an item stored for one source is never replaced by
another source's item with the same id; the write is refused with the reason (the indexer
dead-letters it), the same source's updates still go through."""

from __future__ import annotations

import os
import uuid

import pytest

from sinks.sqlite_store import SqliteStore
from veille.schema import EnrichedItem

ES_URL = os.environ.get("VEILLE_ES_URL", "http://127.0.0.1:19200")
ID = "https://news.un.org/fr/story/2024/03/1"


def _item(source: str, title: str) -> EnrichedItem:
    return EnrichedItem(id=ID, source=source, url=ID, title=title, body=title + " corps")


def _check(store, get_title) -> None:
    assert store.upsert([_item("un-news", "Accord de paix")]) == {}
    refused = store.upsert([_item("spoof", "FAUX"), _item("un-news", "x").model_copy(update={"id": ID + "x"})])
    assert list(refused) == [ID]
    assert "belongs to source 'un-news'" in refused[ID] and "id_collision" in refused[ID]
    assert get_title() == ("un-news", "Accord de paix")
    assert store.upsert([_item("un-news", "Accord de paix signé")]) == {}
    assert get_title() == ("un-news", "Accord de paix signé")


def test_sqlite_store_does_not_let_another_source_replace_an_item(tmp_path):
    store = SqliteStore(tmp_path / "store.db")

    def title():
        doc = store.get(ID)
        return doc["source"], doc["title"]

    _check(store, title)
    assert store.count() == 2


@pytest.mark.integration
def test_elasticsearch_store_does_not_let_another_source_replace_an_item(es):
    from sinks.es_store import ElasticsearchStore
    from tests.support.services import cleanup_es

    namespace = f"t{uuid.uuid4().hex[:8]}"
    store = ElasticsearchStore(ES_URL, namespace)
    try:
        def title():
            store.refresh()
            hits = [d for d in store.export() if d["id"] == ID]
            assert len(hits) == 1
            return hits[0]["source"], hits[0]["title"]

        _check(store, title)
    finally:
        store.close()
        cleanup_es(es, namespace)
