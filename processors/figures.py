"""People killed, wounded, abducted and displaced, as the text states them (ar, fr, en).

Why: severity and alert rules need the toll, and analysts must see where a number came from,
so each figure keeps the phrase it was read from (`Figures.evidence`).

How, in one pass per text (no dependency on `processors.normalise`, so offsets stay exact and
the cost stays in C: about 0.1 ms for a news item):

1. The text is folded without changing its length (lower case, Arabic alef / taa marbuta /
   alef maqsura forms unified, Arabic-Indic digits made ASCII); Arabic short vowels and
   tatweel are removed from the text and its fold alike. Offsets in the fold are offsets in
   the text, so evidence shows the source's own words. Latin accents stay in the text; the
   lexicon holds every entry with and without them ("tuées", "tuees").
2. One Aho-Corasick automaton per language finds the cue words of `data/figures.yaml`
   ("tués", "killed", "مقتل", "déplacés"…) and the explicit negations ("aucune victime",
   "no casualties", "لم يسفر عن إصابات"), on word boundaries; Arabic cues also behind the
   proclitics و ف ب ل and the article ال.
3. Around each cue a short window is tokenised and the attached number read, written in
   digits ("1 200", "1,200", "١٢", "1,5 million") or words ("vingt-cinq", "twenty",
   "خمسة عشر", "une dizaine", "جنديين"):
   * before the cue ("12 personnes ont été tuées", "30 000 déplacés", "7 قتلى"): between the
     number and the cue only people nouns, auxiliaries and two other words may stand, and a
     people noun must be among them unless the number touches the cue, so "two attacks
     killed 5" gives 5, not 2;
   * after the cue ("killed at least 20 civilians", "مقتل 15 شخصا", "enlèvement de 5
     personnes"): only qualifiers ("au moins", "more than", "ما لا يقل عن") between;
   * a cue read both ways ("killed 20" / "20 killed") takes the number before it when an
     auxiliary shows a passive ("20 civilians were killed"), else the one after.
   A number followed by a unit or a month ("3 days", "12 km", "12 mars", "20 %"), a number
   that looks like a year, and a number that belongs to the next cue ("bilan de 3 blessés")
   is not taken.

Decisions:
* Several figures for one category: the **maximum** is kept, not the sum. A story restates and
  updates its toll ("at least 12 killed … the toll rose to 15"); summing would double count.
  The cost: a report listing separate incidents is under-counted, which errs on the safe side.
* Only counted quantities are figures. An approximation of one number counts at its value
  ("une dizaine" = 10, "une trentaine" = 30, "une centaine" = 100). Plurals of magnitude
  without a number ("des dizaines", "dozens", "عشرات", "hundreds", "des milliers", "الآلاف",
  "hundreds of thousands") are not counts: they give a range in `Figures.approximate`
  (floor twice the unit, ceiling five times the floor: "des dizaines" 20–99, "thousands"
  2,000–9,999), which severity weighs less than a count, and never a figure. Vague words
  ("plusieurs", "several", "عدة") give nothing.
* Background sentences do not count for the reported event: a sentence that places itself in
  the conflict's past ("since 2012", "depuis le début de la crise", "ces dernières années",
  "منذ عام 2012", "over the past decade", "had already", "سبق أن") gives no figure and no
  negation. The markers are processors/background.py's, shared with the event types.
* An explicit negation gives **0** ("aucune victime" → killed 0 and wounded 0; "no one was
  abducted" → abducted 0); a text that says nothing gives None. A number elsewhere wins (max).
* "victimes", "casualties", "ضحايا" with a number count for nothing: the text does not say
  whether they died or were hurt.
* Languages other than ar/fr/en: Arabic script → Arabic rules, else French and English rules
  both, keeping the maximum.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import ahocorasick

from processors.background import Background
from processors.data_files import read_yaml
from veille.schema import Figures

DATA = Path(__file__).parent / "data" / "figures.yaml"
CATEGORIES = ("killed", "wounded", "abducted", "displaced")
LANGS = ("ar", "fr", "en")
WINDOW = (60, 44)
"""Characters read before and after a cue: about the words the rules look at ("au moins une
dizaine de personnes ont été enlevées", "killed at least 20 civilians")."""
MAX_PEOPLE = 50_000_000
"""Larger numbers near a cue are money or misreadings, never people in the Sahel."""
MAX_EVIDENCE = 10

_MARKS = re.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u0640\u06d6-\u06ed\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_TOKEN = re.compile(
    r"(\d{1,3}(?:[ .,]\d{3})+(?!\d)|\d+(?:[.,]\d+)?)"  # 1 200 / 1,200 / 1.200 / 1,5 / 12
    r"|([^\W\d_]+|%)"
    r"|([.;:!?؟،؛()\[\]\n•|\"«»]|,)"
)
_ARABIC = re.compile("[\u0600-\u06ff]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")
_PROCLITICS = "وفبلك"
_AR_NEGATION = re.compile(
    r"(?<![^\W\d_])و?(?:لم\s+(?:يسفر|تسفر|تسجل|يسجل|تقع|يقع|ترد|يرد|تبلغ|يبلغ)|دون|بدون)"
    r"\s+(?:[^\s.،؛:]+\s+){0,4}?(?:ال)?(?:اصابات|ضحايا|خسائر\s+بشريه|قتلي|جرحي)(?![^\W\d_])"
)


def _accent_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0xC0, 0x250):
        base = unicodedata.normalize("NFD", chr(cp))[0]
        if base != chr(cp) and base.isascii() and base.isalpha():
            table[cp] = base.lower()
    return table


