"""Organisations and armed groups named in an item, from processors/data/orgs.yaml.

Analysts filter by actor ("everything JNIM claimed", "ECOWAS statements"), across languages:
one id per organisation whatever the language or abbreviation (CEDEAO = ECOWAS = إيكواس).
Full names match whatever their case; abbreviations only as written in the data, and only
in the languages listed for them, since many are words elsewhere (French "au", "un").
A name inside a longer one counts for both when the data says so (`within:`): MINUSMA's
full name names the UN too. Generic words ("the army", "les militaires", "الجيش") name an
organisation only in context (`generic:`): the item is about its country, and no other
country's or force's word is nearer ("Burkinabe soldiers" are not the Malian army).
Ordered by how much the item talks about each: mentions (a title mention counts double),
then first position.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from processors.data_files import read_yaml
from processors.matcher import Match, Matcher, MatcherGroup
from processors.normalise import analyse
from veille.schema import Org

DATA = Path(__file__).parent / "data" / "orgs.yaml"

LANGS = ("en", "fr", "ar")
_ENTRY_KEYS = {"name", "abbreviations", "case_sensitive", "note", "within", *LANGS}
_ABBR_KEYS = {"all", *LANGS}
_RULE_KEYS = {"words", "home", "not_near", "rivals", "near", "window", "note"}
TITLE_WEIGHT = 2
LEVEL = "fold"


class OrgDataError(ValueError):
    """orgs.yaml is unusable; the message names the file, the entry and the key."""


@dataclass(frozen=True, slots=True)
class _Name:
    """A name's payload: its organisation, and those it names within it (MINUSMA → UN)."""
    org: str
    also: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Generic:
    """A generic word's payload: the organisation, and the index of its context rule."""
    org: str
    rule: int


@dataclass(frozen=True, slots=True)
class _Rule:
    home: str | None
    not_near: tuple[str, ...]
    rivals: tuple[str, ...]
    near: tuple[str, ...]
    window: int


@dataclass(slots=True)
class _Tally:
    first: tuple[int, int]
    score: int = 0
    evidence: list[str] = field(default_factory=list)


