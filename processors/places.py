"""Places named in an item, from the gazetteer (processors/data/gazetteer.yaml).

Analysts map items and filter them by region, so a place must be right more than it must be
found: a town name that is also a word ("Boni", "Bla", Arabic مالي "financial") is kept only
with evidence that the text means the place. The rules are data in the gazetteer (built by
tools/build_gazetteer.py; its curated source documents them): `requires_context` names need a
cue word before them ("à Boni", "في مالي", "بمالي"), a place next to them in a list
("Bankass et Koro"), or another place of the same Mali region (elsewhere: of the same country)
in the item. A name shared by several places goes to the one whose region, then country, the
item otherwise mentions, else to the first in the gazetteer (Mali's).

Villages, hamlets and communes come from processors/data/settlements.tsv.gz (OCHA's Mali
settlements, built by tools/build_settlements.py): many of their names are also family names,
first names or words, so a village counts only written capitalised, not stop-listed, and with
a cue right before it or its commune or cercle named (see `_resolve_villages`). A place the text
introduces ("le village de X", "قرية X") that no list knows is reported without a point, with
the admin1 of the cercle, commune or region named near it (`_introduced`). In Arabic, a name
after a place word ("قرية كارو", "قرى غواري وجيميتون") is matched by its sound against the Latin
names of the settlements and curated towns (`_translit_mentions`, AR_PLACE_WORDS).

Only mentioned places are listed (a town does not add its region: the town carries admin1 and
admin2, which is what the map and the filters read); a cercle or region mentioned together with
its seat of the same name is folded into the town ("Koro" + "cercle de Koro": one Koro). Most specific first: village, commune,
town, cercle, region, country; among equals, the most salient first (mentions, a title mention
weighing more, then first position; among towns a region's capital and Bamako weigh less and
towns abroad come after Mali's cercles: `Gazetteer._order_key`). Given the item's event phrases
(`events`), a Mali place named in a sentence that reports the event (one with a phrase of the
strongest event label) comes before the others of its rank ("ووقع الهجوم في مدينة فاراباغو":
Farabougou before Kidal, named elsewhere; `spans`: every phrase found, from the labels), and
a place there named as a landmark ("near Timbuktu", "à 15 km de Gao") after the place the
event is in; an item with no event phrase does not weigh down
Bamako and the region capitals (a flood report, a decree: the item is about the country and
its seat of government). `title` and `text` are matched separately: pass the body as `text`.
"""

from __future__ import annotations

import gzip
import math
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import compress, count
from pathlib import Path
from typing import Any

from processors.data_files import read_yaml
from processors.matcher import Match, Matcher
from processors.normalise import (  # _TOKEN_RE: event phrases cut into words as texts are
    _TOKEN_RE,
    BREAK,
    RULES,
    SEP,
    Analysis,
    analyse,
    normalise_word,
    phrase_norms,
)
from veille.schema import Place

DATA = Path(__file__).parent / "data" / "gazetteer.yaml"
SETTLEMENTS = Path(__file__).parent / "data" / "settlements.tsv.gz"
STOPWORDS = Path(__file__).parent / "data" / "place_stopwords.txt"
ARABIC_WORDS = Path(__file__).parent / "data" / "arabic_words.txt.gz"
"""Frequent Arabic words (wordfreq, Zipf ≥ 3.5; tools/build_settlements.py): never the name
of a place a text introduces ("قرى عديدة", "قرية يسكنها الفلان")."""

RANKS = {"village": 0, "commune": 1, "town": 2, "cercle": 3, "region": 4, "country": 5}
"""Specificity: lower is more specific, listed first (a village, hamlet or camp before the
commune, a commune before a town)."""

SETTLEMENT_RANKS = {"village": "village", "seat": "town", "commune": "commune"}
"""The settlements file's types as ranks: a commune's main settlement is a town."""

VILLAGE_CUES = {
    "fr": ["à", "près de", "près d'", "vers", "village de", "village d'", "villages de",
           "villages d'", "localités de", "localités d'", "hameaux de", "communes de",
           "localité de", "localité d'", "hameau de", "hameau d'", "commune de", "commune d'",
           "camp de", "camp d'", "campement de", "campement d'", "environs de", "environs d'",
           "proximité de", "proximité d'", "site de", "dans le village de", "secteur de",
           "habitants de", "habitants d'", "populations de", "populations d'", "population de",
           "population d'"],
    "en": ["in", "at", "near", "village of", "town of", "hamlet of", "locality of",
           "commune of", "camp of", "outside", "around", "villages of", "towns of",
           "localities of", "communes of", "residents of", "inhabitants of", "people of"],
}
"""What must stand right before a village's name when its commune, cercle or region is not
named in the item: the few words that introduce a place ("à Tassiga", "near Tassiga",
"village de Tassiga"). Narrower than the gazetteer's context cues: "de X", "of X", "par X"
introduce people as often as places, and a village name has no other evidence."""

INTRODUCERS = {
    "fr": {"village": ["village de", "village d'", "localité de", "localité d'", "hameau de",
                       "hameau d'", "campement de", "campement d'", "villages de", "villages d'",
                       "hameaux de", "hameaux d'"],
           "town": ["ville de", "bourgade de", "commune rurale de", "commune rurale d'"]},
    "en": {"village": ["village of", "hamlet of", "locality of", "settlement of", "villages of",
                       "hamlets of"],
           "town": ["town of"]},
    "ar": {"village": ["قرية", "قرى", "قريتي", "قريتا"],
           "town": ["بلدة", "بلدتي"], "commune": ["بلدية"]},
}
"""Phrases that say the next name is a place ("le village de X", "the town of X", "قرية X"):
a name the gazetteer does not know is still reported after them, without a point. "near X",
"à X" are not enough: they precede people, organisations and dates too; nor are Arabic مخيم,
معسكر (camps): common words follow them ("معسكر بشكل مؤقت")."""

APPOSED_FILLERS = frozenset({"a", "an", "one", "of", "the", "small", "rural", "remote",
                             "un", "une", "l", "des", "petit", "petite", "rurale", "d"})
APPOSED_NOUNS = frozenset({"village", "villages", "hamlet", "hamlets", "town", "commune",
                           "locality", "localite", "hameau", "bourgade", "ville", "localites"})
POSTNOMINAL_NOUNS = {"village": "village", "hamlet": "village"}
"""English puts the noun after the name: "an attack on Yaru village", "residents of Ebak
village in Anchawadi commune" say the capitalised name before it is a village, as "the
village of X" does (French and Arabic put the noun first: INTRODUCERS). English text only."""
POSTNOMINAL_PEOPLES = frozenset({"fulani", "fula", "peul", "peulh", "dogon", "tuareg", "touareg",
                                 "arab", "malian", "songhai", "songhay", "sonrai", "bambara",
                                 "bozo", "mossi", "dafing", "dozo", "daoussahak", "tamasheq",
                                 "bella", "minianka", "senufo", "soninke", "moor"})
"""Peoples' names that stand before "village" as adjectives ("a Fulani village"), not names."""
"""A name followed by a comma and a noun that says what it is ("Gouari, one of the villages
attacked", "Sonkolo, a rural commune in the Segou region", "Tassiga, une localité du cercle
d'Ansongo") is a place, as after an introducer: the apposition reporters use when the reader
cannot know the name (`Gazetteer._apposed`). Up to three of the fillers may stand between."""

INTRODUCED_ADMIN_WINDOW = 25
"""Tokens around an introduced place within which a cercle, commune or region named gives it
its admin1 ("le village de X, dans le cercle de Y")."""

ZONES = {
    "centre": ("Mopti", "Ségou"),
    "nord": ("Tombouctou", "Gao", "Kidal", "Ménaka", "Taoudénit"),
    "sud": ("Sikasso", "Koulikoro", "Kayes"),
    "ouest": ("Kayes", "Koulikoro"),
}
"""The parts of Mali reporters locate events by ("dans le centre du Mali", "in northern Mali",
"شمال مالي"), as regions; used only to choose among a village's namesakes (`_zones`)."""
_ZONE_RE = re.compile(
    r"(?P<centre>\b(?:centre|center) (?:du|of) (?:Mali|pays|country)\b|\bcentral Mali\b|وسط (?:مالي|البلاد))"
    r"|(?P<nord>\bnord (?:du Mali|du pays)\b|\bnorth(?:ern)? (?:of )?Mali\b|\bnorth of the country\b"
    r"|شمال(?:ي)? (?:مالي|البلاد))"
    r"|(?P<sud>\bsud (?:du Mali|du pays)\b|\bsouth(?:ern)? (?:of )?Mali\b|جنوب(?:ي)? (?:مالي|البلاد))"
    r"|(?P<ouest>\bouest (?:du Mali|du pays)\b|\bwest(?:ern)? (?:of )?Mali\b|غرب(?:ي)? (?:مالي|البلاد))",
    re.IGNORECASE)

ANCHORS = {
    "fr": ["a eu lieu", "ont eu lieu", "s'est produit", "s'est produite", "se sont produits",
           "se sont produites", "s'est déroulé", "s'est déroulée", "se sont déroulés",
           "se sont déroulées"],
    "en": ["took place", "takes place", "occurred", "happened"],
}
AR_ANCHOR_VERBS = ("وقع", "وقعت", "ووقع", "ووقعت")
AR_ANCHOR_NOUNS = ("الهجوم", "الهجمات", "الاعتداء", "العملية", "الحادث", "الحادثة", "الكمين",
                   "المجزرة", "الانفجار", "الاشتباكات", "المعارك", "القصف", "الغارة")
AR_ANCHOR_RELATIVES = (("الذي", "وقع"), ("التي", "وقعت"))
ANCHOR_WINDOW = 12
"""How reporters say where an event happened: "l'attaque a eu lieu à Diéma", "the attack took
place in Djiguibombo village", "ووقع الهجوم في مدينة فاراباغو". The first Mali place below
region level within ANCHOR_WINDOW tokens after the phrase, in its sentence, is the event's
place (`Gazetteer._anchored`; a landmark, "à 15 km de Gao", is passed over); Arabic needs the
verb and the event's noun, in either order ("وقع الهجوم", "الهجوم الذي وقع": وقع alone also
means "signed")."""

SECONDARY_WORDS = frozenset({
    "autre", "autres", "deuxième", "second", "seconde", "troisième", "another", "other",
    "third", "fourth", "earlier", "previous", "آخر", "أخرى", "اخرى", "ثان", "الثاني",
    "ثانية", "الثانية", "ثالث", "الثالث", "ثالثة", "الثالثة", "سابق", "السابق"})
"""Words that make the event of an anchor another one than the report's ("another attack
occurred in X", "une autre attaque a eu lieu à X", "a third attack took place", "الهجوم
الثاني"): within SECONDARY_WINDOW tokens before the phrase, or (Arabic) right after it, they
keep the anchor from moving its place first (`Gazetteer._anchored`)."""
SECONDARY_WINDOW = 3

REGION_LISTS = {
    "fr": ["les régions de", "les régions du", "régions de", "régions du"],
    "en": ["regions of", "the regions of"],
    "ar": ["ولايتي", "منطقتي", "ولايات", "مناطق", "إقليمي"],
}
"""Phrases after which region capitals name their regions ("the regions of Timbuktu and
Gao"); a single region has its own phrases in the gazetteer ("région de Mopti")."""

CERCLE_LISTS = {
    "fr": ["les cercles de", "les cercles du", "cercles de", "cercles du", "cercles d'"],
    "en": ["cercles of", "circles of", "districts of", "the cercles of", "the circles of"],
    "ar": ["دائرتي", "دوائر", "مقاطعات"],
}
"""Phrases after which cercle seats name their cercles ("dans les cercles de Macina, Djenné et
San"): the cercles, not the towns, so a village or town named elsewhere is more specific and
the list keeps its order."""

