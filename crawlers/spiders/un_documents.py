"""The UN documents spider: Secretary-General reports and letters, one item per language.

The UN Digital Library (Invenio) answers a search with MARCXML (`of=xm`): per record the
symbol (191$a), title (245), date (269), subjects (650) and one file per language (856 $u,
language name in $y). The text is in PDFs on documents.un.org
(`/api/symbol/access?s=S/2020/476&l=ar&t=pdf`), read with `crawlers.pdf_text` (which puts
Arabic back in reading order). A document in three languages is one statement in three
versions: items `un-doc:<symbol>:<lang>` that name each other in `translations`.

Choices: the title is the catalogue's (245), in English for every language version, because
the PDFs' first lines are the symbol, the distribution and the date, not a reliable heading;
the body is what identifies the language. `doc_type` is `letter` when the title says so (in
English, French or Arabic), otherwise the source's (`report`). Search pages are followed with
Invenio's `jrec` (first record, 1-based) up to `options.max_pages`. The MARC subjects are read
but not published: the item schema has no field for them yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawlers.config import crawler_settings
from crawlers.dates import parse_date
from crawlers.ids import document_id, normalise_symbol
from crawlers.pdf_text import PdfTextError, extract_pdf_text
from crawlers.spiders.base import VeilleSpider
from veille.schema import DocType
from veille.sources import Source

ACCESS_URL = "https://documents.un.org/api/symbol/access?{query}"
# 856 $y names the file's language in that language.
LANGUAGE_NAMES: dict[str, str] = {
    "english": "en", "français": "fr", "french": "fr", "العربية": "ar", "arabic": "ar",
    "español": "es", "spanish": "es", "русский": "ru", "russian": "ru", "中文": "zh", "chinese": "zh",
}
_LETTER = re.compile(r"^\s*((identical\s+)?letters?|lettres?(\s+identiques)?|رسال(ة|تان))\b", re.I)
_TOTAL = re.compile(rb"Search-Engine-Total-Number-Of-Results:\s*(\d+)")
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass
class MarcRecord:
    record_id: str | None
    symbol: str
    title: str
    date: str | None
    subjects: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # lang -> file URL


def _subfields(record: etree._Element, tag: str, code: str) -> list[str]:
    values = record.xpath(
        "*[local-name()='datafield'][@tag=$tag]/*[local-name()='subfield'][@code=$code]/text()",
        tag=tag, code=code,
    )
    return [" ".join(v.split()) for v in values if v.strip()]


def parse_record(record: etree._Element) -> MarcRecord | None:
    """The fields veille uses from one MARC21 record, or None without a symbol."""
    symbols = _subfields(record, "191", "a")
    if not symbols:
        return None
    files: dict[str, str] = {}
    for datafield in record.xpath("*[local-name()='datafield'][@tag='856']"):
        url = "".join(datafield.xpath("*[local-name()='subfield'][@code='u']/text()")).strip()
        name = "".join(datafield.xpath("*[local-name()='subfield'][@code='y']/text()")).strip()
        lang = LANGUAGE_NAMES.get(name.lower()) or dict(parse_qsl(urlsplit(url).query)).get("l")
        if url and lang:
            files.setdefault(lang.lower(), url)
    titles = _subfields(record, "245", "a")
    return MarcRecord(
        record_id=(record.xpath("string(*[local-name()='controlfield'][@tag='001'])") or "").strip() or None,
        symbol=normalise_symbol(symbols[0]),
        title=titles[0].rstrip(" /:") if titles else "",
        date=next(iter(_subfields(record, "269", "a")), None),
        subjects=_subfields(record, "650", "a"),
        files=files,
    )


def marc_date(value: str | None) -> datetime | None:
    """269$a is ISO (2020-06-02) or compact (20200602)."""
    if value and re.fullmatch(r"\d{8}", value.strip()):
        value = f"{value[:4]}-{value[4:6]}-{value[6:8]}"
    return parse_date(value) if value else None


def doc_type_for(title: str, default: DocType) -> DocType:
    return DocType.letter if _LETTER.search(title) else default


def pdf_body(text: str) -> str:
    """PDF text as paragraphs: the lines of a text block joined, blocks separated by a blank line."""
    blocks = re.split(r"\n\s*\n|\f", text)
    return "\n\n".join(" ".join(b.split()) for b in blocks if b.strip())


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(params)
    return urlunsplit(parts._replace(query=urlencode(query, safe="/")))


class UnDocumentsSpider(VeilleSpider):
    name = "un_documents"

    def start_requests_for(self, source: Source) -> Iterable[Request]:
        for entry in source.urls:
            # The search's MARCXML output is the Digital Library's API for machines.
            yield self.request(entry.url, self.parse_search, source, robots=False, dont_filter=True, meta={"page": 1})

    def languages(self, source: Source) -> list[str]:
        return [lang.lower() for lang in source.options.get("languages") or source.languages]

    def parse_search(self, response: Response):
        """Reads one page of Digital Library search results (MARCXML).

        @source un-documents
        @mirror
        @url https://digitallibrary.un.org/search?p=Mali&f=&of=xm&rg=50&sf=year&so=d
        @returns items 0 0
        @returns requests 7 7
        """
        source = self.source_of(response)
        try:
            root = etree.fromstring(response.body, parser=_XML)
        except etree.XMLSyntaxError as exc:
            self.round.error(source.key, "marc_malformed", response.url, f"not MARCXML: {exc}")
            return
        records = root.xpath("//*[local-name()='record']")
        for element in records:
            record = parse_record(element)
            if record is None:
                number = element.xpath("string(*[local-name()='controlfield'][@tag='001'])") or "?"
                self.round.error(source.key, "marc_record_without_symbol", response.url,
                                 f"record {number} has no symbol (191$a)")
                continue
            yield from self.record_requests(source, record)
        total = _TOTAL.search(response.body[:2000])
        first = int(dict(parse_qsl(urlsplit(response.url).query)).get("jrec") or 1)
        following = first + len(records)
        page = response.meta.get("page", 1)
        more = following <= int(total.group(1)) if total else bool(records)
        if records and more and page < int(source.options.get("max_pages", crawler_settings().max_pages)):
            yield self.request(with_query(response.url, jrec=str(following)), self.parse_search, source,
                               robots=False, meta={"page": page + 1})

    def record_requests(self, source: Source, record: MarcRecord) -> Iterable[Request]:
        langs = self.languages(source)
        ids = {lang: document_id(record.symbol, lang) for lang in langs}
        for lang in langs:
            item_id = ids[lang]
            if not self.first_time(item_id):
                continue
            if self.already_stored(item_id):
                self.round.unchanged(source.key)
                continue
            url = record.files.get(lang) or ACCESS_URL.format(
                query=urlencode({"s": record.symbol, "l": lang, "t": "pdf"}, safe="/")
            )
            yield self.request(
                url,
                self.parse_pdf,
                source,
                robots=False,  # the documents API serves files to machines
                meta={
                    "record": record,
                    "lang": lang,
                    "pdf_url": url,
                    "translations": [i for other, i in ids.items() if other != lang],
                },
            )

    async def parse_pdf(self, response: Response):
        source = self.source_of(response)
        record: MarcRecord = response.meta["record"]
        url = response.meta["pdf_url"]
        try:
            # pdfminer takes seconds on a long Arabic report: off the reactor thread.
            text = await maybe_deferred_to_future(deferToThread(extract_pdf_text, response.body))
        except PdfTextError as exc:
            # pdf_unreadable, or pdf_too_large for a PDF over the limits (crawlers/pdf_text.py)
            self.round.error(source.key, exc.kind, url, f"{record.symbol} ({response.meta['lang']}): {exc}")
            return
        published = marc_date(record.date)
        yield self.item(
            source,
            url,
            id=document_id(record.symbol, response.meta["lang"]),
            symbol=record.symbol,
            title=record.title or record.symbol,
            body=pdf_body(text),
            lang=response.meta["lang"],
            published_at=published,
            doc_type=doc_type_for(record.title, source.doc_type).value,
            translations=response.meta["translations"],
        )