class OrgFinder:
    """The organisations' names in one matcher; `find` is what the processor calls."""

    def __init__(self, path: Path = DATA) -> None:
        self.path = path
        data = _load(path)
        self.matcher = Matcher(level=LEVEL)
        self.cues = Matcher(level=LEVEL)
        self._both = MatcherGroup(self.cues, self.matcher)  # rebuilt when either grows
        self.names: dict[str, str] = {}
        self.rules: list[_Rule] = []
        for phrase in _strings(data.pop("stop_phrases", []), f"{path.name}: stop_phrases"):
            self.matcher.add(phrase, None, None)
        cue_sets = self._add_cues(data.pop("cues", {}))
        generic = data.pop("generic", {})
        entries: dict[str, dict] = {}
        for org_id, entry in data.items():
            entries[str(org_id)] = self._check(str(org_id), entry)
        for org_id, entry in entries.items():
            self._add(org_id, entry, entries)
        self._add_generic(generic, cue_sets)

    # -- loading ---------------------------------------------------------------------------
    def _check(self, org_id: str, entry: Any) -> dict:
        where = f"{self.path.name}: {org_id}"
        if not isinstance(entry, dict):
            raise OrgDataError(f"{where}: not a mapping")
        unknown = set(entry) - _ENTRY_KEYS
        if unknown:
            raise OrgDataError(f"{where}: key {sorted(unknown)[0]!r} unknown; known: "
                               f"{sorted(_ENTRY_KEYS)}")
        if not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise OrgDataError(f"{where}: key 'name' missing or empty")
        self.names[org_id] = entry["name"]
        return entry

    def _add(self, org_id: str, entry: dict, entries: dict[str, dict]) -> None:
        where = f"{self.path.name}: {org_id}"
        exact = set(_strings(entry.get("case_sensitive", []), f"{where}: key 'case_sensitive'"))
        full: list[str] = []
        for lang in LANGS:
            full += _strings(entry.get(lang, []), f"{where}: key {lang!r}")
        missing = exact - set(full)
        if missing:
            raise OrgDataError(f"{where}: key 'case_sensitive': {sorted(missing)[0]!r} is not "
                               "one of its names")
        within = _strings(entry.get("within", []), f"{where}: key 'within'")
        for other in within:
            if other not in entries or other == org_id:
                raise OrgDataError(f"{where}: key 'within': {other!r} is not another "
                                   "organisation of the file")
        inner = _inner_matcher(within, entries) if within else None
        # Full names: in every language (an English name in a French item still counts).
        for name in dict.fromkeys(full):
            also: tuple[str, ...] = ()
            if inner is not None:
                also = tuple(dict.fromkeys(
                    m.payload for lang in LANGS for m in inner.find(name, lang)))
            self.matcher.add(name, None, _Name(org_id, also), case_sensitive=name in exact)
        abbreviations = entry.get("abbreviations", {})
        if not isinstance(abbreviations, dict) or set(abbreviations) - _ABBR_KEYS:
            raise OrgDataError(f"{where}: key 'abbreviations': a mapping of {sorted(_ABBR_KEYS)}")
        for lang, items in abbreviations.items():
            for abbr in _strings(items or [], f"{where}: key 'abbreviations/{lang}'"):
                self.matcher.add(abbr, None if lang == "all" else lang, _Name(org_id),
                                 case_sensitive=True)

    def _add_cues(self, cues: Any) -> set[str]:
        where = f"{self.path.name}: cues"
        if not isinstance(cues, dict):
            raise OrgDataError(f"{where}: expected a mapping of cue sets")
        for name, words in cues.items():
            for lang, phrase in _by_lang(words, f"{where}: {name}"):
                self.cues.add(phrase, lang, str(name))
        return {str(name) for name in cues}

    def _add_generic(self, generic: Any, cue_sets: set[str]) -> None:
        where = f"{self.path.name}: generic"
        if not isinstance(generic, dict):
            raise OrgDataError(f"{where}: expected a mapping of organisation ids")
        for org_id, rules in generic.items():
            here = f"{where}: {org_id}"
            if org_id not in self.names:
                raise OrgDataError(f"{here}: not an organisation of the file")
            if isinstance(rules, dict):
                rules = [rules]
            if not isinstance(rules, list):
                raise OrgDataError(f"{here}: expected a rule or a list of rules")
            for number, rule in enumerate(rules):
                at = f"{here}[{number}]"
                if not isinstance(rule, dict) or set(rule) - _RULE_KEYS:
                    raise OrgDataError(f"{at}: a mapping of {sorted(_RULE_KEYS)}")
                home = rule.get("home")
                sets = {"home": [home] if home else [], **{
                    key: _strings(rule.get(key, []), f"{at}: key {key!r}")
                    for key in ("not_near", "rivals", "near")}}
                for key, names in sets.items():
                    for name in names:
                        if name not in cue_sets:
                            raise OrgDataError(f"{at}: key {key!r}: {name!r} is not a cue set")
                window = rule.get("window", 3)
                if not isinstance(window, int) or not 0 < window <= 20:
                    raise OrgDataError(f"{at}: key 'window': a number of words from 1 to 20")
                self.rules.append(_Rule(home, tuple(sets["not_near"]), tuple(sets["rivals"]),
                                        tuple(sets["near"]), window))
                payload = _Generic(str(org_id), len(self.rules) - 1)
                for lang, phrase in _by_lang(rule.get("words"), f"{at}: key 'words'"):
                    self.matcher.add(phrase, lang, payload)

    # -- finding ---------------------------------------------------------------------------
    def find(self, text: str, lang: str | None, title: str = "") -> list[Org]:
        tallies: dict[str, _Tally] = {}
        cue_counts: Counter[str] = Counter()
        pending: list[tuple[int, Match]] = []  # generic words that passed their sentence's test

        def count(org_id: str, segment: int, match: Match) -> None:
            tally = tallies.setdefault(org_id, _Tally((segment, match.start)))
            tally.score += TITLE_WEIGHT if segment == 0 else 1
            if match.surface not in tally.evidence:
                tally.evidence.append(match.surface)

        for segment, part in enumerate((title, text)):
            if not part:
                continue
            an = analyse(part, lang, LEVEL)
            weight = TITLE_WEIGHT if segment == 0 else 1
            # one automaton pass for cues and names; a `Match` (offsets, surface) is made only
            # for a name that counts, not for the cues and stop phrases
            if self.rules:
                cues, names = self._both.scan(an)
            else:
                cues, names = [], self.matcher.scan(an)
            for _, _, payloads in cues:
                for name in payloads:
                    cue_counts[name] += weight
            text_of = an.text
            for first, last, payloads in names:
                match = None
                for payload in payloads:
                    if payload is None:  # a stop phrase
                        continue
                    if match is None:
                        start, end = an.span(first)[0], an.span(last)[1]
                        match = Match(payload, start, end, text_of[start:end], first, last)
                    else:
                        match = match._replace(payload=payload)
                    if isinstance(payload, _Generic):
                        if _fits_sentence(self.rules[payload.rule], match, cues, an.breaks):
                            pending.append((segment, match))
                        continue
                    for org_id in (payload.org, *payload.also):
                        count(org_id, segment, match)
        for segment, match in pending:
            rule = self.rules[match.payload.rule]
            if rule.home is not None and not _is_home(rule, cue_counts):
                continue
            count(match.payload.org, segment, match)
        order = sorted(tallies.items(), key=lambda kv: (-kv[1].score, kv[1].first))
        return [Org(id=org_id, name=self.names[org_id], evidence=t.evidence) for org_id, t in order]


