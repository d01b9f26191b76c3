"""Per-language normalisation, so that a lexicon phrase and the text it should find meet.

Classifiers match phrases on *normalised tokens*, never on raw strings: "l'Attaque", "attaques"
and "attaqué" must meet the lexicon's "attaque", "وبالقرب" must meet "قرب". The same
deterministic functions normalise the text and the lexicon phrases, so light rules applied on
both sides still line up. Every token keeps its character offsets in the original text, so
evidence shows the words as the source wrote them.

Two levels:

* ``fold``: case, accents, Arabic orthography (diacritics, tatweel, alef/hamza forms, taa
  marbuta, alef maqsura, Persian letter variants, presentation forms from PDFs), Arabic-Indic
  digits, French elision (l' d' qu'…), English 's and n't, Arabic clitic prefixes
  (و ف ب ك ل and ال). For names (places, organisations): no stemming.
* ``stem``: fold + a stemmer: snowball french/english; for Arabic our own light suffix
  stemmer (see `_arabic_light_stem` for why not snowball's).

Rules are chosen per token by script: an Arabic-script token gets the Arabic rules in any
text; a Latin token gets the rules of the text's language (fr, en), or generic rules (fold,
French elision, English 's, no stemmer) when the language is unknown (``und``, ``bm``…).

Sentence breaks (. ! ? ; … • a blank line…) are tokens too, with an empty ``norm``: a phrase
never matches across them and callers can tell sentences apart.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate, compress, count

import snowballstemmer

from veille.schema import primary_language

LEVELS = ("fold", "stem")
RULES = ("ar", "fr", "en", "und")
"""Rule sets: the three languages we label, and the generic rules for every other one."""

SEP = "\x1f"
"""Joins norms into one string for the matcher; no token can contain it."""

BREAK = ""
"""The norm of a sentence-break token."""

_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u00ad\u200c\u200d"
_W = rf"[\w{_MARKS}]"
_APOS = "'’ʼ‘"
# The first character is read by one class, so the regex engine skips the spaces between
# tokens in C; what follows depends on it (a look back at that one character). The same
# tokens as the plain alternation  \d+(?:[.,٫٬]\d+)+ | (?:[^\W\d_]\.){2,} | [^\W_]…  tried
# in this order, about a fifth faster.
_TOKEN_RE = re.compile(
    rf"[\w.!?؟;؛…•۔\n](?:"
    rf"(?<=\d)\d*(?:[.,٫٬]\d+)+"  # 2.5, 1,000, ٣٫٥: the separator is no sentence break
    rf"|(?<=[^\W\d_])\.(?:[^\W\d_]\.)+"  # U.S., N.U.: acronyms with dots
    rf"|(?<=[^\W_]){_W}*(?:[{_APOS}]{_W}+)*"  # words, with inner apostrophes (l'attaque, don't)
    rf"|(?<=[.!?؟;؛…•۔])[.!?؟;؛…•۔]*|(?<=\n)\s*\n)"  # sentence breaks (not one newline)
)
_SPLIT_RE = re.compile(f"({_TOKEN_RE.pattern})")
"""The same tokens, cut out by `re.split`: the text between them comes along, so their offsets
are running sums of lengths (no `re.Match` object per token; see `_tokenise`)."""
_BREAK_RE = re.compile(r"[.!?؟;؛…•۔]+|\n\s*\n")
_NUMBER_RE = re.compile(r"[\d.,٫٬]+")
_ARABIC_RE = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")

# Deleted: combining marks (accents, harakat, hamza above/below, madda), tatweel, joiners,
# soft hyphens. Mapped: letters with several written forms, and every digit to ASCII.
_FOLD_TABLE: dict[int, str | None] = {
    cp: None
    for lo, hi in ((0x0300, 0x036F), (0x0610, 0x061A), (0x064B, 0x065F), (0x06D6, 0x06ED))
    for cp in range(lo, hi + 1)
}
_FOLD_TABLE.update({cp: None for cp in (0x0670, 0x0640, 0x00AD, 0x200C, 0x200D, 0x200E, 0x200F)})
_FOLD_TABLE.update(str.maketrans({
    "ة": "ه", "ى": "ي", "ٱ": "ا", "ک": "ك", "ی": "ي", "ۀ": "ه", "ڤ": "ف", "ڨ": "ق", "گ": "ك",
    "پ": "ب", "چ": "ج", "œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "ı": "i",
    "’": "'", "ʼ": "'", "‘": "'",
}))
_FOLD_TABLE.update({0x0660 + d: str(d) for d in range(10)})
_FOLD_TABLE.update({0x06F0 + d: str(d) for d in range(10)})

_ELISION_RE = re.compile(r"(?:[ldjmntsc]|qu|jusqu|lorsqu|puisqu|quoiqu)['’ʼ‘](?=\w)", re.I)
_AR_PREFIXES = "وفبكل"
_AR_MIN_AFTER_LETTER = 3  # و ف ب ك ل come off only if 3 letters remain: بغاو → غاو, not بلد → لد
_AR_MIN_AFTER_ARTICLE = 2  # ال comes off only if 2 letters remain: الف (thousand) stays
# Words (folded; or their light stem) whose first letter looks like a clitic but belongs to the
# word: stripping it would make them collide with other words (فساد "corruption" → ساد
# "prevailed", فدية "ransom" and بلدية "municipality" → ديه). Stripping stops at them, so
# "والفساد" and "بالفساد" still come down to فساد. Add a word here when a lexicon term collides.
_AR_KEEP_WORDS = """
    وزير وزار وفا وكال ولاي وحد وثيق وجود واقع وادي وباء وساط وقوع وطني وطن
    فساد فدي فريق فرنسا فتر فصيل فيضان فيروس فرار فلسطين فعال فاعل فيلق
    بلدي بلاد بلدان بعث برلمان برنامج بيان بنك بناء بحث بيوت بشر بطاق بداي بروتوكول
    كتيب كمين كمينا كنيس كوليرا كورونا كوفيد كلم كبير كبري كامل كونفدرال
    لجن لاجي لقاح لقاء لواء لوايح ليبيا لبنان
