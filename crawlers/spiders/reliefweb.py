"""The ReliefWeb spider: reports on Mali from the ReliefWeb API (the site blocks scrapers).

`GET https://api.reliefweb.int/v2/reports` filtered on the country (`options.country_iso3`),
newest first, `options.limit` reports per page, paged with `offset` up to `options.max_pages`
pages, and no further once a whole page was already stored.

ReliefWeb only answers pre-approved appnames, so the appname is operator configuration, read
from the environment variable named by `options.appname_env` (VEILLE_RELIEFWEB_APPNAME).
Without it the source reports a `config` error and sends nothing; a 403 is reported as
`api_forbidden` naming the appname. The recorded mirror approves `options.demo_appname`
(`veille-demo`): it is used only when the variable is unset AND the offline mirror is on
(VEILLE_MIRROR), so the tests and `veille demo` work and production never borrows it.

Per report: url and id = the canonical `fields.url`; title; body = `fields.body` (Markdown)
as plain paragraphs; lang = `fields.language[0].code`; published_at = `date.original`, else
`date.created`. ReliefWeb republishes other organisations' documents, so the issuer is the
organisation speaking: the first `fields.source`, `options.issuer_by_source` mapping UN
agencies to `un`, any other source's shortname lower-cased (ICRC → `icrc`), `reliefweb` when
a report names no source. doc_type from `fields.format[0].name` (FORMAT_DOC_TYPES), else the
source's `report`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from markdown_it import MarkdownIt
from scrapy.http import Request, Response

from crawlers.config import crawler_settings
from crawlers.dates import parse_date
from crawlers.extract import html_to_text
from crawlers.ids import canonical_url
from crawlers.spiders.base import VeilleSpider
from veille.schema import DocType
from veille.sources import Source

# ReliefWeb's content formats that are not reports (all the others are: Situation Report,
# Analysis, Assessment, Appeal, Evaluation and Lessons Learned, Map, Infographic, UN Document…).
FORMAT_DOC_TYPES: dict[str, DocType] = {"News and Press Release": DocType.press_release}
DEFAULT_APPNAME_ENV = "VEILLE_RELIEFWEB_APPNAME"

_markdown = MarkdownIt("commonmark")


def markdown_to_text(markdown: str) -> str:
    """Plain text of a Markdown body: one paragraph per block (heading, paragraph, list item)."""
    paragraphs: list[str] = []
    for token in _markdown.parse(markdown or ""):
        if token.type == "inline":
            parts = []
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            text = " ".join("".join(parts).split())
        elif token.type == "html_block":
            text = html_to_text(token.content)
        elif token.type in ("fence", "code_block"):
            text = token.content.strip()
        else:
            continue
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def appname_env(source: Source) -> str:
    return str(source.options.get("appname_env") or DEFAULT_APPNAME_ENV)


def appname_for(source: Source) -> str | None:
    """The operator's appname; the mirror's demo appname only when offline and none is set."""
    value = os.environ.get(appname_env(source), "").strip()
    if not value and crawler_settings().mirror:
        value = str(source.options.get("demo_appname") or "").strip()
    return value or None


class ReliefwebSpider(VeilleSpider):
    name = "reliefweb"

    def start_requests_for(self, source: Source) -> Iterable[Request]:
        appname = appname_for(source)
        if not appname:
            env = appname_env(source)
            self.round.error(
                source.key, "config", source.urls[0].url,
                f"{env} is not set: ReliefWeb only answers pre-approved appnames; request one "
                f"(https://apidoc.reliefweb.int/parameters#appname) and set {env}",
            )
            return
        for entry in source.urls:
            yield self.page_request(source, entry.url, appname, offset=0, page=1)

    def page_request(self, source: Source, base: str, appname: str, offset: int, page: int) -> Request:
        params = [
            ("appname", appname),
            ("filter[field]", "country.iso3"),
            ("filter[value]", str(source.options.get("country_iso3", "MLI"))),
            ("sort[]", "date.created:desc"),
            ("limit", str(int(source.options.get("limit", 20)))),
            ("offset", str(offset)),
            ("profile", "full"),
        ]
        return self.request(
            f"{base}?{urlencode(params, safe='[]:')}",
            self.parse_page,
            source,
            robots=False,  # an API for machines
            dont_filter=True,
            meta={
                "base": base, "appname": appname, "offset": offset, "page": page,
                "handle_httpstatus_list": [403],
            },
        )

    def parse_page(self, response: Response):
        """Reads one page of the reports API.

        @source reliefweb
        @mirror
        @url https://api.reliefweb.int/v2/reports?appname=veille-demo&filter[field]=country.iso3&filter[value]=MLI&sort[]=date.created:desc&limit=4&offset=4&profile=full
        @returns items 3 3
        @returns requests 0 0
        @scrapes id url title body lang published_at doc_type issuer
        """
        source = self.source_of(response)
        appname = response.meta.get("appname") or _query_value(response.url, "appname")
        if response.status == 403:
            env = appname_env(source)
            self.round.error(
                source.key, "api_forbidden", response.url,
                f"ReliefWeb refused appname {appname!r}: ask ReliefWeb to approve it and set {env} "
                f"(ReliefWeb said: {_api_message(response)})",
            )
            return
        try:
            payload = json.loads(response.body)
            reports = payload.get("data") or []
        except (ValueError, AttributeError) as exc:
            self.round.error(source.key, "api_malformed", response.url, f"not a ReliefWeb API answer: {exc}")
            return
        fresh = 0
        for report in reports if isinstance(reports, list) else []:
            item = self.report_item(source, report) if isinstance(report, dict) else None
            if item is None:
                continue
            if not self.first_time(item["id"]):
                continue
            if not self.already_stored(item["id"]):
                fresh += 1
            yield item  # a stored report may have changed: the pipeline compares digests
        offset = int(response.meta.get("offset", 0)) + len(reports)
        page = int(response.meta.get("page", 1))
        total = payload.get("totalCount")
        more = bool(reports) and (offset < int(total) if isinstance(total, int) else "next" in (payload.get("links") or {}))
        if more and fresh and page < int(source.options.get("max_pages", crawler_settings().max_pages)) and "base" in response.meta:
            yield self.page_request(source, response.meta["base"], appname, offset=offset, page=page + 1)

    def report_item(self, source: Source, report: dict[str, Any]) -> dict[str, Any] | None:
        fields = report.get("fields") or {}
        url = fields.get("url") or fields.get("url_alias")
        if not url:
            self.round.error(source.key, "api_item_without_url", report.get("href"),
                             f"report {report.get('id')} has no fields.url")
            return None
        dates = fields.get("date") or {}
        languages = fields.get("language") or [{}]
        formats = fields.get("format") or [{}]
        return self.item(
            source,
            canonical_url(url),
            title=(fields.get("title") or "").strip(),
            body=markdown_to_text(fields.get("body") or ""),
            lang=(languages[0].get("code") or "").lower() or None,
            published_at=parse_date(dates.get("original")) or parse_date(dates.get("created")),
            doc_type=FORMAT_DOC_TYPES.get(formats[0].get("name") or "", source.doc_type).value,
            issuer=self.issuer(source, fields.get("source") or []),
            attachments=[f["url"] for f in fields.get("file") or [] if isinstance(f, dict) and f.get("url")],
        )

    @staticmethod
    def issuer(source: Source, sources: list[dict[str, Any]]) -> str:
        if not sources:
            return source.issuer
        shortname = (sources[0].get("shortname") or sources[0].get("name") or "").strip()
        if not shortname:
            return source.issuer
        mapping = {k.lower(): v for k, v in (source.options.get("issuer_by_source") or {}).items()}
        return mapping.get(shortname.lower()) or re.sub(r"[^a-z0-9]+", "-", shortname.lower()).strip("-")


def _query_value(url: str, name: str) -> str | None:
    return dict(parse_qsl(urlsplit(url).query)).get(name)


def _api_message(response: Response) -> str:
    try:
        error = json.loads(response.body).get("error") or {}
        return str(error.get("message") or error.get("type") or "no message")
    except (ValueError, AttributeError):
        return response.text[:200] if hasattr(response, "text") else "no message"
