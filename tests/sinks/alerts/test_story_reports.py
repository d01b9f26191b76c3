"""The story's other reports in alert messages: looked up in the item store (SQLite, and the
real Elasticsearch) when the alert is delivered; the message still goes out when the store
cannot be read."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sinks.alerts import delivery
from sinks.alerts.message import view
from sinks.alerts.model import Alert, Report
from sinks.alerts.story_reports import with_story_reports
from sinks.sqlite_store import SqliteStore
from tests.sinks.alerts.message_samples import classified, raised
from veille.schema import EnrichedItem
from veille.settings import reset_settings


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[EnrichedItem], Alert]:
    """(the classified items, the Arabic alert as raised: without the reports)."""
    items = classified()
    arabic, _ = raised(items, tmp_path_factory.mktemp("engine"))
    return items, arabic.model_copy(update={"reports": []})


def _check(alert: Alert, items: list[EnrichedItem]) -> None:
    same = [i for i in items if i.enrichment.story_id == alert.story_id and i.id != alert.item_id]
    assert len(same) == 2  # the French and English reports of the attack
    assert [r.item_id for r in alert.reports] == [i.id for i in sorted(same, key=lambda i: i.published_at)]
    assert {(r.source, r.language, r.url) for r in alert.reports} == \
        {(i.source, i.enrichment.language.code, i.url) for i in same}
    assert [link.url for link in view(alert).reports] == [r.url for r in alert.reports]


def test_other_reports_come_from_the_sqlite_store(story, tmp_path: Path) -> None:
    items, alert = story
    store = SqliteStore(tmp_path / "store.db")
    try:
        store.upsert(items)
        found = with_story_reports(alert, store)
    finally:
        store.close()
    _check(found, items)


def test_reports_the_alert_carries_are_kept_and_not_repeated(story, tmp_path: Path) -> None:
    items, alert = story
    carried = Report(item_id=items[0].id, title="as the rule saw it", url=items[0].url, source="x")
    store = SqliteStore(tmp_path / "store.db")
    try:
        store.upsert(items)
        found = with_story_reports(alert.model_copy(update={"reports": [carried]}), store)
    finally:
        store.close()
    assert found.reports[0] == carried and len(found.reports) == 2
    assert len({r.item_id for r in found.reports}) == 2


def test_an_unreadable_store_leaves_the_alert_as_it_is(story, caplog) -> None:
    _, alert = story

    class Down(SqliteStore):
        def __init__(self) -> None:
            pass

        def story_items(self, story_id, limit=20):
            raise ConnectionError("connection refused")

    assert with_story_reports(alert, Down()) == alert
    assert "not looked up (ConnectionError: connection refused)" in caplog.text


def test_the_delivered_message_lists_them(story, tmp_path: Path, monkeypatch, capsys) -> None:
    items, alert = story
    monkeypatch.setenv("VEILLE_HOME", str(tmp_path / "home"))
    reset_settings()
    (tmp_path / "home").mkdir()
    store = SqliteStore(tmp_path / "home" / "store.db")
    try:
        store.upsert(items)
    finally:
        store.close()
    assert delivery.deliver_now(alert, "console", {"type": "log"}) is None
    out = capsys.readouterr().out
    assert "+ Gunmen kill 12 civilians in village near Menaka, Mali — caj-news · en" in out
    assert "+ Ménaka : au moins 12 civils tués" in out


@pytest.fixture
def es_namespace(es) -> Iterator[str]:
    from tests.support.services import cleanup_es

    ns = f"t{uuid.uuid4().hex[:8]}"
    yield ns
    cleanup_es(es, ns)


@pytest.mark.integration
def test_other_reports_come_from_elasticsearch(story, es_namespace: str) -> None:
    from sinks.es_store import ElasticsearchStore

    items, alert = story
    store = ElasticsearchStore(os.environ.get("VEILLE_ES_URL", "http://127.0.0.1:19200"), es_namespace)
    try:
        assert store.upsert(items) == {}
        store.refresh()
        _check(with_story_reports(alert, store), items)
        assert store.story_items("story-nothing") == []
    finally:
        store.close()
