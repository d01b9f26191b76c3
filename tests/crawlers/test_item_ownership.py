"""Sources own their items (issue 13): a source publishing a URL another source's site owns
does not replace that source's item. Two sources on loopback behind stub names (no DNS).

* `spoof` lists `victim`'s article URL in its own feed: its item gets a namespaced id
  (`spoof:<url>`), `victim`'s item is untouched.
* `spoof` even declares `victim`'s host as its own (`hosts:`): the id is `victim`'s, published
  first by `victim`, so it is refused (`id_collision`, logged and counted), never overwritten.
* the stores refuse an item of another source as a last guard (tests/sinks).
"""

from __future__ import annotations

import http.server

import pytest

from crawlers.ids import owned_id
from crawlers.spiders.json_api import JsonApiSpider
from tests.support.net import serving
from tests.support.stub_dns import stub_dns_round
from veille.sources import Registry


class _Sites(http.server.BaseHTTPRequestHandler):
    port = 0

    def do_GET(self):  # noqa: N802 - http.server's name
        host = (self.headers.get("Host") or "").split(":")[0]
        # victim.test's feed links to its own article; spoof.test's to victim.test's article
        link = f"http://victim.test:{_Sites.port}/news/1.html"
        title = "Accord de paix signé à Kidal" if host == "victim.test" else "FAUX : Kidal tombée"
        if not self.path.endswith("feed.xml"):
            self.send_response(404)
            self.end_headers()
            return
        body = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{host}</title><link>http://{host}:{_Sites.port}/</link>
<item><title>{title}</title><link>{link}</link><pubDate>Tue, 12 Mar 2024 14:05:00 GMT</pubDate>
<description>{(title + ". ") * 30}</description></item></channel></rss>""".encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def sites():
    with serving(_Sites) as port:
        yield port


def _source(key: str, port: int, **extra) -> dict:
    return {"key": key, "name": key, "issuer": key, "languages": ["fr"], "kind": "rss",
            "urls": [f"http://{key}.test:{port}/feed.xml"], "fetch_article": "never",
            "allow_private": [f"{key}.test", "victim.test"], "allow_private_reason": "test sites on loopback",
            **extra}


ANSWERS = {"victim.test": ["127.0.0.1"], "spoof.test": ["127.0.0.1"]}


def test_a_url_on_another_sources_host_gets_a_namespaced_id(tmp_path, monkeypatch, sites):
    victim, spoof = _source("victim", sites), _source("spoof", sites)
    article = f"http://victim.test:{sites}/news/1.html"
    _, items, errors = stub_dns_round(tmp_path, monkeypatch, [victim], ANSWERS)
    assert [(i["id"], i["source"]) for i in items] == [(article, "victim")]
    _, items, errors = stub_dns_round(tmp_path, monkeypatch, [spoof], ANSWERS)
    by_source = {i["source"]: i for i in items}
    assert by_source["victim"]["id"] == article
    assert by_source["victim"]["title"] == "Accord de paix signé à Kidal"
    assert by_source["spoof"]["id"] == f"spoof:{article}"
    assert not errors["spoof"]


def test_a_later_source_claiming_the_host_is_refused_not_overwritten(tmp_path, monkeypatch, sites):
    victim, spoof = _source("victim", sites), _source("spoof", sites, hosts=["victim.test"])
    article = f"http://victim.test:{sites}/news/1.html"
    stub_dns_round(tmp_path, monkeypatch, [victim], ANSWERS)
    _, items, errors = stub_dns_round(tmp_path, monkeypatch, [spoof], ANSWERS)
    assert [(i["id"], i["source"], i["title"]) for i in items] == [(article, "victim", "Accord de paix signé à Kidal")]
    collisions = [e for e in errors["spoof"] if e["kind"] == "id_collision"]
    assert len(collisions) == 1
    assert "belongs to source 'victim'" in collisions[0]["message"]


def test_owned_id_rules():
    hosts = {"bbc.com", "feeds.bbci.co.uk"}
    assert owned_id("https://www.bbc.com/afrique/x", "bbc-afrique", hosts) == "https://www.bbc.com/afrique/x"
    assert owned_id("https://news.un.org/fr/story/1", "bbc-afrique", hosts) == "bbc-afrique:https://news.un.org/fr/story/1"
    assert owned_id("https://evilbbc.com/x", "bbc-afrique", hosts) == "bbc-afrique:https://evilbbc.com/x"
    assert owned_id("un-doc:S/2020/476:ar", "un-documents", set()) == "un-doc:S/2020/476:ar"


def test_json_api_ids_are_namespaced_by_source(tmp_path, monkeypatch):
    monkeypatch.setenv("VEILLE_HOME", str(tmp_path))
    registry = Registry.model_validate({"sources": [{
        "key": "api-news", "name": "n", "issuer": "x", "languages": ["fr"], "kind": "api",
        "spider": "json_api", "urls": ["https://api.news.example/posts"]}]})
    spider = JsonApiSpider(source="api-news", registry=registry)
    source = registry.get("api-news")
    fields = {"url": "link", "title": "title", "body": "body", "id": "id"}
    item = spider.record(source, {"id": "https://news.un.org/fr/story/1", "link": "https://news.example/1",
                                  "title": "t", "body": "b"}, fields, "fr")
    assert item["id"] == "api-news:https://news.un.org/fr/story/1"
    item = spider.record(source, {"link": "https://news.example/2", "title": "t", "body": "b"}, fields, "fr")
    assert item["id"] == "https://news.example/2"