INTRODUCED_TOWN_WINDOW = 6
"""With no cercle, commune or region named near it, an introduced place takes the admin1 of a
Mali town named within this many tokens ("قرية ديغيبو، بمنطقة باندياجارا", "le village de X,
près de Douentza"); not Bamako's (distances are given from the capital: "à 300 km de
Bamako")."""

NEAREST_MAX_KM = 100.0
"""A shared village name goes to the candidate nearest the item's other places only within
this distance, and only if the next candidate is clearly farther (NEAREST_MARGIN)."""
NEAREST_MARGIN = 1.5
SAME_PLACE_KM = 10.0
FAR_OFF_KM = 250.0

_AR_INTRODUCED_SKIP = frozenset({
    "صغيرة", "صغيره", "كبيرة", "كبيره", "نائية", "نائيه", "واحدة", "واحده", "أخرى", "اخرى",
    "في", "من", "على", "قرب", "حدودية", "حدوديه", "مجاورة", "مجاوره", "تابعة", "تابعه", "تقع",
    "قريبة", "قريبه", "بعيدة", "بعيده", "عدة", "عده", "كل",
})
_AR_QUOTES = frozenset('"«“”\'')
"""A name quoted after a place word is a name even when it begins like the article
(منطقة "الاتونا", Alatona): unquoted, "منطقة الساحل" is "the Sahel region"."""
_AR_VERB_WITH_OBJECT = re.compile("[وف]?[يت][\u0621-\u064a]{2,4}(?:ها|هم|هما)")
"""A present-tense verb with its object after "قرية" is no name: "قرية تسكنها قبيلة دوغون"
(a village the Dogon inhabit), "قرية يقطنها"."""
_AR_TWO_WORD_HEADS = frozenset({"تين", "إن", "ان", "عين", "أم", "ام", "بئر", "بير"})

AR_PLACE_WORDS = frozenset({
    "قرية", "قريه", "قرى", "قري", "قريتي", "قريتين", "بلدة", "بلده", "بلدتي", "بلدتين", "بلدات",
    "مدينة", "مدينه", "مدينتي", "مدن", "منطقة", "منطقه", "منطقتي", "مناطق", "بلدية", "بلديه",
    "بلديات", "مخيم", "معسكر", "محلة", "بلدتا", "قريتا",
})
AR_WEAK_CUES = frozenset({"في", "فى", "إلى", "الى", "قرب", "نحو", "حول", "ضواحي", "بمنطقة"})
"""Arabic words before a village name the press spells its own way ("قرية غواري", "بلدتي
توري وديالساغو", "في كارو"): after a place word the next name (and the names listed after it
with و) is matched by its sound against the settlements' Latin names (`_translit_mentions`);
after a preposition only when its commune or cercle is named in the item."""
_AR_CUE_FORMS = frozenset(AR_PLACE_WORDS | AR_WEAK_CUES | {
    clitic + cue for clitic in "وف" for cue in AR_PLACE_WORDS | AR_WEAK_CUES})
"""Every written form of a cue before a name (with و or ف in front or not): a token that is
none of these cannot start a sound match, so `_translit_mentions` jumps from cue to cue."""
TRANSLIT_MAX_COST = {2: 0.25, 3: 0.6}
TRANSLIT_MAX_COST_LONG = 0.9
"""How far an Arabic spelling may stray from a Latin name (`_sound_cost`: a short vowel left
unwritten costs 0.2-0.35, a vowel written differently 1), by the consonants the name has;
names of one consonant are never matched by sound."""

LEAD_FAR_KM = 25.0
"""A village or commune ranked first gives way to the place of the report's lead event
(`Gazetteer._lead_first`) when it lies in another region or farther than this from it."""

QUARTER_WORDS = frozenset({"quartier", "quartiers", "neighbourhood", "neighbourhoods",
                           "neighborhood", "neighborhoods", "حي", "احياء", "أحياء"})
"""Words of a sentence about a city's quarters (`Gazetteer._quarters`)."""

CAPITAL = "Bamako"
"""Mali's capital (its admin1)."""
TITLE_WEIGHT = 2.0
REGION_CAPITAL_WEIGHT = 0.5
CAPITAL_WEIGHT = 0.2
"""Salience of a place among the towns of an item (`Gazetteer._order_key`): its mentions, a
title mention counting TITLE_WEIGHT more; a region's capital weighs REGION_CAPITAL_WEIGHT of
that, Bamako CAPITAL_WEIGHT (weighed on the real dev set)."""

DIRECTION_WORDS = frozenset({"vers", "towards", "toward", "direction", "نحو", "باتجاه", "اتجاه"})
"""A place after these is where something goes, not where the event happened ("un convoi
parti de Gao vers Kidal", "une ville étape vers Kidal"): it is not the event's place."""

FLIGHT_WORDS = frozenset({
    "réfugier", "réfugiés", "réfugiées", "réfugié", "fui", "fuient", "fuir", "fuyant", "fuyaient",
    "enfuis", "enfuies", "refuge", "fled", "flee", "flees", "fleeing", "escape", "escaped",
    "escaping", "فروا", "فر", "فرت", "فرار", "نزحوا", "نزح", "نزحت", "نزوح", "لجأوا", "لجأ",
    "لجأت", "لجوء", "هربوا", "هرب", "هربت"})
FLIGHT_TO = frozenset({"à", "au", "aux", "en", "dans", "vers", "to", "into", "in", "إلى", "الى",
                       "نحو"})
"""A place after one of FLIGHT_WORDS and one of FLIGHT_TO (one word may stand between the
two: "فر السكان إلى", and an Arabic place word before the name: "فروا إلى مدينة غاو") is where people fled, not where the event happened ("les
populations fuient pour se réfugier à Ansongo", "fled to Mopti", "نزحوا إلى"): as after
DIRECTION_WORDS, it is not the event's place (`Gazetteer._destination`)."""

DISTANCE_WORDS = frozenset({"km", "kilometres", "kilometers", "miles", "يلومترات", "يلومتر",
                            "كلم"})
"""Units of a distance "from" a place: "250 miles from Bamako"."""
LANDMARK_WORDS = frozenset({"near", "outside", "pres", "proximite", "environs", "قرب"}) | DISTANCE_WORDS
"""A place after these (and "de", "of", "from", "من") locates the event from afar ("near
Timbuktu", "à 15 km de Sokolo", "بالقرب من"): in the event's sentence, it comes after a place
the event is in ("the ship near Timbuktu and a base in Bamba": Bamba first)."""
_LANDMARK_OF = frozenset({"de", "d", "du", "of", "from", "من"})

_LIST_FILLERS = frozenset({"les", "de", "du", "d", "of", "the"})
"""Words of the unit-list phrases found in most texts: not what tells a list is there."""
LIST_WORDS = frozenset({"et", "and", "ou", "or"})
"""Words that may stand between two places of a list ("Bankass et Koro")."""
_LIST_OF = frozenset({"de", "d", "of"})

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
    village: bool = False  # a settlement of OCHA's list (its own rules: `_resolve_villages`)
    place: Place | None = None  # set when no gazetteer entry stands for it (ambiguous, introduced)
    rank: str = "village"
    closest: int = 0  # matched by sound: how many candidates (the first) are closest
    near: bool = False  # named in a sentence that reports the event (`_near_events`)
    landmark: bool = False  # ... only as a landmark ("near X", "15 km from X")
    lead: bool = False  # named in the first sentence that reports an event (`_lead`)
    anchored: bool = False  # named right after "took place", "a eu lieu" (`_anchored`)
    dateline: bool = False  # a dateline or heading of the body (`_dateline`)
    called_village: bool = False  # a town the text calls a village (`_called_villages`)


@dataclass(frozen=True, slots=True)
class _Settlement:
    """What the village rules read about one settlement entry."""

    kind: str  # village, seat, commune
    commune: str  # folded commune name
    admin2: str  # folded cercle ("" when unknown)


@dataclass(slots=True)
class _Tally:
    first: tuple[int, int]
    title: int = 0
    count: int = 0
    near: bool = False
    landmark: bool = True  # every mention in the event's sentence a landmark (`_near_events`)
    lead: bool = False
    anchored: bool = False
    dateline: bool = True  # every mention a dateline (`_datelines_last`)
    called_village: bool = False  # called a village once (`_called_villages`)
    evidence: list[str] = field(default_factory=list)


