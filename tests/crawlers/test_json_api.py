"""The generic JSON API spider (`spider: json_api`): field mapping, HTML bodies, paging, teasers."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy.http import Request, TextResponse

from crawlers.spiders.json_api import JsonApiSpider, dig
from veille.sources import Registry

# The shape of WordPress's REST API (/wp-json/wp/v2/posts): a bare list, HTML in `rendered`.
WORDPRESS = [
    {"link": "https://news.example.ml/2024/05/16/kidal/", "date_gmt": "2024-05-16T09:12:03",
     "title": {"rendered": "Kidal&#8217;s new governor"},
     "content": {"rendered": "<p>The governor arrived on Thursday.</p><p>He met local leaders.</p>"}},
    {"link": "https://news.example.ml/2024/05/15/gao/", "date_gmt": "2024-05-15T08:00:00",
     "title": {"rendered": "Gao market reopens"}, "content": {"rendered": ""}},
]


def _spider(options: dict, home: Path) -> JsonApiSpider:
    registry = Registry.model_validate({"sources": [{
        "key": "wp", "name": "WP", "issuer": "wp", "languages": ["en"], "kind": "api",
        "spider": "json_api", "urls": ["https://news.example.ml/wp-json/wp/v2/posts"], "options": options,
    }]})
    return JsonApiSpider(source="wp", registry=registry)


def _response(url: str, data: object, page: int = 1) -> TextResponse:
    request = Request(url, meta={"source": "wp", "page": page, "lang": None})
    return TextResponse(url, body=json.dumps(data).encode(), encoding="utf-8", request=request)


def test_dig_follows_dotted_paths() -> None:
    data = {"a": {"b": [{"c": 1}]}}
    assert dig(data, "a.b.0.c") == 1
    assert dig(data, "a.x") is None and dig(data, "a.b.5") is None and dig(data, None) is None


def test_wordpress_posts_map_to_items_and_teasers_fetch_the_page(home: Path) -> None:
    spider = _spider({"fields": {"url": "link", "title": "title.rendered", "published_at": "date_gmt",
                                 "body": "content.rendered"}}, home)
    out = list(spider.parse_api(_response("https://news.example.ml/wp-json/wp/v2/posts", WORDPRESS)))
    item, request = out
    assert item["id"] == "https://news.example.ml/2024/05/16/kidal/"
    assert item["title"] == "Kidal\u2019s new governor"
    assert item["body"] == "The governor arrived on Thursday.\n\nHe met local leaders."
    assert item["published_at"].isoformat() == "2024-05-16T09:12:03+00:00"
    assert item["lang"] == "en" and item["issuer"] == "wp"
    # No body in the record: its page is fetched and extracted like a feed's teaser.
    assert isinstance(request, Request) and request.url == "https://news.example.ml/2024/05/15/gao/"


def test_envelope_paging_and_bad_answers(home: Path) -> None:
    spider = _spider({"items_path": "data.items", "next_path": "data.next", "max_pages": 2,
                      "fields": {"body": "text"}}, home)
    page = {"data": {"items": [{"url": "https://news.example.ml/a", "title": "A", "text": "Body"}],
                     "next": "/api?page=2"}}
    out = list(spider.parse_api(_response("https://news.example.ml/api", page)))
    assert out[0]["title"] == "A" and out[1].url == "https://news.example.ml/api?page=2"
    # The last allowed page does not ask for another.
    page["data"]["items"][0]["url"] = "https://news.example.ml/b"
    assert len(list(spider.parse_api(_response("https://news.example.ml/api?page=2", page, page=2)))) == 1
    assert list(spider.parse_api(_response("https://news.example.ml/api", {"data": {}}))) == []
    errors = spider.state.recent_errors("wp")
    assert errors and "is not a list" in errors[0]["message"]
