"""Places named in an item, from the gazetteer (processors/data/gazetteer.yaml).

Analysts map items and filter them by region, so a place must be right more than it must be
found: a town name that is also a word ("Boni", "Bla", Arabic مالي "financial") is kept only
with evidence that the text means the place. The rules are data in the gazetteer (built by
tools/build_gazetteer.py; its curated source documents them): `requires_context` names need a
cue word before them ("à Boni", "في مالي", "بمالي"), a place next to them in a list
("Bankass et Koro"), or another place of the same Mali region (elsewhere: of the same country)
in the item. A name shared by several places goes to the one whose region, then country, the
item otherwise mentions, else to the first in the gazetteer (Mali's).

Only mentioned places are listed (a town does not add its region: the town carries admin1 and
admin2, which is what the map and the filters read); a cercle or region mentioned together with
its seat of the same name is folded into the town ("Koro" + "cercle de Koro": one Koro). Most specific first: Bamako commune, town,
cercle, region, country; among equals, the most salient first (title mentions, then count,
then first position). `title` and `text` are matched separately: pass the body as `text`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from processors.data_files import read_yaml
from processors.matcher import Match, Matcher
from processors.normalise import analyse, phrase_norms
from veille.schema import Place

DATA = Path(__file__).parent / "data" / "gazetteer.yaml"

RANKS = {"commune": 0, "town": 1, "cercle": 2, "region": 3, "country": 4}
"""Specificity: lower is more specific, listed first."""

LIST_WORDS = frozenset({"et", "and", "ou", "or"})
"""Words that may stand between two places of a list ("Bankass et Koro")."""

_RECORD_KEYS = {"id", "name", "type", "country", "admin1", "lat", "lon", "source"}
_AR_CLITICS = "وفبكل"
_AR_TABLE = str.maketrans({"ة": "ه", "ى": "ي", "ک": "ك", "ی": "ي", "ٱ": "ا"})


class GazetteerError(ValueError):
    """The gazetteer file is unusable; the message names the file, the entry and the key."""


@dataclass(frozen=True, slots=True)
class _Entry:
    index: int
    place: Place
    rank: int


@dataclass(frozen=True, slots=True)
class _Name:
    """The payload of one gazetteer name in the matcher."""

    place: int
    requires_context: bool
    arabic: str | None  # the folded Arabic name, to check the text wrote it whole


@dataclass(slots=True)
class _Mention:
    """One span of the text and the place chosen for it."""

    match: Match
    segment: int  # 0: title, 1: body
    candidates: list[_Name]
    norms: list[str]  # the normalised tokens of the segment (shared by its mentions)
    chosen: _Name | None = None
    cued: bool = False
    accepted: bool = False


@dataclass(slots=True)
class _Tally:
    first: tuple[int, int]
    title: int = 0
    count: int = 0
    evidence: list[str] = field(default_factory=list)


class Gazetteer:
    """The loaded gazetteer and its matcher; `find` is what the processor calls."""

    def __init__(self, path: Path = DATA) -> None:
        self.path = path
        data = _load(path)
        self.entries: list[_Entry] = []
        self.matcher = Matcher(level="fold")
        for phrase in data.get("stop_phrases", []):
            self.matcher.add(phrase, None, None)
        for i, record in enumerate(data["places"]):
            self._add_place(i, record)
        self.places = [e.place for e in self.entries]
        self.cues = self._cues(data.get("context_cues", {}))

    def _add_place(self, i: int, record: Any) -> None:
        where = f"{self.path.name}: places[{i}]"
        if not isinstance(record, dict):
            raise GazetteerError(f"{where}: not a mapping")
        missing = _RECORD_KEYS - set(record)
        if missing:
            raise GazetteerError(f"{where} ({record.get('id')}): key {sorted(missing)[0]!r} missing")
        if record["type"] not in RANKS:
            raise GazetteerError(f"{where} ({record['id']}): key 'type': {record['type']!r}")
        try:
            place = Place(name=record["name"], country=record["country"], admin1=record["admin1"],
                          admin2=record.get("admin2"), lat=record["lat"], lon=record["lon"])
        except ValueError as exc:
            raise GazetteerError(f"{where} ({record['id']}): {exc}") from exc
        self.entries.append(_Entry(i, place, RANKS[record["type"]]))
        context = set(record.get("requires_context", []))
        exact = set(record.get("case_sensitive", []))
        seen: set[str] = set()
        for key in ("latin", "fr", "en", "ar"):
            for name in record.get(key, []):
                if name in seen:
                    continue
                seen.add(name)
                arabic = _fold_ar(name) if key == "ar" else None
                self.matcher.add(name, None, _Name(i, name in context, arabic),
                                 case_sensitive=name in exact)

    def _cues(self, cues: dict[str, list[str]]) -> frozenset[str]:
        """Cue words normalised as text words are, in every language at once: an item's
        language may be misdetected, and "in" or "في" mean the same wherever they appear."""
        norms: set[str] = set()
        for lang, words in cues.items():
            for word in words:
                found = phrase_norms(word, lang, "fold")
                if not found:
                    raise GazetteerError(f"{self.path.name}: context_cues/{lang}: {word!r}")
                norms.add(found[-1])
        return frozenset(norms)

    # --- Finding ------------------------------------------------------------------------

    def find(self, text: str, lang: str | None, title: str = "") -> list[Place]:
        mentions: list[_Mention] = []
        for segment, part in enumerate((title, text)):
            if part:
                mentions += self._mentions(part, lang, segment)
        if not mentions:
            return []
        self._resolve(mentions)
        return self._rank([m for m in mentions if m.accepted])

    def _mentions(self, text: str, lang: str | None, segment: int) -> list[_Mention]:
        spans: dict[tuple[int, int], list[_Name | None]] = {}
        matches: dict[tuple[int, int], Match] = {}
        for match in self.matcher.find(text, lang):
            key = (match.start, match.end)
            spans.setdefault(key, []).append(match.payload)
            matches.setdefault(key, match)
        an = analyse(text, lang, "fold")
        out = []
        for key, payloads in spans.items():
            if None in payloads:  # a stop phrase: the name inside it is not a place
                continue
            match = matches[key]
            names = [n for n in payloads if n.arabic is None or _whole(match.surface, n)]
            if not names:
                continue
            mention = _Mention(match, segment, _unique(names), an.norms)
            mention.cued = self._cued(mention, text)
            out.append(mention)
        return out

    def _cued(self, mention: _Mention, text: str) -> bool:
        match = mention.match
        if match.first_token > 0 and mention.norms[match.first_token - 1] in self.cues:
            return True
        if text[max(0, match.start - 2):match.start].lower() in ("d'", "d’"):
            return True
        prefix = _arabic_prefix(match.surface, mention.candidates)
        return bool(prefix) and "ال" not in prefix and any(c in prefix for c in "بل")

    def _resolve(self, mentions: list[_Mention]) -> None:
        places = self.places
        # 1. Places named unambiguously (one candidate, no context needed) support the rest.
        strong = [m for m in mentions if len(m.candidates) == 1
                  and not m.candidates[0].requires_context]
        for m in strong:
            m.chosen, m.accepted = m.candidates[0], True
        regions, countries = _support(places[m.chosen.place] for m in strong)
        # 2. Shared names go to the candidate whose region, then country, is mentioned.
        for m in mentions:
            if m.chosen is None:
                m.chosen = max(m.candidates, key=lambda n: _preference(places[n.place], regions,
                                                                       countries, n.place))
                m.accepted = not m.chosen.requires_context
        # 3. Names that need context: a cue, a list neighbour, or the same region/country.
        for m in mentions:
            if not m.accepted and m.cued and not _with_article(m):
                m.accepted = True
        regions, countries = _support(places[m.chosen.place] for m in mentions if m.accepted)
        for m in mentions:
            if m.accepted or _with_article(m):
                continue
            place = places[m.chosen.place]
            m.accepted = (
                _supported(place, regions, countries, places, mentions, m)
                or _listed_with_accepted(m, mentions)
            )

    def _rank(self, mentions: list[_Mention]) -> list[Place]:
        tallies: dict[int, _Tally] = {}
        for m in mentions:
            tally = tallies.setdefault(m.chosen.place, _Tally((m.segment, m.match.start)))
            tally.count += 1
            tally.title += m.segment == 0
            if m.match.surface not in tally.evidence:
                tally.evidence.append(m.match.surface)
        order = sorted(tallies.items(), key=lambda kv: (
            self.entries[kv[0]].rank, -kv[1].title, -kv[1].count, kv[1].first))
        # A cercle or region named like its seat, both mentioned, is one place to a reader
        # ("Koro" and "cercle de Koro"): the most specific keeps the other's evidence.
        kept: dict[tuple[str, str, str], Place] = {}
        for i, tally in order:
            place = self.entries[i].place
            key = (place.name, place.country, place.admin1)
            if key in kept:
                kept[key].evidence.extend(e for e in tally.evidence
                                          if e not in kept[key].evidence)
            else:
                kept[key] = place.model_copy(update={"evidence": list(tally.evidence)})
        return list(kept.values())


def _load(path: Path) -> dict[str, Any]:
    data = read_yaml(path, GazetteerError)
    if not isinstance(data, dict) or not isinstance(data.get("places"), list):
        raise GazetteerError(f"{path.name}: top level: key 'places' (a list) is missing")
    return data


def _fold_ar(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)
                   and c != "\u0640").translate(_AR_TABLE)


def _arabic_prefix(surface: str, names: list[_Name]) -> str:
    """What the text wrote before an Arabic name ("ب" in "بمالي"), "" for Latin names."""
    arabic = next((n.arabic for n in names if n.arabic), None)
    if arabic is None:
        return ""
    folded = _fold_ar(surface)
    return folded[: len(folded) - len(arabic)] if folded.endswith(arabic) else ""


def _whole(surface: str, name: _Name) -> bool:
    """The normaliser takes ب ك ل و ف off the front of Arabic words, so "الآتي" (the
    following) and "كاتي" (Kati) meet as "اتي": the text must write the whole name, after
    nothing but clitics."""
    folded = _fold_ar(surface)
    if not folded.endswith(name.arabic):
        return False
    prefix = folded[: len(folded) - len(name.arabic)].replace("ال", "")
    return all(c in _AR_CLITICS for c in prefix)


def _with_article(mention: _Mention) -> bool:
    """An ambiguous Arabic name with the article is an adjective: المالي (the Malian, the
    financial) is never the country itself."""
    return mention.chosen.requires_context and "ال" in _arabic_prefix(
        mention.match.surface, [mention.chosen])


def _unique(names: list[_Name]) -> list[_Name]:
    """One payload per place: a place named twice alike keeps the laxer rule."""
    by_place: dict[int, _Name] = {}
    for n in names:
        if n.place not in by_place or by_place[n.place].requires_context:
            by_place[n.place] = n
    return list(by_place.values())


def _support(places: Iterable[Place]) -> tuple[set[str], set[str]]:
    regions, countries = set(), set()
    for p in places:
        countries.add(p.country)
        if p.admin1:
            regions.add(p.admin1)
    return regions, countries


def _preference(place: Place, regions: set[str], countries: set[str], index: int) -> tuple:
    return (place.admin1 in regions and bool(place.admin1), place.country in countries, -index)


def _supported(place: Place, regions: set[str], countries: set[str], places: list[Place],
               mentions: list[_Mention], mention: _Mention) -> bool:
    """A Mali town needs another place of its region; elsewhere, of its country; a country,
    one of its places (not itself: مالي does not support مالي)."""
    if place.admin1 or place.country == "ML":
        if place.admin1:
            return place.admin1 in regions and _other(mentions, mention, places,
                                                      lambda p: p.admin1 == place.admin1)
        return _other(mentions, mention, places, lambda p: p.country == "ML" and bool(p.admin1))
    if place.country in countries:
        return _other(mentions, mention, places, lambda p: p.country == place.country)
    return False


def _other(mentions: list[_Mention], mention: _Mention, places: list[Place], test) -> bool:
    return any(m.accepted and m.chosen.place != mention.chosen.place and test(places[m.chosen.place])
               for m in mentions)


def _listed_with_accepted(mention: _Mention, mentions: list[_Mention]) -> bool:
    """Next to an accepted place, with nothing or one list word between ("Bandiagara, Koro",
    "Bankass et Koro", "وكورو": commas are not tokens, و is a clitic)."""
    for other in mentions:
        if not other.accepted or other.segment != mention.segment or other is mention:
            continue
        left, right = sorted((other.match, mention.match), key=lambda m: m.first_token)
        gap = right.first_token - left.last_token
        if gap == 1 or (gap == 2 and mention.norms[left.last_token + 1] in LIST_WORDS):
            return True
    return False


@cache
def default_gazetteer() -> Gazetteer:
    return Gazetteer()


def find_places(text: str, lang: str | None, title: str = "") -> list[Place]:
    """Places named in `title` and `text` (the body), most specific first (see module doc)."""
    return default_gazetteer().find(text, lang, title)


__all__ = ["Gazetteer", "GazetteerError", "find_places"]
