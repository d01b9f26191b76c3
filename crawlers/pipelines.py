"""The one item pipeline: validate → canonicalise → drop already-seen → publish to the bus.

Spiders only turn pages into item dicts; this is the only place that knows about the bus.
An item is marked seen only after the bus has stored it, so a crash in between republishes
(at-least-once) and the id keeps downstream writes idempotent.
"""

from __future__ import annotations

from pydantic import ValidationError
from scrapy.exceptions import DropItem

from veille.bus import RAW, open_bus
from veille.ids import canonical_url
from veille.schema import Item
from veille.state import content_digest, open_state


class CollectPipeline:
    def __init__(self, crawler=None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        self.bus = open_bus()
        self.state = open_state()

    def close_spider(self, spider=None) -> None:
        self.bus.flush()
        self.bus.close()

    def process_item(self, item: dict, spider=None):
        report = (spider or self.crawler.spider).round
        source = item.get("source", "?")
        try:
            if not item.get("id"):
                item["id"] = canonical_url(item["url"])
            parsed = Item.model_validate(item)
        except (ValidationError, KeyError) as exc:
            report.error(source, "invalid_item", item.get("url"), str(exc).replace("\n", " "))
            raise DropItem(f"invalid item from {source}: {exc}") from None
        digest = content_digest(parsed.title, parsed.body, str(parsed.published_at), ",".join(parsed.translations))
        if self.state.seen_digest(parsed.id) == digest:
            report.unchanged(source)
            raise DropItem(f"already seen: {parsed.id}", log_level="DEBUG")
        self.bus.publish(RAW, parsed.id, parsed.model_dump_json().encode())
        self.bus.flush()
        self.state.mark_seen(parsed.id, source, digest)
        report.published(source)
        return item