class Gazetteer:
    """The loaded gazetteer and its matcher; `find` is what the processor calls."""

    def __init__(self, path: Path = DATA, settlements: Path | None = SETTLEMENTS) -> None:
        self.path = path
        data = _load(path)
        self.entries: _Entries = _Entries()
        self.matcher = Matcher(level="fold")
        self._sounds: list[tuple[int, str]] = []  # (entry, Latin name) matched by sound in Arabic
        for phrase in data.get("stop_phrases", []):
            self.matcher.add(phrase, None, None)
        for i, record in enumerate(data["places"]):
            self._add_place(i, record)
        self.cues = self._cues(data.get("context_cues", {}))
        self.stopwords = _read_stopwords(STOPWORDS)
        self.ar_common = _read_section(STOPWORDS, "ARABIC COMMON")
        self.ar_rare = _read_section(STOPWORDS, "ARABIC RARE")
        self._sound_index: dict[str, list[tuple[int, tuple[str, ...]]]] | None = None
        self._stems: dict[tuple[str, str], tuple[str, ...]] = {}  # event phrases' stems
        self.secondary = _folded_words(SECONDARY_WORDS)
        self.flights = _folded_words(FLIGHT_WORDS)
        self.flight_to = _folded_words(FLIGHT_TO)
        self.ar_place_words = _folded_words(AR_PLACE_WORDS, ("ar",))
        self.directions = _folded_words(DIRECTION_WORDS)
        # Settlements: a token index of their own (first norm → phrases), per rule set, not
        # the shared automaton: looked up only at tokens no gazetteer name covers.
        self.settlements: dict[int, _Settlement] = {}
        self.villages: dict[str, dict[str, list[tuple[tuple[str, ...], tuple[tuple[int, bool], ...]]]]] = {}
        if settlements is not None:
            self._load_settlements(settlements)
        self.places = _Places(self.entries)
        for i, _ in self._sounds:  # curated Mali towns matched by sound resolve as seats do
            if i < len(data["places"]) and i not in self.settlements and self.places[i].country == "ML":
                place = self.places[i]
                self.settlements[i] = _Settlement("seat", _fold(place.name), _fold(place.admin2 or ""))
        # the eleven regions (named like their admin1), not those of 2023 inside them
        # ("région de Bandiagara": its capital stays a town, `_order_key`)
        regions = {(p.name, p.admin1) for p in (e.place for e in self.entries[:len(data["places"])]
                                                 if e.rank == RANKS["region"] and e.place.country == "ML")
                   if p.name == p.admin1}
        self.capitals = frozenset(i for i in range(len(data["places"]))
                                  if self.entries[i].rank == RANKS["town"]
                                  and (self.places[i].name, self.places[i].admin1) in regions)
        region_of = {self.places[i].admin1: i for i in range(len(data["places"]))
                     if self.entries[i].rank == RANKS["region"] and self.places[i].country == "ML"
                     and self.places[i].name == self.places[i].admin1}
        self.region_of_capital = {i: region_of[self.places[i].admin1] for i in self.capitals
                                  if self.places[i].admin1 in region_of}
        cercles = {(self.places[i].name, self.places[i].admin1): i
                   for i in range(len(data["places"])) if self.entries[i].rank == RANKS["cercle"]
                   and self.places[i].country == "ML"}
        seat_of = {i: cercles[key] for i in range(len(data["places"]))
                   if self.entries[i].rank == RANKS["town"]
                   and (key := (self.places[i].name, self.places[i].admin1)) in cercles}
        # (cue phrases, their telling words, seat → unit, the rank a unit phrase has)
        self.unit_lists = [
            (cues, frozenset(t for c in cues for t in c if t not in _LIST_FILLERS), units, rank)
            for lists, units, rank in ((REGION_LISTS, self.region_of_capital, RANKS["region"]),
                                       (CERCLE_LISTS, seat_of, RANKS["cercle"]))
            for cues in [{p for rules in RULES for p in _phrases(lists, rules) if p}]]
        self.village_cues = {rules: _phrases(VILLAGE_CUES, rules) for rules in RULES}
        self._village_cues_by_last: dict[str, dict[str, list[tuple[str, ...]]]] = {}
        for rules, cues in self.village_cues.items():  # `_village_cued` reads the token before
            for cue in cues:
                self._village_cues_by_last.setdefault(rules, {}).setdefault(cue[-1], []).append(cue)
        self._sound_memo: dict[str, tuple[float, list[int], int]] = {}
        # introducer phrases by their last token (what a text is scanned for), longest first
        self.introducers: dict[str, dict[str, list[tuple[tuple[str, ...], str]]]] = {}
        for rules in RULES:
            by_last: dict[str, list[tuple[tuple[str, ...], str]]] = {}
            for kind, by_lang in _by_kind(INTRODUCERS).items():
                for phrase in _phrases(by_lang, rules):
                    by_last.setdefault(phrase[-1], []).append((phrase, kind))
            for options in by_last.values():
                options.sort(key=lambda o: -len(o[0]))
            self.introducers[rules] = by_last
        self._village_introducer_ends = frozenset(  # what `_called_villages` looks for
            last for by_last in self.introducers.values() for last, options in by_last.items()
            if any(kind == "village" for _, kind in options))
        # event anchors ("took place", "وقع الهجوم") by their last token (rarer than the first:
        # French "a eu lieu")
        self.anchors: dict[str, dict[str, list[tuple[str, ...]]]] = {}
        for rules in RULES:
            phrases = _phrases(ANCHORS, rules) + [
                tuple(phrase_norms(f"{verb} {noun}", rules, "fold"))
                for verb in AR_ANCHOR_VERBS for noun in AR_ANCHOR_NOUNS] + [
                tuple(phrase_norms(f"{noun} {which} {verb}", rules, "fold"))
                for which, verb in AR_ANCHOR_RELATIVES for noun in AR_ANCHOR_NOUNS]
            by_last: dict[str, list[tuple[str, ...]]] = {}
            for phrase in dict.fromkeys(p for p in phrases if p):
                by_last.setdefault(phrase[-1], []).append(phrase)
            self.anchors[rules] = by_last

    def _load_settlements(self, path: Path) -> None:
        """Reads the settlements file (tools/build_settlements.py). Names are normalised under
        the French and English rules (the others agree with one of them on Latin names)."""
        try:
            lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
        except OSError as exc:
            raise GazetteerError(f"{path}: cannot read: {exc}") from exc
        rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
        if not rows or rows[0][:3] != ["pcode", "type", "name"]:
            raise GazetteerError(f"{path.name}: no header line")
        index: dict[str, dict[tuple[str, ...], list[tuple[int, bool]]]] = {"fr": {}, "en": {}}
        fr_norm, en_norm = _word_norms("fr"), _word_norms("en")
        folded: _Memo = _Memo(_fold)
        for n, row in enumerate(rows[1:], 2):
            if len(row) != 9 or row[1] not in SETTLEMENT_RANKS:
                raise GazetteerError(f"{path.name}: line {n}: {row[:3]}")
            pcode, kind, name, admin1, admin2, commune, lat, lon, names = row
            i = len(self.entries)
            # The entry is built on first use (see _Entries): 18,000 models cost 0.2 s.
            self.entries.append((name, admin1, admin2 or None, lat, lon,
                                 RANKS[SETTLEMENT_RANKS[kind]]))
            self.settlements[i] = _Settlement(kind, folded[commune], folded[admin2])
            spellings = [(v, False) for v in names.split("|")]
            self._sounds += [(i, v) for v, _ in spellings]
            if kind == "commune":  # "commune de Dogofry" (its own context), bare "Dogofry"
                spellings += [(t.format(v), True) for v, _ in spellings
                              for t in _COMMUNE_TEMPLATES if _elision_fits(t, v)]
            for spelling, phrase in spellings:
                words = _WORD_RE.findall(spelling)
                fr = tuple(fr_norm[w] for w in words)
                # French and English rules differ on Latin words only at apostrophes (l', 's)
                en = tuple(en_norm[w] for w in words) if _APOSTROPHES & set(spelling) else fr
                if fr:
                    index["fr"].setdefault(fr, []).append((i, phrase))
                    index["en"].setdefault(en, []).append((i, phrase))
        for rules, by_key in index.items():
            first: dict[str, list[tuple[tuple[str, ...], tuple[tuple[int, bool], ...]]]] = {}
            for key, ids in by_key.items():
                first.setdefault(key[0], []).append((key, tuple(dict.fromkeys(ids))))
            for options in first.values():
                options.sort(key=lambda o: -len(o[0]))  # longest first
            self.villages[rules] = first
        self.villages["und"] = self.villages["fr"]
        self.villages["ar"] = self.villages["en"]

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
                if key == "latin" and record["type"] == "town":
                    self._sounds.append((i, name))
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

    def find(self, text: str, lang: str | None, title: str = "",
             events: Sequence[tuple[str, float]] | None = None,
             spans: Sequence[tuple[str, int, int, str, float]] | None = None) -> list[Place]:
        """`events`: the item's event phrases, `spans` where they stand (see `find_places`);
        None when not known."""
        mentions: list[_Mention] = []
        for segment, part in enumerate((title, text)):
            if part:
                mentions += self._mentions(part, lang, segment)
        if not mentions:
            return []
        self._resolve(mentions)
        self._unit_lists(mentions)
        self._resolve_villages(mentions, lambda: _zones(f"{title}\n{text}"))
        self._quarters(mentions, (title, text), lang)
        for segment, part in enumerate((title, text)):
            if part:
                mentions += self._introduced(part, lang, segment, mentions)
        accepted = [m for m in mentions if m.accepted]
        for m in accepted:
            m.dateline = (m.segment == 1 and m.match.surface.isupper() and _dateline(text, m)
                          or self._measured_from(m))
        self._called_villages(accepted, (title, text), lang)
        for segment, part in enumerate((title, text)):
            if part and len(accepted) > 1:  # an anchor only reorders places
                self._anchored(accepted, part, lang, segment)
        if events:
            self._near_events(accepted, (title, text), lang, events, spans)
            if spans and any(m.village or m.place is not None or m.called_village
                             or self.entries[m.chosen.place].rank < RANKS["town"]
                             for m in accepted):  # the lead matters only against a village
                self._lead(accepted, text, lang, spans)
        return self._rank(accepted, None if events is None else bool(events))

    def _near_events(self, mentions: list[_Mention], parts: tuple[str, str], lang: str | None,
                     events: Sequence[tuple[str, float]],
                     spans: Sequence[tuple[str, int, int, str, float]] | None = None) -> None:
        """Marks (`near`) the mentions named in a sentence that reports the event: one where a
        phrase of the strongest event label (its evidence; all its labels when several score
        alike) is found again, on stems ("attaque" finds "attaques"). A dateline or heading
        (`_dateline`: "BAMAKO (Reuters) -") and a name after "vers", "towards" (a destination)
        are not marked."""
        top = max(w for _, w in events) - 1e-6
        strongest = [(p, w) for p, w in events if w >= top]
        if spans:  # every phrase found, not only the evidence
            top = max(s[4] for s in spans) - 1e-6
            strong_spans = [s for s in spans if s[4] >= top]
        for segment, part in enumerate(parts):
            here = [m for m in mentions if m.segment == segment
                    and not (segment == 1 and _dateline(part, m))]
            if not here or not part:
                continue
            an = analyse(part, lang, "stem")
            if spans:
                breaks = an.breaks
                sentences = {bisect_left(breaks, s[1]) for s in strong_spans if s[0] == part}
            else:
                sentences = {sentence for _, _, sentence, _ in self._event_spots(an, strongest)}
            if not sentences:
                continue
            breaks = an.breaks
            for m in here:
                first = m.match.first_token
                if self._destination(m.norms, first):
                    continue
                m.near = bisect_left(breaks, first) in sentences and not _after_clause(an, first)
                if m.near:
                    m.landmark = _landmark(m.norms, first)

    def _lead(self, mentions: list[_Mention], text: str, lang: str | None,
              spans: Sequence[tuple[str, int, int, str, float]]) -> None:
        """Marks (`lead`) the Mali places of the body's first sentence that both reports an
        event (a phrase of any event label) and names a Mali village, commune or town: the
        event the report leads with. Not counted: a dateline, a name after "vers", "towards".
        Bamako and the region capitals count here but do not move first (`_lead_first`)."""
        here = [m for m in mentions if m.segment == 1 and not _dateline(text, m)]
        if not here or not text:
            return
        an = analyse(text, lang, "fold")
        breaks = an.breaks
        sentences = {bisect_left(breaks, s[1]) for s in spans if s[0] == text}
        by_sentence: dict[int, list[_Mention]] = {}
        for m in here:
            place = m.place or self.places[m.chosen.place]
            rank = RANKS[m.rank] if m.place else self.entries[m.chosen.place].rank
            first = m.match.first_token
            if (place.country != "ML" or not place.admin1 or rank > RANKS["town"]
                    or self._destination(m.norms, first) or _after_clause(an, first)):
                continue
            by_sentence.setdefault(bisect_left(breaks, first), []).append(m)
        lead = min((s for s in by_sentence if s in sentences), default=None)
        for m in by_sentence.get(lead, ()):
            m.lead = True

    def _measured_from(self, m: _Mention) -> bool:
        """The capital named to measure a distance from ("around 250 miles from Bamako", "à
        300 km de Bamako", "على بعد 600 كلم من باماكو"): the reader's landmark, as a
        dateline is, not where the event happened (`_datelines_last`)."""
        if m.place is not None or self.places[m.chosen.place].name != CAPITAL:
            return False
        first, norms = m.match.first_token, m.norms
        before = norms[max(0, first - 2):first]
        return len(before) == 2 and before[0] in DISTANCE_WORDS and before[1] in _LANDMARK_OF

    def _destination(self, norms: list[str], first: int) -> bool:
        """The name at `first` is where something goes: after "vers", "towards", "نحو"
        (DIRECTION_WORDS), or where people fled (FLIGHT_WORDS, FLIGHT_TO)."""
        if first == 0:
            return False
        if norms[first - 1] in self.directions:
            return True
        j = first - 1
        if norms[j] in self.ar_place_words:
            j -= 1
        # one word may stand between the verb and "to" ("فر السكان إلى", "fled south to")
        return j > 0 and norms[j] in self.flight_to and (
            norms[j - 1] in self.flights or (j > 1 and norms[j - 2] in self.flights))

    def _event_spots(self, an: Analysis, events: Sequence[tuple[str, float]]
                     ) -> list[tuple[int, int, int, float]]:
        """Where the event phrases stand in a text: (first token, last token, sentence,
        weight)."""
        joined, breaks = an.joined, an.breaks
        out: list[tuple[int, int, int, float]] = []
        for phrase, weight in events:
            norms = self._phrase_stems(phrase, an.rules)
            if not norms:
                continue
            needle = SEP + SEP.join(norms) + SEP
            pos = joined.find(needle)
            while pos >= 0:
                first = joined.count(SEP, 0, pos)
                out.append((first, first + len(norms) - 1, bisect_left(breaks, first), weight))
                pos = joined.find(needle, pos + 1)
        return out

    def _phrase_stems(self, phrase: str, rules: str) -> tuple[str, ...]:
        key = (phrase, rules)
        found = self._stems.get(key)
        if found is None:
            words = [m.group() for m in _TOKEN_RE.finditer(phrase)]
            found = tuple(n for n in (normalise_word(w, rules, "stem") for w in words) if n)
            if len(self._stems) > 50_000:
                self._stems.clear()
            self._stems[key] = found
        return found

    def _mentions(self, text: str, lang: str | None, segment: int) -> list[_Mention]:
        an = analyse(text, lang, "fold")
        found = self.matcher.scan(an)  # one (first, last, payloads) per span: one Match each
        out = []
        for first, last, payloads in found:
            if None in payloads:  # a stop phrase: the name inside it is not a place
                continue
            start, end = an.span(first)[0], an.span(last)[1]
            surface = text[start:end]
            names = [n for n in payloads if n.arabic is None or _whole(surface, n)]
            if not names:
                continue
            match = Match(payloads[0], start, end, surface, first, last)
            mention = _Mention(match, segment, _unique(names), an.norms)
            mention.cued = self._cued(mention, text)
            out.append(mention)
        if self.villages:
            covered = bytearray(len(an.norms))
            for first, last, _ in found:
                covered[first:last + 1] = b"\x01" * (last - first + 1)
            out += self._village_mentions(an, segment, covered)
            self._cue_lists(out, an)
            if an.rules == "ar":
                for m in out:
                    first, last = m.match.first_token, m.match.last_token
                    covered[first:last + 1] = b"\x01" * (last - first + 1)
                out += self._translit_mentions(an, segment, covered)
        return out

    def _village_mentions(self, an: Analysis, segment: int, covered: bytearray) -> list[_Mention]:
        """Settlement names at tokens no gazetteer name covers, written capitalised (a
        commune phrase, "commune de Dangha", in any case)."""
        index = self.villages[an.rules]
        norms = an.norms
        out: list[_Mention] = []
        if index.keys().isdisjoint(norms):  # many texts: no settlement word at all (C speed)
            return out
        n, after = len(norms), -1
        # the positions of settlement words, found at C speed (most tokens are not one)
        for i in [i for i in compress(count(), map(index.__contains__, norms)) if not covered[i]]:
            if i <= after:  # inside the previous settlement name
                continue
            found = None
            for key, ids in index[norms[i]]:
                last = i + len(key) - 1
                if last < n and tuple(norms[i:last + 1]) == key and not any(covered[i:last + 1]):
                    found = (last, ids)
                    break
            if found is None:
                continue
            last, ids = found
            start, end = an.span(i)[0], an.span(last)[1]
            surface = an.text[start:end]
            commune = all(phrase for _, phrase in ids)  # "commune de X": any case, no cue
            if commune or (surface[:1].isupper() and not surface.isupper()
                           and not self._surname_follows(an, last)):
                match = Match(None, start, end, surface, i, last)
                names = [_Name(k, not phrase, None) for k, phrase in ids]
                mention = _Mention(match, segment, names, norms, village=True)
                mention.cued = commune or self._village_cued(an, i) or self._apposed(an, last)
                out.append(mention)
                after = last
        return out

    def _cue_lists(self, mentions: list[_Mention], an: Analysis) -> None:
        """A village listed after a cued place is cued too ("les villages de Gangafani 2 et de
        Yoro", "the villages of Karou, Ouatagouna, and Daoutegeft"): between the two, nothing
        (a comma), a list word, or a list word and "de"/"of"; a number may end the first name
        ("Gangafani 2")."""
        norms = an.norms
        listed: _Mention | None = None  # the last place of a cued list
        for m in sorted(mentions, key=lambda m: m.match.first_token):
            first = m.match.first_token
            if listed is not None and m.village and not m.cued:
                m.cued = _list_gap(norms[listed.match.last_token + 1:first])
            cued = m.cued if m.village else self._village_cued(an, first)
            listed = m if cued else None

    def _sound_candidates(self, word: str) -> tuple[float, list[int], int]:
        """The entries whose Latin name the Arabic `word` writes (`_sound_cost`), closest
        first, the cost of the closest and how many are as close (within 0.1)."""
        found = self._sound_memo.get(word)  # the same words come back (the list is not changed)
        if found is not None:
            return found
        if self._sound_index is None:  # built on the first Arabic text (0.2 s)
            self._sound_index = sound_index([name for _, name in self._sounds],
                                            [i for i, _ in self._sounds])
        scored = sound_matches(self._sound_index, word)
        if not scored:
            found = math.inf, [], 0
        else:
            best = min(scored.values())
            found = (best, sorted(scored, key=lambda i: (scored[i], i)),
                     sum(c <= best + 0.1 for c in scored.values()))
        if len(self._sound_memo) >= 100_000:
            self._sound_memo.clear()
        self._sound_memo[word] = found
        return found

    def _translit_mentions(self, an: Analysis, segment: int, covered: bytearray) -> list[_Mention]:
        """Arabic names of villages and towns matched by sound (see AR_PLACE_WORDS) at tokens
        nothing else covers: the name after a place word or a preposition, and the names
        listed after it with و ("قرى غواري وجيميتون وبانغادوغو")."""
        text, norms, words = an.text, an.norms, an.words()
        out: list[_Mention] = []
        listing: bool | None = None  # in a list after a cue: the cue's strength (True: strong)
        # Outside a list only the token after a cue can start a name: jump to the next one
        # (every other token leaves `listing` None and adds nothing).
        after_cue = [j + 1 for j in compress(count(), map(_AR_CUE_FORMS.__contains__, words))]
        i, n = 0, len(norms)
        while i < n:
            if listing is None:
                k = bisect_left(after_cue, i)
                if k == len(after_cue) or after_cue[k] >= n:
                    break
                i = after_cue[k]
            if norms[i] == BREAK:
                listing, i = None, i + 1
                continue
            word = words[i]
            if not _is_arabic_word(word):
                listing, i = None, i + 1
                continue
            bare = word[1:] if word[:1] in "وف" and len(word) > 3 else word
            strong = None
            if i > 0 and norms[i - 1] != BREAK:
                before = words[i - 1]
                before = before[1:] if before[:1] in "وف" and len(before) > 3 else before
                if before in AR_PLACE_WORDS:
                    strong = True
                elif before in AR_WEAK_CUES:
                    strong = False
            if strong is None and listing is not None and word[:1] == "و" and word != bare:
                strong = listing
            if strong is None or covered[i]:
                listing = strong if covered[i] and strong is not None else None
                i += 1
                continue
            quoted = strong and _AR_QUOTES.intersection(text[an.span(i - 1)[1]:an.span(i)[0]])
            found = self._sound_match(an, i, strong, covered, bool(quoted))
            if found is None:
                listing = strong if strong else None
                i += 1
                continue
            last, candidates, closest, clitic = found
            if any(self.places[k].country != "ML" for k in candidates[:closest]):
                listing, i = strong, last + 1  # a town abroad sounds alike: not ours to say
                continue
            candidates = [k for k in candidates if self.places[k].country == "ML"]
            s2, e2 = an.span(i)[0] + clitic, an.span(last)[1]
            match = Match(None, s2, e2, text[s2:e2], i, last)
            m = _Mention(match, segment, [_Name(k, True, None) for k in candidates], norms,
                         village=True, cued=strong, closest=closest)
            out.append(m)
            listing = strong
            i = last + 1
        return out

    def _sound_match(self, an: Analysis, i: int, strong: bool, covered: bytearray,
                     quoted: bool = False) -> tuple[int, list[int], int, int] | None:
        """The entries an Arabic name at token i (one word, or two: "دياللي كانا") writes:
        its last token, the entries (closest first), how many are closest, and whether a
        clitic was taken off the word (1) or not (0)."""
        norms, words = an.norms, an.words()
        word = words[i]
        forms = [(word, 0.0)]
        if word[:1] in _AR_CLITICS and len(word) > 4:  # "وديالساغو"; "فاراباغو" is whole
            forms.append((word[1:], 0.1 if word[0] == "و" else 0.5))
        options: list[tuple[float, int, list[int], int, int]] = []
        for form, penalty in forms:
            folded = _fold_ar(form)
            if ((form.startswith("ال") and not (quoted and not penalty))
                    or form in _AR_INTRODUCED_SKIP or len(form) < 3
                    or form in AR_PLACE_WORDS or form in AR_WEAK_CUES or folded in self.ar_common
                    or (not strong and folded in self.ar_rare)):
                continue
            if (strong and i + 1 < len(norms) and norms[i + 1] != BREAK and not covered[i + 1]):
                nxt = words[i + 1]
                if _is_arabic_word(nxt) and nxt[:1] != "و" and not nxt.startswith("ال"):
                    cost, found, closest = self._sound_candidates(form + nxt)
                    if found:
                        options.append((cost + penalty - 0.05, i + 1, found, closest,
                                        len(word) - len(form)))
            cost, found, closest = self._sound_candidates(form)
            if found:
                options.append((cost + penalty, i, found, closest, len(word) - len(form)))
        if not options:
            return None
        return min(options, key=lambda o: o[0])[1:]

    def _surname_follows(self, an: Analysis, last: int) -> bool:
        """A capitalised stop word (a family name) right after the name: a person ("le chef de
        village, Boukary Coulibaly"), not a village."""
        if last + 1 >= len(an.norms) or an.norms[last + 1] == BREAK:
            return False
        start, end = an.span(last + 1)
        word = an.text[start:end]
        return (an.text[an.span(last)[1]:start] == " " and word[:1].isupper()
                and _fold(word) in self.stopwords)

    @staticmethod
    def _apposed(an: Analysis, last: int) -> int | None:
        """The token of the noun in an apposition after the name ending at `last` (see
        APPOSED_NOUNS): a comma, up to three fillers, the noun."""
        norms, n = an.norms, len(an.norms)
        if last + 1 >= n or "," not in an.text[an.span(last)[1]:an.span(last + 1)[0]]:
            return None
        j = last + 1
        while j < n and j - last <= 4:
            if norms[j] in APPOSED_NOUNS:
                return j
            if norms[j] not in APPOSED_FILLERS:
                return None
            j += 1
        return None

    def _village_cued(self, an: Analysis, first: int) -> bool:
        norms = an.norms
        if first == 0:
            return False
        for cue in self._village_cues_by_last.get(an.rules, {}).get(norms[first - 1], ()):
            k = len(cue)
            if first >= k and tuple(norms[first - k:first]) == cue:
                return True
        return False

    def _cued(self, mention: _Mention, text: str) -> bool:
        match = mention.match
        if match.first_token > 0 and mention.norms[match.first_token - 1] in self.cues:
            return True
        if text[max(0, match.start - 2):match.start].lower() in ("d'", "d’"):
            return True
        prefix = _arabic_prefix(match.surface, mention.candidates)
        return bool(prefix) and "ال" not in prefix and any(c in prefix for c in "بل")

    def _resolve(self, all_mentions: list[_Mention]) -> None:
        places = self.places
        mentions = [m for m in all_mentions if not m.village]
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

    def _unit_lists(self, mentions: list[_Mention]) -> None:
        """Seats listed after a phrase that names their units are the units: region capitals
        after "the regions of", "les régions de", "ولايتي" ("in the regions of Timbuktu and
        Gao"; REGION_LISTS), cercle seats after "les cercles de", "دوائر" (CERCLE_LISTS). A
        town of the item named elsewhere is then more specific."""
        by_segment: dict[int, list[_Mention]] = {}
        for m in mentions:
            if m.accepted and not m.village and m.place is None:
                by_segment.setdefault(m.segment, []).append(m)
        for listed in by_segment.values():
            norms = listed[0].norms
            ranks = {self.entries[m.chosen.place].rank for m in listed}
            listed.sort(key=lambda m: m.match.first_token)
            for cues, words, units, rank in self.unit_lists:
                if rank in ranks or not words.isdisjoint(norms):  # most items: neither
                    self._unit_list(listed, norms, cues, units, rank)

    def _unit_list(self, listed: list[_Mention], norms: list[str], cues: set[tuple[str, ...]],
                   units: dict[int, int], rank: int) -> None:
        in_list = False
        previous = None
        for m in listed:
            first = m.match.first_token
            if m.chosen.place not in units:
                # "régions de Mopti" (a unit phrase) opens a list: ", Ségou et Gao"
                in_list = (self.entries[m.chosen.place].rank == rank
                           and self.places[m.chosen.place].country == "ML")
                previous = m
                continue
            if in_list and previous is not None:
                between = norms[previous.match.last_token + 1:first]
                in_list = len(between) <= 2 and all(t in LIST_WORDS or t in _LIST_OF
                                                    for t in between)
            if not in_list:
                in_list = any(first >= len(c) and tuple(norms[first - len(c):first]) == c
                              for c in cues)
            if in_list:
                m.chosen = _Name(units[m.chosen.place], False, None)
            previous = m

    def _resolve_villages(self, mentions: list[_Mention],
                          zones_of: Callable[[], frozenset[str]] = frozenset) -> None:
        """Settlement names count with their commune, cercle or region named in the item, or
        with a cue right before them ("à X", "near X", "village de X"); a name several
        settlements share goes to the one whose commune, cercle, then region is named, else to
        the one nearest the item's other places, else (cued) it is reported without a point
        when all candidates share a region, and dropped otherwise."""
        villages = [m for m in mentions if m.village]
        if not villages:
            return
        others = [self.places[m.chosen.place] for m in mentions if m.accepted and not m.village]
        communes, cercles, regions = set(), set(), set()
        for m in mentions:
            if not m.accepted or m.village:
                continue
            place, rank = self.places[m.chosen.place], self.entries[m.chosen.place].rank
            if place.country != "ML":
                continue
            if rank == RANKS["region"]:
                regions.add(place.admin1)
                if place.name != place.admin1:  # a region of 2023 names its capital's cercle
                    cercles.add(_fold(place.name))
            elif rank == RANKS["cercle"] or (place.admin2 and _fold(place.name) == _fold(place.admin2)):
                cercles.add(_fold(place.admin2 or ""))
            if rank == RANKS["town"]:
                communes.add(_fold(place.name))  # a curated town names its commune too
        for m in villages:  # communes and unshared seats named support villages too
            if m.cued and len(m.candidates) == 1 and self.settlements[m.candidates[0].place].kind != "village":
                communes.add(self.settlements[m.candidates[0].place].commune)

        def support(n: _Name) -> tuple[bool, bool, bool]:
            info, place = self.settlements[n.place], self.places[n.place]
            return (info.commune in communes and info.kind != "commune",
                    bool(info.admin2) and info.admin2 in cercles, place.admin1 in regions)

        # commune phrases first ("commune de Dinangourou": their own context), so that they
        # locate the villages named before them (`_elsewhere`)
        for m in sorted(villages, key=lambda m: m.candidates[0].requires_context):
            scored = sorted(((support(n), n) for n in m.candidates), key=lambda sn: sn[0],
                            reverse=True)
            best, chosen = scored[0]
            if not m.candidates[0].requires_context:  # a commune phrase: its own context
                m.chosen, m.accepted = _first_best(scored), True
                continue
            if any(best[:2]) or (m.cued and best[2]):  # its commune or cercle; cued: region
                tied = [n for sc, n in scored if sc == best]
                if len(tied) > 1 and not self._one_place(tied):  # two Gouari of one region
                    chosen = self._nearest(tied, others, margin=1.0) or chosen
                m.chosen, m.accepted = chosen, True
                continue
            if not m.cued or self._elsewhere(m, mentions):
                continue
            if m.closest:  # matched by sound, nothing named near: only the closest spellings
                m.candidates = m.candidates[:m.closest]
                chosen = m.candidates[0]
            if len(m.candidates) > 1 and (zones := zones_of()):  # "in central Mali" (rare:
                # the text is searched only here)
                inside = [n for n in m.candidates if self.places[n.place].admin1 in zones]
                if inside:
                    m.candidates, chosen = inside, inside[0]
            if len(m.candidates) == 1 or self._one_place(m.candidates):
                m.chosen, m.accepted = chosen, not self._far_off(chosen, others)
                continue
            nearest = self._nearest(m.candidates, others) or self._seat(m.candidates)
            if nearest is not None:
                m.chosen, m.accepted = nearest, not self._far_off(nearest, others)
                continue
            candidates = [self.places[n.place] for n in m.candidates]
            admin1s = {p.admin1 for p in candidates}
            if len(admin1s) == 1:
                admin2s = {p.admin2 for p in candidates}
                m.chosen, m.accepted = chosen, True
                m.place = Place(name=self.places[chosen.place].name, country="ML",
                                admin1=admin1s.pop(),
                                admin2=admin2s.pop() if len(admin2s) == 1 else None,
                                lat=None, lon=None)

    def _called_villages(self, mentions: list[_Mention], parts: tuple[str, str],
                         lang: str | None) -> None:
        """A town or commune the text calls a village ("dans le village d'Anderamboukane",
        "the village of X", "قرية X") ranks as one (`called_village`), and so do the places
        listed after it ("the villages of Diallassagou, Dianweli and Deguessagou", "قرى
        وينكورو وسيغيلا": `_list_gap`), curated or OCHA's."""
        cues = self._village_introducer_ends
        for segment, part in enumerate(parts):
            here = [m for m in mentions if m.segment == segment]
            if not any(m.match.first_token > 0 and m.norms[m.match.first_token - 1] in cues
                       for m in here):
                continue
            by_last = self.introducers[analyse(part, lang, "fold").rules]
            listed: _Mention | None = None  # the last place of a list called villages
            for m in sorted(here, key=lambda m: m.match.first_token):
                first, norms = m.match.first_token, m.norms
                called = first > 0 and norms[first - 1] in cues and any(
                    kind == "village" and first >= len(phrase)
                    and tuple(norms[first - len(phrase):first]) == phrase
                    for phrase, kind in by_last.get(norms[first - 1], ()))
                if not called and listed is not None:
                    called = _list_gap(norms[listed.match.last_token + 1:first])
                listed = m if called else None
                if called and m.place is None and (
                        RANKS["commune"] <= self.entries[m.chosen.place].rank <= RANKS["town"]):
                    m.called_village = True

    def _quarters(self, mentions: list[_Mention], parts: tuple[str, str], lang: str | None) -> None:
        """Villages named in a sentence about the capital's quarters ("dans plusieurs quartiers,
        notamment à Sébénikoro, Banconi…", "le quartier Badalabougou de Bamako") in an item
        that names Bamako are quarters of Bamako, not their namesakes in the country (OCHA's
        Sébénikoro of Koulikoro): admin1 Bamako, no point."""
        villages = [m for m in mentions if m.village and m.accepted]
        if not villages or not any(m.accepted and not m.village and m.place is None
                                   and self.places[m.chosen.place].name == CAPITAL
                                   for m in mentions):
            return
        for segment, part in enumerate(parts):
            here = [m for m in villages if m.segment == segment]
            if not here:
                continue
            an = analyse(part, lang, "fold")
            if QUARTER_WORDS.isdisjoint(an.norms):
                continue
            breaks = an.breaks
            quarter = {bisect_left(breaks, i) for i, w in enumerate(an.norms) if w in QUARTER_WORDS}
            for m in here:
                if bisect_left(breaks, m.match.first_token) in quarter:
                    m.place = Place(name=self.places[m.chosen.place].name, country="ML",
                                    admin1=CAPITAL, admin2=None, lat=None, lon=None)

    def _units(self, mentions: list[_Mention], segment: int) -> tuple[list[_Mention], list[_Mention]]:
        """The Mali cercles, communes (curated, or a settlements' "commune de X") and regions
        named in a segment, and its curated Mali towns other than Bamako: what locates a
        village named near them."""
        units, towns = [], []
        for m in mentions:
            if not m.accepted or m.segment != segment or m.place:
                continue
            place, rank = self.places[m.chosen.place], self.entries[m.chosen.place].rank
            if place.country != "ML":
                continue
            if rank in (RANKS["cercle"], RANKS["region"], RANKS["commune"]):
                units.append(m)
            elif rank == RANKS["town"] and place.admin1 not in ("", CAPITAL) and not m.village:
                towns.append(m)  # curated towns (a village list's seats: "قرى كارو وأوتاغونا")
        return units, towns

    def _elsewhere(self, m: _Mention, mentions: list[_Mention]) -> bool:
        """A cued village whose every namesake lies outside the region of the cercle, commune,
        region or town named next to it ("قرية كوبيلا في ولاية موبتي": OCHA's only Kobila is in
        Ségou) is another village the list lacks: not reported here, `_introduced` may report it
        with that region."""
        units, towns = self._units(mentions, m.segment)
        first, last = m.match.first_token, m.match.last_token
        unit = _nearest_unit(units, first, last) or _nearest_unit(towns, first, last,
                                                                  INTRODUCED_TOWN_WINDOW)
        return unit is not None and self.places[unit.chosen.place].admin1 not in {
            self.places[n.place].admin1 for n in m.candidates}

    def _far_off(self, name: _Name, others: list[Place]) -> bool:
        """A village far from every other Mali place of the item is more likely a namesake
        of one the gazetteer lacks ("near Dogofry" in Ségou; the list has only Kayes').
        Bamako does not count: datelines and ministries name it in items about anywhere."""
        place = self.places[name.place]
        points = [(p.lat, p.lon) for p in others if p.country == "ML" and p.admin1
                  and p.admin1 != CAPITAL and p.lat is not None and p.lon is not None]
        return bool(points) and min(_km(place, lat, lon) for lat, lon in points) > FAR_OFF_KM

    def _one_place(self, names: list[_Name]) -> bool:
        """Entries of one place: a commune's seat listed again as a village, or a hamlet
        beside its village (all within SAME_PLACE_KM of the first)."""
        first = self.places[names[0].place]
        return all(_km(self.places[n.place], first.lat, first.lon) <= SAME_PLACE_KM
                   for n in names[1:])

    def _nearest(self, names: list[_Name], others: list[Place],
                 margin: float = NEAREST_MARGIN) -> _Name | None:
        points = [(p.lat, p.lon) for p in others if p.country == "ML" and p.admin1
                  and p.lat is not None and p.lon is not None]
        if not points:
            return None
        ranked = sorted((min(_km(self.places[n.place], lat, lon) for lat, lon in points), n.place, n)
                        for n in names)
        best, _, name = ranked[0]
        here = self.places[name.place]
        # the next candidate elsewhere (a commune, its seat and its village are one place)
        second = next((d for d, i, _ in ranked[1:]
                       if _km(self.places[i], here.lat, here.lon) > SAME_PLACE_KM), math.inf)
        if best <= NEAREST_MAX_KM and second >= best * margin:
            return name
        return None

    def _seat(self, names: list[_Name]) -> _Name | None:
        """The commune seat among namesakes that are otherwise villages (all seats and communes
        of the name one place): the press names seats far more often than hamlets."""
        seats = [n for n in names if self.settlements[n.place].kind != "village"]
        if not seats or not self._one_place(seats):
            return None
        return next((n for n in seats if self.settlements[n.place].kind == "seat"), seats[0])

    def _introduced(self, text: str, lang: str | None, segment: int,
                    mentions: list[_Mention]) -> list[_Mention]:
        """Places the gazetteer does not know but the text introduces as places ("le village
        de X", "the town of X", "قرية X"), with the admin1 (and admin2) of the cercle, commune
        or region named within a few tokens; none named: not reported (no country either)."""
        an = analyse(text, lang, "fold")
        norms = an.norms
        by_last = self.introducers[an.rules]
        apposed = self._apposed_names(an) if not APPOSED_NOUNS.isdisjoint(norms) else {}
        if an.rules == "en" and not POSTNOMINAL_NOUNS.keys().isdisjoint(norms):
            apposed.update(self._postnominal_names(an))
        if not apposed and by_last.keys().isdisjoint(norms):  # most texts introduce no place
            return []
        taken = bytearray(len(norms))
        for m in mentions:  # a village not accepted leaves its name free ("le village de X")
            if m.segment == segment and (m.accepted or not m.village):
                first, last = m.match.first_token, m.match.last_token
                taken[first:last + 1] = b"\x01" * (last - first + 1)
        units, towns = self._units(mentions, segment)
        out: list[_Mention] = []
        starts = [i + 1 for i in compress(count(), map(by_last.__contains__, norms[:-1]))]
        for i in sorted({*starts, *apposed}):
            if i in apposed:
                kind, last = apposed[i]
                if taken[i] or any(taken[i:last + 1]):
                    continue
            else:
                kind = next((kind for phrase, kind in by_last[norms[i - 1]]
                             if i >= len(phrase) and tuple(norms[i - len(phrase):i]) == phrase), None)
                if kind is None or taken[i] or _definite(an, i - 1):
                    continue
                last = self._introduced_name(an, i)
                if last is None or any(taken[i:last + 1]) or self._surname_follows(an, last):
                    continue
                if not _INTRODUCER_GAP.fullmatch(text[an.span(i - 1)[1]:an.span(i)[0]]):
                    continue  # "le chef de village, Boukary": a comma ends the phrase
            unit = _nearest_unit(units, i, last) or _nearest_unit(towns, i, last, INTRODUCED_TOWN_WINDOW)
            if unit is None:
                continue
            start, end = an.span(i)[0], an.span(last)[1]
            surface = text[start:end]
            if _fold(surface) in self.stopwords:
                continue
            where, rank = self.places[unit.chosen.place], self.entries[unit.chosen.place].rank
            admin2 = where.admin2 if rank in (RANKS["cercle"], RANKS["commune"]) else None
            taken[i:last + 1] = b"\x01" * (last - i + 1)
            m = _Mention(Match(None, start, end, surface, i, last), segment, [], norms,
                         accepted=True, rank=kind)
            m.place = Place(name=surface, country="ML", admin1=where.admin1, admin2=admin2,
                            lat=None, lon=None)
            out.append(m)
        return out

    def _apposed_names(self, an: Analysis) -> dict[int, tuple[str, int]]:
        """Latin names followed by an apposition (APPOSED_NOUNS): first token -> (kind, last
        token). The name is one to three capitalised words, not the sentence's first word."""
        out: dict[int, tuple[str, int]] = {}
        norms = an.norms
        for j in [j for j in compress(count(), map(APPOSED_NOUNS.__contains__, norms))]:
            last = j - 1
            while last > 0 and norms[last] in APPOSED_FILLERS:
                last -= 1
            if last <= 0 or j - last > 4 or self._apposed(an, last) != j:
                continue
            for first in range(last, max(last - 3, 0), -1):
                if norms[first - 1] == BREAK:
                    break  # the sentence's first word is capitalised anyway
                if self._introduced_name(an, first) == last:
                    kind = "town" if norms[j] in ("town", "ville", "bourgade") else (
                        "commune" if norms[j] == "commune" else "village")
                    out[first] = (kind, last)
                    break
        return out

    def _postnominal_names(self, an: Analysis) -> dict[int, tuple[str, int]]:
        """English names right before "village", "hamlet" (POSTNOMINAL_NOUNS: "Yaru village"):
        first token -> (kind, last token); one to three capitalised words, not the sentence's
        first word, not a people's name ("a Dogon village")."""
        out: dict[int, tuple[str, int]] = {}
        norms, text = an.norms, an.text
        for j in compress(count(), map(POSTNOMINAL_NOUNS.__contains__, norms)):
            last = j - 1
            if last <= 0 or text[an.span(last)[1]:an.span(j)[0]] not in (" ", "-"):
                continue
            for first in range(last, max(last - 3, 0), -1):
                if norms[first - 1] == BREAK:
                    break
                if self._introduced_name(an, first) == last:
                    if POSTNOMINAL_PEOPLES.isdisjoint(norms[first:last + 1]):
                        out[first] = (POSTNOMINAL_NOUNS[norms[j]], last)
                    break
        return out

    def _introduced_name(self, an: Analysis, first: int) -> int | None:
        """The last token of the name that starts at `first`: up to three capitalised words
        joined by a space or hyphen (Latin), one Arabic word (two after تين, إن, عين…)."""
        text, norms = an.text, an.norms
        if norms[first] == BREAK:
            return None
        start, end = an.span(first)
        word = text[start:end]
        if _is_arabic_word(word):
            if (word.startswith("ال") or word in _AR_INTRODUCED_SKIP or len(word) < 3
                    or _is_arabic_common(word) or _AR_VERB_WITH_OBJECT.fullmatch(word)):
                return None
            if word in _AR_TWO_WORD_HEADS and first + 1 < len(norms) and norms[first + 1] != BREAK:
                return first + 1
            return first
        if not word[:1].isupper() or word.isupper() or _fold(word) in self.stopwords:
            return None
        last = first
        while last + 1 < len(norms) and last - first < 2 and norms[last + 1] != BREAK:
            s2, e2 = an.span(last + 1)
            gap = text[end:s2]
            nxt = text[s2:e2]
            if gap not in (" ", "-") or not nxt[:1].isupper() or _fold(nxt) in self.stopwords:
                break
            last, end = last + 1, e2
        return last

    def _order_key(self, key: int, place: Place, rank: int, tally: _Tally,
                   events: bool | None = None) -> tuple:
        """How a place is ordered: by specificity (village, commune, town, cercle, region,
        country), then by salience (mentions, title mentions weighing more; then first position).
        Among towns, salience decides, and a region's capital (Mopti, Gao, Timbuktu) weighs
        less than other towns (it stands for its region as often as for itself), Bamako less
        still (the seat of government and of the datelines: "BAMAKO (Reuters) -"), unless the
        item reports no event (`events` False); a town abroad comes after Mali's cercles (the
        monitor's events are Mali's; its camps and villages abroad keep their rank). Within a
        rank, a Mali place named in the event's sentence (`near`) comes first: specificity
        stays the first rule (a village before a town), so a region named in the event's
        sentence never comes before a town."""
        # 0: a Mali place below region level named in the event's sentence (see `find`)
        here = (0.5 if tally.landmark else 0) if (
            tally.near and place.country == "ML" and place.admin1 and rank <= RANKS["cercle"]) else 1
        salience = TITLE_WEIGHT * tally.title + tally.count
        if rank != RANKS["town"] or key < 0:
            return (rank, here, -salience, tally.first)
        if place.country != "ML":
            return (RANKS["cercle"] + 0.5, here, -salience, tally.first)
        if key in self.capitals and events is not False:
            salience *= CAPITAL_WEIGHT if place.admin1 == CAPITAL else REGION_CAPITAL_WEIGHT
        return (rank, here, -salience, tally.first)

    def _anchored(self, mentions: list[_Mention], text: str, lang: str | None,
                  segment: int) -> None:
        """Marks (`anchored`) the first Mali place below region level named after "took
        place", "a eu lieu", "وقع الهجوم" (ANCHORS) in the same sentence."""
        an = analyse(text, lang, "fold")
        norms = an.norms
        anchors = self.anchors.get(an.rules, {})
        if anchors.keys().isdisjoint(norms):
            return
        here = sorted((m for m in mentions if m.segment == segment), key=lambda m: m.match.first_token)
        for end in [i for i, norm in enumerate(norms) if norm in anchors]:
            for phrase in anchors[norms[end]]:
                start = end + 1 - len(phrase)
                if start < 0 or tuple(norms[start:end + 1]) != phrase:
                    continue
                if self._secondary(norms, start, end, an.rules):
                    break
                for m in here:
                    first = m.match.first_token
                    if first <= end:
                        continue
                    if first - end > ANCHOR_WINDOW or BREAK in norms[end + 1:first]:
                        break
                    place = m.place or self.places[m.chosen.place]
                    rank = RANKS[m.rank] if m.place else self.entries[m.chosen.place].rank
                    if (place.country == "ML" and place.admin1 and rank <= RANKS["town"]
                            and not _landmark(norms, first)):
                        m.anchored = True
                        break

    def _secondary(self, norms: list[str], start: int, end: int, rules: str) -> bool:
        """The anchor phrase at start..end reports another event than the item's (see
        SECONDARY_WORDS), in the words before it in its sentence, among, or, in Arabic (where
        the adjective follows the noun: "ووقع الهجوم الثاني"), right after it. Not after it in
        French or English: "the attack occurred earlier this week in X" is the item's."""
        before = norms[max(0, start - SECONDARY_WINDOW):start]
        if BREAK in before:
            before = before[len(before) - before[::-1].index(BREAK):]
        near = [*before, *norms[start:end + (2 if rules == "ar" else 1)]]
        return not self.secondary.isdisjoint(near)

    def _anchored_first(self, order: list[tuple[int, _Tally]], entry) -> list[tuple[int, _Tally]]:
        """A place the text says the event happened in (`_anchored`) comes first, unless the
        place ranked first is more specific, of its region and within LEAD_FAR_KM of it ("took
        place at Bankass": the village of Bankass named first stays)."""
        anchored = next((kv for kv in order if kv[1].anchored), None)
        if anchored is None or anchored is order[0]:
            return order
        (top, top_rank), (place, rank) = entry(order[0][0]), entry(anchored[0])
        if top_rank < rank and _same_area(top, place):
            return order
        return _to_front(order, anchored)

    def _lead_first(self, order: list[tuple[int, _Tally]], entry) -> list[tuple[int, _Tally]]:
        """The place of the event the report leads with (`_lead`) comes first when a village
        or commune named elsewhere was ranked first and lies in another region or more than
        LEAD_FAR_KM from it: a village of another incident, or a namesake ("Zambougou" of a
        later paragraph before "Diankabou" of the first event). A town ranked first keeps its
        place (specificity and the event's sentence decided it: `_order_key`), and Bamako or a
        region capital is not moved first (datelines, seats of authorities, landmarks: "the
        escort coming back from Timbuktu")."""
        if not order or order[0][1].lead:
            return order
        lead_kv = next((kv for kv in order if kv[1].lead and kv[0] not in self.capitals), None)
        if lead_kv is None:
            return order
        (top, top_rank), lead = entry(order[0][0]), entry(lead_kv[0])[0]
        if top_rank >= RANKS["town"] and not order[0][1].called_village:
            return order
        if _same_area(top, lead):
            return order
        return _to_front(order, lead_kv)

    def _rank(self, mentions: list[_Mention], events: bool | None = None) -> list[Place]:
        tallies: dict[int, _Tally] = {}
        extra: dict[int, tuple[Place, int]] = {}  # places no entry stands for: negative keys
        for m in mentions:
            key = m.chosen.place if m.place is None else -1 - len(extra)
            if m.place is not None:
                same = next((k for k, (p, _) in extra.items()
                             if (p.name, p.admin1) == (m.place.name, m.place.admin1)), None)
                if same is None:
                    extra[key] = (m.place, RANKS[m.rank])
                else:
                    key = same
            at = (m.segment, m.match.start)
            tally = tallies.setdefault(key, _Tally(at))
            tally.first = min(tally.first, at)
            tally.count += 1
            tally.title += m.segment == 0
            tally.near = tally.near or m.near
            tally.lead = tally.lead or m.lead
            tally.anchored = tally.anchored or m.anchored
            tally.dateline = tally.dateline and m.dateline
            tally.called_village = tally.called_village or m.called_village
            if m.near and not m.landmark:
                tally.landmark = False
            if m.match.surface not in tally.evidence:
                tally.evidence.append(m.match.surface)

        def entry(i: int) -> tuple[Place, int]:
            return extra[i] if i < 0 else (self.entries[i].place, self.entries[i].rank)

        _seat_salience(tallies, entry)
        order = sorted(tallies.items(),
                       key=lambda kv: self._order_key(
                           kv[0], entry(kv[0])[0],
                           RANKS["village"] if kv[1].called_village else entry(kv[0])[1],
                           kv[1], events))
        order = self._lead_first(order, entry)
        order = self._anchored_first(order, entry)
        order = _datelines_last(order, entry)
        if events:
            order = _capital_off_the_event(order, entry)
        # A cercle or region named like its seat, both mentioned, is one place to a reader
        # ("Koro" and "cercle de Koro"): the most specific keeps the other's evidence.
        kept: dict[tuple[str, str, str], Place] = {}
        for i, tally in order:
            place = entry(i)[0]
            key = (place.name, place.country, place.admin1)
            if key in kept:
                kept[key].evidence.extend(e for e in tally.evidence
                                          if e not in kept[key].evidence)
            else:
                kept[key] = place.model_copy(update={"evidence": list(tally.evidence)})
        return list(kept.values())