"""
_AR_KEEP = frozenset(_AR_KEEP_WORDS.split())
_AR_PRONOUNS = ("هما", "هم", "هن", "ها", "كم")  # not نا: كورونا would become كورو (Koro)
_AR_PLURALS = ("ات", "ون", "ين", "وا")

# Where a stemmer merges words that news must keep apart, the form to use instead (it applies
# to lexicon and text alike): French armée (army) vs armés (armed), arme (weapon)…
_STEM_EXCEPTIONS: dict[str, dict[str, str]] = {
    "fr": {
        **dict.fromkeys(("armée", "armées"), "armee"),  # army; armés (armed), arme (weapon)
        **dict.fromkeys(("affrontement", "affrontements"), "affrontement"),  # affronter (face)
        **dict.fromkeys(("tuerie", "tueries"), "tuerie"),  # tuer (to kill)
        **dict.fromkeys(("exaction", "exactions"), "exaction"),  # exact, exactement
        **dict.fromkeys(("islamiste", "islamistes"), "islamiste"),  # islam, islamique
        **dict.fromkeys(("extrémiste", "extrémistes"), "extremiste"),  # extrême
        **dict.fromkeys(("déplacement", "déplacements"), "deplacement"),  # déplacés (displaced)
        **dict.fromkeys(("constitution", "constitutions"), "constitution"),  # constitue
        **dict.fromkeys(("constitutionnel", "constitutionnelle", "constitutionnels",
                         "constitutionnelles"), "constitutionnel"),
        "vivres": "vivres",  # food rations; vivre (to live)
        "manifestement": "manifestement",  # obviously; manifestation
        "gouvernance": "gouvernance",  # gouvernement
        "sans": "sans",  # San (a town in Mali)
    },
    "en": {
        "accountability": "accountability",  # account (taking into account)
        "reportedly": "reportedly",  # a hedge; report
        "according": "according",  # "according to"; accord (agreement)
        "governance": "governance",  # government
        "immunity": "immunity",  # immunisation
        **dict.fromkeys(("constitution", "constitutions"), "constitution"),  # constitutes
        "constitutional": "constitutional",
        **dict.fromkeys(("demonstrate", "demonstrated", "demonstrates", "demonstrating"),
                        "demonstrate"),  # demonstrations (protests)
    },
}
_MIN_STEM = 3  # a shorter stem is too ambiguous (IEDs → "i", tués → "tu"): keep the word

# snowballstemmer returns PyStemmer's C stemmer when it is installed (a dependency): the same
# Snowball algorithms and stems (checked on every word of the eval sets, lexicons and
# gazetteer), a word not yet in the caches stemmed in ~1 µs instead of ~20 µs.
_STEMMERS = {
    "fr": snowballstemmer.stemmer("french"),
    "en": snowballstemmer.stemmer("english"),
}


@dataclass(frozen=True, slots=True)
class Token:
    """A word (or a sentence break, norm ``""``) with its offsets in the original text."""

    norm: str
    start: int
    end: int


class TokenList(list):
    """The tokens of one text, remembering the rules and level that made them (the matcher
    needs both to pick the right phrases)."""

    def __init__(self, toks: list[Token], lang: str, level: str) -> None:
        super().__init__(toks)
        self.lang = lang
        self.level = level


def rules_for(lang: str | None) -> str:
    """The rule set for a language code: ar, fr, en (also fr-FR, EN…), else und."""
    code = primary_language(lang) or "und"
    return code if code in RULES else "und"


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"unknown normalisation level {level!r}; use one of {', '.join(LEVELS)}")


def _is_arabic(word: str) -> bool:
    return _ARABIC_RE.search(word) is not None


def _strip_clitics(word: str) -> str:
    """Strips و ف ب ك ل and ال from the front, one at a time, while enough letters remain.

    Repeating the same rule until it stops makes it consistent: for a clitic p and a word x
    of at least 3 letters, f(p + x) == f(x) ("وباماكو", "بباماكو", "باماكو" all end up as
    "اماكو"), so names that begin with a clitic letter still meet themselves. The price: the
    norm of such a name is not a word ("اماكو"), which is fine for matching, except where two
    words collide: `_AR_KEEP` stops the stripping at those.
    """
    i = 0
    n = len(word)
    while True:
        rest = word[i:]
        if rest in _AR_KEEP or _arabic_light_stem(rest) in _AR_KEEP:
            return rest
        if word.startswith("ال", i) and n - i - 2 >= _AR_MIN_AFTER_ARTICLE:
            i += 2
        elif i < n and word[i] in _AR_PREFIXES and n - i - 1 >= _AR_MIN_AFTER_LETTER:
            i += 1
        else:
            return word[i:]


def _arabic_light_stem(word: str) -> str:
    """Light suffix stemming of a folded Arabic word (clitic prefixes already off).

    Measured against snowball's arabic stemmer on news words, ours is more consistent:
    snowball gives هجمات→هجما, اشتباكات→اشتباكا but اشتباك→اشتب, غارات→غارا but غارة→غار,
    مظاهرات→مظاهرا but مظاهرة→مظاهر, فرنسا→رنس; ours gives هجم, اشتباك (both), غار (both),
    مظاهر (both), فرنسا unchanged. Steps, each at most once, keeping a stem of 3+ letters:
    attached pronoun (ها هم هن هما كم), plural/verb ending (ات ون ين وا), taa marbuta or
    pronoun ه, then nisba ي only when 4 letters remain (عسكري→عسكر but مدني stays, so
    civilians مدنيين→مدني do not become cities مدن).
    """
    for group in (_AR_PRONOUNS, _AR_PLURALS):
        for suffix in group:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
    if word.endswith("ه") and len(word) > 3:
        word = word[:-1]
    if word.endswith("ي") and len(word) > 4:
        word = word[:-1]
    return word


def _latin_surface_rules(word: str, rules: str) -> str:
    """Elision, possessive and negative contraction of a lower-cased Latin word."""
    if rules in ("fr", "und"):
        m = _ELISION_RE.match(word)
        if m:
            word = word[m.end():]
    if rules in ("en", "und"):
        if word.endswith(("n't", "n’t")) and len(word) > 3:
            return "not"
        if word.endswith(("'s", "’s")) and len(word) > 2:
            word = word[:-2]
    return word


def _fold_chars(word: str) -> str:
    if word.isascii():
        return word
    return unicodedata.normalize("NFKD", word).translate(_FOLD_TABLE)


def normalise_word(word: str, lang: str, level: str = "stem") -> str:
    """The norm of one word under the rules of `lang` (a code; see `rules_for`)."""
    return _cache(rules_for(lang), level)[word]


class _NormCache(dict):
    """word → norm for one (rules, level); computes on a miss. Bounded: news vocabularies
    are Zipfian, so a plain clear when full costs little."""

    LIMIT = 300_000

    def __init__(self, rules: str, level: str) -> None:
        super().__init__()
        self.rules = rules
        self.stem = level == "stem"

    def __missing__(self, word: str) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        norm = self[word] = self._compute(word)
        return norm

    def _compute(self, word: str) -> str:
        if _BREAK_RE.fullmatch(word):
            return BREAK
        if _NUMBER_RE.fullmatch(word):  # no letters: nothing to stem (and numbers are many)
            return word.translate(_FOLD_TABLE)
        if _is_arabic(word):
            norm = _strip_clitics(_fold_chars(word))
            if self.stem:
                norm = _arabic_light_stem(norm)
        else:
            lowered = _latin_surface_rules(word.casefold().translate(_APOS_TABLE), self.rules)
            stemmer = _STEMMERS.get(self.rules) if self.stem else None
            if stemmer is not None:
                # snowball's French rules read accents (é, è), so stem first, fold after.
                exception = _STEM_EXCEPTIONS[self.rules].get(lowered)
                stem = exception or stemmer.stemWord(lowered)
                if len(stem) >= _MIN_STEM or len(stem) == len(lowered):
                    lowered = stem
            norm = _fold_chars(lowered)
        return norm or "_"  # a word of marks only: a token, not a sentence break


_APOS_TABLE = str.maketrans({"’": "'", "ʼ": "'", "‘": "'"})


@cache
def _cache(rules: str, level: str) -> _NormCache:
    _check_level(level)
    return _NormCache(rules, level)


class Analysis:
    """One text tokenised and normalised under one (rules, level): what matchers scan.

    Built once per text and shared (see `analyse`): places, organisations and labels all look
    at the same text. Offsets are computed only when asked for (`span`).
    """

    __slots__ = ("text", "rules", "level", "norms", "joined", "_offsets", "_raw", "_breaks", "_words")

    def __init__(self, text: str, rules: str, level: str) -> None:
        self.text = text
        self.rules = rules
        self.level = level
        # token i is text[_offsets[2 * i]:_offsets[2 * i + 1]]; _raw: the tokens' text (None
        # for tokens given by a caller, whose offsets are taken as given)
        self._offsets, words = _tokenise(text)
        self._raw: list[str] | None = words
        self.norms: list[str] = list(map(_cache(rules, level).__getitem__, words))
        self.joined = SEP + SEP.join(self.norms) + SEP
        self._breaks: list[int] | None = None
        self._words: list[str] | None = None

    @classmethod
    def from_tokens(cls, toks: list[Token], text: str, rules: str, level: str) -> Analysis:
        an = cls.__new__(cls)
        an.text, an.rules, an.level = text, rules, level
        an._offsets = [offset for t in toks for offset in (t.start, t.end)]
        an._raw = None
        an.norms = [t.norm for t in toks]
        an.joined = SEP + SEP.join(an.norms) + SEP
        an._breaks = None
        an._words = None
        return an

    def span(self, i: int) -> tuple[int, int]:
        """Offsets of token i in the text (after an elided article: "l'UA" → "UA")."""
        start, end = self._offsets[2 * i], self._offsets[2 * i + 1]
        if self.rules in _ELIDING and self._raw is not None:  # given tokens: as given
            return start + _ELIDED[self._raw[i]], end
        return start, end

    def words(self) -> list[str]:
        """The text of every token, as `span` cuts it (a list made once per analysis)."""
        if self._words is None:
            if self.rules not in _ELIDING and self._raw is not None:
                self._words = list(self._raw)  # = the text at `span`
            else:
                text = self.text
                self._words = [text[s:e] for s, e in map(self.span, range(len(self.norms)))]
        return self._words

    @property
    def breaks(self) -> list[int]:
        """Indices of the sentence-break tokens, ascending."""
        if self._breaks is None:
            self._breaks = list(compress(count(), map(BREAK.__eq__, self.norms)))
        return self._breaks

    def tokens(self) -> TokenList:
        return TokenList(
            [Token(norm, *self.span(i)) for i, norm in enumerate(self.norms)],
            self.rules, self.level,
        )


_ELIDING = ("fr", "und")
"""The rule sets whose tokens may begin with an elided article (l', d', qu'…)."""


class _Elided(dict):
    """word → length of its elided article (0 without one), computed once per word."""

    LIMIT = 100_000

    def __missing__(self, word: str) -> int:
        if len(self) >= self.LIMIT:
            self.clear()
        e = _ELISION_RE.match(word)
        cut = self[word] = e.end() if e and len(word) > e.end() else 0
        return cut


_ELIDED = _Elided()


@lru_cache(maxsize=16)
def _tokenise(text: str) -> tuple[list[int], list[str]]:
    """The token offsets of `text` (token i from `[2 * i]` to `[2 * i + 1]`) and their words:
    the same at every level and for every rule set, so the fold and stem analyses of a text
    run the regex once. `re.split` gives the tokens and the text between them, so the offsets
    are running sums of lengths at C speed: ~2.5 times faster than one `re.Match` per token."""
    parts = _SPLIT_RE.split(text)
    return list(accumulate(map(len, parts))), parts[1::2]


@lru_cache(maxsize=32)
def _analyse(text: str, rules: str, level: str) -> Analysis:
    return Analysis(text, rules, level)


def analyse(text: str, lang: str | None, level: str = "stem") -> Analysis:
    """The (cached) analysis of `text`: the last few texts' analyses are kept, so several
    matchers over the same item tokenise it once per level."""
    _check_level(level)
    return _analyse(text, rules_for(lang), level)


def tokens(text: str, lang: str | None, level: str = "stem") -> TokenList:
    """The tokens of `text` under the rules of `lang` at `level` ("stem" or "fold")."""
    return analyse(text, lang, level).tokens()


def phrase_norms(phrase: str, lang: str | None, level: str = "stem") -> list[str]:
    """The norms of a lexicon phrase, as the text's would be; leading/trailing breaks off."""
    norms = list(analyse(phrase, lang, level).norms)
    while norms and norms[0] == BREAK:
        norms.pop(0)
    while norms and norms[-1] == BREAK:
        norms.pop()
    return norms
