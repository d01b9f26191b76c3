"""Organisations and armed groups named in an item, from processors/data/orgs.yaml.

Analysts filter by actor ("everything JNIM claimed", "ECOWAS statements"), across languages:
one id per organisation whatever the language or abbreviation (CEDEAO = ECOWAS = إيكواس).
Full names match whatever their case; abbreviations only as written in the data, and only
in the languages listed for them, since many are words elsewhere (French "au", "un").
Ordered by how much the item talks about each: mentions (a title mention counts double),
then first position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from processors.data_files import read_yaml
from processors.matcher import Matcher
from veille.schema import Org

DATA = Path(__file__).parent / "data" / "orgs.yaml"

LANGS = ("en", "fr", "ar")
_ENTRY_KEYS = {"name", "abbreviations", "case_sensitive", "note", *LANGS}
_ABBR_KEYS = {"all", *LANGS}
TITLE_WEIGHT = 2


class OrgDataError(ValueError):
    """orgs.yaml is unusable; the message names the file, the entry and the key."""


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
        self.matcher = Matcher(level="fold")
        self.names: dict[str, str] = {}
        for phrase in _strings(data.pop("stop_phrases", []), f"{path.name}: stop_phrases"):
            self.matcher.add(phrase, None, None)
        for org_id, entry in data.items():
            self._add(str(org_id), entry)

    def _add(self, org_id: str, entry: Any) -> None:
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
        exact = set(_strings(entry.get("case_sensitive", []), f"{where}: key 'case_sensitive'"))
        full: list[str] = []
        for lang in LANGS:
            full += _strings(entry.get(lang, []), f"{where}: key {lang!r}")
        missing = exact - set(full)
        if missing:
            raise OrgDataError(f"{where}: key 'case_sensitive': {sorted(missing)[0]!r} is not "
                               "one of its names")
        # Full names: in every language (an English name in a French item still counts).
        for name in dict.fromkeys(full):
            self.matcher.add(name, None, org_id, case_sensitive=name in exact)
        abbreviations = entry.get("abbreviations", {})
        if not isinstance(abbreviations, dict) or set(abbreviations) - _ABBR_KEYS:
            raise OrgDataError(f"{where}: key 'abbreviations': a mapping of {sorted(_ABBR_KEYS)}")
        for lang, items in abbreviations.items():
            for abbr in _strings(items or [], f"{where}: key 'abbreviations/{lang}'"):
                self.matcher.add(abbr, None if lang == "all" else lang, org_id,
                                 case_sensitive=True)

    def find(self, text: str, lang: str | None, title: str = "") -> list[Org]:
        tallies: dict[str, _Tally] = {}
        for segment, part in enumerate((title, text)):
            if not part:
                continue
            for match in self.matcher.find(part, lang):
                if match.payload is None:  # a stop phrase
                    continue
                tally = tallies.setdefault(match.payload, _Tally((segment, match.start)))
                tally.score += TITLE_WEIGHT if segment == 0 else 1
                if match.surface not in tally.evidence:
                    tally.evidence.append(match.surface)
        order = sorted(tallies.items(), key=lambda kv: (-kv[1].score, kv[1].first))
        return [Org(id=org_id, name=self.names[org_id], evidence=t.evidence) for org_id, t in order]


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