_WORD_RE = re.compile(r"[^\W\d_][^\W_]*(?:['’ʼ‘][^\W_]+)*")
"""Words of a Latin settlement name, as the normaliser's tokeniser cuts them (no digits,
marks or dotted acronyms in these names)."""
_APOSTROPHES = frozenset("'’ʼ‘")
_NON_WORD_RUN = re.compile(r"[^\w]+")
_INTRODUCER_GAP = re.compile(r"\s*(?:[dD]['’]\s*)?")
"""What may stand between an introducer and the name: spaces, an elided "d'"."""


class _Memo(dict):
    """A function's results, memoised (few distinct communes and cercles, many rows)."""

    def __init__(self, function) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, key: str) -> str:
        value = self[key] = self.function(key)
        return value


class _Entries(list):
    """The gazetteer's entries; a settlement's is stored as a tuple and made an `_Entry` on
    first use: most of the 18,000 are never named in a given run."""

    def __getitem__(self, i: int) -> _Entry:
        entry = list.__getitem__(self, i)
        if type(entry) is tuple:
            name, admin1, admin2, lat, lon, rank = entry
            place = Place(name=name, country="ML", admin1=admin1, admin2=admin2,
                          lat=float(lat), lon=float(lon))
            entry = _Entry(i, place, rank)
            list.__setitem__(self, i, entry)
        return entry


