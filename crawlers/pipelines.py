"""The one item pipeline: validate → canonicalise → bind to its source → drop already-seen →
publish to the bus.

Spiders only turn pages into item dicts; this is the only place that knows about the bus.
An item is marked seen only after the bus has stored it, so a crash in between republishes
(at-least-once) and the id keeps downstream writes idempotent.

Sources own their items: an id that is a URL on a host the source does not declare (its
URLs' hosts and `hosts:` in sources.yaml) is namespaced `<source>:<url>`, and an id another
source published first is refused (`id_collision`: logged, counted in
`veille_collect_errors_total` and `veille_items_dropped_total`), never overwritten.
"""

from __future__ import annotations

from pydantic import ValidationError
from scrapy.exceptions import DropItem

from crawlers.ids import canonical_url, owned_id
from crawlers.metrics import ITEMS_DROPPED
from crawlers.state import content_digest, open_state
from veille.bus import RAW, open_bus
from veille.schema import Item
from veille.settings import ConfigError
from veille.textsafe import is_safe_url


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

    def owned_hosts(self, spider, source: str) -> set[str]:
        registry = getattr(spider, "registry", None)
        try:
            return registry.get(source).owned_hosts if registry is not None else set()
        except ConfigError:  # an item of a source the registry does not know: it owns nothing
            return set()

    def owner(self, item_id: str) -> str | None:
        """The source that first published `item_id` (the collection state's seen ids)."""
        return self.state.seen_source(item_id)

    def process_item(self, item: dict, spider=None):
        spider = spider or self.crawler.spider
        report = spider.round
        source = item.get("source", "?")
        try:
            if not item.get("id"):
                item["id"] = canonical_url(item["url"])
            hosts = self.owned_hosts(spider, source)
            item["id"] = owned_id(str(item["id"]), source, hosts)
            if item.get("translations"):
                item["translations"] = [owned_id(str(t), source, hosts) for t in item["translations"]]
            parsed = Item.model_validate(item)
        except (ValidationError, KeyError) as exc:
            report.error(source, "invalid_item", item.get("url"), str(exc).replace("\n", " "))
            raise DropItem(f"invalid item from {source}: {exc}") from None
        if not is_safe_url(parsed.url):  # javascript:, data:, file:… never stored nor sent on
            shown = repr(parsed.url[:100])
            report.error(source, "invalid_item", None, f"item URL {shown} is not an http(s) URL: refused")
            raise DropItem(f"invalid item from {source}: URL {shown} is not http(s)")
        parsed.attachments = [a for a in parsed.attachments if is_safe_url(a)]
        owner = self.owner(parsed.id)
        if owner is not None and owner != source:
            ITEMS_DROPPED.labels(source, "id_collision").inc()
            report.error(source, "id_collision", item.get("url"),
                         f"item id {parsed.id} belongs to source {owner!r}: refused, not overwritten "
                         f"(if {source!r} really publishes it, give one of the two sources its host "
                         "in sources.yaml `hosts:` and drop it from the other)")
            raise DropItem(f"id collision: {parsed.id} of {owner} published by {source}")
        digest = content_digest(parsed.title, parsed.body, str(parsed.published_at), ",".join(parsed.translations))
        if self.state.seen_digest(parsed.id) == digest:
            report.unchanged(source)
            raise DropItem(f"already seen: {parsed.id}", log_level="DEBUG")
        self.bus.publish(RAW, parsed.id, parsed.model_dump_json().encode())
        self.bus.flush()
        self.state.mark_seen(parsed.id, source, digest)
        report.published(source)
        return item
