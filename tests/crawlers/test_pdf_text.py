"""crawlers.pdf_text: logical-order text from UN document PDFs (Arabic, French, English).

The PDFs are the un-documents mirror fixtures built by tests/fixtures/tools/make_un_pdfs.py;
the Arabic S/2020/476 text is the seed ../shared/seeds/001_a38452e40affc40e.txt (a copy is
kept next to the PDF generator so the test runs without the shared folder).
"""

from __future__ import annotations

import difflib
import os
import re
import time
import zlib
from pathlib import Path

import pytest

from crawlers.pdf_text import (
    PdfLimits,
    PdfTextError,
    PdfTooLarge,
    extract_pdf_text,
    visual_to_logical,
)

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
    return _pdf(objs)


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


# --------------------------------------------------------------------------- limits (issue 13)

def _pdf(objs: list[bytes]) -> bytes:
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


def _text_page_objs(text: bytes, kids: bytes = b"[3 0 R]", count: int = 1) -> list[bytes]:
    content = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids " + kids + b" /Count %d >>" % count,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]


def flate_bomb(inflated_mb: int) -> bytes:
    """A small PDF whose one page's content stream inflates to `inflated_mb` MiB of spaces."""
    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    packed = b"".join(packer.compress(chunk) for _ in range(inflated_mb)) + packer.flush()
    objs = _text_page_objs(b"bomb")
    objs[3] = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"
    return _pdf(objs)


def page_count_bomb(pages: int) -> bytes:
    """A PDF of `pages` small pages sharing one content stream and font (about 100 bytes each)."""
    objs = _text_page_objs(b"Gao")
    page = objs[2]
    kids = b"[3 0 R " + b"".join(b"%d 0 R " % (6 + i) for i in range(pages - 1)) + b"]"
    objs[1] = b"<< /Type /Pages /Kids " + kids + b" /Count %d >>" % pages
    return _pdf(objs + [page] * (pages - 1))


def test_small_text_pdf_is_read_under_the_limits():
    assert "Gao" in extract_pdf_text(_pdf(_text_page_objs(b"Gao et Tombouctou")), PdfLimits())


def test_flate_bomb_is_pdf_too_large_without_inflating_it():
    bomb = flate_bomb(400)
    assert len(bomb) < 1_000_000
    started = time.monotonic()
    with pytest.raises(PdfTooLarge, match="decompress to more than 50,000,000 bytes") as err:
        extract_pdf_text(bomb, PdfLimits(max_inflated_bytes=50_000_000))
    assert err.value.kind == "pdf_too_large"
    assert "VEILLE_PDF_MAX_INFLATED_BYTES" in str(err.value)
    assert time.monotonic() - started < 30


def test_flate_bomb_under_the_default_limits():
    with pytest.raises(PdfTooLarge):
        extract_pdf_text(flate_bomb(400), PdfLimits())


def test_memory_cap_stops_a_pdf_that_needs_too_much():
    # inflated-bytes cap out of the way: the child's address space is what stops it
    limits = PdfLimits(max_inflated_bytes=10**12, max_memory_mb=300)
    with pytest.raises(PdfTooLarge, match="MiB|VEILLE_PDF_MAX_MEMORY_MB"):
        extract_pdf_text(flate_bomb(600), limits)


def test_page_count_bomb_is_pdf_too_large():
    with pytest.raises(PdfTooLarge, match="more than 50 pages"):
        extract_pdf_text(page_count_bomb(5000), PdfLimits(max_pages=50))


def test_slow_pdf_is_stopped_at_the_timeout():
    started = time.monotonic()
    with pytest.raises(PdfTooLarge, match=r"took more than 1 s.*VEILLE_PDF_TIMEOUT"):
        extract_pdf_text(page_count_bomb(20000), PdfLimits(max_pages=10**6, timeout=1.0))
    assert time.monotonic() - started < 15


def test_oversized_pdf_is_refused_before_reading():
    data = _pdf(_text_page_objs(b"Gao")) + b"%" + b"x" * 2000
    with pytest.raises(PdfTooLarge, match="over the 1,000-byte limit.*VEILLE_PDF_MAX_BYTES"):
        extract_pdf_text(data, PdfLimits(max_bytes=1000))


def test_limits_come_from_the_settings(monkeypatch):
    from veille.settings import reset_settings

    monkeypatch.setenv("VEILLE_PDF_MAX_PAGES", "7")
    monkeypatch.setenv("VEILLE_PDF_TIMEOUT", "9.5")
    reset_settings()
    try:
        limits = PdfLimits.from_settings()
    finally:
        monkeypatch.undo()
        reset_settings()
    assert (limits.max_pages, limits.timeout) == (7, 9.5)
    assert PdfLimits.from_settings().max_pages == PdfLimits().max_pages


def test_unreadable_pdf_keeps_its_kind():
    with pytest.raises(PdfTextError) as err:
        extract_pdf_text(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ngarbage")
    assert err.value.kind == "pdf_unreadable" and not isinstance(err.value, PdfTooLarge)


def test_a_bomb_in_a_round_is_pdf_too_large_and_the_round_goes_on(tmp_path):
    """The French PDF of a record is a bomb: reported as pdf_too_large, Arabic and English kept."""
    from crawlers.mirror import Mirror
    from tests.support.sites import crawl, un_documents_site

    un_documents_site(tmp_path, flate_bomb(400))
    with Mirror(root=tmp_path / "sites") as mirror:
        stats, items, errors = crawl(tmp_path / "home", mirror.env_value(), "un-documents",
                                     tmp_path / "sources.yaml",
                                     env={"VEILLE_PDF_MAX_INFLATED_BYTES": "50000000"})
    assert stats.status == "ok"
    assert sorted(i["lang"] for i in items) == ["ar", "en"]
    assert [e["kind"] for e in errors] == ["pdf_too_large"]
    assert "l=fr" in errors[0]["url"] and "S/2020/476" in errors[0]["message"]
    assert stats.error_count == 1
