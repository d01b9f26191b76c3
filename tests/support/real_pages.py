"""Scoring veille's extractor against trafilatura on the real-page corpus (tests/fixtures/real_pages).

Both extractors get the same input: the page's bytes decoded once by veille's `decode_html`,
and its URL. veille runs as its spiders run it (`extract_article` without a source's
selectors); trafilatura runs with its defaults (`bare_extraction`).

Body ground truth comes in two kinds, each scored as its source suite meant it:
* a full expected text (newspaper4k): token F1 of the bag of words, a CJK or Thai character
  counting as a word;
* snippets that must be in the text and snippets that must not (trafilatura): F1 over the
  snippets, a `with` snippet found a true positive, one missing a false negative, a
  `without` snippet found a false positive (whitespace collapsed on both sides).
A page the extractor returns no body for scores 0 and counts as dropped.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

import trafilatura

from crawlers.extract import ExtractionError, decode_html, extract_article

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "real_pages"
_TOKEN = re.compile(r"[\u0E00-\u0E7F\u3040-\u30FF\u3400-\u9FFF\uF900-\uFAFF\uAC00-\uD7AF]|\w+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-"})


@dataclass
class Result:
    title: str | None
    body: str
    date: str | None  # YYYY-MM-DD


@dataclass
class Scored:
    page: dict
    veille: Result
    trafilatura: Result

    def body_f1(self, which: str) -> float | None:
        return body_f1(self.page, getattr(self, which).body)

    def title_ok(self, which: str) -> bool | None:
        return None if not self.page["title"] else same_title(self.page["title"], getattr(self, which).title)

    def date_ok(self, which: str) -> bool | None:
        return None if not self.page["date"] else getattr(self, which).date == self.page["date"]


def load_manifest() -> list[dict]:
    lines = (CORPUS / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def page_text(page: dict) -> str:
    raw = gzip.decompress((CORPUS / "pages" / page["file"]).read_bytes())
    text, _ = decode_html(raw)
    return text


def run_veille(text: str, url: str) -> Result:
    try:
        art = extract_article(text, url)
    except ExtractionError:
        return Result(None, "", None)
    return Result(art.title, art.body, art.published_at.date().isoformat() if art.published_at else None)


def run_trafilatura(text: str, url: str) -> Result:
    doc = trafilatura.bare_extraction(text, url=url, with_metadata=True)
    if doc is None:
        return Result(None, "", None)
    return Result(doc.title, doc.text or "", (doc.date or "")[:10] or None)


def score_all(pages: list[dict] | None = None) -> list[Scored]:
    out = []
    for page in pages if pages is not None else load_manifest():
        text = page_text(page)
        out.append(Scored(page, run_veille(text, page["url"]), run_trafilatura(text, page["url"])))
    return out


def tokens(text: str) -> Counter:
    return Counter(_TOKEN.findall(unicodedata.normalize("NFC", text).casefold()))


def _flat(text: str) -> str:
    """Whitespace collapsed and composed (NFC): some pages and snippets spell `ü` as `u` + `¨`."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def body_f1(page: dict, body: str) -> float | None:
    if page.get("body"):
        gold, got = tokens(page["body"]), tokens(body)
        common = sum((gold & got).values())
        if not common:
            return 0.0
        precision, recall = common / sum(got.values()), common / sum(gold.values())
        return 2 * precision * recall / (precision + recall)
    if page.get("body_with"):
        if not body.strip():
            return 0.0
        flat = _flat(body)
        tp = sum(1 for s in page["body_with"] if _flat(s) in flat)
        fn = len(page["body_with"]) - tp
        fp = sum(1 for s in page.get("body_without") or [] if _flat(s) in flat)
        return 2 * tp / (2 * tp + fp + fn)
    return None


def _norm_title(title: str) -> str:
    return _flat(html.unescape(title)).translate(_QUOTES).casefold().strip(" .")


def same_title(expected: str, got: str | None) -> bool:
    return bool(got) and _norm_title(expected) == _norm_title(got)


@dataclass
class Figures:
    pages: int
    dropped: int  # pages veille returned no body for
    body_pages: int
    body_f1: dict[str, float]  # extractor -> mean body F1
    title_pages: int
    title_rate: dict[str, float]
    date_pages: int
    date_rate: dict[str, float]


def figures(scored: list[Scored]) -> Figures:
    who = ("veille", "trafilatura")
    body = [s for s in scored if s.body_f1("veille") is not None]
    titled = [s for s in scored if s.page["title"]]
    dated = [s for s in scored if s.page["date"]]

    def rate(rows: list[Scored], ok: str, w: str) -> float:
        return mean(1.0 if getattr(s, ok)(w) else 0.0 for s in rows) if rows else float("nan")

    return Figures(
        pages=len(scored),
        dropped=sum(1 for s in scored if not s.veille.body.strip()),
        body_pages=len(body),
        body_f1={w: mean(s.body_f1(w) for s in body) if body else float("nan") for w in who},
        title_pages=len(titled),
        title_rate={w: rate(titled, "title_ok", w) for w in who},
        date_pages=len(dated),
        date_rate={w: rate(dated, "date_ok", w) for w in who},
    )


def table(scored: list[Scored]) -> str:
    """The figures by split, by language and by kind of ground truth, as a Markdown table."""
    groups: list[tuple[str, list[Scored]]] = [("all", scored)]
    groups += [(f"split {sp}", [s for s in scored if s.page["split"] == sp]) for sp in ("dev", "heldout")]
    langs = Counter(s.page["lang"] for s in scored)
    groups += [(f"lang {lang}", [s for s in scored if s.page["lang"] == lang]) for lang, _ in langs.most_common()]
    groups += [
        ("full-text truth", [s for s in scored if s.page.get("body")]),
        ("snippet truth", [s for s in scored if s.page.get("body_with")]),
    ]
    lines = [
        "| pages | n | dropped | body F1 veille | body F1 trafilatura | title veille | title trafilatura "
        "| date veille | date trafilatura |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def cell(value: float, n: int) -> str:
        return f"{value:.3f} ({n})" if n else "–"

    for name, rows in groups:
        f = figures(rows)
        lines.append(
            f"| {name} | {f.pages} | {f.dropped} | {cell(f.body_f1['veille'], f.body_pages)} "
            f"| {cell(f.body_f1['trafilatura'], f.body_pages)} | {cell(f.title_rate['veille'], f.title_pages)} "
            f"| {cell(f.title_rate['trafilatura'], f.title_pages)} | {cell(f.date_rate['veille'], f.date_pages)} "
            f"| {cell(f.date_rate['trafilatura'], f.date_pages)} |"
        )
    return "\n".join(lines)