class _Places:
    """`entries[i].place` by index, without building every settlement's."""

    def __init__(self, entries: _Entries) -> None:
        self.entries = entries

    def __getitem__(self, i: int) -> Place:
        return self.entries[i].place

    def __len__(self) -> int:
        return len(self.entries)


class _word_norms(dict):
    """word → its norm at level fold under one rule set (`normalise_word`, memoised here)."""

    def __init__(self, rules: str) -> None:
        super().__init__()
        self.rules = rules

    def __missing__(self, word: str) -> str:
        norm = self[word] = normalise_word(word, self.rules, "fold")
        return norm


_COMMUNE_TEMPLATES = ("commune de {}", "commune d'{}", "commune rurale de {}",
                      "commune rurale d'{}", "commune of {}", "{} commune", "rural commune of {}")


def _elision_fits(template: str, name: str) -> bool:
    """French elides "de" before a vowel: "commune d'Inékar", "commune de Dangha"."""
    vowel = _fold(name[:1]) in "aeiouy"
    if "d'{}" in template:
        return vowel
    return not (vowel and "de {}" in template)


_LATIN_SOUNDS = (  # longest first, on folded letters
    ("tch", ("T", "SH")), ("dj", ("J",)), ("ch", ("SH",)), ("sh", ("SH",)), ("kh", ("H",)),
    ("gh", ("G",)), ("ph", ("F",)), ("th", ("T",)), ("qu", ("K",)), ("ck", ("K",)),
    ("gn", ("N",)), ("eau", ("u",)), ("ou", ("u",)), ("oo", ("u",)), ("au", ("u",)),
    ("ai", ("i",)), ("ei", ("i",)),
)
_LATIN_SOUND = {"b": "B", "p": "B", "t": "T", "d": "D", "k": "K", "q": "K", "g": "G", "j": "J",
                "s": "S", "z": "S", "f": "F", "v": "F", "l": "L", "r": "R", "m": "M", "n": "N",
                "h": "H", "w": "u", "y": "i", "a": "a", "e": "e", "i": "i", "o": "u", "u": "u"}