def _fits_sentence(rule: _Rule, match: Match, cues: list[tuple[int, int, tuple[str, ...]]],
                   breaks: list[int]) -> bool:
    """The generic word's own sentence agrees: a `near` cue within the window when the rule
    asks for one, and the nearest country or force cue is not one of `not_near` (at equal
    distance the foreign one wins: "au Mali, l'armée française")."""
    sentence = bisect_left(breaks, match.first_token)
    nearest: tuple[int, bool] | None = None  # (gap, is a home cue)
    near_found = not rule.near
    for cue_first, cue_last, cue_sets in cues:  # (first token, last token, cue set names)
        if bisect_left(breaks, cue_first) != sentence:
            continue
        if cue_last < match.first_token:
            gap = match.first_token - cue_last
        elif cue_first > match.last_token:
            gap = cue_first - match.last_token
        else:
            gap = 0
        if gap > rule.window:
            continue
        for payload in cue_sets:
            if payload in rule.near:
                near_found = True
            foreign = payload in rule.not_near
            if (foreign or payload == rule.home) and (
                    nearest is None or (gap, not foreign) < nearest):
                nearest = (gap, not foreign)
    if not near_found:
        return False
    return nearest is None or nearest[1]


def _is_home(rule: _Rule, cue_counts: Counter[str]) -> bool:
    """The item is about the rule's country: named, and no rival named more often."""
    home = cue_counts[rule.home]
    return home > 0 and all(cue_counts[rival] <= home for rival in rule.rivals)


def _inner_matcher(org_ids: list[str], entries: dict[str, dict]) -> Matcher:
    """The names and abbreviations of `org_ids`, to find them inside a longer name."""
    inner = Matcher(level=LEVEL)
    for org_id in org_ids:
        entry = entries[org_id]
        for lang in LANGS:
            for name in entry.get(lang, []) or []:
                inner.add(name, None, org_id)
        for lang, items in (entry.get("abbreviations") or {}).items():
            for abbr in items or []:
                inner.add(abbr, None if lang == "all" else lang, org_id, case_sensitive=True)
    return inner


def _by_lang(words: Any, where: str) -> list[tuple[str | None, str]]:
    """(language or None for `any`, phrase) pairs of a {en: [...], fr: [...], ar: [...],
    any: [...]} mapping."""
    if not isinstance(words, dict) or not words or set(words) - {*LANGS, "any"}:
        raise OrgDataError(f"{where}: expected a mapping of {sorted({*LANGS, 'any'})} to phrases")
    return [(None if lang == "any" else lang, phrase)
            for lang, items in words.items()
            for phrase in _strings(items, f"{where}/{lang}")]


def _load(path: Path) -> dict[str, Any]:
    data = read_yaml(path, OrgDataError)
    if not isinstance(data, dict) or not data:
        raise OrgDataError(f"{path.name}: top level: expected a mapping of organisation ids")
    return data


def _strings(items: Any, where: str) -> list[str]:
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise OrgDataError(f"{where}: expected a list of non-empty strings, got {items!r}")
    return [i.strip() for i in items]


@cache
def default_finder() -> OrgFinder:
    return OrgFinder()


def find_orgs(text: str, lang: str | None, title: str = "") -> list[Org]:
    """Organisations named in `title` and `text` (the body), most mentioned first."""
    return default_finder().find(text, lang, title)
