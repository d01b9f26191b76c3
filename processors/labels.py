"""Event types and topics of an item, from the multilingual lexicons in `lexicons/`.

Analysts read and edit the lexicons (see lexicons/README.md); this module only applies
them: every phrase found adds its weight to its label, a title match weighs more, the same
phrase found again adds less and less, and the sum becomes a score in 0..1
(``1 - exp(-sum / scale)``). In the families that ask for it (event types), a negation cue
shortly before a phrase in the same sentence cancels it ("no clashes", "aucune attaque",
"لم تسجل اشتباكات") and a hedge in the sentence lowers it ("reportedly", "présumé",
"يُزعم"). Generic words ("attack") count only with a context word in their sentence
(civilians → attack_on_civilians; soldiers → armed_clash), as the lexicons say.
Evidence is the text's own words, so an analyst can see why a label is there.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Any

import yaml

from processors.background import Background
from processors.matcher import Matcher, MatcherGroup
from processors.normalise import Analysis, analyse, phrase_norms, rules_for
from veille.schema import EVENT_TYPES, TOPICS, Label

LEXICONS = Path(__file__).with_name("lexicons")
LANGS = ("en", "fr", "ar")
ANY_LANG = "any"  # phrases looked for in every language (acronyms, names)
EXACT_CASE = "exact_case"  # phrases in any language, matched only in the case written
MAX_EVIDENCE = 5
MAX_WEIGHT = 3.0
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_LETTER = re.compile(r"[^\W\d_]")


class LexiconError(ValueError):
    """A lexicon file an analyst can fix: the message names the file, the entry and the key."""


# -- what the matchers carry -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Term:
    label: str
    weight: float
    key: str  # the phrase as written: repeats of it weigh less and less
    requires: frozenset[str] = frozenset()
    excludes: frozenset[str] = frozenset()
    requires_all: frozenset[str] = frozenset()  # a word of each of these sets in the sentence
    excludes_all: frozenset[str] = frozenset()  # not when a word of each of these sets is there
    # from an in_context rule: yields to more specific labels (True: the label's yields_to; a
    # set: the rule's own yields_to; an empty set: a specific rule, it never yields)
    generic: bool | frozenset[str] = False


@dataclass(frozen=True, slots=True)
class _Cue:
    kind: str  # "before" / "after" (negation), "breaker", "hedge", "context", "mask"
    value: float | str = 0.0  # hedge factor, or context set name
    window: int = 0


@dataclass
class _Family:
    name: str
    path: Path
    labels: tuple[str, ...]
    threshold: float
    scale: float
    title_factor: float
    repeat_factor: float
    negation: bool
    hedging: bool
    background: float = 1.0  # factor of a phrase in a background sentence (processors/background.py)
    report: float = 1.0  # factor of a body phrase when the title names a periodic report (cues.yaml)
    thresholds: dict[str, float] = field(default_factory=dict)
    from_events: dict[str, dict[str, float]] = field(default_factory=dict)
    yields_to: dict[str, frozenset[str]] = field(default_factory=dict)
    # label -> {other label: score}: dropped under that score when the other is reported
    gives_way_to: dict[str, dict[str, float]] = field(default_factory=dict)
    matcher: Matcher = field(default_factory=Matcher)


@dataclass(slots=True)
class _Hit:
    key: str
    weight: float
    an: Analysis  # where it was found: the surface is cut out only if shown as evidence
    first: int
    last: int
    generic: bool | frozenset[str] = False  # found by an in_context rule (see _Term)

    @property
    def surface(self) -> str:
        return self.an.text[self.an.span(self.first)[0]:self.an.span(self.last)[1]]


# -- loading and validation ------------------------------------------------------------------
def _fail(path: Path, where: str, problem: str) -> LexiconError:
    return LexiconError(f"{path}: {where}: {problem}")


def _mapping(value: Any, path: Path, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, where, f"expected a mapping (key: value lines), got {type(value).__name__}")
    return value


def _number(value: Any, path: Path, where: str, lo: float = 0.0, hi: float = MAX_WEIGHT) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise _fail(path, where, f"expected a number between {lo:g} and {hi:g}, got {value!r}")
    return float(value)


def _phrases(value: Any, path: Path, where: str) -> list[str]:
    if isinstance(value, dict):
        value = list(value)
    if not isinstance(value, list):
        raise _fail(path, where, f"expected a list of phrases, got {type(value).__name__}")
    for i, phrase in enumerate(value):
        if isinstance(phrase, bool):
            raise _fail(path, f"{where}[{i}]", f"YAML read a phrase as {phrase}: quote it "
                        "(no, yes, on, off, true, false must be written \"no\", \"on\"…)")
        if not isinstance(phrase, str) or not phrase.strip():
            raise _fail(path, f"{where}[{i}]", f"expected a non-empty phrase, got {phrase!r}")
    return value


def _lang_of(key: Any, path: Path, where: str, allowed: tuple[str, ...]) -> None:
    if key not in allowed:
        raise _fail(path, where, f"unknown language key {key!r}; use one of {', '.join(allowed)}")


def _add(matcher: Matcher, phrase: str, lang_key: str, payload: Any, path: Path, where: str) -> None:
    lang = None if lang_key in (ANY_LANG, EXACT_CASE) else lang_key
    try:
        matcher.add(phrase, lang, payload, case_sensitive=lang_key == EXACT_CASE)
    except ValueError as exc:
        raise _fail(path, where, str(exc)) from exc


class _Pending:
    """A label's phrases before they go to the matcher. Forms the normaliser makes equal
    ("attack", "attacks", "attacked") are one phrase: kept once, with the highest weight, or
    one occurrence in the text would count several times."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.entries: dict[tuple, tuple[str, str, _Term, Path, str]] = {}

    def add(self, phrase: str, lang_key: str, term: _Term, path: Path, where: str) -> None:
        rules = lang_key if lang_key in LANGS else "und"
        norms = tuple(phrase_norms(phrase, rules, self.matcher.level))
        if not norms:
            raise _fail(path, where, f"phrase {phrase!r} has no words to match")
        key = (lang_key, norms, term.requires, term.excludes, term.generic, term.requires_all,
               term.excludes_all)
        if key not in self.entries or self.entries[key][2].weight < term.weight:
            self.entries[key] = (phrase, lang_key, term, path, where)

    def commit(self) -> None:
        for phrase, lang_key, term, path, where in self.entries.values():
            _add(self.matcher, phrase, lang_key, term, path, where)


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise LexiconError(f"{path}: lexicon file not found") from exc
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from exc
    return _mapping(data, path, "top level")