_ACCENTS = _accent_table()
_REPLACE = (
    ("\u00a0", " "),
    ("\u202f", " "),
    ("\u2009", " "),
    ("\t", " "),
    ("’", "'"),
    ("ʼ", "'"),
    ("أ", "ا"),
    ("إ", "ا"),
    ("آ", "ا"),
    ("ٱ", "ا"),
    ("ة", "ه"),
    ("ى", "ي"),
    ("٬", ","),
    ("٫", "."),
)
_INDIC = re.compile("[٠-٩۰-۹]")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def fold(text: str) -> str:
    """Length-preserving fold of a text (see module doc); expects no Arabic marks.

    Latin accents are kept (the lexicon holds both spellings): str.translate over a whole
    article costs more than everything else together.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" and a few others lower to two characters
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    for old, new in _REPLACE:
        if old in lowered:
            lowered = lowered.replace(old, new)
    if _INDIC.search(lowered):
        lowered = lowered.translate(_DIGITS)
    return lowered


def _prepare(text: str) -> tuple[str, str]:
    text = unicodedata.normalize("NFC", text)
    if _MARKS.search(text):
        text = _MARKS.sub("", text)
    return text, fold(text)


def _forms(word: object) -> tuple[str, ...]:
    """Spellings of a lexicon entry to look for: as written, and without accents."""
    folded = fold(_MARKS.sub("", unicodedata.normalize("NFC", str(word))))
    return tuple(dict.fromkeys((folded, folded.translate(_ACCENTS))))


@dataclass(frozen=True, slots=True)
class _Cue:
    category: str
    left: bool  # the number may stand before the cue
    right: bool  # the number may stand after the cue


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    cues: tuple[_Cue, ...] = ()
    negated: tuple[str, ...] = ()


# Token kinds of number words and digits.
_D, _U, _H, _M, _AS, _AP, _ART, _CONJ, _OF = "D", "U", "H", "M", "AS", "AP", "ART", "CONJ", "OF"
_NUMERIC = frozenset({_D, _U, _H, _M, _AS, _AP})


class _Lexicon:
    """One language's cues, number words and word classes, folded like the text."""

    def __init__(self, lang: str, data: dict[str, Any]) -> None:
        self.lang = lang
        self.arabic = lang == "ar"
        words = data["numbers"]
        self.numbers: dict[str, tuple[str, float]] = {}
        for kind, key in (
            (_U, "unit"),
            (_H, "hundred"),
            (_M, "multiplier"),
            (_AS, "approx"),
            (_AP, "approx_plural"),
        ):
            for word, value in (words.get(key) or {}).items():
                for form in _forms(word):
                    self.numbers[form] = (kind, float(value))
        for word in data.get("articles") or []:
            for form in _forms(word):
                self.numbers.setdefault(form, (_ART, 1.0))
        self.connectors = self._set(data, "connectors")
        self.of = self._set(data, "of")
        self.persons = self._set(data, "persons")
        self.singular = self._set(data, "persons_singular")
        self.duals = {f: int(v) for w, v in (data.get("duals") or {}).items() for f in _forms(w)}
        self.persons |= set(self.duals)
        self.aux = self._set(data, "aux")
        self.qualifiers = self._set(data, "qualifiers")
        self.units = self._set(data, "units")
        self.before_years = self._set(data, "year_prepositions") | self.units
        self.automaton = self._automaton(data)

    def _set(self, data: dict[str, Any], key: str) -> frozenset[str]:
        return frozenset(f for w in data.get(key) or [] for f in _forms(w))

    def _automaton(self, data: dict[str, Any]) -> ahocorasick.Automaton:
        entries: dict[str, _Hit] = {}
        for category, ways in data["cues"].items():
            if category not in CATEGORIES:
                raise ValueError(f"{DATA}: unknown category {category!r} under {self.lang}.cues")
            for way, phrases in ways.items():
                cue = _Cue(category, "L" in way, "R" in way)
                for phrase in phrases or []:
                    for form in _forms(phrase):
                        hit = entries.setdefault(form, _Hit(0, 0))
                        hit.cues += (cue,)
        for category, phrases in (data.get("negations") or {}).items():
            zeroed = ("killed", "wounded") if category == "casualties" else (category,)
            for phrase in phrases or []:
                for form in _forms(phrase):
                    hit = entries.setdefault(form, _Hit(0, 0))
                    hit.negated += zeroed
        automaton = ahocorasick.Automaton()
        for key, hit in entries.items():
            automaton.add_word(key, (len(key), hit.cues, hit.negated))
        automaton.make_automaton()
        return automaton

    # Word classes; Arabic words are also looked up without their proclitics and article.
    def variants(self, word: str) -> tuple[str, ...]:
        return _arabic_variants(word) if self.arabic else (word,)

    def number(self, word: str) -> tuple[str, float] | None:
        for form in self.variants(word):
            found = self.numbers.get(form)
            if found:
                return found
            if form in self.connectors:
                return (_CONJ, 0.0)
            if form in self.of:
                return (_OF, 0.0)
        return None

    def is_in(self, word: str, words: frozenset[str]) -> bool:
        if not self.arabic:  # one form: no generator per word (tens of words per item)
            return word in words
        return any(form in words for form in _arabic_variants(word))

    def dual(self, word: str) -> int | None:
        for form in self.variants(word):
            if form in self.duals:
                return self.duals[form]
        return None