_ARABIC_SOUND = {
    "ب": "B", "پ": "B", "ت": "T", "ط": "T", "ث": "S", "د": "D", "ض": "D", "ذ": "D", "ظ": "D",
    "ك": "K", "ک": "K", "ق": "Q", "غ": "G", "گ": "G", "ج": "J", "س": "S", "ص": "S", "ز": "S",
    "ش": "SH", "ف": "F", "ڤ": "F", "ل": "L", "ر": "R", "م": "M", "ن": "N", "ه": "H", "ح": "H",
    "خ": "H", "ع": "a", "ا": "a", "أ": "a", "إ": "a", "آ": "a", "ى": "a", "ة": "a", "و": "u",
    "ؤ": "u", "ي": "i", "ی": "i", "ئ": "i",
}
_SOUND_VOWELS = frozenset("aeiu")
_SOUND_CONSONANTS = {  # an Arabic letter's class → the Latin classes it writes
    "B": {"B"}, "T": {"T"}, "D": {"D"}, "K": {"K", "G"}, "Q": {"K", "G"}, "G": {"G", "K"},
    "J": {"J", "G"}, "S": {"S"}, "SH": {"SH"}, "F": {"F"}, "L": {"L"}, "R": {"R"}, "M": {"M"},
    "N": {"N"}, "H": {"H"},
}
_SOUND_VOWEL = {"a": {"a"}, "u": {"u"}, "i": {"i", "e"}}


