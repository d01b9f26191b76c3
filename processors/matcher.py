"""Many-phrase matching on normalised tokens, for every lexicon and gazetteer of veille.

Thousands of phrases (event words, place names, organisation names) are looked for in every
item; one Aho-Corasick automaton per language over the normalised tokens, joined by a
separator no token contains, finds them all in one pass and only on token boundaries. The
text's language decides its normalisation rules (`processors.normalise`); a phrase added for
one language is only looked for in text of that language, a phrase added with ``lang=None``
in every text.

Overlaps are resolved as analysts expect: the longest phrase wins ("accord de paix" over
"accord"), then the earliest. The same phrase added with several payloads gives one `Match`
per payload on the same span.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, NamedTuple

import ahocorasick

from processors.normalise import (
    LEVELS,
    RULES,
    SEP,
    Analysis,
    Token,
    analyse,
    phrase_norms,
    rules_for,
)


class Match(NamedTuple):
    """One phrase found: its payload, its offsets and words in the text, its tokens. A named
    tuple: made by the tens per item, at a fraction of a frozen dataclass's cost."""

    payload: Any
    start: int
    end: int
    surface: str
    first_token: int
    last_token: int


@dataclass(frozen=True, slots=True)
class _Entry:
    payload: Any
    case_words: tuple[str, ...] | None  # the phrase's own words, when the case must agree


def _uncased(word: str) -> str:
    """A word without accents (case kept): case-sensitive entries compare on this, so that
    "UEMOA" and "UÉMOA" agree while "AU" and "Au" do not."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


class Matcher:
    """Phrases with payloads; `find` returns the longest non-overlapping ones, in text order."""

    def __init__(self, level: str = "stem") -> None:
        if level not in LEVELS:
            raise ValueError(f"unknown matcher level {level!r}; use one of {', '.join(LEVELS)}")
        self.level = level
        self._phrases: dict[str, dict[str, list[_Entry]]] = {rules: {} for rules in RULES}
        self._automata: dict[str, ahocorasick.Automaton | None] = {}
        self.version = 0  # phrases added so far: a `MatcherGroup` over it rebuilds when it grows

    def __len__(self) -> int:
        return sum(len(entries) for by_key in self._phrases.values() for entries in by_key.values())

    def add(self, phrase: str, lang: str | None, payload: Any, *, case_sensitive: bool = False) -> None:
        """Adds `phrase` for text in `lang` (None: every language, normalised under each one's
        rules). `case_sensitive`: match only where the text writes it in the same case (the
        organisation "AU", not the French word "au")."""
        targets = [rules_for(lang)] if lang else list(RULES)
        for rules in targets:
            norms = phrase_norms(phrase, rules, self.level)
            if not norms:
                raise ValueError(f"phrase {phrase!r} has no words to match")
            case_words = None
            if case_sensitive:
                an = analyse(phrase, rules, self.level)
                case_words = tuple(
                    _uncased(an.text[slice(*an.span(i))])
                    for i, norm in enumerate(an.norms) if norm
                )
            key = SEP + SEP.join(norms) + SEP
            self._phrases[rules].setdefault(key, []).append(_Entry(payload, case_words))
            self._automata.pop(rules, None)
        self.version += 1

    def _automaton(self, rules: str) -> ahocorasick.Automaton | None:
        if rules not in self._automata:
            by_key = self._phrases[rules]
            automaton = None
            if by_key:
                automaton = ahocorasick.Automaton()
                for key, entries in by_key.items():
                    cased = any(e.case_words is not None for e in entries)
                    payloads = tuple(e.payload for e in entries)
                    automaton.add_word(key, (len(key), key.count(SEP) - 1, tuple(entries), payloads, cased))
                automaton.make_automaton()
            self._automata[rules] = automaton
        return self._automata[rules]

    def find(self, text: str, lang: str | None) -> list[Match]:
        """Matches in `text` (its language decides normalisation and phrases), in order."""
        if not text:
            return []
        return self.find_analysis(analyse(text, lang, self.level))

    def find_tokens(self, toks: Sequence[Token], text: str, lang: str | None = None) -> list[Match]:
        """Matches in tokens already made by `normalise.tokens` at this matcher's level.
        Their language is `lang`, else the one `tokens()` recorded on its list, else und.
        (`find` is as cheap on the same text: analyses are cached.)"""
        rules = rules_for(lang or getattr(toks, "lang", None))
        level = getattr(toks, "level", self.level)
        if level != self.level:
            raise ValueError(f"tokens made at level {level!r} given to a {self.level!r} matcher")
        return self.find_analysis(Analysis.from_tokens(list(toks), text, rules, self.level))

    def find_analysis(self, an: Analysis) -> list[Match]:
        """Matches in an `Analysis` (see `normalise.analyse`) made at this matcher's level."""
        return _matches(an, self.scan(an))

    def scan(self, an: Analysis) -> list[tuple[int, int, tuple[Any, ...]]]:
        """The fast path of `find_analysis`: (first token, last token, payloads) per match,
        in order, without offsets or surfaces (`an.span(i)` gives them when needed)."""
        automaton = self._automaton(an.rules)
        if automaton is None:
            return []
        found = [(end - value[0] + 1, value) for end, value in automaton.iter(an.joined)]
        if not found:
            return []
        found.sort(key=_by_start)
        # Token index of a start: separators before it; counted incrementally, left to right.
        joined, position, index = an.joined, 0, 0
        candidates = []
        overlap = False
        previous_last = -1
        for start, (_, ntoks, entries, payloads, cased) in found:
            index += joined.count(SEP, position, start)
            position = start
            if cased:
                payloads = tuple(e.payload for e in _case_filter(entries, an, index, ntoks))
                if not payloads:
                    continue
            last = index + ntoks - 1
            if index <= previous_last:
                overlap = True
            if last > previous_last:
                previous_last = last
            candidates.append((index, last, payloads))
        return _longest_first(candidates, len(an.norms)) if overlap else candidates