@cache
def _arabic_variants(word: str) -> tuple[str, ...]:
    forms = [word]
    stem = word
    for _ in range(2):
        if len(stem) > 2 and stem[0] in _PROCLITICS:
            stem = stem[1:]
            forms.append(stem)
    for form in list(forms):
        if len(form) > 3 and form[:2] in ("ال", "لل"):  # the article, or ل + article ("للجنود")
            forms.append(form[2:])
    return tuple(dict.fromkeys(forms))


@cache
def _lexicons() -> dict[str, _Lexicon]:
    data = read_yaml(DATA)
    missing = [lang for lang in LANGS if lang not in (data or {})]
    if missing:
        raise RuntimeError(f"{DATA} has no section for {', '.join(missing)}; restore the file")
    return {lang: _Lexicon(lang, data[lang]) for lang in LANGS}


_NUM, _WORD, _STOP = 1, 2, 3  # token kinds: the number of the group of _TOKEN that matched


class _Token(NamedTuple):
    start: int
    end: int
    kind: int
    text: str


_new_token = tuple.__new__


def _tokens(folded: str, start: int, end: int) -> list[_Token]:
    return [
        _new_token(_Token, (*m.span(), m.lastindex, m.group()))
        for m in _TOKEN.finditer(folded, start, end)
    ]


def _digits(text: str) -> float | None:
    if re.fullmatch(r"\d{1,3}(?:[ .,]\d{3})+", text):
        return float(re.sub(r"[ .,]", "", text))
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _classify(lex: _Lexicon, tok: _Token) -> tuple[str, float] | None:
    """Number kind and value of a token, or None when it plays no part in a number."""
    if tok.kind == _NUM:
        value = _digits(tok.text)
        return (_D, value) if value is not None else None
    if tok.kind == _WORD:
        return lex.number(tok.text)
    return None


