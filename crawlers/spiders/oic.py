"""The OIC spider: HTML news listings in three languages, no feed, no metadata.

The site addresses everything by query string (`/topic/?t_id=…&t_ref=…&lan=ar`); the three
language versions of one statement share `t_ref` but link to each other nowhere, so items of
a round are held until every page is read, then linked as translations and released.
Dates are only written out in prose ("18 septembre 2024"), day first.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response

from crawlers.spiders.listing import ListingSpider


class OicSpider(ListingSpider):
    name = "oic"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        return spider

    def parse_article(self, response: Response):
        """Reads one statement page and holds it until the round's pages are all read.

        @source oic
        @mirror
        @url https://www.oic-oci.org/topic/?t_id=43119&t_ref=26950&lan=fr
        @returns items 0 0
        """
        for item in super().parse_article(response):
            item["statement_ref"] = parse_qs(urlsplit(item["url"]).query).get("t_ref", [""])[0]
            self.held.append(item)

    def _idle(self, spider) -> None:
        if not self.held:
            return
        self.crawler.engine.crawl(Request("data:,", callback=self.release, dont_filter=True, meta={"source": self.held[0]["source"]}))
        raise DontCloseSpider

    def release(self, response: Response):
        by_ref: dict[str, list[str]] = defaultdict(list)
        for item in self.held:
            if item["statement_ref"]:
                by_ref[item["statement_ref"]].append(item["id"])
        held, self.held = self.held, []
        for item in held:
            ref = item.pop("statement_ref")
            item["translations"] = [i for i in by_ref.get(ref, []) if i != item["id"]]
            yield item
