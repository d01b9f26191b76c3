"""The UN documents spider: MARCXML records → one item per symbol and language, from the PDFs.

Rounds run against the recorded Digital Library and documents.un.org
(tests/fixtures/sites/un-documents: two search pages, three documents in ar/en/fr). A corrupt
PDF is tested with a small mirror written to a temporary folder.
"""

from __future__ import annotations

import difflib
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from crawlers.ids import document_id
from crawlers.mirror import FIXTURES, Mirror
from crawlers.spiders.un_documents import doc_type_for, marc_date, parse_record, pdf_body
from tests.support.sites import crawl, un_documents_site
from veille.schema import DocType
from veille.settings import REPO_ROOT

SITE = FIXTURES / "un-documents"
SEED = REPO_ROOT.parent / "shared/seeds/001_a38452e40affc40e.txt"
SEED_COPY = REPO_ROOT / "tests/fixtures/tools/un_pdf_texts/S_2020_476-AR.txt"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def documents_round(tmp_path_factory, mirror):
    return crawl(tmp_path_factory.mktemp("un-documents"), mirror.env_value(), "un-documents")


def test_round_is_clean(documents_round):
    stats, items, errors = documents_round
    assert stats.status == "ok"
    assert errors == []
    assert stats.items == len(items) == 9  # 3 documents x 3 languages, over two search pages


def test_one_document_three_languages(documents_round):
    _, items, _ = documents_round
    by_id = {i["id"]: i for i in items}
    ids = {lang: document_id("S/2020/476", lang) for lang in ("ar", "en", "fr")}
    assert set(ids.values()) <= set(by_id)
    for lang, item_id in ids.items():
        item = by_id[item_id]
        assert item["symbol"] == "S/2020/476"
        assert item["lang"] == lang
        assert item["doc_type"] == "letter"
        assert item["issuer"] == "un"
        assert item["translations"] == sorted(i for other, i in ids.items() if other != lang)
        assert item["url"] == f"https://documents.un.org/api/symbol/access?s=S/2020/476&l={lang}&t=pdf"
        assert datetime.fromisoformat(item["published_at"]) == datetime(2020, 6, 2, tzinfo=UTC)
        assert item["title"].startswith("Letter dated 1 June 2020 from the Secretary-General")
    assert "l'opération Sika" in by_id[ids["fr"]]["body"]


def test_arabic_body_is_the_seed_text(documents_round):
    _, items, _ = documents_round
    arabic = next(i for i in items if i["id"] == document_id("S/2020/476", "ar"))
    seed = (SEED if SEED.exists() else SEED_COPY).read_text(encoding="utf-8")
    ratio = difflib.SequenceMatcher(None, norm(arabic["body"]), norm(seed), autojunk=False).ratio()
    assert ratio >= 0.95, ratio


def test_reports_are_reports(documents_round):
    _, items, _ = documents_round
    report = next(i for i in items if i["id"] == document_id("S/2024/216", "ar"))
    assert report["doc_type"] == "report"
    assert "ودخلت القوات المسلحة كيدال في 14 تشرين الثاني/نوفمبر 2023" in report["body"]


@pytest.fixture
def corrupt_site(tmp_path: Path) -> Path:
    """A one-record search whose French PDF is corrupt; English and Arabic are fine."""
    good = (SITE / "documents.un.org/files/S_2020_476-FR.pdf").read_bytes()
    return un_documents_site(tmp_path, good[:400] + b"\x00garbage" * 50)


def test_corrupt_pdf_is_reported_and_other_languages_go_through(corrupt_site):
    with Mirror(root=corrupt_site / "sites") as mirror:
        stats, items, errors = crawl(corrupt_site / "home", mirror.env_value(), "un-documents",
                                     corrupt_site / "sources.yaml")
    assert stats.status == "ok"
    assert sorted(i["lang"] for i in items) == ["ar", "en"]
    assert [e["kind"] for e in errors] == ["pdf_unreadable"]
    assert "l=fr" in errors[0]["url"]
    assert "S/2020/476" in errors[0]["message"]


MARC = """<collection xmlns="http://www.loc.gov/MARC21/slim"><record>
<controlfield tag="001">42</controlfield>
<datafield tag="191" ind1=" " ind2=" "><subfield code="a">S/2020/ 476</subfield></datafield>
<datafield tag="245" ind1="1" ind2="0"><subfield code="a">Letter dated 1 June 2020 /</subfield></datafield>
<datafield tag="269" ind1=" " ind2=" "><subfield code="a">20200602</subfield></datafield>
<datafield tag="650" ind1=" " ind2="7"><subfield code="a">TERRORISM</subfield></datafield>
<datafield tag="856" ind1="4" ind2="0"><subfield code="u">https://documents.un.org/api/symbol/access?s=S/2020/476&amp;l=ar&amp;t=pdf</subfield><subfield code="y">العربية</subfield></datafield>
<datafield tag="856" ind1="4" ind2="0"><subfield code="u">https://example.org/x.pdf</subfield><subfield code="y">Français</subfield></datafield>
</record></collection>"""


def test_parse_record():
    record = parse_record(etree.fromstring(MARC.encode())[0])
    assert record.record_id == "42"
    assert record.symbol == "S/2020/476"
    assert record.title == "Letter dated 1 June 2020"
    assert record.subjects == ["TERRORISM"]
    assert record.files == {
        "ar": "https://documents.un.org/api/symbol/access?s=S/2020/476&l=ar&t=pdf",
        "fr": "https://example.org/x.pdf",
    }
    assert marc_date(record.date) == datetime(2020, 6, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Letter dated 1 June 2020 from the Secretary-General", DocType.letter),
        ("Identical letters dated 3 May 2021", DocType.letter),
        ("Lettre datée du 1er juin 2020, adressée au Président", DocType.letter),
        ("رسالة مؤرخة 1 حزيران/يونيه 2020 موجهة من الأمين العام", DocType.letter),
        ("Report of the Secretary-General on the situation in Mali", DocType.report),
    ],
)
def test_doc_type_for(title, kind):
    assert doc_type_for(title, DocType.report) == kind


def test_pdf_body_joins_lines_of_a_block():
    assert pdf_body("S/1\n\nfirst line\nsecond line\fnext page") == "S/1\n\nfirst line second line\n\nnext page"