def _value(parts: list[tuple[str, float]]) -> tuple[float, bool]:
    """Value of a number written over several tokens, in text order, and whether it is vague.

    Vague: a plural of magnitude with no number before it ("des dizaines", "hundreds of
    thousands", "آلاف"): the value is then the floor of the range (twice the unit)."""
    total, current, previous = 0.0, None, None
    vague = False
    for kind, value in parts:
        if kind in (_D, _U, _ART):
            if kind == _U and value == 20 and previous == 4:  # quatre-vingt(s)
                current = (current or 0) - 4 + 80
            else:
                current = (current or 0) + value
        elif kind == _H:
            current = (current or 1) * value
        elif kind == _M:
            total += (current or 1) * value
            current = None
        elif kind == _AS:
            current = (current or 1) * value
        elif kind == _AP:
            if current:
                total += current * value
                current = None
            else:
                current = 2 * value
                vague = True
        previous = value if kind in (_D, _U) else None
    return total + (current or 0), vague


def _run(lex: _Lexicon, toks: list[_Token], i: int, step: int) -> tuple[int, int, float, bool] | None:
    """The number written around token i, walking in direction `step` (-1 or +1).

    Returns (first index, last index, value) in text order, or None when the run holds no real
    number (an article alone, a connector) or two digit groups side by side ("120 3", which
    PDF extraction of right-to-left text makes of 3 120): better no figure than a wrong one.
    """
    kinds: dict[int, tuple[str, float]] = {}
    j = i
    digits = 0
    while 0 <= j < len(toks):
        found = _classify(lex, toks[j])
        if found is None:
            break
        if found[0] in (_CONJ, _OF):
            # joins two number words only: "vingt et un", "hundreds of thousands"
            nxt = toks[j + step] if 0 <= j + step < len(toks) else None
            after = _classify(lex, nxt) if nxt else None
            if not (j != i and after and after[0] in _NUMERIC | {_ART}):
                break
        elif found[0] == _D:
            digits += 1
            if digits > 1:  # "120 3": digit groups split by a PDF's right-to-left order
                return None
        kinds[j] = found
        j += step
    if not kinds:
        return None
    lo, hi = min(kinds), max(kinds)
    parts = [kinds[k] for k in range(lo, hi + 1)]
    if not any(kind in _NUMERIC for kind, _ in parts):
        return None
    # An Arabic number word may carry a proclitic: "وعشرون" joins "خمسة" in "خمسة وعشرون".
    value, vague = _value(parts)
    if value <= 0 or value > MAX_PEOPLE:
        return None
    return lo, hi, value, vague


def _year_like(lex: _Lexicon, toks: list[_Token], lo: int, hi: int, value: float) -> bool:
    if lo != hi or toks[lo].kind != _NUM or not (1900 <= value <= 2100) or len(toks[lo].text) != 4:
        return False
    before = toks[lo - 1] if lo > 0 else None
    after = toks[hi + 1] if hi + 1 < len(toks) else None
    if after is not None and after.kind == _WORD and lex.is_in(after.text, lex.persons):
        return False
    return before is None or before.kind != _WORD or lex.is_in(before.text, lex.before_years)


def _followed_by_unit(lex: _Lexicon, toks: list[_Token], hi: int) -> bool:
    nxt = toks[hi + 1] if hi + 1 < len(toks) else None
    return nxt is not None and nxt.kind == _WORD and lex.is_in(nxt.text, lex.units)


@dataclass(slots=True)
class _Found:
    value: int
    start: int  # in the text
    end: int
    passive: bool = False
    vague: bool = False  # "des dizaines", "thousands": a range, not a count


