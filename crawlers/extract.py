"""Turning an article page into title, clean text, date and language.

Robust signals first, brittle ones last: JSON-LD (NewsArticle and friends), then `og:` /
`article:` meta tags and `<time datetime>`, then trafilatura and htmldate, and only then the
CSS selectors a source declares. Pages without a usable charset are decoded by detection,
because Arabic sites still serve windows-1256 without saying so.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

import charset_normalizer
import trafilatura
from htmldate import find_date
from parsel import Selector
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from crawlers.dates import parse_date
from veille.ids import same_site
from veille.schema import primary_language
from veille.sources import Selectors

log = logging.getLogger(__name__)

_ARTICLE_TYPES = {"NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting", "PressRelease", "Report"}


class ExtractionError(ValueError):
    """The page holds no article text we can use; the message says what was missing."""


@dataclass
class Article:
    title: str = ""
    body: str = ""
    published_at: datetime | None = None
    lang: str | None = None
    canonical: str | None = None  # absolute, and on the page's own site
    authors: list[str] = field(default_factory=list)
    summary: str | None = None
    attachments: list[str] = field(default_factory=list)
    alternates: dict[str, str] = field(default_factory=dict)  # lang -> URL of a translation


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Returns (text, encoding): header, BOM, meta charset, then strict UTF-8, then detection."""
    bom_enc, _ = read_bom(body)
    declared = bom_enc or http_content_type_encoding(content_type or "") or html_body_declared_encoding(body)
    if declared:
        try:
            return body.decode(declared), declared
        except (LookupError, UnicodeDecodeError):
            log.warning("declared charset %s does not decode the page; detecting", declared)
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        return body.decode(best.encoding, errors="replace"), best.encoding
    return body.decode("cp1252", errors="replace"), "cp1252"


def _jsonld_objects(sel: Selector) -> list[dict]:
    out: list[dict] = []
    for raw in sel.css('script[type="application/ld+json"]::text').getall():
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            node = stack.pop(0)
            if isinstance(node, dict):
                out.append(node)
                graph = node.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
    return out


def _article_jsonld(sel: Selector) -> dict:
    for node in _jsonld_objects(sel):
        types = node.get("@type")
        types = set(types) if isinstance(types, list) else {types}
        if types & _ARTICLE_TYPES:
            return node
    return {}


def _meta(sel: Selector, *names: str) -> str | None:
    for name in names:
        value = sel.xpath(
            f'//meta[@property="{name}" or @name="{name}" or @itemprop="{name}"]/@content'
        ).get()
        if value and value.strip():
            return value.strip()
    return None


def _paragraphs_text(nodes: list[Selector]) -> str:
    paras = []
    for node in nodes:
        for block in node.xpath(".//p|.//li|.//h2|.//h3|.//blockquote"):
            text = " ".join(t.strip() for t in block.xpath(".//text()").getall() if t.strip())
            if text:
                paras.append(text)
        if not paras:
            text = " ".join(t.strip() for t in node.xpath(".//text()").getall() if t.strip())
            if text:
                paras.append(text)
    return "\n\n".join(paras)


def html_to_text(html: str) -> str:
    """Clean text of an HTML fragment (a feed's content:encoded, a body div)."""
    sel = Selector(text=f"<div>{html}</div>")
    return _paragraphs_text(sel.xpath("/html/body/div") or [sel])


def extract_article(
    html: str,
    url: str,
    selectors: Selectors | None = None,
    declared_lang: str | None = None,
) -> Article:
    sel = Selector(text=html)
    selectors = selectors or Selectors()
    ld = _article_jsonld(sel)
    art = Article()

    # Links come back absolute; a canonical pointing off-site (syndication) is not ours.
    canonical = sel.xpath('//link[@rel="canonical"]/@href').get() or _meta(sel, "og:url") or ld.get("url")
    if isinstance(canonical, str) and canonical.strip():
        canonical = urljoin(url, canonical.strip())
        art.canonical = canonical if same_site(canonical, url) else None
    art.title = (
        (sel.css(selectors.title).xpath("string()").get() if selectors.title else None)
        or (ld.get("headline") if isinstance(ld.get("headline"), str) else None)
        or _meta(sel, "og:title", "twitter:title", "dcterms.title")
        or sel.css("h1").xpath("string()").get()
        or sel.css("title::text").get()
        or ""
    ).strip()

    body = ""
    if selectors.body:
        body = _paragraphs_text(sel.css(selectors.body))
    if not body:
        body = trafilatura.extract(html, url=url, include_comments=False, include_tables=False, favor_precision=False) or ""
    if not body and isinstance(ld.get("articleBody"), str):
        body = ld["articleBody"]
    if not body:
        body = _paragraphs_text(sel.css("article") or sel.css("main"))
    art.body = _tidy(body)

    art.lang = (
        (ld.get("inLanguage") if isinstance(ld.get("inLanguage"), str) else None)
        or sel.xpath("/html/@lang").get()
        or _meta(sel, "og:locale", "language", "dc.language")
        or declared_lang
    )
    art.lang = primary_language(art.lang)
    art.published_at = _published(sel, ld, selectors, html, art.lang)
    authors = ld.get("author")
    for author in authors if isinstance(authors, list) else [authors] if authors else []:
        name = author.get("name") if isinstance(author, dict) else author
        if isinstance(name, str) and name.strip():
            art.authors.append(name.strip())
    art.summary = _meta(sel, "og:description", "description")
    art.attachments = sorted(
        {urljoin(url, u.strip()) for u in sel.xpath('//a[contains(@href, ".pdf")]/@href').getall() if u.strip()}
    )
    for link in sel.xpath('//link[@rel="alternate"][@hreflang] | //a[@hreflang][@href]'):
        lang = primary_language(link.attrib.get("hreflang"))
        if lang and lang != "x" and lang != art.lang and lang not in art.alternates:
            art.alternates[lang] = urljoin(url, link.attrib["href"])
    if not art.title:
        raise ExtractionError(f"{url}: no title found (no JSON-LD headline, og:title, h1 or <title>)")
    if not art.body:
        raise ExtractionError(f"{url}: no article text found (trafilatura and the selectors found none)")
    return art


def _published(sel: Selector, ld: dict, selectors: Selectors, html: str, lang: str | None) -> datetime | None:
    candidates = [
        ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None,
        _meta(sel, "article:published_time", "datePublished", "dcterms.date", "dcterms.created",
              "date", "pubdate", "DC.date.issued", "sailthru.date"),
        sel.xpath("//time/@datetime").get(),
        sel.xpath('//*[@class and contains(@class, "date-display-single")]/@content').get(),
    ]
    if selectors.date:
        candidates.append(sel.css(selectors.date).xpath("string()").get())
    candidates.append(_meta(sel, "article:modified_time", "dcterms.modified"))
    for value in candidates:
        if value and (when := parse_date(value, lang)):
            return when
    found = find_date(html, extensive_search=True, original_date=True, outputformat="%Y-%m-%d")
    return parse_date(found, lang) if found else None


_SPACES = re.compile(r"[ \t\u00a0]+")


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    out, blank = [], False
    for line in lines:
        if line:
            out.append(line)
            blank = False
        elif not blank and out:
            out.append("")
            blank = True
    return "\n".join(out).strip()