class MatcherGroup:
    """Several matchers of one level looked for in one automaton pass over a text: `scan`
    gives, for each matcher, exactly what its own `scan` gives (the labels' cues, events and
    topics read the same analysis; one pass instead of three).

    The combined automaton is built per rule set on first use, and again after a phrase is
    added to any member."""

    def __init__(self, *matchers: Matcher) -> None:
        if len({m.level for m in matchers}) != 1:
            raise ValueError("a matcher group needs matchers of one level")
        self.matchers = matchers
        self.level = matchers[0].level
        self._automata: dict[str, tuple[tuple[int, ...], ahocorasick.Automaton | None]] = {}

    def _automaton(self, rules: str) -> ahocorasick.Automaton | None:
        members = tuple(m.version for m in self.matchers)
        built = self._automata.get(rules)
        if built is not None and built[0] == members:
            return built[1]
        slots: dict[str, list] = {}
        for k, matcher in enumerate(self.matchers):
            automaton = matcher._automaton(rules)
            if automaton is None:
                continue
            for key, value in automaton.items():
                slots.setdefault(key, [None] * len(self.matchers))[k] = value
        automaton = None
        if slots:
            automaton = ahocorasick.Automaton()
            for key, values in slots.items():
                automaton.add_word(key, (len(key), key.count(SEP) - 1, tuple(values)))
            automaton.make_automaton()
        self._automata[rules] = (members, automaton)
        return automaton

    def scan(self, an: Analysis) -> list[list[tuple[int, int, tuple[Any, ...]]]]:
        """`[m.scan(an) for m in self.matchers]`, in one pass."""
        n = len(self.matchers)
        automaton = self._automaton(an.rules)
        if automaton is None:
            return [[] for _ in range(n)]
        # Each member's matches come out in the same order as from its own automaton: sorted
        # on start, and a phrase's (start, end) is its own (same start, same end: same key).
        found = [(end - value[0] + 1, value) for end, value in automaton.iter(an.joined)]
        found.sort(key=_by_start)
        joined, position, index = an.joined, 0, 0
        candidates: list[list] = [[] for _ in range(n)]
        overlap = [False] * n
        previous_last = [-1] * n
        for start, (_, ntoks, values) in found:
            index += joined.count(SEP, position, start)
            position = start
            last = index + ntoks - 1
            for k, value in enumerate(values):
                if value is None:
                    continue
                _, _, entries, payloads, cased = value
                if cased:
                    payloads = tuple(e.payload for e in _case_filter(entries, an, index, ntoks))
                    if not payloads:
                        continue
                if index <= previous_last[k]:
                    overlap[k] = True
                if last > previous_last[k]:
                    previous_last[k] = last
                candidates[k].append((index, last, payloads))
        ntokens = len(an.norms)
        return [_longest_first(c, ntokens) if o else c for c, o in zip(candidates, overlap, strict=True)]

    def find_analysis(self, an: Analysis) -> list[list[Match]]:
        """`[m.find_analysis(an) for m in self.matchers]`, in one pass."""
        return [_matches(an, scanned) for scanned in self.scan(an)]


def _matches(an: Analysis, scanned: list[tuple[int, int, tuple[Any, ...]]]) -> list[Match]:
    """`Match`es (offsets and surfaces) of what a `scan` found."""
    matches = []
    text = an.text
    for first, last, payloads in scanned:
        start = an.span(first)[0]
        end = an.span(last)[1]
        surface = text[start:end]
        matches.extend(_new_match(Match, (p, start, end, surface, first, last)) for p in payloads)
    return matches


def _longest_first(candidates: list, ntokens: int) -> list:
    """Longest matches win, then the earliest; the survivors in text order.

    `candidates` come in text order (no two on the same tokens), so a stable sort on length
    alone puts the earliest first among equals; its key is a list, not a Python call each."""
    order = sorted(range(len(candidates)), key=[first - last for first, last, _ in candidates].__getitem__)
    taken = bytearray(ntokens)
    chosen = []
    for first, last, payloads in map(candidates.__getitem__, order):
        if any(taken[first:last + 1]):
            continue
        taken[first:last + 1] = b"\x01" * (last - first + 1)
        chosen.append((first, last, payloads))
    chosen.sort(key=_by_start)
    return chosen


def _case_filter(entries: tuple[_Entry, ...], an: Analysis, first: int, ntoks: int) -> list[_Entry]:
    words = None
    kept = []
    for entry in entries:
        if entry.case_words is None:
            kept.append(entry)
            continue
        if words is None:
            words = tuple(
                _uncased(an.text[slice(*an.span(i))])
                for i in range(first, first + ntoks) if an.norms[i]
            )
        if words == entry.case_words:
            kept.append(entry)
    return kept


_by_start = itemgetter(0)
_new_match = tuple.__new__