def _before(lex: _Lexicon, toks: list[_Token], cue_start: int) -> _Found | None:
    """The number standing before a cue: "12 personnes ont été tuées", "30 000 déplacés"."""
    person = passive = False
    unknown = 0
    i = len(toks) - 1
    while i >= 0 and len(toks) - i <= 9:
        tok = toks[i]
        if tok.kind == _STOP:
            return None
        found = _classify(lex, tok)
        if found is not None and found[0] not in (_CONJ, _OF):
            if found[0] == _ART:
                if person and i + 1 < len(toks) and _classify(lex, toks[i + 1]) is None:
                    return _Found(1, tok.start, cue_start, passive)
                if lex.lang == "fr" and i == len(toks) - 1:  # "un mort", "un blessé"
                    return _Found(1, tok.start, cue_start, passive)
                return None
            run = _run(lex, toks, i, -1)
            if run is None:
                return None
            lo, hi, value, vague = run
            if _followed_by_unit(lex, toks, hi) or _year_like(lex, toks, lo, hi, value):
                return None
            if person or unknown == 0:
                return _Found(int(value), toks[lo].start, cue_start, passive, vague)
            return None
        word = tok.text
        if tok.kind == _WORD:
            dual = lex.dual(word)
            if dual:
                return _Found(dual, tok.start, cue_start, passive)
            if lex.is_in(word, lex.persons):
                person = True
            elif lex.is_in(word, lex.aux):
                passive = True
            elif lex.is_in(word, lex.of):
                pass
            elif lex.is_in(word, lex.connectors):
                return None  # "12 morts et blessés": the 12 is the dead's
            else:
                unknown += 1
                if unknown > 2:
                    return None
        i -= 1
    return None


def _after(
    lex: _Lexicon, toks: list[_Token], cue_end: int, category: str, hits: dict[int, _Hit]
) -> _Found | None:
    """The number standing after a cue: "tuant au moins 12 civils", "مقتل 15 شخصا"."""
    unknown = 0
    for i, tok in enumerate(toks[:9]):
        if tok.kind == _STOP:
            return None
        found = _classify(lex, tok)
        if found is not None and found[0] not in (_CONJ, _OF):
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if found[0] == _ART and not (nxt and _classify(lex, nxt)):
                if nxt is not None and nxt.kind == _WORD and lex.is_in(nxt.text, lex.singular):
                    return _Found(1, cue_end, nxt.end)
                continue  # "an estimated", "a further"
            run = _run(lex, toks, i, +1)
            if run is None:
                return None
            lo, hi, value, vague = run
            if _followed_by_unit(lex, toks, hi) or _year_like(lex, toks, lo, hi, value):
                return None
            end = toks[hi].end
            if _belongs_to_next_cue(lex, toks, hi, category, hits):
                return None
            if (
                hi + 1 < len(toks)
                and toks[hi + 1].kind == _WORD
                and lex.is_in(toks[hi + 1].text, lex.persons)
            ):
                end = toks[hi + 1].end
            return _Found(int(value), cue_end, end, vague=vague)
        if tok.kind != _WORD:
            continue
        if i == 0 and lex.arabic:
            dual = lex.dual(tok.text)
            if dual:
                return _Found(dual, cue_end, tok.end)
            if lex.is_in(tok.text, lex.singular):  # "مقتل جندي" = one soldier killed
                return _Found(1, cue_end, tok.end)
        if tok.start in hits:  # another cue: "killed and wounded 12" is nobody's
            return None
        if lex.is_in(tok.text, lex.qualifiers) or lex.is_in(tok.text, lex.of):
            continue
        unknown += 1
        if not lex.arabic or unknown > 1:  # Arabic verb-first: "قتل مسلحون 20 مدنيا"
            return None
    return None


def _belongs_to_next_cue(
    lex: _Lexicon, toks: list[_Token], hi: int, category: str, hits: dict[int, _Hit]
) -> bool:
    """True in "bilan de 3 blessés": the 3 is the wounded's, not the dead's."""
    for tok in toks[hi + 1 : hi + 4]:
        hit = hits.get(tok.start)
        if hit is not None:
            return any(c.left and c.category != category for c in hit.cues) and not any(
                c.category == category for c in hit.cues
            )
        if tok.kind != _WORD or not lex.is_in(tok.text, lex.persons):
            return False
    return False


def _letter(ch: str) -> bool:
    return ch.isalpha() or ch.isdigit()


def _hits(lex: _Lexicon, folded: str) -> dict[int, _Hit]:
    """Cue and negation matches on word boundaries, longest first; keyed by start offset."""
    found: dict[int, _Hit] = {}
    for end_index, (length, cues, negated) in lex.automaton.iter(folded):
        start, end = end_index - length + 1, end_index + 1
        if end < len(folded) and _letter(folded[end]):
            continue
        word_start = start
        if start > 0 and _letter(folded[start - 1]):
            if not lex.arabic:
                continue
            word_start = _arabic_word_start(folded, start)
            if word_start is None:
                continue
        best = found.get(word_start)
        if best is None or best.end - word_start < end - word_start:
            found[word_start] = _Hit(word_start, end, cues, negated)
    # Drop matches inside a longer one ("la mort de" wins over "mort de").
    kept: dict[int, _Hit] = {}
    last_end = -1
    for word_start in sorted(found, key=lambda s: (s, -found[s].end)):
        hit = found[word_start]
        if word_start < last_end:
            continue
        kept[word_start] = hit
        last_end = hit.end
    return kept


