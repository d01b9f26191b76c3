"""The generic JSON API spider: a `kind: api` source whose API answers a list of records.

Many sites publish a plain JSON API beside their pages (WordPress's `/wp-json/wp/v2/posts`,
a CMS's `/api/news`), and reading it is configuration, not code, like a feed:

```yaml
spider: json_api
options:
  items_path: data          # dotted path to the list of records ('' when the answer is the list)
  next_path: links.next     # dotted path to the next page's URL (absent/null: last page)
  max_pages: 3              # pages per round (default VEILLE_MAX_PAGES)
  fields:                   # item field -> dotted path inside one record
    url: link
    title: title.rendered
    published_at: date_gmt
    body: content.rendered  # HTML or text; without it the article page is fetched
    lang: language
```

Mapped fields: `url` (required), `title`, `body`, `published_at`, `lang`, `summary`,
`authors`, `attachments`, `id` (kept as `<source key>:<id>`). A value that is HTML becomes clean text. A record without a
body (or with `fetch_article: always`) has its page fetched and extracted like a feed's
teaser. An API that needs a key, an unusual paging scheme or per-record requests needs its own
spider (see `reliefweb.py` and docs/adding-a-source.md).

API calls skip robots.txt, as feeds do (they are published for machines); article pages obey it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import Any

from scrapy.http import Request, Response

from crawlers.config import crawler_settings
from crawlers.dates import parse_date
from crawlers.extract import html_to_text
from crawlers.ids import canonical_url
from crawlers.spiders.base import VeilleSpider
from veille.schema import primary_language
from veille.sources import Source

FIELDS = ("id", "url", "title", "body", "published_at", "lang", "summary", "authors", "attachments")


def dig(data: Any, path: str | None) -> Any:
    """The value at a dotted path (`fields.title`, `items.0.url`); None when absent."""
    if path is None:
        return None
    node = data
    for part in filter(None, str(path).split(".")):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _text(value: Any) -> str | None:
    """A record's value as clean text: HTML fragments become paragraphs."""
    if value is None:
        return None
    if isinstance(value, list):
        value = "\n\n".join(str(v) for v in value if v is not None)
    text = str(value).strip()
    # HTML fragments (WordPress's `content.rendered`) become paragraphs; entities alone
    # (its titles: `Mali&#8217;s`) are decoded.
    text = html_to_text(text) if "<" in text and ">" in text else html.unescape(text)
    return text.strip() or None


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        v = v.get("name") or v.get("url") if isinstance(v, dict) else v
        if isinstance(v, str) and v.strip():
            out.append(v.strip())
    return out


class JsonApiSpider(VeilleSpider):
    name = "json_api"

    def start_requests_for(self, source: Source) -> Iterable[Request]:
        for entry in source.urls:
            yield self.api_request(entry.url, source, page=1, lang=entry.lang)

    def api_request(self, url: str, source: Source, page: int, lang: str | None) -> Request:
        return self.request(
            url, self.parse_api, source, robots=False, dont_filter=True,
            headers={"Accept": "application/json"}, meta={"page": page, "lang": lang},
        )

    def max_pages(self, source: Source) -> int:
        return int(source.options.get("max_pages", crawler_settings().max_pages))

    def parse_api(self, response: Response):
        source = self.source_of(response)
        try:
            data = json.loads(response.body)
        except ValueError as exc:
            self.round.error(source.key, "api_malformed", response.url, f"not JSON: {exc}")
            return
        records = dig(data, source.options.get("items_path", "")) if source.options.get("items_path") else data
        if not isinstance(records, list):
            self.round.error(source.key, "api_malformed", response.url,
                             f"options.items_path {source.options.get('items_path')!r} is not a list in the answer")
            return
        fields: dict[str, str] = {**{"url": "url", "title": "title"}, **(source.options.get("fields") or {})}
        fresh = 0
        for record in records:
            request_or_item = self.record(source, record, fields, response.meta.get("lang"))
            if request_or_item is not None:
                fresh += 1
                yield request_or_item
        next_url = dig(data, source.options.get("next_path")) if source.options.get("next_path") else None
        page = response.meta.get("page", 1)
        if isinstance(next_url, str) and next_url and fresh and page < self.max_pages(source):
            yield self.api_request(response.urljoin(next_url), source, page + 1, response.meta.get("lang"))

    def record(self, source: Source, record: Any, fields: dict[str, str], entry_lang: str | None):
        """One record → an item, or a request for its page when the API gives no body."""
        url = dig(record, fields.get("url"))
        if not isinstance(url, str) or not url.strip():
            self.round.error(source.key, "api_record_without_url", None,
                             f"record has no {fields.get('url')!r} (options.fields.url)")
            return None
        url = url.strip()
        # The API's own id is data from the remote site: namespaced by source, so that no
        # API can publish an id another source owns (`<source>:<id>`).
        own_id = dig(record, fields.get("id"))
        item_id = f"{source.key}:{own_id}" if own_id not in (None, "") else canonical_url(url)
        if not self.first_time(item_id):
            return None
        lang = entry_lang or primary_language(_text(dig(record, fields.get("lang"))))
        raw_date = dig(record, fields.get("published_at"))
        values: dict[str, Any] = {
            "id": item_id,
            "title": _text(dig(record, fields.get("title"))) or "",
            "lang": lang,
            "published_at": parse_date(str(raw_date), lang) if raw_date else None,
            "summary": _text(dig(record, fields.get("summary"))),
            "authors": _strings(dig(record, fields.get("authors"))),
            "attachments": _strings(dig(record, fields.get("attachments"))),
        }
        body = _text(dig(record, fields.get("body")))
        if body and source.fetch_article != "always":
            return self.item(source, url, body=body, **values)
        if self.already_stored(item_id) and not source.options.get("refetch_known"):
            self.round.unchanged(source.key)
            return None
        return self.request(url, self.parse_article, source, meta={"values": values, "veille_url": url})

    def parse_article(self, response: Response):
        source = self.source_of(response)
        values = dict(response.meta["values"])
        article = self.article(response, source, values.get("lang"))
        if article is None:
            return
        values["title"] = values.get("title") or article.title
        values["lang"] = values.get("lang") or article.lang
        values["published_at"] = values.get("published_at") or article.published_at
        values["authors"] = values.get("authors") or article.authors
        values["attachments"] = values.get("attachments") or article.attachments
        values["translations"] = self.translations(article)
        yield self.item(source, response.meta["veille_url"], body=article.body, **values)
