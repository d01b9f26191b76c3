"""Text extraction from PDF documents (UN documents in Arabic, French, English).

``extract_pdf_text(data)`` returns the text of a PDF in *logical* (reading) order:

* Arabic: PDFs often carry shaped glyphs (presentation forms such as U+FEDF) laid out in
  *visual* order, left to right. Each text line is rebuilt from its glyphs sorted by their
  x position (so the result does not depend on the order the producer wrote them in), then
  lines that contain right-to-left letters are put back in logical order with a small
  implementation of the Unicode bidirectional algorithm (rules W4-W7, N1, L2; base
  direction right-to-left). A glyph that stands for several characters (the lam-alef
  ligature "لأ") is kept as one unit, so its letters stay in order; zero-width mark glyphs
  (harakat, shadda) stay on their letter; unmapped glyphs ``(cid:N)`` are dropped.
  Brackets are mirrored back only when the producer wrote the mirrored glyph's own code
  point (decided once per document by bracket balance: HarfBuzz-based producers map the
  mirrored glyph to the logical character already).
  Presentation forms are then mapped back to base letters (NFKC applied to the
  presentation-form blocks only, so digits, punctuation and Latin text are untouched).
* French/English: lines in their natural order; Latin ligatures (ﬁ, ﬂ) are unfolded.

Library: **pdfminer.six** (MIT) gives each glyph with its position and its ToUnicode
string, which is what the reordering needs. Chosen by measurement against the source text
(``difflib.SequenceMatcher(autojunk=False).ratio()`` on whitespace-normalised text) of the
fixture PDFs built by ``tests/fixtures/tools/make_un_pdfs.py`` (fpdf2 + HarfBuzz shaping,
DejaVu Sans); the Arabic S/2020/476 text is the real seed document (32 kB, 6 pages):

==============================================  ======  ======  ======  ======
library (+ post-processing)                     ar 476  ar x2*  fr x3*  en x3*
==============================================  ======  ======  ======  ======
pdfminer.six 20260107 glyphs + bidi (chosen)    0.9997  0.9947  0.9969  0.9965
pypdfium2 5.15.2 ``get_text_range`` + NFKC      0.9485  0.9368  0.9969  0.9965
pypdf 7.1.0 ``extract_text`` + NFKC             0.9440  0.8357  0.9969  0.9965
pdfminer.six ``extract_text`` + NFKC (raw)      0.1182  0.2155  0.9969  0.9965
==============================================  ======  ======  ======  ======

(* mean over the fixture documents S/2023/1021 and S/2024/216, and for fr/en also
S/2020/476. With the chosen method the only difference left is the document symbol
printed as a header on the first page, which the source text lacks.) Time: 0.6 s for the
6-page Arabic S/2020/476 (pypdfium2: 0.02 s, pypdf: 0.4 s).
pypdfium2 and pypdf already reorder right-to-left runs themselves but reverse ligature
glyphs ("األول" for "الأول"), put combining marks on the wrong letter, leave brackets
unmirrored (")2019(") and misplace numbers and sentence-final punctuation; their API does
not expose the glyph units needed to repair that. PyMuPDF was not considered (AGPL).

Errors: ``PdfTextError`` (a ``ValueError``) for data that is not a PDF, a corrupt or
unreadable PDF, an encrypted PDF that cannot be opened without a password, and a PDF
without any extractable text (a scan needing OCR); its ``kind`` (``pdf_unreadable``) is the
round's error kind.

Limits: a PDF is read in a child process (``multiprocessing``, spawn) held to
``PdfLimits``: its size, its number of pages, the bytes its streams decompress to (a
decompression bomb: a small stream inflating to gigabytes), the child's address space
(``RLIMIT_AS``) and the time it may take (the child is killed on overrun). A PDF over one
raises ``PdfTooLarge`` (kind ``pdf_too_large``), saying which limit and how to raise it;
the spider reports it and the round goes on. Defaults come from the ``VEILLE_PDF_*``
settings (docs/limits.md).
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import re
import unicodedata
import zlib
from dataclasses import dataclass

__all__ = ["PdfLimits", "PdfTextError", "PdfTooLarge", "extract_pdf_text", "visual_to_logical"]

log = logging.getLogger(__name__)


class PdfTextError(ValueError):
    """The PDF could not be turned into text (not a PDF, corrupt, encrypted, no text)."""

    kind = "pdf_unreadable"


class PdfTooLarge(PdfTextError):
    """The PDF goes over one of the limits (size, pages, inflated bytes, memory, time)."""

    kind = "pdf_too_large"


@dataclass(frozen=True)
class PdfLimits:
    """What reading one PDF may take; each over-run is a ``PdfTooLarge``."""

    max_bytes: int = 10_000_000
    max_pages: int = 1000
    max_inflated_bytes: int = 300_000_000
    max_memory_mb: int = 1024
    timeout: float = 120.0

    @classmethod
    def from_settings(cls) -> PdfLimits:
        from crawlers.config import crawler_settings

        s = crawler_settings()
        return cls(s.pdf_max_bytes, s.pdf_max_pages, s.pdf_max_inflated_bytes,
                   s.pdf_max_memory_mb, s.pdf_timeout)


# --------------------------------------------------------------------------- normalising

_PRESENTATION_FORMS = re.compile("[\ufb00-\ufb06\ufb13-\ufb17\ufb50-\ufdff\ufe70-\ufeff]+")
_MIRROR = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")


def _fold_presentation_forms(text: str) -> str:
    """Map Arabic presentation forms and Latin/Armenian ligatures to base letters."""
    return _PRESENTATION_FORMS.sub(
        lambda m: unicodedata.normalize("NFKC", m.group(0)).replace("\ufeff", ""), text
    )


# --------------------------------------------------------------------------- bidi

def _bidi_class(unit: str) -> str:
    for ch in unit:
        b = unicodedata.bidirectional(ch)
        if b:
            return b
    return "ON"


def _is_rtl_unit(unit: str) -> bool:
    return _bidi_class(unit) in ("R", "AL")


class _Reordered(list):
    """A list of units with the bidi level of each (1 = right-to-left, 2 = left-to-right)."""

    levels: list[int]


def visual_to_logical(units: list[str], mirror: bool = True) -> list[str]:
    """Reorder one line of glyph units from visual (left-to-right) to logical order.

    The line's base direction is right-to-left (call this only for lines containing
    right-to-left letters). Implements the resolution rules of the Unicode bidi algorithm
    that matter for Arabic prose with embedded numbers, Latin words and punctuation, then
    inverts the display reordering: everything reversed, left-to-right runs kept in order,
    and brackets at right-to-left level mirrored back.
    """
    n = len(units)
    if n == 0:
        out = _Reordered()
        out.levels = []
        return out
    raw = [_bidi_class(u) for u in units]
    t: list[str] = []
    for i, b in enumerate(raw):
        if b in ("R", "AL"):
            t.append("R")
        elif b == "L":
            t.append("L")
        elif b in ("EN", "AN"):
            t.append("EN")
        elif b in ("CS", "ES"):
            t.append("CS")
        elif b == "ET":
            t.append("ET")
        elif b == "NSM":
            # a combining mark takes the class of the letter it sits on (a neighbour)
            prev = t[i - 1] if i else None
            t.append(prev if prev in ("R", "L") else "R")
        else:
            t.append("N")
    # W4: a single separator between two numbers is part of the number
    for i in range(1, n - 1):
        if t[i] == "CS" and t[i - 1] == "EN" and t[i + 1] == "EN":
            t[i] = "EN"
    # W5: terminators (%, $, °) next to a number join it
    for i in range(n):
        if t[i] == "ET":
            j = i
            while j < n and t[j] == "ET":
                j += 1
            if (i > 0 and t[i - 1] == "EN") or (j < n and t[j] == "EN"):
                for k in range(i, j):
                    t[k] = "EN"
    # W6: remaining separators and terminators are neutral
    t = ["N" if x in ("CS", "ET") else x for x in t]
    # W7: a number whose preceding strong letter is Latin behaves as Latin. Inside a
    # left-to-right run visual order is logical order, so "preceding" means "to the left".
    last_strong = "R"
    for i in range(n):
        if t[i] in ("L", "R"):
            last_strong = t[i]
        elif t[i] == "EN" and last_strong == "L":
            t[i] = "L"
    # N1/N2: neutrals between two Latin letters are Latin; otherwise they take the base
    # direction (numbers count as right-to-left for this rule); line ends count as base.
    i = 0
    while i < n:
        if t[i] != "N":
            i += 1
            continue
        j = i
        while j < n and t[j] == "N":
            j += 1
        left = t[i - 1] if i > 0 else "R"
        right = t[j] if j < n else "R"
        fill = "L" if left == "L" and right == "L" else "R"
        for k in range(i, j):
            t[k] = fill
        i = j
    # levels: 1 for right-to-left, 2 for Latin and numbers (embedded left-to-right)
    levels = [1 if x == "R" else 2 for x in t]
    # invert the display (rule L2): reverse the line, then re-reverse level-2 runs
    pairs = list(zip(units, levels, strict=True))[::-1]
    out = _Reordered()
    out.levels = []
    i = 0
    while i < n:
        if pairs[i][1] == 2:
            j = i
            while j < n and pairs[j][1] == 2:
                j += 1
            for u, lvl in reversed(pairs[i:j]):
                out.append(u)
                out.levels.append(lvl)
            i = j
        else:
            u = pairs[i][0]
            out.append(u.translate(_MIRROR) if mirror and len(u) == 1 else u)
            out.levels.append(1)
            i += 1
    return out


# --------------------------------------------------------------------------- extraction

_CID = re.compile(r"\(cid:\d+\)")


def _is_mark(text: str) -> bool:
    return bool(text) and all(unicodedata.category(ch) in ("Mn", "Me") for ch in text)


def _line_units(line) -> list[str]:
    """Glyph texts of one pdfminer text line, left to right, with spaces at word gaps.

    Zero-width glyphs (combining marks, and the mark glyph that carries the text of a
    decomposed "أُ" cluster) are merged with the glyph they sit on: for right-to-left
    script the next glyph in the content stream (shapers emit a cluster's glyphs reversed),
    for left-to-right script the previous one. Unmapped glyphs (``(cid:N)``) are dropped.
    """
    from pdfminer.layout import LTChar

    # [x0, x1, height, text]; text in logical order (base letter first, then marks)
    chars = [c for c in line if isinstance(c, LTChar)]
    rtl_line = any(_is_rtl_unit(c.get_text()) for c in chars)
    glyphs: list[list] = []
    pending: list[str] = []
    for c in chars:
        text = _CID.sub("", c.get_text())
        zero_width = (c.x1 - c.x0) < 0.05
        if zero_width and text and not text.isspace():
            if rtl_line or not glyphs:
                pending.append(text)          # belongs to the next glyph
            else:
                glyphs[-1][3] += text          # Latin combining mark: previous glyph
            continue
        glyphs.append([c.x0, c.x1, max(c.height, 1.0), text + "".join(pending)])
        pending = []
    if pending:
        if glyphs:
            glyphs[-1][3] += "".join(pending)
        else:
            return pending
    glyphs = [g for g in glyphs if g[3]] if any(g[3] for g in glyphs) else []
    glyphs.sort(key=lambda g: (g[0], g[1]))
    units: list[str] = []
    prev = None
    for g in glyphs:
        text = g[3]
        if prev is not None:
            gap = g[0] - prev[1]
            if gap > 0.2 * max(g[2], prev[2]) and not text.isspace() and not units[-1].isspace():
                units.append(" ")
        units.append(text)
        prev = g
    return units


def _bracket_violations(text: str) -> int:
    depth = bad = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth:
                depth -= 1
            else:
                bad += 1
    return bad + depth


def _clean_line(text: str) -> str:
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()


def _lines_to_text(lines: list[list[str]]) -> list[str]:
    """Logical text of each line (lines given as glyph units, left to right)."""
    out: list[str | None] = [None] * len(lines)
    rtl: dict[int, tuple[str, str]] = {}
    for i, units in enumerate(lines):
        if any(_is_rtl_unit(u) for u in units):
            logical = visual_to_logical(units, mirror=False)
            plain = "".join(logical)
            mirrored = "".join(
                u.translate(_MIRROR) if lvl == 1 and len(u) == 1 else u
                for u, lvl in zip(logical, logical.levels, strict=True)
            )
            rtl[i] = (mirrored, plain)
        else:
            out[i] = _clean_line("".join(units))
    if rtl:
        # Producers differ: some write the mirrored bracket glyph with its own code point
        # (the bidi algorithm must mirror it back), HarfBuzz-based ones map it to the
        # logical character. Decide once per document by bracket balance.
        bad_m = sum(_bracket_violations(m) for m, _ in rtl.values())
        bad_p = sum(_bracket_violations(p) for _, p in rtl.values())
        pick = 0 if bad_m <= bad_p else 1
        for i, pair in rtl.items():
            out[i] = _clean_line(pair[pick])
    return [x or "" for x in out]


def _open_error(exc: Exception) -> PdfTextError:
    name = type(exc).__name__
    if "Password" in name or "Encrypt" in name or "encrypt" in str(exc).lower():
        return PdfTextError(f"encrypted PDF: cannot be read without a password ({name}: {exc})")
    return PdfTextError(f"corrupt or unreadable PDF ({name}: {exc})")


def extract_pdf_text(data: bytes, limits: PdfLimits | None = None) -> str:
    """Return the text of a PDF in logical order, pages separated by a form feed.

    Lines are separated by ``\\n``, text blocks (paragraphs) by a blank line. Raises
    ``PdfTextError`` when the data is not a PDF, is corrupt or encrypted, or has no text,
    and ``PdfTooLarge`` when reading it goes over ``limits`` (default: the settings).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"extract_pdf_text expects bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise PdfTextError("empty data: no PDF content")
    if b"%PDF-" not in data[:1024]:
        raise PdfTextError("not a PDF: no %PDF- header in the first 1024 bytes")
    limits = limits or PdfLimits.from_settings()
    if len(data) > limits.max_bytes:
        raise PdfTooLarge(
            f"PDF of {len(data):,} bytes is over the {limits.max_bytes:,}-byte limit "
            "(raise VEILLE_PDF_MAX_BYTES to read it)"
        )
    return _in_child(data, limits)


# --------------------------------------------------------------------------- the child

def _in_child(data: bytes, limits: PdfLimits) -> str:
    """Runs the extraction in a child process and kills it when it runs out of time."""
    ctx = multiprocessing.get_context("spawn")  # no fork of a threaded reactor process
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_main, args=(sender, data, limits), daemon=True,
                        name="veille-pdf-text")
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.timeout):
            raise PdfTooLarge(
                f"reading the PDF took more than {limits.timeout:g} s and was stopped "
                "(raise VEILLE_PDF_TIMEOUT to allow more)"
            )
        try:
            status, payload = receiver.recv()
        except EOFError:
            child.join(5)
            code = child.exitcode
            # Killed by a signal (the kernel's OOM killer, SIGSEGV in a C library under
            # RLIMIT_AS) or died without a word: memory is the usual cause.
            raise PdfTooLarge(
                f"the process reading the PDF died (exit code {code}), most likely out of its "
                f"{limits.max_memory_mb} MiB (raise VEILLE_PDF_MAX_MEMORY_MB to allow more)"
            ) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if status == "ok":
        return payload
    if status == "too_large":
        raise PdfTooLarge(payload)
    raise PdfTextError(payload)