def _load_cues(path: Path, signals: Matcher) -> None:
    data = _read(path)
    keys = LANGS + (ANY_LANG,)
    negation = _mapping(data.get("negation"), path, "negation")
    for direction in ("before", "after"):
        section = _mapping(negation.get(direction), path, f"negation.{direction}")
        window = int(_number(section.get("window", 3), path, f"negation.{direction}.window", 0, 20))
        for lang_key, phrases in section.items():
            if lang_key == "window":
                continue
            where = f"negation.{direction}.{lang_key}"
            _lang_of(lang_key, path, where, keys)
            for phrase in _phrases(phrases, path, where):
                _add(signals, phrase, lang_key, _Cue(direction, window=window), path, where)
    for section_name, kind in (("scope_breakers", "breaker"), ("masks", "mask"),
                               ("periodic_reports", "report")):
        section = _mapping(data.get(section_name), path, section_name)
        for lang_key, phrases in section.items():
            where = f"{section_name}.{lang_key}"
            _lang_of(lang_key, path, where, keys)
            for phrase in _phrases(phrases, path, where):
                _add(signals, phrase, lang_key, _Cue(kind), path, where)
    hedging = _mapping(data.get("hedging"), path, "hedging")
    for lang_key, phrases in hedging.items():
        where = f"hedging.{lang_key}"
        _lang_of(lang_key, path, where, keys)
        for phrase, factor in _mapping(phrases, path, where).items():
            value = _number(factor, path, f"{where}[{phrase!r}]", 0.0, 1.0)
            _add(signals, str(phrase), lang_key, _Cue("hedge", value), path, f"{where}[{phrase!r}]")


def _set_names(value: Any, sets: dict, path: Path, where: str) -> frozenset[str]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list):
        raise _fail(path, where, f"expected a list of word_sets names, got {value!r}")
    for name in names:
        if name not in sets:
            known = ", ".join(sorted(sets)) or "none defined"
            raise _fail(path, where, f"unknown word set {name!r} (word_sets: {known})")
    return frozenset(f"{path.stem}:{n}" for n in names)


