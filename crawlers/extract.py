"""Turning an article page into title, clean text, date and language.

Robust signals first, brittle ones last: JSON-LD (NewsArticle and friends), then `og:` /
`article:` meta tags, then trafilatura and htmldate, and only then the CSS selectors a source
declares. For the date, a page's first `<time datetime>` comes after htmldate: on real pages
it is as often a sidebar's or an update's time as the article's, and htmldate weighs where a
`<time>` stands. Figures on real pages: docs/extraction.md.

A page is decoded with its declared (or BOM) charset, else as UTF-8; a page that is UTF-8 but
for a few bad bytes stays UTF-8 (the bad bytes become U+FFFD). Only when that charset really
fails is the charset detected, because Arabic sites still serve windows-1256 without saying so.
"""

from __future__ import annotations

import html as html_lib
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
from crawlers.ids import same_site
from veille.schema import primary_language
from veille.sources import Selectors

log = logging.getLogger(__name__)

_ARTICLE_TYPES = {
    "NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "BlogPosting", "LiveBlogPosting",
    "PressRelease", "Report",
}
# Three-letter language codes (ISO 639-2/B and /T) some sites write in lang / Content-Language.
_LANG3 = {
    "fra": "fr", "fre": "fr", "eng": "en", "ara": "ar", "spa": "es", "por": "pt", "deu": "de",
    "ger": "de", "ita": "it", "rus": "ru", "zho": "zh", "chi": "zh", "tur": "tr", "nld": "nl",
    "dut": "nl", "hau": "ha", "bam": "bm", "ful": "ff", "wol": "wo", "swa": "sw", "som": "so",
    "amh": "am", "fas": "fa", "per": "fa", "urd": "ur", "heb": "he", "jpn": "ja", "kor": "ko",
}
# A page that fails strict UTF-8 still is UTF-8 when at most this share of its non-ASCII
# characters are bad bytes: read as UTF-8, legacy pages are nearly all bad bytes (windows-1256
# Arabic 0 good for 86 bad, latin-1 French 0 for 25, EUC-JP at worst one for one).
_UTF8_MAX_BAD_SHARE = 1 / 3


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


def _mostly_utf8(body: bytes) -> str | None:
    """The page as UTF-8 with bad bytes replaced, when the bad bytes are a small share of it."""
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - body.count(b"\xef\xbf\xbd")  # U+FFFD written by the page itself
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    good = non_ascii - bad
    if good > 0 and bad <= _UTF8_MAX_BAD_SHARE * non_ascii:
        return text
    return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Returns (text, encoding): BOM, header, meta charset, then UTF-8, then detection.

    A page whose bytes are UTF-8 but for a few bad ones (a truncated character, a stray
    latin-1 byte pasted in) stays UTF-8, the bad bytes replaced by U+FFFD: detection on such
    a page garbles all its text (`Dépêche` → `DÃ©pÃªche`). Detection is only for pages the
    declared or sniffed charset really does not decode.
    """
    bom_enc, _ = read_bom(body)
    if bom_enc:
        return body.decode(bom_enc, errors="replace"), bom_enc
    declared = http_content_type_encoding(content_type or "") or html_body_declared_encoding(body)
    if declared:
        try:
            return body.decode(declared), declared
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if (text := _mostly_utf8(body)) is not None:
        return text, "utf-8"
    if declared:
        log.warning("declared charset %s does not decode the page; detecting", declared)
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
        types = {t for t in types if isinstance(t, str)} if isinstance(types, list) else {types}
        if types & _ARTICLE_TYPES:
            return node
    return {}


def _ld_text(ld: dict, key: str) -> str | None:
    """A JSON-LD string with HTML entities decoded (`&quot;`, `&#8216;`, even `&amp;quot;`)."""
    value = ld.get(key)
    if not isinstance(value, str):
        return None
    for _ in range(2):
        unescaped = html_lib.unescape(value)
        if unescaped == value:
            break
        value = unescaped
    return value.strip() or None


def _first_text(*values: str | None) -> str:
    """The first value with text in it: a heading holding only a logo's whitespace is none."""
    for value in values:
        if value and value.strip():
            return " ".join(value.split())
    return ""


def _language(sel: Selector, ld: dict, declared: str | None) -> str | None:
    """The page's language as a two-letter code; `fra`, `fr-FR`, `fr_FR` all give `fr`."""
    in_language = ld.get("inLanguage")
    if isinstance(in_language, dict):
        in_language = in_language.get("alternateName") or in_language.get("name")
    candidates = [
        in_language if isinstance(in_language, str) else None,
        sel.xpath("/html/@lang").get(),
        sel.xpath('/html/@*[name()="xml:lang"]').get(),
        sel.xpath('//meta[translate(@http-equiv, "CONTENT-LANGUAGE", "content-language")'
                  ' = "content-language"]/@content').get(),
        _meta(sel, "og:locale", "language", "dc.language", "DC.language", "dcterms.language"),
        declared,
    ]
    for value in candidates:
        # Content-Language may list several ("fr, en"): the first is the page's.
        code = primary_language(value.split(",")[0]) if value and value.split(",")[0].strip() else None
        if code:
            return _LANG3.get(code, code)
    return None


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
    sel = Selector(text=f"<div>{html}</div>", type="html")
    return _paragraphs_text(sel.xpath("/html/body/div") or [sel])


