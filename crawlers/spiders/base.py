"""What every veille spider shares: its sources from the registry, requests, error reports.

A spider is started for one source (`-a source=KEY`), several (`-a source=a,b`), or, with
no argument, every enabled source that names it in sources.yaml.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

import scrapy
from scrapy import signals
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawlers.config import crawler_settings
from crawlers.doc_types import infer_doc_type
from crawlers.extract import Article, ExtractionError, decode_html, extract_article
from crawlers.ids import canonical_url
from crawlers.round_report import RoundReport, failure_kind
from crawlers.state import open_state
from veille.schema import DocType
from veille.sources import Registry, Source, configured_registry

ROUND_TIME_LIMIT = "round_time_limit"
"""Why a spider closed when its round's wall time (`max_round_seconds`) ran out."""


class VeilleSpider(scrapy.Spider):
    custom_settings: dict[str, Any] = {}

    def __init__(self, source: str | None = None, registry: Registry | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.registry = registry or configured_registry()
        if source:
            self.sources = [self.registry.get(key.strip()) for key in source.split(",") if key.strip()]
        else:
            self.sources = [s for s in self.registry.enabled() if s.spider_name == self.name]
        self.state = open_state()
        self.round = RoundReport(self.state)
        self.scheduled_ids: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._opened, signal=signals.spider_opened)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        crawler.signals.connect(spider._reached_downloader, signal=signals.request_reached_downloader)
        return spider

    def _opened(self, spider) -> None:
        for source in self.sources:
            self.round.start(source.key)
        if self.sources:
            from scrapy.utils.asyncio import call_later

            # the sources' own `max_round_seconds`, else the setting; the shortest bounds the round
            seconds = min(s.max_round_seconds or crawler_settings().max_round_seconds for s in self.sources)
            self._round_deadline = time.monotonic() + seconds
            self._round_timer = call_later(seconds, self._out_of_time, seconds)

    def _reached_downloader(self, request: Request, spider) -> None:
        """No download outlives the round: its timeout is cut to the round's time left (a
        dripping page cannot hold the round past `max_round_seconds`)."""
        deadline = getattr(self, "_round_deadline", None)
        if deadline is None:
            return
        left = max(0.5, deadline - time.monotonic())
        timeout = request.meta.get("download_timeout") or getattr(self, "download_timeout", None)
        if not timeout or left < timeout:
            request.meta["download_timeout"] = left

    def _out_of_time(self, seconds: float) -> None:
        """The round's wall time (`max_round_seconds`) is over: the requests not yet answered
        are left for the next round (recorded as deferred) and the spider closes; a download
        in progress is abandoned."""
        engine = self.crawler.engine
        left = 0
        with contextlib.suppress(AttributeError, TypeError):  # Scrapy's internals: best effort
            left = len(engine._slot.scheduler) + len(engine.downloader.active)  # type: ignore[union-attr]
        for source in self.sources:
            self.round.deferred(source.key, max(left, 1),
                                f"requests not done when max_round_seconds ({seconds:g}) ran out")
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(engine.close_spider_async(reason=ROUND_TIME_LIMIT))

    def _closed(self, spider, reason: str) -> None:
        timer = getattr(self, "_round_timer", None)
        if timer is not None:
            timer.cancel()
        for source in self.sources:
            # Out of time is a normal end: what was left is recorded and done next round.
            ok = reason in ("finished", ROUND_TIME_LIMIT)
            self.round.finish(source.key, "ok" if ok else reason)
        self.closed_ok(reason == "finished")

    def closed_ok(self, finished: bool) -> None:
        """Hook: persist what may only be kept after a complete round (feed validators)."""

    # -- requests ----------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Request]:
        for source in self.sources:
            for request in self.start_requests_for(source):
                yield request

    def start_requests_for(self, source: Source) -> Iterable[Request]:
        raise NotImplementedError

    def source_of(self, response_or_request: Response | Request) -> Source:
        meta = response_or_request.meta
        return self.registry.get(meta["source"])

    def request(self, url: str, callback, source: Source, *, robots: bool = True, **kwargs: Any) -> Request:
        meta = {"source": source.key, **kwargs.pop("meta", {})}
        if source.robots == "ignore" or not robots:
            meta["dont_obey_robotstxt"] = True
        return Request(url, callback=callback, errback=self.on_error, meta=meta, **kwargs)

    def on_error(self, failure: Failure) -> None:
        request = failure.request
        key = request.meta.get("source", "?")
        url = request.meta.get("veille_url") or request.url
        kind = failure_kind(failure)
        deadline = getattr(self, "_round_deadline", None)
        if kind == "timeout" and deadline is not None and time.monotonic() >= deadline - 0.6:
            return  # cut by the round's wall time: left for the next round, not the site's fault
        self.round.error(key, kind, url, failure.getErrorMessage())

    # -- helpers for callbacks ---------------------------------------------------------
    def first_time(self, item_id: str) -> bool:
        """True once per id per round: the same story listed twice is fetched once."""
        if item_id in self.scheduled_ids:
            return False
        self.scheduled_ids.add(item_id)
        return True

    def already_stored(self, item_id: str) -> bool:
        return self.state.seen_digest(item_id) is not None

    def doc_type(self, source: Source, url: str, title: str) -> DocType:
        for pattern, kind in (source.options.get("doc_type_by_url") or {}).items():
            if re.search(pattern, url):
                return DocType(kind)
        # News outlets report statements; only issuers' own sites are typed by title.
        if source.options.get("infer_doc_type", source.doc_type != DocType.news):
            return infer_doc_type(title, source.doc_type)
        return source.doc_type

    @staticmethod
    def translations(article: Article) -> list[str]:
        """Ids of the other language versions a page links to (hreflang alternates)."""
        return sorted(canonical_url(u) for u in article.alternates.values())

    def article(self, response: Response, source: Source, declared_lang: str | None = None) -> Article | None:
        """Extracts the page's article, or reports why not and returns None."""
        text, _ = decode_html(response.body, response.headers.get("Content-Type", b"").decode("latin-1"))
        try:
            return extract_article(text, response.url, source.selectors, declared_lang)
        except ExtractionError as exc:
            self.round.error(source.key, "extraction_empty", response.url, str(exc))
            return None

    def item(self, source: Source, url: str, **fields: Any) -> dict[str, Any]:
        """A raw item dict; the pipeline validates it against the schema.

        Without an explicit doc_type, the source's URL rules (`options.doc_type_by_url`) and
        then the title rules (crawlers/doc_types.yaml) decide, the source's default last.
        """
        data = {
            "source": source.key,
            "url": url,
            "issuer": source.issuer,
            **{k: v for k, v in fields.items() if v is not None},
        }
        if "doc_type" not in data:
            data["doc_type"] = self.doc_type(source, url, data.get("title") or "").value
        data.setdefault("id", canonical_url(url))
        if not data.get("lang") and len(source.languages) == 1:
            data["lang"] = source.languages[0]
        return data