def _dedouble(sounds: list[str]) -> tuple[str, ...]:
    return tuple(t for k, t in enumerate(sounds) if k == 0 or sounds[k - 1] != t)


@cache
def _latin_phones(name: str) -> tuple[str, ...]:
    """A Latin (French-spelled) name as sounds: consonant classes (B, T, D, K, G, J, S, SH, F,
    L, R, M, N, H) and vowels (a, e, i, u; "ou", "w", "o" are u; "y" is i)."""
    s = re.sub(r"[^a-z]", "", _fold(name))
    out: list[str] = []
    i = 0
    while i < len(s):
        for pattern, sounds in _LATIN_SOUNDS:
            if s.startswith(pattern, i):
                out.extend(sounds)
                i += len(pattern)
                break
        else:
            c, nxt = s[i], s[i + 1:i + 2]
            if c == "c":
                out.append("S" if nxt in ("e", "i", "y") else "K")
            elif c == "g" and nxt in ("e", "i", "y"):
                out.append("J")
            elif c == "g" and nxt == "u" and s[i + 2:i + 3] in ("e", "i"):
                out.append("G")
                i += 1
            elif c == "x":
                out.extend(("K", "S"))
            else:
                out.append(_LATIN_SOUND[c])
            i += 1
    return _dedouble(out)


def _arabic_phones(word: str) -> tuple[str, ...]:
    """An Arabic word as the sounds of `_latin_phones` (ا أ ى ة a, و u, ي i; a final ه is a;
    an initial alif before و or ي only carries the vowel)."""
    letters = _fold_ar(word)  # ة is ه here: a final ه is a vowel
    out = [_ARABIC_SOUND[c] for c in letters[:-1] if c in _ARABIC_SOUND]
    if letters:
        out.append("a" if letters[-1] == "ه" else _ARABIC_SOUND.get(letters[-1], ""))
    out = [t for t in out if t]
    if len(out) > 1 and out[0] == "a" and out[1] in ("u", "i"):
        out = out[1:]
    return _dedouble(out)


def _sound_key(sounds: tuple[str, ...]) -> str:
    """The consonants of a name, K G J (and ق) as one, H left out: what both scripts keep."""
    out: list[str] = []
    for t in sounds:
        if t in _SOUND_VOWELS or t == "H":
            continue
        t = "K" if t in ("K", "G", "J", "Q") else "X" if t == "SH" else t
        if not out or out[-1] != t:
            out.append(t)
    return "".join(out)


def _sound_cost(latin: tuple[str, ...], arabic: tuple[str, ...]) -> float:
    """How far the Arabic sounds are from writing the Latin ones: consonants must match
    (`_SOUND_CONSONANTS`); a Latin vowel left unwritten costs 0.2 (e) or 0.35 (1 at the start),
    a Latin h 0.25; an Arabic vowel or h the Latin lacks 0.5; another vowel 1 (0.5 for e)."""
    n, m = len(latin), len(arabic)
    inf = math.inf
    d = [[inf] * (m + 1) for _ in range(n + 1)]
    d[0][0] = 0.0
    for i in range(n + 1):
        row, down = d[i], d[i + 1] if i < n else None
        for j in range(m + 1):
            c = row[j]
            if c == inf:
                continue
            if down is not None:
                t = latin[i]
                skip = ((1.0 if i == 0 else 0.2 if t == "e" else 0.35) if t in _SOUND_VOWELS
                        else 0.25 if t == "H" else inf)
                if c + skip < down[j]:
                    down[j] = c + skip
            if j < m:
                b = arabic[j]
                extra = 0.5 if b in _SOUND_VOWELS or b == "H" else inf
                if c + extra < row[j + 1]:
                    row[j + 1] = c + extra
                if down is not None:
                    a = latin[i]
                    if b in _SOUND_VOWELS:
                        step = (inf if a not in _SOUND_VOWELS else 0.0 if a in _SOUND_VOWEL[b]
                                else 0.5 if a == "e" else 1.0)
                    else:
                        step = 0.0 if a in _SOUND_CONSONANTS[b] else inf
                    if c + step < down[j + 1]:
                        down[j + 1] = c + step
    return d[n][m]


def sound_index(names: list[str], ids: list[int] | None = None
                ) -> dict[str, list[tuple[int, tuple[str, ...]]]]:
    """Latin names by their consonants (`_sound_key`), for `sound_matches`; a name's id is
    its position in `names` unless `ids` are given. Names of one consonant are left out."""
    index: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for k, name in enumerate(names):
        phones = _latin_phones(name)
        key = _sound_key(phones)
        if len(key) >= 2:
            index.setdefault(key, []).append((ids[k] if ids else k, phones))
    return index


