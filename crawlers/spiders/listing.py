"""The generic listing → article spider for `kind: html` sources without a feed.

Configuration, not code: `selectors.article_links` picks the article links on a listing page
(or `options.article_url_pattern`, a regular expression on link URLs), `selectors.next_page`
the pagination link. New items come first on a listing, so when a whole page holds only
items already stored, the spider stops paginating; an archive source crawls every page once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scrapy.http import Request, Response

from crawlers.config import crawler_settings
from crawlers.ids import canonical_url
from crawlers.spiders.base import VeilleSpider
from veille.sources import Source


class ListingSpider(VeilleSpider):
    name = "listing"

    def start_requests_for(self, source: Source) -> Iterable[Request]:
        for entry in source.urls:
            yield self.request(
                entry.url, self.parse_listing, source, dont_filter=True, meta={"page": 1, "lang": entry.lang}
            )

    def max_pages(self, source: Source) -> int:
        if source.archive:
            return int(source.options.get("max_pages", 1000))
        return int(source.options.get("max_pages", crawler_settings().max_pages))

    def article_links(self, response: Response, source: Source) -> list[str]:
        if source.selectors.article_links:
            hrefs = response.css(source.selectors.article_links).xpath("./@href | .//a/@href").getall()
        else:
            hrefs = response.css("a::attr(href)").getall()
        pattern = source.options.get("article_url_pattern")
        urls = []
        for href in hrefs:
            url = response.urljoin(href.strip())
            if pattern and not re.search(pattern, url):
                continue
            if url not in urls:
                urls.append(url)
        return urls

    def parse_listing(self, response: Response):
        """Reads a listing page.

        @source maliweb
        @mirror
        @url https://www.maliweb.net/category/la-situation-politique-et-securitaire-au-nord
        @returns requests 2
        """
        source = self.source_of(response)
        links = self.article_links(response, source)
        if not links:
            self.round.error(source.key, "listing_empty", response.url, "no article links found on the listing page; check selectors.article_links")
            return
        fresh = 0
        for url in links:
            item_id = canonical_url(url)
            if not self.first_time(item_id):
                continue
            if self.already_stored(item_id) and not source.options.get("refetch_known"):
                self.round.unchanged(source.key)
                continue
            fresh += 1
            yield self.request(url, self.parse_article, source, meta={"lang": response.meta.get("lang")})
        page = response.meta.get("page", 1)
        if source.selectors.next_page and page < self.max_pages(source) and (fresh or source.archive):
            next_href = response.css(source.selectors.next_page).xpath("./@href | .//a/@href").get()
            if next_href:
                yield self.request(
                    response.urljoin(next_href), self.parse_listing, source,
                    meta={"page": page + 1, "lang": response.meta.get("lang")},
                )

    def parse_article(self, response: Response):
        source = self.source_of(response)
        article = self.article(response, source, response.meta.get("lang"))
        if article is None:
            return
        url = article.canonical or response.url
        yield self.item(
            source,
            canonical_url(url),
            title=article.title,
            body=article.body,
            lang=article.lang or response.meta.get("lang"),
            published_at=article.published_at,
            authors=article.authors,
            summary=article.summary,
            attachments=article.attachments,
            translations=self.translations(article),
        )