def extract_article(
    html: str,
    url: str,
    selectors: Selectors | None = None,
    declared_lang: str | None = None,
) -> Article:
    # As HTML even when the page starts with `<?xml` (XHTML): parsel would parse it as XML,
    # where the XHTML namespace hides every element from our selectors.
    sel = Selector(text=html, type="html")
    selectors = selectors or Selectors()
    ld = _article_jsonld(sel)
    art = Article()

    # Links come back absolute; a canonical pointing off-site (syndication) is not ours.
    canonical = sel.xpath('//link[@rel="canonical"]/@href').get() or _meta(sel, "og:url") or ld.get("url")
    if isinstance(canonical, str) and canonical.strip():
        canonical = urljoin(url, canonical.strip())
        art.canonical = canonical if same_site(canonical, url) else None
    art.title = _first_text(
        sel.css(selectors.title).xpath("string()").get() if selectors.title else None,
        _ld_text(ld, "headline") or _ld_text(ld, "name"),
        _meta(sel, "og:title", "twitter:title", "dcterms.title"),
        *sel.css("h1").xpath("string()").getall(),
        sel.css("title").xpath("string()").get(),
    )

    body = ""
    if selectors.body:
        body = _paragraphs_text(sel.css(selectors.body))
    if not body:
        # Tables stay: a table in an article (casualties by region, a list of attacks) is text.
        body = _without_comment_section(
            trafilatura.extract(html, url=url, include_comments=False, include_tables=True, favor_precision=False) or ""
        )
    if not body and isinstance(ld.get("articleBody"), str):
        body = ld["articleBody"]
    if not body:
        body = _paragraphs_text(sel.css("article") or sel.css("main"))
    art.body = _tidy(body)

    art.lang = _language(sel, ld, declared_lang)
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
    # A live blog's first <time> and its dateModified are its latest update: its start counts.
    # A page's first <time> anywhere and its modification time are last resorts, after htmldate.
    candidates = [
        ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None,
        ld.get("coverageStartTime") if isinstance(ld.get("coverageStartTime"), str) else None,
        _meta(sel, "article:published_time", "datePublished", "dcterms.date", "dcterms.created",
              "date", "pubdate", "DC.date.issued", "sailthru.date"),
        sel.xpath('//*[@class and contains(@class, "date-display-single")]/@content').get(),
    ]
    if selectors.date:
        candidates.append(sel.css(selectors.date).xpath("string()").get())
    for value in candidates:
        if value and (when := parse_date(value, lang)):
            return when
    found = find_date(html, extensive_search=True, original_date=True, outputformat="%Y-%m-%d")
    if found and (when := parse_date(found, lang)):
        return when
    for value in (sel.xpath("//time/@datetime").get(), _meta(sel, "article:modified_time", "dcterms.modified")):
        if value and (when := parse_date(value, lang)):
            return when
    return None


# The heading of a readers' comment section, alone on its line ("Comentar", "Commentaires (12)",
# "التعليقات"): trafilatura leaves a comment section in the text when the site's markup does
# not name it, and readers' words are not the publisher's.
_COMMENTS_HEADING = re.compile(
    r"^\W*\d*\s*(comments?|leave a (comment|reply)|post a comment|add (a )?comment|reader comments"
    r"|commentaires?|commenter|réagir|réactions|laisser un commentaire|ajouter un commentaire"
    r"|vos commentaires|التعليقات|تعليقات|أضف تعليق|اترك تعليقا|comentarios?|comentar"
    r"|deja un comentario|kommentare|kommentieren|kommentar schreiben)\s*(\(\d+\)|\d+)?\W*$",
    re.IGNORECASE,
)
# Only a heading after some text counts: near the top it is a link in the byline ("12
# commentaires"). Readers' comments can outweigh the article, so no share of the text is asked.
_COMMENTS_MIN_BEFORE = 300  # characters of text before the heading


def _without_comment_section(text: str) -> str:
    """The text cut at a comment-section heading that follows the start of the article."""
    lines = text.splitlines()
    seen = 0
    for i, line in enumerate(lines):
        if seen >= _COMMENTS_MIN_BEFORE and _COMMENTS_HEADING.match(line.strip()):
            return "\n".join(lines[:i])
        seen += len(line)
    return text


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
