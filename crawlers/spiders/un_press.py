"""The UN press spider (press.un.org): one item per document code and language.

The English RSS feed lists the same meeting twice, as `/en/2024/sc15577.doc.htm` and as the
blog post `/en/blog/sc15577` (another Drupal node, another guid, a shorter body), so URLs and
guids cannot identify a statement: the document code can (`SC/15577`, `SG/SM/22100`, read from
the page's `dcterms.identifier`). Items are keyed on it (`crawlers.ids.press_id`) and the full
`.doc.htm` page is what is read; a blog post is followed to the full coverage it links to.
French versions are not in any feed: each English page's language switcher (hreflang) leads to
it. French Security Council codes are `CS/…` for the English `SC/…`: the ids use the English
code, so both versions name each other in `translations`; `symbol` keeps each page's own code.

Feed polling itself (conditional GET, malformed feeds, validators kept after a complete
round) is the feed poller's, inherited.
"""

from __future__ import annotations

import re
from typing import Any

from scrapy.http import Response

from crawlers.ids import canonical_url, normalise_symbol, press_id
from crawlers.spiders.feed import FeedSpider
from veille.schema import DocType
from veille.sources import Source

# What a code series publishes: SC = Security Council meetings coverage (its press statements
# are recognised by their title, below), SG/SM = Secretary-General statements and messages.
# Any other series (GA/…, ECOSOC/…, SG/A/…) is a press release.
DOC_TYPE_BY_SERIES: dict[str, DocType] = {
    "SC": DocType.meeting_coverage,
    "SG/SM": DocType.statement,
}
# Who speaks, per series, when it is not the source's issuer (`un`).
ISSUER_BY_SERIES: dict[str, str] = {"SC": "unsc"}
# French series whose English counterpart has another name (Conseil de sécurité, Assemblée
# générale); SG/SM and most others are spelled the same in both languages.
ENGLISH_SERIES: dict[str, str] = {"CS": "SC", "AG": "GA"}
# Slugs of page URLs: /en/2024/sc15577.doc.htm, /en/blog/sc15577, /fr/2024/cs15577.doc.htm.
_SLUG = re.compile(r"/(?:\d{4}|blog)/([a-z]+\d+)(?:\.doc\.htm)?/?$", re.I)
# Slug letters → series, for the "already stored" shortcut only (unknown series are fetched).
_SLUG_SERIES: dict[str, str] = {"sc": "SC", "sgsm": "SG/SM", "ga": "GA"}
_PRESS_STATEMENT = re.compile(r"\bpress statement\b|\bdéclaration à la presse\b", re.I)
_CODE_SELECTORS = (
    'meta[name="dcterms.identifier"]::attr(content)',
    ".field--name-field-symbol::text",
)
_FULL_COVERAGE = ".field--name-field-full-coverage a::attr(href)"


def english_code(code: str) -> str:
    """`CS/15577` → `SC/15577`: the code the English version of the same document carries."""
    series, sep, rest = normalise_symbol(code).partition("/")
    return ENGLISH_SERIES.get(series, series) + sep + rest


def code_series(code: str) -> str:
    """`SG/SM/22100` → `SG/SM`, `SC/15577` → `SC`: everything before the number."""
    return re.sub(r"/?\d.*$", "", code.upper())


def doc_type_for(code: str, title: str) -> DocType:
    if _PRESS_STATEMENT.search(title):
        return DocType.statement
    return DOC_TYPE_BY_SERIES.get(code_series(english_code(code)), DocType.press_release)


def _code_from_slug(slug: str | None) -> str | None:
    match = re.fullmatch(r"([a-z]+)(\d+)", slug or "", re.I)
    if not match or match.group(1).lower() not in _SLUG_SERIES:
        return None
    return f"{_SLUG_SERIES[match.group(1).lower()]}/{match.group(2)}"


class UnPressSpider(FeedSpider):
    name = "un_press"

    def parse_feed(self, response: Response):
        """Parses the English feed: requests for the pages, one per document code.

        (Overridden only so that `scrapy check` does not run FeedSpider's CAJ News contract here.)
        """
        return super().parse_feed(response)

    def entry(self, source: Source, entry: Any, feed_lang: str | None, lang_trusted: bool, not_permalinks: set[str]):
        link = entry.get("link")
        if not link:
            self.round.error(source.key, "feed_entry_without_link", None, f"entry {entry.get('title')!r}")
            return
        match = _SLUG.search(link)
        slug = match.group(1).lower() if match else canonical_url(link)
        if not self.first_time(f"press-page:{slug}"):
            return  # the same code listed again (blog post and .doc.htm page)
        code = _code_from_slug(match.group(1) if match else None)
        if code and all(self.already_stored(press_id(code, lang)) for lang in source.languages):
            # A document without a French version is refetched when the feed changes; the
            # pipeline then drops it as unchanged. Cheaper than losing a late translation.
            self.round.unchanged(source.key)
            return
        yield self.request(link, self.parse_page, source, meta={"feed_lang": feed_lang})

    def parse_page(self, response: Response):
        """Reads one press page (any language) and follows it to its other language versions.

        @source un-press
        @mirror
        @url https://press.un.org/en/2024/sc15577.doc.htm
        @returns items 1 1
        @returns requests 1 1
        @scrapes id title body symbol lang published_at translations doc_type issuer
        """
        source = self.source_of(response)
        code = next((v.strip() for s in _CODE_SELECTORS if (v := response.css(s).get()) and v.strip()), None)
        if not code:
            self.round.error(source.key, "press_code_missing", response.url,
                             "no document code (dcterms.identifier, field-symbol) on the page")
            return
        full = response.css(_FULL_COVERAGE).get()
        if full and not response.meta.get("from_summary"):
            # A blog post summarises a meeting: the full coverage page is the document.
            yield self.request(response.urljoin(full), self.parse_page, source,
                               meta={**_carry(response.meta), "from_summary": True})
            return
        article = self.article(response, source, response.meta.get("lang") or response.meta.get("feed_lang"))
        if article is None:
            return
        lang = article.lang or response.meta.get("lang") or "en"
        en_code = response.meta.get("en_code") or english_code(code)
        item_id = press_id(en_code, lang)
        if not self.first_time(item_id):
            return
        others = {
            other: href
            for other, href in article.alternates.items()
            if other in source.languages and other != lang
        }
        url = article.canonical or response.url
        doc_type = DocType(response.meta["doc_type"]) if response.meta.get("doc_type") else doc_type_for(code, article.title)
        yield self.item(
            source,
            canonical_url(url),
            id=item_id,
            symbol=normalise_symbol(code),
            title=article.title,
            body=article.body,
            lang=lang,
            published_at=article.published_at,
            doc_type=doc_type.value,
            issuer=ISSUER_BY_SERIES.get(code_series(en_code), source.issuer),
            summary=article.summary,
            attachments=article.attachments,
            translations=[press_id(en_code, other) for other in others],
        )
        if response.meta.get("translation_of"):
            return  # a translation's own switcher leads back to pages already read
        for other, href in others.items():
            yield self.request(
                href,
                self.parse_page,
                source,
                meta={"lang": other, "en_code": en_code, "doc_type": doc_type.value, "translation_of": item_id},
            )


def _carry(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: meta[k] for k in ("feed_lang", "lang", "en_code", "doc_type", "translation_of") if k in meta}
