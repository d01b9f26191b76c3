"""crawlers.pdf_text: logical-order text from UN document PDFs (Arabic, French, English).

The PDFs are the un-documents mirror fixtures built by tests/fixtures/tools/make_un_pdfs.py;
the Arabic S/2020/476 text is the seed ../shared/seeds/001_a38452e40affc40e.txt (a copy is
kept next to the PDF generator so the test runs without the shared folder).
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

from crawlers.pdf_text import PdfTextError, extract_pdf_text, visual_to_logical

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "tests/fixtures/sites/un-documents/documents.un.org/files"
TEXTS = ROOT / "tests/fixtures/tools/un_pdf_texts"
SEED = ROOT.parent / "shared/seeds/001_a38452e40affc40e.txt"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, norm(a), norm(b), autojunk=False).ratio()


def pdf(name: str) -> bytes:
    return (FILES / f"{name}.pdf").read_bytes()


def source(name: str) -> str:
    return (TEXTS / f"{name}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def arabic_476() -> str:
    return extract_pdf_text(pdf("S_2020_476-AR"))


def test_fixture_text_is_the_seed():
    if not SEED.exists():
        # A developer's clone may lack shared/; CI always has it beside the repo.
        assert not os.environ.get("CI"), f"{SEED} missing in CI"
        pytest.skip("shared seeds folder not present")
    assert source("S_2020_476-AR") == SEED.read_text(encoding="utf-8")


def test_arabic_seed_similarity(arabic_476):
    assert similarity(arabic_476, source("S_2020_476-AR")) >= 0.95


@pytest.mark.parametrize(
    "phrase",
    [
        "الأمين العام",
        "رسالة مؤرخة 1 حزيران/يونيه 2020 موجهة من الأمين العام إلى رئيس مجلس الأمن",
        "قرار مجلس الأمن 2480 (2019)",
        "(S/2020/223 و S/2020/476)",
        "بعثة الأمم المتحدة المتكاملة المتعددة الأبعاد لتحقيق الاستقرار في مالي",
        "ميناكا",
        "تمبكتو",
        "سلّمت",  # shadda stays on its letter
        "(توقيع) أنطونيو غوتيريش",
    ],
)
def test_arabic_phrases_exact(arabic_476, phrase):
    assert phrase in norm(arabic_476)


def test_arabic_has_no_presentation_forms_or_cids(arabic_476):
    assert not re.search("[\ufb50-\ufdff\ufe70-\ufeff]", arabic_476)
    assert "(cid:" not in arabic_476


@pytest.mark.parametrize("name", ["S_2023_1021-AR", "S_2024_216-AR"])
def test_other_arabic_documents(name):
    assert similarity(extract_pdf_text(pdf(name)), source(name)) >= 0.95


@pytest.mark.parametrize(
    "name", ["S_2020_476-FR", "S_2023_1021-FR", "S_2024_216-FR", "S_2020_476-EN"]
)
def test_french_and_english_similarity(name):
    assert similarity(extract_pdf_text(pdf(name)), source(name)) >= 0.95


def test_french_phrases_exact():
    text = norm(extract_pdf_text(pdf("S_2020_476-FR")))
    for phrase in [
        "Lettre datée du 1er juin 2020, adressée au Président du Conseil de sécurité par le Secrétaire général",
        "Mission multidimensionnelle intégrée des Nations Unies pour la stabilisation au Mali (MINUSMA)",
        "mise en œuvre",
        "à Ménaka, ainsi qu'à Goundam, Niafunké et Tonka, dans la région de Tombouctou",
        "(S/2020/223 et S/2020/476)",
        "(Signé) António Guterres",
    ]:
        assert phrase in text


def test_symbol_header_is_extracted():
    assert extract_pdf_text(pdf("S_2024_216-AR")).lstrip().startswith("S/2024/216")


def test_visual_to_logical_numbers_latin_and_brackets():
    # visual (left-to-right display) order of the logical "قرار 2480 (2019) في S/2020/476."
    logical = "قرار 2480 (2019) في S/2020/476."
    visual = ".S/2020/476 يف (2019) 2480 رارق"
    assert "".join(visual_to_logical(list(visual))) == logical


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"<html><body>not a pdf</body></html>", "not a PDF"),
        (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ngarbage\xff\xfe", "corrupt"),
    ],
)
def test_bad_input_raises(data, message):
    with pytest.raises(PdfTextError, match=message):
        extract_pdf_text(data)


def test_truncated_pdf_raises():
    data = pdf("S_2023_1021-FR")
    with pytest.raises(PdfTextError):
        extract_pdf_text(data[: len(data) // 3])


def _minimal_pdf(content: bytes = b"") -> bytes:
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def test_pdf_without_text_raises():
    with pytest.raises(PdfTextError, match="no extractable text"):
        extract_pdf_text(_minimal_pdf(b"0 0 m 100 100 l S"))


def test_encrypted_pdf_raises():
    import fpdf
    doc = fpdf.FPDF()
    doc.set_encryption(owner_password="owner", user_password="secret")
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(0, 10, "Confidentiel")
    with pytest.raises(PdfTextError, match="encrypted"):
        extract_pdf_text(bytes(doc.output()))
