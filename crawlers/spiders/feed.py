"""The feed poller: RSS 2.0, Atom and RSS 1.0/RDF through feedparser, for any `kind: rss` source.

It behaves like a feed reader: conditional GET with the validators of the last complete
round, one item per guid however many feeds list it, and the article page fetched when the
feed carries only a summary. Feed validators are saved only when the round finished, so a
killed round refetches the feed instead of skipping articles it never reached.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import feedparser
from scrapy.http import Request, Response

from crawlers.config import crawler_settings
from crawlers.extract import html_to_text
from crawlers.ids import canonical_url, same_site
from crawlers.spiders.base import VeilleSpider
from veille.schema import primary_language
from veille.sources import Source

# Below this many characters a feed's content is taken for a teaser, not the article.
MIN_FEED_TEXT = 400
# feedparser hides isPermaLink="false" when a <link> is present; read it from the XML.
_NOT_PERMALINK = re.compile(r"<guid[^>]*isPermaLink=[\"']false[\"'][^>]*>\s*([^<\s]+)\s*</guid>", re.I)
# feedparser "errors" that are only about a charset declaration it worked around.
_HARMLESS_BOZO = ("CharacterEncodingOverride",)


class FeedSpider(VeilleSpider):
    name = "feed"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pending_validators: dict[str, tuple[str | None, str | None]] = {}
        self.deferred_feeds: set[str] = set()

    def start_requests_for(self, source: Source) -> Iterable[Request]:
        for entry in source.urls:
            etag, modified = self.state.validators(entry.url)
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if modified:
                headers["If-Modified-Since"] = modified
            yield self.request(
                entry.url,
                self.parse_feed,
                source,
                robots=False,  # feeds are published for machines to poll
                headers=headers,
                dont_filter=True,
                meta={"feed_url": entry.url, "feed_lang": entry.lang, "handle_httpstatus_list": [304]},
            )

    def parse_feed(self, response: Response):
        """Parses a feed.

        @source caj-news
        @mirror
        @url https://cajnewsafrica.com/feed/
        @returns items 1
        @scrapes id title body url published_at
        """
        source = self.source_of(response)
        feed_url = response.meta.get("feed_url", response.url)
        if response.status == 304:
            self.logger.debug("%s: feed %s not modified", source.key, feed_url)
            return
        parsed = feedparser.parse(
            response.body, response_headers={"content-type": response.headers.get("Content-Type", b"").decode("latin-1")}
        )
        if parsed.bozo and type(parsed.bozo_exception).__name__ not in _HARMLESS_BOZO:
            recovered = len(parsed.entries)
            self.round.error(
                source.key,
                "feed_malformed",
                feed_url,
                f"{parsed.bozo_exception} ({recovered} entries recovered)",
            )
            if not recovered:
                return
        elif not parsed.entries and not parsed.feed:
            self.round.error(source.key, "feed_malformed", feed_url, "not a feed (no channel, no entries)")
            return
        self.pending_validators[feed_url] = (
            _header(response, "ETag"),
            _header(response, "Last-Modified"),
        )
        # A language configured for the feed URL is trusted; the feed's own <language> is
        # only a hint (WordPress says en-US on French sites), the article page may know better.
        configured = response.meta.get("feed_lang")
        feed_lang = configured or primary_language(parsed.feed.get("language"))
        not_permalinks = set(_NOT_PERMALINK.findall(response.text if hasattr(response, "text") else ""))
        # At most `max_articles_per_round` article fetches per feed: the entries beyond are
        # neither fetched nor marked seen, and the feed's validators are not kept, so the next
        # round reads the feed again, skips what is stored and fetches the next ones.
        limit = source.max_articles_per_round or crawler_settings().max_articles_per_round
        fetches, left = 0, 0
        for entry in parsed.entries:
            for out in self.entry(source, entry, feed_lang, bool(configured), not_permalinks):
                if isinstance(out, Request):
                    if fetches >= limit:
                        left += 1
                        continue
                    fetches += 1
                yield out
        if left:
            self.deferred_feeds.add(feed_url)
            self.round.deferred(source.key, left, f"article fetches of {feed_url} beyond "
                                f"max_articles_per_round ({limit})")

    def entry(self, source: Source, entry: Any, feed_lang: str | None, lang_trusted: bool, not_permalinks: set[str]):
        link = entry.get("link")
        guid = entry.get("id")
        url = guid if guid not in not_permalinks and _is_permalink(guid, link) else link
        if not url:
            self.round.error(source.key, "feed_entry_without_link", None, f"entry {entry.get('title')!r}")
            return
        url = canonical_url(url)
        if not self.first_time(url):
            return
        lang = primary_language(entry.get("language")) or feed_lang
        if not lang and len(source.languages) == 1:
            lang = source.languages[0]
        published = _entry_date(entry)
        summary = html_to_text(entry.get("summary", "")) if entry.get("summary") else None
        content = "\n\n".join(html_to_text(c.get("value", "")) for c in entry.get("content", []))
        fields = {
            "title": (entry.get("title") or "").strip(),
            "lang": lang,
            "published_at": published,
            "summary": summary,
            "authors": [a.get("name") for a in entry.get("authors", []) if a.get("name")],
        }
        trusted_lang = lang if (lang_trusted or entry.get("language")) else None
        use_feed_text = source.fetch_article == "never" or (
            source.fetch_article == "auto" and len(content) >= MIN_FEED_TEXT
        )
        if use_feed_text and (content or summary):
            yield self.item(source, url, body=content or summary, **fields)
            return
        if self.already_stored(url):
            self.round.unchanged(source.key)
            return
        yield self.request(
            link or url,
            self.parse_article,
            source,
            meta={"entry": fields, "item_url": url, "veille_url": link or url, "trusted_lang": trusted_lang},
        )

    def parse_article(self, response: Response):
        source = self.source_of(response)
        fields = dict(response.meta.get("entry") or {})
        article = self.article(response, source, fields.get("lang"))
        if article is None:
            if fields.get("summary"):
                yield self.item(source, response.meta["item_url"], body=fields["summary"], **fields)
            return
        fields["title"] = fields.get("title") or article.title
        fields["lang"] = response.meta.get("trusted_lang") or article.lang or fields.get("lang")
        fields["published_at"] = fields.get("published_at") or article.published_at
        fields["authors"] = fields.get("authors") or article.authors
        fields["attachments"] = article.attachments
        fields["translations"] = self.translations(article)
        yield self.item(source, response.meta["item_url"], body=article.body, **fields)

    def closed_ok(self, finished: bool) -> None:
        if not finished:
            return
        for url, (etag, modified) in self.pending_validators.items():
            if url not in self.deferred_feeds:  # entries were left: read it whole next round
                self.state.save_validators(url, etag, modified)


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _is_permalink(guid: str | None, link: str | None) -> bool:
    """A guid that is an http URL on the link's site names the story canonically."""
    if not guid or not guid.startswith(("http://", "https://")):
        return False
    if not link:
        return True
    return same_site(guid, link)


def _entry_date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime(*value[:6], tzinfo=UTC)
    return None