def _arabic_word_start(folded: str, start: int) -> int | None:
    """Start of the word when only proclitics (and ال) precede the cue inside it, else None."""
    i = start
    if folded[max(0, i - 2) : i] == "ال":
        i -= 2
    for _ in range(2):
        if i > 0 and folded[i - 1] in _PROCLITICS:
            i -= 1
    if i > 0 and _letter(folded[i - 1]):
        return None
    return i


def _evidence(text: str, start: int, end: int) -> str:
    return " ".join(text[start:end].split())[:160]


def _range_of(low: int) -> tuple[int, int]:
    """A vague quantity's range from its floor: "des dizaines" 20–99, "thousands" 2,000–9,999."""
    return low, low * 5 - 1


def _extract(
    lex: _Lexicon, text: str, folded: str, best: dict[str, int], evidence: list[str],
    vague: dict[str, int],
) -> None:
    hits = _hits(lex, folded)
    negations = lex.arabic and ("لم" in folded or "دون" in folded)
    # The background sentences matter only where a cue gives a figure or a negation: only
    # those sentences are read (most hits give nothing). Skipping a hit after reading it is
    # what skipping it before did.
    in_background = Background("", lex.lang, folded=folded).in_background

    for hit in hits.values():
        if hit.negated and in_background(hit.start):
            continue
        for category in hit.negated:
            best.setdefault(category, 0)
            evidence.append(_evidence(text, hit.start, hit.end))
        if not hit.cues:
            continue
        # Each side is tokenised only when a cue reads it, and apart: the cue's own words are
        # in neither, and a cue starts and ends on a word boundary, so no token crosses it.
        left = (_tokens(folded, max(0, hit.start - WINDOW[0]), hit.start)
                if any(cue.left for cue in hit.cues) else [])
        right = (_tokens(folded, hit.end, min(len(folded), hit.end + WINDOW[1]))
                 if any(cue.right for cue in hit.cues) else [])
        for cue in hit.cues:
            before = _before(lex, left, hit.start) if cue.left else None
            after = _after(lex, right, hit.end, cue.category, hits) if cue.right else None
            chosen = before if before and (before.passive or after is None) else after or before
            if chosen is None:
                continue
            if in_background(hit.start):
                break
            start, end = min(chosen.start, hit.start), max(chosen.end, hit.end)
            if chosen.vague:
                vague[cue.category] = max(vague.get(cue.category, 0), chosen.value)
            else:
                best[cue.category] = max(best.get(cue.category, 0), chosen.value)
            evidence.append(_evidence(text, start, end))
    if negations:
        for m in _AR_NEGATION.finditer(folded):
            if in_background(m.start()):
                continue
            best.setdefault("killed", 0)
            best.setdefault("wounded", 0)
            evidence.append(_evidence(text, m.start(), m.end()))


def extract_figures(text: str, lang: str) -> Figures:
    """Figures of people killed, wounded, abducted and displaced stated in `text`.

    `lang` is the item's language code ("ar", "fr", "en"; anything else is guessed from the
    script). Categories the text does not mention are None; explicit negations are 0.
    """
    if not text:
        return Figures()
    text, folded = _prepare(text)
    lexicons = _lexicons()
    if lang in lexicons:
        chosen = [lexicons[lang]]
    elif len(_ARABIC.findall(folded[:2000])) > len(_LATIN.findall(folded[:2000])):
        chosen = [lexicons["ar"]]
    else:
        chosen = [lexicons["fr"], lexicons["en"]]
    best: dict[str, int] = {}
    vague: dict[str, int] = {}
    evidence: list[str] = []
    for lex in chosen:
        _extract(lex, text, folded, best, evidence, vague)
    approximate = {cat: _range_of(low) for cat, low in vague.items() if cat not in best}
    return Figures(**best, approximate=approximate, evidence=list(dict.fromkeys(evidence))[:MAX_EVIDENCE])
