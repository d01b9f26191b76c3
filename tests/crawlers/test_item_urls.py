"""Issue 13, point 5: item URLs are limited to http(s) at collection: an item whose URL is
`javascript:`, `data:` or `file:` is refused (invalid_item, nothing published), and such
attachment links are dropped."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from scrapy.exceptions import DropItem

from crawlers.pipelines import CollectPipeline
from crawlers.round_report import RoundReport
from veille.settings import reset_settings


@pytest.fixture
def pipeline(tmp_path, monkeypatch):
    monkeypatch.setenv("VEILLE_HOME", str(tmp_path))
    for name in ("VEILLE_KAFKA_BOOTSTRAP", "VEILLE_ES_URL", "VEILLE_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    pipe = CollectPipeline()
    pipe.open_spider()
    spider = SimpleNamespace(round=RoundReport(pipe.state, "r1"), registry=None)
    yield pipe, spider
    pipe.close_spider()
    reset_settings()


def _item(url: str, **kw) -> dict:
    return {"id": "https://example.org/a/1", "source": "example", "url": url, "title": "Titre",
            "body": "Corps du texte.", **kw}


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>x</script>",
                                 "file:///etc/passwd", " JavaScript:alert(1)", "ftp://h.test/x"])
def test_a_non_http_item_url_is_refused_at_collection(pipeline, url: str) -> None:
    pipe, spider = pipeline
    with pytest.raises(DropItem, match="not http"):
        pipe.process_item(_item(url), spider)
    errors = pipe.state.recent_errors(limit=5)
    assert errors and errors[0]["kind"] == "invalid_item" and "not an http(s) URL" in errors[0]["message"]
    assert pipe.state.one("SELECT count(*) FROM seen", ())[0] == 0


def test_http_items_pass_and_unsafe_attachments_are_dropped(pipeline) -> None:
    pipe, spider = pipeline
    published: list[dict] = []
    publish = pipe.bus.publish
    pipe.bus.publish = lambda topic, key, value: (published.append(json.loads(value)),
                                                  publish(topic, key, value))
    item = _item("https://example.org/a/1",
                 attachments=["https://example.org/a.pdf", "javascript:alert(1)", "file:///etc/passwd"])
    pipe.process_item(item, spider)
    assert [p["url"] for p in published] == ["https://example.org/a/1"]
    assert published[0]["attachments"] == ["https://example.org/a.pdf"]
