"""Background sentences: the past of the conflict or of a place, not the reported event.

A news item tells its event and then, often, what came before: "Depuis 2012, les violences
ont fait des milliers de morts", "the village had already been attacked in 2019", "وكانت
القرية قد تعرضت لهجوم العام الماضي". Such a sentence gives no figure (processors/figures.py)
and its event words count for little (processors/labels.py): both ask this module.

A sentence is background when it holds a marker of the past or of a trend:

* the conflict's past or a period: "since 2012", "over the past decade", "depuis le début
  de la crise", "ces dernières années", "منذ عام 2012", "خلال السنوات الماضية";
* an earlier incident: "had already", "had previously", "in a previous attack", "years
  ago", "avait déjà", "la dernière attaque remonte à", "une précédente attaque", "il y a
  cinq ans", "سبق أن", "قبل سنوات". Not "last year" / "l'an dernier" / "العام الماضي": an
  annual report counts its period with them ("78 children were abducted last year"), and
  a count for a report's period is an event (tests/eval/README.md, "Labelling rules");
* the conflict as a whole: "the violence has…", "(à travers) le Sahel", "عبر منطقة الساحل";
* a year at least two years before the item's (``year``, from its publication date when
  known): "in 2019" in a 2023 report.

Markers are matched on a fold of the text that keeps its length (lower case, Arabic alef,
taa marbuta and alef maqsura forms unified), so spans are offsets in the text itself.
A sentence ends at . ! ? ؟ or a line break.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_REPLACE = (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"), ("ة", "ه"), ("ى", "ي"), ("’", "'"),
            ("ʼ", "'"), ("\u00a0", " "), ("\u202f", " "), ("\u2009", " "), ("\t", " "))
_INDIC = re.compile("[٠-٩۰-۹]")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Written folded (lower case; Arabic ة→ه, ى→ي, أ/إ/آ→ا).
_MARKERS = {
    "en": re.compile(
        r"\b(?:since (?:19|20)\d\d\b|since the (?:start|beginning|outbreak|onset) of|in recent years"
        r"|over the (?:past|last) (?:\w+ )?(?:years|decades?)|over the years|(?:for|in) (?:more than |over |nearly |almost )?a decade"
        r"|decade-long|years-long|(?:19|20)\d\d (?:insurgency|crisis|rebellion|uprising|conflict|coup)"
        r"|(?:the|this|that) (?:violence|conflict|insurgency|crisis|unrest|war) (?:has|have|had)\b"
        r"|(?:across|throughout) the (?:sahel|region)\b"
        r"|had already|had previously|(?:has|have) already been|in (?:a|an) (?:previous|earlier|similar) (?:attack|incident|raid)"
        r"|years ago\b|in the past\b)"),
    "fr": re.compile(
        r"\b(?:depuis (?:19|20)\d\d\b|depuis (?:le début|le debut|le déclenchement|le declenchement|l'éclatement|l'eclatement) d"
        r"|depuis des années|depuis des annees|ces dernières années|ces dernieres annees|au cours des dernières années"
        r"|au fil des ans|depuis (?:plus d'|près d'|pres d')?une décennie|depuis (?:plus d'|près d'|pres d')?une decennie"
        r"|crise de (?:19|20)\d\d|rébellion de (?:19|20)\d\d|rebellion de (?:19|20)\d\d"
        r"|(?:les|ces) violences (?:ont|avaient)\b|(?:le|ce) conflit a\b|(?:la|cette) crise a\b"
        r"|(?:à travers|a travers|dans tout) le sahel"
        r"|(?:avait|avaient|était|étaient|etait|etaient|a|ont) déjà|(?:avait|avaient|a|ont) deja"
        r"|remonte à|remonte a|(?:une|la|lors d'une|lors de la) (?:précédente|precedente) attaque"
        r"|il y a (?:\w+ )?ans\b|par le passé|par le passe)"),
    "ar": re.compile(
        r"(?:منذ (?:عام |العام )?(?:19|20)\d\d|منذ سنوات|منذ بدايه|منذ اندلاع|خلال السنوات (?:الماضيه|الاخيره)"
        r"|في السنوات الاخيره|منذ (?:اكثر من |نحو )?عقد"
        r"|(?:العنف|الصراع|النزاع) (?:الذي|الذى) (?:اسفر|خلف|اودي)|عبر منطقه الساحل|في انحاء منطقه الساحل"
        r"|سبق ان|سبق وان|سبق ل"
        r"|قبل (?:\S+ )?سنوات|في الماضي)"),
}
# A year said as a date of something: "in 2019", "en 2019", "في 2019", "عام 2019", "the 2019 …".
_YEAR = {
    "en": re.compile(r"\b(?:in|of|since|the|early|late|mid-?) ((?:19|20)\d\d)\b"),
    "fr": re.compile(r"\b(?:en|de|depuis|du|début|fin|mi-) ?((?:19|20)\d\d)\b"),
    "ar": re.compile(r"(?:في|عام|العام|سنه|منذ) ((?:19|20)\d\d)\b"),
}
_SENTENCE_END = re.compile(r"[.!?؟\n]")
_ENDS = ".!?؟\n"


def fold(text: str) -> str:
    """Lower case and unified Arabic letter forms; the same length as `text`."""
    folded = text.lower()
    if len(folded) != len(text):  # "İ" and a few others lower to two characters
        folded = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    for old, new in _REPLACE:  # str.translate over a whole article costs ten times more
        if old in folded:
            folded = folded.replace(old, new)
    return folded.translate(_DIGITS) if _INDIC.search(folded) else folded


def background_spans(folded: str, lang: str, year: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of the sentences of `folded` (see `fold`) that tell the background rather
    than the event: from the sentence's start to its end, in the language's rules ("ar", "fr",
    "en"; any other: none). `year`: the item's year, when known; a sentence dating something
    at least two years earlier is background."""
    pattern = _MARKERS.get(lang)
    if pattern is None:
        return []
    starts = [m.start() for m in pattern.finditer(folded)]
    if year is not None:
        starts.extend(m.start() for m in _YEAR[lang].finditer(folded) if int(m.group(1)) <= year - 2)
    spans: list[tuple[int, int]] = []
    for at in sorted(starts):
        if spans and at < spans[-1][1]:
            continue  # already in a background sentence
        spans.append((_sentence_start(folded, at), _sentence_end(folded, at)))
    return spans


