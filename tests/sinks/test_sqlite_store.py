"""The local store: idempotent upserts, full-text search across languages, export."""

from __future__ import annotations

import pytest

from sinks.index_stage import indexer_stage
from sinks.sqlite_store import SqliteStore
from veille.bus.base import ENRICHED
from veille.bus.sqlite_bus import SqliteBus
from veille.schema import EnrichedItem


def _item(i: str, title: str, body: str, source: str = "s") -> EnrichedItem:
    return EnrichedItem(id=f"https://example.org/{i}", source=source, url=f"https://example.org/{i}", title=title, body=body)


def test_upsert_is_idempotent(tmp_path):
    store = SqliteStore(tmp_path / "s.db")
    store.upsert([_item("a", "Ménaka", "Attaque près de Ménaka")])
    store.upsert([_item("a", "Ménaka", "Attaque près de Ménaka"), _item("b", "Gao", "Marche à Gao")])
    assert store.count() == 2
    store.upsert([_item("a", "Ménaka (mise à jour)", "Bilan revu")])
    assert store.count() == 2
    assert store.get("https://example.org/a")["title"] == "Ménaka (mise à jour)"
    assert store.search("Attaque") == []  # the old text left the index with the update


def test_search_ignores_accents_and_finds_arabic(tmp_path):
    store = SqliteStore(tmp_path / "s.db")
    store.upsert([_item("a", "Sécurité à Ménaka", "La situation sécuritaire"),
                  _item("b", "مالي", "نزوح آلاف الأسر من منطقة ميناكا")])
    assert [h.item["id"] for h in store.search("securite menaka")] == ["https://example.org/a"]
    assert [h.item["id"] for h in store.search("ميناكا")] == ["https://example.org/b"]
    assert store.search('"situation sécuritaire"')[0].item["id"] == "https://example.org/a"
    assert store.search("S/2020/476") == []  # punctuation does not break the query


def test_export_has_every_schema_field(tmp_path):
    store = SqliteStore(tmp_path / "s.db")
    store.upsert([_item("a", "t", "b")])
    doc = next(store.export())
    for field in ("id", "source", "url", "title", "body", "lang", "published_at", "collected_at",
                  "doc_type", "issuer", "symbol", "translations", "schema_version", "enrichment"):
        assert field in doc


def test_indexer_commits_only_after_the_store_write(tmp_path):
    bus = SqliteBus(tmp_path / "bus.db")
    bus.publish(ENRICHED, "https://example.org/a", _item("a", "t", "b").model_dump_json().encode())

    class FailingStore(SqliteStore):
        def upsert(self, items):
            raise OSError("disk full")

    stage = indexer_stage(bus, FailingStore(tmp_path / "s.db"))
    with pytest.raises(OSError, match="disk full"):
        stage.run_once()
    assert bus.consumer(ENRICHED, "indexer").lag() == 1  # not committed: will be retried
    store = SqliteStore(tmp_path / "s.db")
    assert indexer_stage(bus, store).drain() == 1
    assert store.count() == 1
    assert bus.consumer(ENRICHED, "indexer").lag() == 0