def sound_matches(index: dict[str, list[tuple[int, tuple[str, ...]]]], word: str
                  ) -> dict[int, float]:
    """The ids of the Latin names the Arabic `word` writes, with their cost (`_sound_cost`
    within TRANSLIT_MAX_COST)."""
    phones = _arabic_phones(word)
    key = _sound_key(phones)
    limit = TRANSLIT_MAX_COST.get(len(key), TRANSLIT_MAX_COST_LONG if len(key) > 3 else -1.0)
    scored: dict[int, float] = {}
    for i, latin in index.get(key, ()):
        cost = _sound_cost(latin, phones)
        if cost <= limit and cost < scored.get(i, math.inf):
            scored[i] = cost
    return scored


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _is_arabic_word(word: str) -> bool:
    return _ARABIC_LETTER.search(word) is not None


_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")


def _read_stopwords(path: Path) -> frozenset[str]:
    """The folded words of processors/data/place_stopwords.txt (family names, first names,
    common words): never a village nor an introduced place."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise GazetteerError(f"{path}: cannot read: {exc}") from exc
    return frozenset(_fold(w.strip()) for w in lines if w.strip() and not w.startswith("#"))


@cache
def _arabic_words() -> frozenset[str]:
    try:
        text = gzip.decompress(ARABIC_WORDS.read_bytes()).decode("utf-8")
    except OSError as exc:
        raise GazetteerError(f"{ARABIC_WORDS}: cannot read: {exc}") from exc
    return frozenset(_fold_ar(w) for w in text.split())


def _is_arabic_common(word: str) -> bool:
    """A frequent Arabic word, written alone or after a clitic ("ومدن")."""
    words = _arabic_words()
    return _fold_ar(word) in words or (word[:1] in _AR_CLITICS and _fold_ar(word[1:]) in words)


def _read_section(path: Path, name: str) -> frozenset[str]:
    """The words between "# BEGIN name" and "# END name" in the stop file, Arabic-folded."""
    text = path.read_text(encoding="utf-8")
    begin, end = f"# BEGIN {name}\n", f"# END {name}\n"
    if begin not in text or end not in text:
        return frozenset()
    body = text.split(begin, 1)[1].split(end, 1)[0]
    return frozenset(_fold_ar(w.strip()) for w in body.splitlines() if w.strip())


def _phrases(by_lang: dict[str, list[str]], rules: str) -> list[tuple[str, ...]]:
    """Cue phrases as token tuples under `rules`, from every language's list at once (an
    item's language may be misdetected), longest first."""
    # "près d'X": the normaliser takes the elided "d'" off the name's own token (fr rules)
    out = {tuple(phrase_norms(p[:-2] if p.endswith("d'") and rules in ("fr", "und") else p,
                              rules, "fold")) for words in by_lang.values() for p in words}
    return sorted((p for p in out if p), key=lambda p: (-len(p), p))


def _by_kind(introducers: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    for lang, kinds in introducers.items():
        for kind, phrases in kinds.items():
            out.setdefault(kind, {})[lang] = phrases
    return out


def _km(place: Place, lat: float, lon: float) -> float:
    p1, p2 = math.radians(place.lat), math.radians(lat)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon - place.lon) / 2) ** 2)
    return 12742.0 * math.asin(math.sqrt(min(1.0, a)))


def _same_area(top: Place, other: Place) -> bool:
    """`top`, a Mali place, lies in `other`'s region and within LEAD_FAR_KM of it (or one of
    them has no point): ranked first, it may stand for the event `other` marks."""
    return top.country == "ML" and top.admin1 == other.admin1 and (
        None in (top.lat, other.lat) or _km(top, other.lat, other.lon) <= LEAD_FAR_KM)


def _folded_words(words: Iterable[str], rules: Iterable[str] = RULES) -> frozenset[str]:
    """`words` as the tokens of a folded analysis read them, under each of `rules`."""
    return frozenset(n for r in rules for w in words for n in phrase_norms(w, r, "fold"))


def _definite(an: Analysis, i: int) -> bool:
    """Token i is an Arabic word with the article ("القرية", "من القرية مسرعون": the village
    already named, then an adverb): a name follows the place word without it ("قرية X")."""
    if an.rules != "ar":
        return False
    start, end = an.span(i)
    word = an.text[start:end]
    return word.lstrip(_AR_CLITICS).startswith("ال")


def _list_gap(between: list[str]) -> bool:
    """What may stand between two places of one list: nothing (a comma), a list word, or a
    list word and "de"/"of" ("de Gangafani 2 et de Yoro"); a number may end the first name."""
    if between and between[0].isdigit():
        between = between[1:]
    return not between or (between[0] in LIST_WORDS and (
        len(between) == 1 or (len(between) == 2 and between[1] in _LIST_OF)))


def _to_front(order: list, chosen: tuple) -> list:
    return [chosen] + [kv for kv in order if kv is not chosen]


def _first_best(scored: list[tuple[tuple[bool, ...], _Name]]) -> _Name:
    return scored[0][1]


def _dateline(text: str, mention: _Mention) -> bool:
    """The name opens the text ("Mali" over a section) or is written in capitals at the start
    of a line ("BAMAKO, Mali —", "BAMAKO (Reuters) -"): a dateline or a heading."""
    match = mention.match
    if match.first_token == 0:
        return True
    line = text.rfind("\n", 0, match.start) + 1
    return match.surface.isupper() and not text[line:match.start].strip()


def _datelines_last(order: list, entry: Callable) -> list:
    """A place named only in the dateline ("BAMAKO, Mali (AP) —") is where the correspondent
    files from: it comes after the other places of Mali (before the countries) when there
    are any. So does the capital named only to measure from ("250 miles from Bamako",
    `Gazetteer._measured_from`)."""
    late = [kv for kv in order if kv[1].dateline]
    if not late:
        return order
    rest = [kv for kv in order if not kv[1].dateline]
    if not any(entry(i)[0].admin1 for i, _ in rest):
        return order
    at = next((k for k, (i, _) in enumerate(rest) if entry(i)[1] >= RANKS["country"]), len(rest))
    return rest[:at] + late + rest[at:]


def _capital_off_the_event(order: list, entry: Callable) -> list:
    """Bamako ranked first but not named in a sentence of the event gives way to the first
    Mali place that is, even a region ("عملية عسكرية ... في منطقة موبتي" with "لزيارة باماكو"
    later): the capital is the seat of the government that reports, visits and datelines."""
    if not order:
        return order
    first, tally = order[0]
    place = entry(first)[0]
    if place.name != CAPITAL or place.country != "ML" or tally.near:
        return order
    k = next((k for k, (i, t) in enumerate(order) if t.near and not t.landmark
              and entry(i)[0].country == "ML" and entry(i)[0].admin1), None)
    return order if k is None else _to_front(order, order[k])


AFTER_WORDS = frozenset({"apres", "after", "following", "follow", "بعد", "عقب"})
"""A sentence that opens on one of these (within its first AFTER_WINDOW words) and a comma
("Après le camp militaire de Gao samedi, un camp … a été visé à Ménaka", "Five days after the
attack in Kati, fifteen soldiers were killed…", "بعد الهجوم على غاو، استهدف…") names an
earlier event before the comma: its places are not the event's (`_after_clause`). Not
"على بعد" ("at a distance of": "على بعد 10 كلم من غاو")."""
AFTER_WINDOW = 4


def _after_clause(an: Analysis, first: int) -> bool:
    """Token `first` stands in a sentence-opening "after …," clause (AFTER_WORDS)."""
    norms, breaks = an.norms, an.breaks
    k = bisect_left(breaks, first)
    start = breaks[k - 1] + 1 if k else 0
    end = breaks[k] if k < len(breaks) else len(norms)
    if not any(norms[j] in AFTER_WORDS and not (j > start and norms[j - 1] in ("على", "علي"))
               for j in range(start, min(first, start + AFTER_WINDOW))):
        return False
    text = an.text
    if _has_comma(text[an.span(start)[0]:an.span(first)[0]]):
        return False
    return end - 1 > first and _has_comma(text[an.span(first)[1]:an.span(end - 1)[1]])


def _has_comma(text: str) -> bool:
    return "," in text or "،" in text


def _seat_salience(tallies: dict[int, _Tally], entry) -> None:
    """A town counts the mentions of the cercle or region named like it ("the region of Kidal
    ... in Gao and Kidal": Kidal is named twice, Gao once): to a reader both are one place, the
    focus of the report, so the town passes another town named as often."""
    towns = {(p.name, p.admin1): i for i in tallies for p, rank in [entry(i)]
             if rank == RANKS["town"] and p.country == "ML"}
    if not towns:
        return
    for i, tally in tallies.items():
        place, rank = entry(i)
        if rank in (RANKS["cercle"], RANKS["region"]) and (place.name, place.admin1) in towns:
            tallies[towns[place.name, place.admin1]].count += tally.count


def _landmark(norms: list[str], first: int) -> bool:
    """The name at `first` locates from afar ("near Timbuktu", "à 15 km de Gao", "بالقرب من")."""
    before = norms[max(0, first - 2):first]
    return bool(before) and (before[-1] in LANDMARK_WORDS or (
        len(before) == 2 and before[-1] in _LANDMARK_OF and before[0] in LANDMARK_WORDS))


def _zones(text: str) -> frozenset[str]:
    """The regions of the parts of Mali the text names ("le centre du Mali", "northern Mali",
    "وسط مالي"): a village name several regions share goes to those regions' namesakes."""
    if not _ZONE_RE.search(text):
        return frozenset()
    return frozenset(r for m in _ZONE_RE.finditer(text) for r in ZONES[_zone_key(m)])


def _zone_key(match: re.Match) -> str:
    return next(k for k, v in match.groupdict().items() if v)


def _nearest_unit(units: list[_Mention], first: int, last: int,
                  window: int = INTRODUCED_ADMIN_WINDOW) -> _Mention | None:
    """The unit (cercle, commune, region; a town) named closest to tokens first..last,
    within the window."""
    best, best_gap = None, window + 1
    for u in units:
        gap = u.match.first_token - last if u.match.first_token > last else first - u.match.last_token
        if 0 < gap < best_gap:
            best, best_gap = u, gap
    return best


def _load(path: Path) -> dict[str, Any]:
    data = read_yaml(path, GazetteerError)
    if not isinstance(data, dict) or not isinstance(data.get("places"), list):
        raise GazetteerError(f"{path.name}: top level: key 'places' (a list) is missing")
    return data


@lru_cache(maxsize=65536)  # the same names and words again and again
def _fold_ar(text: str) -> str:
    """Arabic folded for comparing names as written: no marks or tatweel, one spelling of
    ة/ه, ى/ي…, and any run of quotes, punctuation or spaces between words one space
    ('بولاية "موبتي"' writes the phrase ولاية موبتي whole)."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)
                     and c != "\u0640").translate(_AR_TABLE)
    return _NON_WORD_RUN.sub(" ", folded).strip()


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


def find_places(text: str, lang: str | None, title: str = "",
                events: Sequence[tuple[str, float]] | None = None,
                spans: Sequence[tuple[str, int, int, str, float]] | None = None) -> list[Place]:
    """Places named in `title` and `text` (the body), the event's place first (see module
    doc). `events`: the item's event phrases, as (phrase, score of its label) pairs (the event
    labels' evidence); an empty list says the item reports no event (Bamako and the region
    capitals are then not weighed down); None: not known. `spans`: every event phrase found,
    where it stands, as `processors.labels.classify_labels(..., spans=[])` gives them (title or
    body, first token, last token, label, label score): the event's sentences from these
    rather than from the evidence found again."""
    return default_gazetteer().find(text, lang, title, events, spans)


__all__ = ["Gazetteer", "GazetteerError", "find_places"]