def _sentence_start(folded: str, at: int) -> int:
    """Where the sentence holding offset `at` starts."""
    return max(folded.rfind(c, 0, at) for c in _ENDS) + 1


def _sentence_end(folded: str, at: int) -> int:
    """Where the sentence holding offset `at` ends (its end mark excluded)."""
    end_match = _SENTENCE_END.search(folded, at)
    return end_match.start() if end_match else len(folded)


_WITHIN_SENTENCE = frozenset({"en", "fr"})
r"""Languages whose markers (and year patterns) never hold a sentence end, so each sentence can
be read on its own: an offset is in background exactly when a marker starts in its sentence
(background_spans' spans run from the sentence start to its end). The Arabic
`قبل (?:\S+ )?سنوات` can cross a full stop: Arabic text is read whole, as background_spans does."""


class Background:
    """The background sentences of one text: `in_background(offset)` for an offset in it.

    Only the sentences asked about are read (in the languages of `_WITHIN_SENTENCE`): most
    phrases that need the answer stand in a few sentences of a long text, and the markers'
    regexes cost per character. `folded`: the text already folded (same length), if at hand."""

    __slots__ = ("_folded", "_lang", "_year", "_starts", "_ends", "_sentences")

    def __init__(self, text: str, lang: str, year: int | None = None,
                 folded: str | None = None) -> None:
        self._folded = folded if folded is not None else (fold(text) if text else "")
        self._lang, self._year = lang, year
        self._starts: list[int] | None = None  # whole-text spans, when read whole
        self._ends: list[int] = []
        self._sentences: dict[int, bool] = {}  # sentence start -> background

    def _whole(self) -> list[int]:
        if self._starts is None:
            spans = background_spans(self._folded, self._lang, self._year) if self._folded else []
            self._starts = [s for s, _ in spans]
            self._ends = [e for _, e in spans]
        return self._starts

    def __bool__(self) -> bool:
        return bool(self._whole())

    def in_background(self, offset: int) -> bool:
        folded, lang = self._folded, self._lang
        if lang not in _WITHIN_SENTENCE or self._starts is not None:
            i = bisect_right(self._whole(), offset) - 1
            return i >= 0 and offset < self._ends[i]
        if not 0 <= offset < len(folded) or folded[offset] in _ENDS:
            return False  # a sentence end belongs to no span
        start = _sentence_start(folded, offset)
        known = self._sentences.get(start)
        if known is not None:
            return known
        end = _sentence_end(folded, offset)
        found = _MARKERS[lang].search(folded, start, end) is not None
        if not found and self._year is not None:
            found = any(int(m.group(1)) <= self._year - 2
                        for m in _YEAR[lang].finditer(folded, start, end))
        self._sentences[start] = found
        return found