def _load_family(path: Path, name: str, labels: tuple[str, ...], signals: Matcher) -> _Family:
    data = _read(path)
    if data.get("family") != name:
        raise _fail(path, "family", f"expected {name!r}, got {data.get('family')!r}")
    scoring = _mapping(data.get("scoring"), path, "scoring")
    applies = _mapping(data.get("applies"), path, "applies")
    family = _Family(
        name=name, path=path, labels=labels,
        threshold=_number(scoring.get("threshold", 0.4), path, "scoring.threshold", 0, 1),
        scale=_number(scoring.get("scale", 1.5), path, "scoring.scale", 0.1, 20),
        title_factor=_number(scoring.get("title_factor", 2.0), path, "scoring.title_factor", 0, 10),
        repeat_factor=_number(scoring.get("repeat_factor", 0.5), path, "scoring.repeat_factor", 0, 1),
        background=_number(scoring.get("background_factor", 1.0), path, "scoring.background_factor", 0, 1),
        report=_number(scoring.get("report_factor", 1.0), path, "scoring.report_factor", 0, 1),
        negation=bool(applies.get("negation", False)),
        hedging=bool(applies.get("hedging", False)),
        matcher=Matcher("stem"),
    )
    term_keys = LANGS + (ANY_LANG, EXACT_CASE)
    sets = _mapping(data.get("word_sets"), path, "word_sets")
    for set_name, by_lang in sets.items():
        for lang_key, phrases in _mapping(by_lang, path, f"word_sets.{set_name}").items():
            where = f"word_sets.{set_name}.{lang_key}"
            _lang_of(lang_key, path, where, term_keys)
            cue = _Cue("context", f"{path.stem}:{set_name}")
            for phrase in _phrases(phrases, path, where):
                _add(signals, phrase, lang_key, cue, path, where)
    for lang_key, phrases in _mapping(data.get("masks"), path, "masks").items():
        _lang_of(lang_key, path, f"masks.{lang_key}", term_keys)
        for phrase in _phrases(phrases, path, f"masks.{lang_key}"):
            _add(family.matcher, phrase, lang_key, None, path, f"masks.{lang_key}")
    entries = _mapping(data.get("labels"), path, "labels")
    for label, spec in entries.items():
        where = f"labels.{label}"
        if label not in labels:
            raise _fail(path, where, f"unknown label; the {name} are: {', '.join(labels)}")
        spec = _mapping(spec, path, where)
        unknown = set(spec) - {"about", "threshold", "terms", "in_context", "excludes_any",
                               "excludes_all", "from_events", "yields_to", "gives_way_to"}
        if unknown:
            raise _fail(path, where, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        if "threshold" in spec:
            family.thresholds[label] = _number(spec["threshold"], path, f"{where}.threshold", 0, 1)
        if "yields_to" in spec:
            others = spec["yields_to"]
            if not isinstance(others, list) or any(o not in labels for o in others):
                raise _fail(path, f"{where}.yields_to", f"expected a list of labels among {', '.join(labels)}")
            family.yields_to[label] = frozenset(others)
        # gives_way_to: {agreement: 0.6}: a weak clash in an item reporting an accord signed is
        # the fighting the accord ends, told as its background
        for other, below in _mapping(spec.get("gives_way_to"), path, f"{where}.gives_way_to").items():
            if other not in labels:
                raise _fail(path, f"{where}.gives_way_to", f"unknown label {other!r}")
            family.gives_way_to.setdefault(label, {})[other] = _number(
                below, path, f"{where}.gives_way_to.{other}", 0, 1)
        excludes = _set_names(spec.get("excludes_any", []), sets, path, f"{where}.excludes_any")
        # excludes_all: not in a sentence with a word of every one of these sets ("arrested"
        # with attackers and a killing: fighters captured in combat)
        excludes_all = _set_names(spec.get("excludes_all", []), sets, path, f"{where}.excludes_all")
        pending = _Pending(family.matcher)
        for lang_key, weighted in _mapping(spec.get("terms"), path, f"{where}.terms").items():
            lw = f"{where}.terms.{lang_key}"
            _lang_of(lang_key, path, lw, term_keys)
            for phrase, weight in _mapping(weighted, path, lw).items():
                pw = f"{lw}[{phrase!r}]"
                term = _Term(label, _number(weight, path, pw), f"{label}:{phrase}", excludes=excludes,
                             excludes_all=excludes_all)
                pending.add(str(phrase), lang_key, term, path, pw)
        rules = spec.get("in_context", [])
        if not isinstance(rules, list):
            raise _fail(path, f"{where}.in_context", "expected a list of rules")
        for i, rule in enumerate(rules):
            _load_rule(pending, label, _mapping(rule, path, f"{where}.in_context[{i}]"), sets,
                       excludes, path, f"{where}.in_context[{i}]", excludes_all)
        pending.commit()
        if "from_events" in spec:
            links = _mapping(spec["from_events"], path, f"{where}.from_events")
            for event, factor in links.items():
                if event not in EVENT_TYPES:
                    raise _fail(path, f"{where}.from_events", f"unknown event type {event!r}")
                family.from_events.setdefault(label, {})[event] = _number(
                    factor, path, f"{where}.from_events.{event}", 0, 1)
    return family


def _load_rule(pending: _Pending, label: str, rule: dict, sets: dict, excludes: frozenset[str],
               path: Path, where: str, excludes_all: frozenset[str] = frozenset()) -> None:
    unknown = set(rule) - {"terms", "weight", "requires_any", "requires_all", "excludes_any",
                           "excludes_all", "specific", "yields_to"}
    if unknown:
        raise _fail(path, where, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    for key in ("terms", "weight"):
        if key not in rule:
            raise _fail(path, where, f"missing key {key!r}")
    weight = _number(rule["weight"], path, f"{where}.weight")
    # A rule's words are generic: they yield to the label's yields_to, or to the rule's own
    # `yields_to:` list, and never with `specific: true` (a context precise enough to stand by
    # itself, "attacked" + "military camp").
    generic: bool | frozenset[str] = True
    if rule.get("specific", False) is not False:
        if rule["specific"] is not True:
            raise _fail(path, f"{where}.specific", f"expected true or false, got {rule['specific']!r}")
        generic = frozenset()
    if "yields_to" in rule:
        others = rule["yields_to"]
        if not isinstance(others, list) or any(o not in EVENT_TYPES + TOPICS for o in others):
            raise _fail(path, f"{where}.yields_to", "expected a list of labels")
        generic = frozenset(others)
    # Without requires_any the words count anywhere, but as generic words (see yields_to).
    requires = _set_names(rule.get("requires_any", []), sets, path, f"{where}.requires_any")
    # requires_all: a word of every one of these sets ("agreement" + a signing word + a peace word)
    requires_all = _set_names(rule.get("requires_all", []), sets, path, f"{where}.requires_all")
    excludes = excludes | _set_names(rule.get("excludes_any", []), sets, path, f"{where}.excludes_any")
    if "excludes_all" in rule:
        excludes_all = _set_names(rule["excludes_all"], sets, path, f"{where}.excludes_all")
    terms = rule["terms"]
    if isinstance(terms, str):  # the name of a word set
        _set_names(terms, sets, path, f"{where}.terms")
        terms = sets[terms]
    for lang_key, phrases in _mapping(terms, path, f"{where}.terms").items():
        lw = f"{where}.terms.{lang_key}"
        _lang_of(lang_key, path, lw, LANGS + (ANY_LANG, EXACT_CASE))
        for phrase in _phrases(phrases, path, lw):
            term = _Term(label, weight, f"{label}:{phrase}", requires, excludes, requires_all,
                         excludes_all, generic=generic)
            pending.add(phrase, lang_key, term, path, f"{lw}[{phrase!r}]")


# -- classification ----------------------------------------------------------------------------
class LabelClassifier:
    """The compiled lexicons; `classify` gives (event_types, topics)."""

    def __init__(self, lexicons: Path = LEXICONS) -> None:
        self.signals = Matcher("stem")
        _load_cues(lexicons / "cues.yaml", self.signals)
        self.events = _load_family(lexicons / "events.yaml", "event_types", EVENT_TYPES, self.signals)
        self.topics = _load_family(lexicons / "topics.yaml", "topics", TOPICS, self.signals)
        # cues, event and topic phrases: one automaton pass over a text for the three
        self._matchers = MatcherGroup(self.signals, self.events.matcher, self.topics.matcher)

    def classify(self, text: str, lang: str | None, title: str = "",
                 year: int | None = None, spans: list | None = None) -> tuple[list[Label], list[Label]]:
        """`text` is the body (the title goes apart: its words weigh more); `year` the item's
        year when known (an earlier year in a sentence makes it background). `spans`, when a
        list is given, receives every phrase found of the reported event labels (`_event_spans`)."""
        results = [self._classify_one(text, code, title, year, spans)
                   for code in _languages(title + text, lang)]
        if len(results) == 1:
            return results[0]
        return _best_of([r[0] for r in results]), _best_of([r[1] for r in results])

    def _classify_one(self, text: str, lang: str, title: str, year: int | None = None,
                      spans: list | None = None) -> tuple[list[Label], list[Label]]:
        hits: dict[str, dict[str, list[_Hit]]] = {"event_types": {}, "topics": {}}
        in_report = False  # the title names a periodic report: body phrases count `report`
        for part, is_title in ((title, True), (text, False)):
            if part and part.strip():
                names_report = self._scan(analyse(part, lang, "stem"), is_title, hits, year, in_report)
                in_report = in_report or (is_title and names_report)
        events, event_sums = self._score(self.events, hits["event_types"], {})
        if spans is not None:
            _event_spans(events, hits["event_types"], spans)
        topics, _ = self._score(self.topics, hits["topics"], event_sums)
        return events, topics

    def _scan(self, an: Analysis, is_title: bool, hits: dict, year: int | None = None,
              in_report: bool = False) -> bool:
        """Adds the part's phrases to `hits`; True when its cues name a periodic report."""
        breaks = an.breaks
        names_report = False
        context: defaultdict[int, set[str]] = defaultdict(set)
        hedge: dict[int, float] = {}
        before: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
        after: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
        breakers: defaultdict[int, list[int]] = defaultdict(list)
        cue_found, *families_found = self._matchers.scan(an)
        for first, last, payloads in cue_found:
            sentence = bisect_left(breaks, first)
            for cue in payloads:
                kind = cue.kind
                if kind == "context":
                    context[sentence].add(cue.value)
                elif kind == "hedge":
                    hedge[sentence] = min(hedge.get(sentence, 1.0), cue.value)
                elif kind == "before":
                    before[sentence].append((last, cue.window))
                elif kind == "after":
                    after[sentence].append((first, cue.window))
                elif kind == "breaker":
                    breakers[sentence].append(first)
                elif kind == "report":
                    names_report = True
        background: Background | None = None  # at the first event phrase; reads only the sentences asked about
        for family, found_here in zip((self.events, self.topics), families_found, strict=True):
            title_factor = family.title_factor if is_title else 1.0
            if in_report and not is_title:
                # a bulletin, a snapshot, a needs overview: what it names in passing is the
                # context of its period, not an incident it reports
                title_factor = family.report
            family_hits = hits[family.name]
            for first, last, payloads in found_here:
                sentence = bisect_left(breaks, first)
                found = context.get(sentence, ())
                negated = None
                for term in payloads:
                    if term is None or term.weight == 0:
                        continue  # a mask: a longer phrase that hides a misleading shorter one
                    if term.requires and not any(name in found for name in term.requires):
                        continue
                    if term.requires_all and not all(name in found for name in term.requires_all):
                        continue
                    if term.excludes and any(name in found for name in term.excludes):
                        continue
                    if term.excludes_all and all(name in found for name in term.excludes_all):
                        continue
                    if family.negation:
                        if negated is None:
                            negated = _negated(first, last, before.get(sentence, ()),
                                               after.get(sentence, ()), breakers.get(sentence, ()))
                        if negated:
                            continue
                    weight = term.weight * title_factor
                    if family.hedging:
                        weight *= hedge.get(sentence, 1.0)
                    if family.background < 1.0:
                        if background is None:
                            background = Background(an.text, an.rules, year)
                        if background.in_background(an.span(first)[0]):
                            weight *= family.background
                    family_hits.setdefault(term.label, []).append(
                        _Hit(term.key, weight, an, first, last, term.generic))
        return names_report

    def _score(self, family: _Family, hits: dict[str, list[_Hit]],
               event_sums: dict[str, tuple[float, list[str]]]) -> tuple[list[Label], dict]:
        """Scores of the labels over their threshold, and their (evidence sum, evidence) for
        the topics fed by event types."""
        sums: dict[str, tuple[float, list[str]]] = {}
        labels: list[Label] = []
        # A label that yields to more specific ones keeps only its own terms when one of them
        # is found: "killed" near "soldiers" is a clash, unless the text is about an IED.
        direct = {label for label, found in hits.items()
                  if label in family.labels and any(not h.generic for h in found)}
        # A label with neither hits nor event types feeding it scores 0: not looked at.
        for label in [lab for lab in family.labels if lab in hits or lab in family.from_events]:
            seen: dict[str, int] = {}
            total = 0.0
            weighted: list[tuple[float, _Hit | str]] = []
            others = direct - {label}
            yielding = bool(family.yields_to.get(label, frozenset()) & others)
            for hit in hits.get(label, ()):
                if hit.generic and (yielding if hit.generic is True else hit.generic & others):
                    continue
                n = seen[hit.key] = seen.get(hit.key, 0) + 1
                contribution = hit.weight * family.repeat_factor ** (n - 1)
                total += contribution
                weighted.append((contribution, hit))
            for event, factor in family.from_events.get(label, {}).items():
                if event in event_sums:
                    event_total, event_evidence = event_sums[event]
                    total += factor * min(event_total, 2.0)
                    weighted.extend((factor, surface) for surface in event_evidence)
            score = 1.0 - math.exp(-total / family.scale)
            if total > 0 and score >= family.thresholds.get(label, family.threshold):
                sums[label] = (total, _evidence(weighted))  # evidence: only for what is reported
                labels.append(Label(label=label, score=round(score, 3), evidence=sums[label][1]))
        reported = {lab.label for lab in labels}
        for lab in list(labels):
            if any(other in reported and lab.score < below
                   for other, below in family.gives_way_to.get(lab.label, {}).items()):
                labels.remove(lab)
                sums.pop(lab.label, None)
        labels.sort(key=lambda lab: (-lab.score, lab.label))
        return labels, sums


def _negated(first: int, last: int, before: list[tuple[int, int]], after: list[tuple[int, int]],
             breakers: list[int]) -> bool:
    """A negation cue ends at most `window` tokens before the phrase (or, for "after" cues,
    begins at most `window` tokens after it), with no "but"/"mais"/"لكن" in between."""
    for cue_last, window in before:
        if cue_last < first and first - cue_last - 1 <= window \
                and not any(cue_last < b < first for b in breakers):
            return True
    for cue_first, window in after:
        if cue_first > last and cue_first - last - 1 <= window \
                and not any(last < b < cue_first for b in breakers):
            return True
    return False


def _evidence(weighted: list[tuple[float, _Hit | str]]) -> list[str]:
    """The strongest distinct surfaces first (case and spacing ignored), at most MAX_EVIDENCE."""
    out: list[str] = []
    seen: set[str] = set()
    # reverse=True keeps equal contributions in their order, as the key -c did
    for _, found in sorted(weighted, key=itemgetter(0), reverse=True):
        if isinstance(found, str):
            surface = found
        elif found.key in seen:
            continue  # the same phrase again: its first surface is shown already
        else:
            seen.add(found.key)
            surface = found.surface
        key = " ".join(surface.casefold().split())
        if key not in seen:
            seen.add(key)
            out.append(" ".join(surface.split()))
            if len(out) == MAX_EVIDENCE:
                break
    return out


def _event_spans(labels: list[Label], hits: dict[str, list[_Hit]], out: list) -> None:
    """Every phrase found of the reported labels, where it stands, for the places
    (processors/places.py: the place of the event's sentence comes first): (the title or body
    it is in, first token, last token, label, label score). Not only the evidence (at most
    MAX_EVIDENCE phrases, one surface each)."""
    scores = {lab.label: lab.score for lab in labels}
    for label, found in hits.items():
        if label in scores:
            out.extend((h.an.text, h.first, h.last, label, scores[label]) for h in found)


def _languages(text: str, lang: str | None) -> list[str]:
    """The lexicon languages to apply: the item's, or, for an unknown language, Arabic if the
    text is mostly Arabic script, else French and English (the better of both is kept)."""
    rules = rules_for(lang)
    if rules != "und":
        return [rules]
    sample = text[:3000]
    letters = len(_LETTER.findall(sample))
    if letters and len(_ARABIC_LETTER.findall(sample)) / letters >= 0.3:
        return ["ar"]
    return ["fr", "en"]


def _best_of(results: list[list[Label]]) -> list[Label]:
    best: dict[str, Label] = {}
    for labels in results:
        for lab in labels:
            if lab.label not in best or lab.score > best[lab.label].score:
                best[lab.label] = lab
    return sorted(best.values(), key=lambda lab: (-lab.score, lab.label))


@cache
def default_classifier() -> LabelClassifier:
    """The classifier over the shipped lexicons, compiled once per process."""
    return LabelClassifier()


def classify_labels(text: str, lang: str, title: str = "", year: int | None = None,
                    spans: list | None = None) -> tuple[list[Label], list[Label]]:
    """(event_types, topics) of an item: `text` its body, `lang` its language code, `title`
    its title, `year` the year it was published when known. Each list most likely first,
    scores in 0..1, evidence in the text's words. `spans`: see `LabelClassifier.classify`."""
    return default_classifier().classify(text, lang, title, year, spans)