def _child_main(conn, data: bytes, limits: PdfLimits) -> None:
    try:
        _limit_memory(limits.max_memory_mb)
        result = ("ok", _extract_limited(data, limits))
    except PdfTooLarge as exc:
        result = ("too_large", str(exc))
    except PdfTextError as exc:
        result = ("error", str(exc))
    except MemoryError:
        result = ("too_large", f"reading the PDF needs more than {limits.max_memory_mb} MiB "
                               "(raise VEILLE_PDF_MAX_MEMORY_MB to allow more)")
    except RecursionError as exc:
        result = ("error", f"corrupt or unreadable PDF (RecursionError: {exc})")
    try:
        conn.send(result)
    except MemoryError:
        conn.send(("too_large", f"the PDF's text does not fit in {limits.max_memory_mb} MiB"))
    finally:
        conn.close()


def _limit_memory(max_mb: int) -> None:
    try:
        import resource

        cap = max_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, ValueError, OSError):  # no RLIMIT_AS here: time and bytes still hold
        log.debug("RLIMIT_AS not available; PDF memory is not capped")


class _Inflation:
    """Counts the bytes pdfminer's streams decode to and stops a stream that would pass the cap.

    Installed in the child only (it patches pdfminer's module globals): each Flate stream is
    inflated at most to the bytes left (so a bomb never gets to allocate its gigabytes), and
    every decoded stream (LZW, ASCII85, … too) is charged after decoding.
    """

    error = zlib.error

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def _over(self) -> PdfTooLarge:
        return PdfTooLarge(
            f"the PDF's streams decompress to more than {self.limit:,} bytes (a decompression "
            "bomb?); raise VEILLE_PDF_MAX_INFLATED_BYTES to read it"
        )

    def decompress(self, data: bytes, *args, **kwargs) -> bytes:
        room = max(self.limit - self.used, 0)
        inflater = zlib.decompressobj()
        out = inflater.decompress(data, room + 1)
        if len(out) > room:
            raise self._over()
        if not inflater.eof:  # as zlib.decompress: pdfminer then tries decompress_corrupted
            raise zlib.error("incomplete or truncated stream")
        return out

    def decompressobj(self, *args, **kwargs):
        return _BoundedInflater(self, zlib.decompressobj(*args, **kwargs))

    def charge(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise self._over()


class _BoundedInflater:
    def __init__(self, budget: _Inflation, inner) -> None:
        self.budget, self.inner = budget, inner

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        room = max(self.budget.limit - self.budget.used, 0)
        out = self.inner.decompress(data, room + 1)
        if len(out) > room or self.inner.unconsumed_tail:
            raise self.budget._over()
        return out

    def __getattr__(self, name):
        return getattr(self.inner, name)


def _install_inflation_cap(limit: int) -> None:
    from pdfminer import pdftypes

    budget = _Inflation(limit)
    pdftypes.zlib = budget  # the child's own pdfminer: nothing else reads PDFs there
    decode = pdftypes.PDFStream.decode

    def counted_decode(stream) -> None:
        decode(stream)
        budget.charge(len(stream.data or b""))

    pdftypes.PDFStream.decode = counted_decode


def _extract_limited(data: bytes, limits: PdfLimits) -> str:
    _install_inflation_cap(limits.max_inflated_bytes)
    return _extract_text(data, limits.max_pages)


def _extract_text(data: bytes, max_pages: int) -> str:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextBox, LTTextLine
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.psparser import PSException

    pages: list[list[list[list[str]]]] = []
    # boxes_flow=None: text boxes in plain top-to-bottom order (UN documents are single
    # column; the default flow heuristic misplaces short right-aligned Arabic headings)
    try:
        for page in extract_pages(io.BytesIO(data), laparams=LAParams(boxes_flow=None)):
            if len(pages) >= max_pages:
                raise PdfTooLarge(
                    f"PDF has more than {max_pages} pages (raise VEILLE_PDF_MAX_PAGES to read it)"
                )
            boxes: list[list[list[str]]] = []
            for element in page:
                if isinstance(element, LTTextBox):
                    boxes.append(
                        [_line_units(ln) for ln in element if isinstance(ln, LTTextLine)]
                    )
            pages.append(boxes)
    except PDFPasswordIncorrect as exc:
        raise PdfTextError(f"encrypted PDF: a password is required ({exc})") from exc
    except (PdfTextError, MemoryError):
        raise
    except (PSException, ValueError, TypeError, KeyError, IndexError, AttributeError,
            AssertionError, EOFError, OverflowError, ZeroDivisionError) as exc:
        raise _open_error(exc) from exc
    except Exception as exc:  # pdfminer raises assorted types on damaged files
        raise _open_error(exc) from exc

    if not pages:
        raise PdfTextError("corrupt PDF: no pages found")
    all_lines = [ln for boxes in pages for box in boxes for ln in box]
    texts = iter(_lines_to_text(all_lines))
    page_texts = []
    for boxes in pages:
        blocks = []
        for box in boxes:
            block = "\n".join(x for x in (next(texts) for _ in box) if x)
            if block:
                blocks.append(block)
        page_texts.append("\n\n".join(blocks))
    text = _fold_presentation_forms("\f".join(page_texts))
    if not text.replace("\f", "").strip():
        raise PdfTextError(
            f"PDF has no extractable text ({len(pages)} page(s); scanned image? needs OCR)"
        )
    return text
