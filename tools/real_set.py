"""Builds and checks the evaluation set of real text (`tests/eval/real/`).

Why a tool: the set is gathered in parts (one file per language and kind of source, labelled
by hand), and the split between development and held-out items must not depend on who
gathered what or in which order. An item's split is decided by a hash of its `group` (the
event or theme it reports), so the versions of one event — the same incident in three
languages, or told by two outlets — always fall on the same side: tuning on one cannot leak
the other. One item in three is held out.

    python tools/real_set.py build     # merges new parts/*.jsonl into dev.jsonl + heldout.jsonl
    python tools/real_set.py check     # validates dev.jsonl and heldout.jsonl (CI runs it too)
    python tools/real_set.py stats     # counts per language and label (no text shown)

The held-out file is never read to tune a lexicon or a rule: only its aggregate figures
(`veille eval --set tests/eval/real/heldout.jsonl`) are looked at.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python tools/real_set.py`
    sys.path.insert(0, str(ROOT))

from veille import schema  # noqa: E402

REAL = ROOT / "tests" / "eval" / "real"
PARTS = REAL / "parts"
SPLITS = {"dev": REAL / "dev.jsonl", "heldout": REAL / "heldout.jsonl"}

EVENT_TYPES = frozenset(schema.EVENT_TYPES)
TOPICS = frozenset(schema.TOPICS)
ADMIN1 = {"Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal",
          "Ménaka", "Taoudénit", "Bamako"}
LANGS = {"ar", "fr", "en"}
FIGURES = ("killed", "wounded", "abducted", "displaced")
FORBIDDEN = re.compile(r"\bACLED\b|Armed Conflict Location", re.IGNORECASE)
"""No ACLED data, nor anything derived from it, may enter the project (BRIEF)."""
MIN_BODY = 120


# Group keys are `YYYY-MM-DD-<place>`; two keys of one month that share a place word are
# likely one event told twice under two keys, which would put its versions on both sides of
# the split (rules learnt from the dev version would flatter the held-out figure). A pair
# checked and found to be two events is listed here, with why.
GENERIC_KEY_WORDS = frozenset({"protest", "protests", "arrest", "arrests", "attack", "attacks",
                               "mortar", "rocket", "opposition", "march", "election", "accord",
                               "village", "mali", "central", "north", "south", "bamako"})
DISTINCT_GROUPS = {
    frozenset({"2013-03-20-tombouctou-car-bomb", "2013-03-31-tombouctou"}): "a car bomb, then an infiltration eleven days later",
    frozenset({"2017-05-15-tombouctou", "2017-05-03-tombouctou"}): "two attacks twelve days apart",
}


class SetError(ValueError):
    """A record that breaks the set's rules; the message names the file, line and key."""


def split_of(group: str) -> str:
    """'heldout' for one group in three, by a stable hash of the group key; else 'dev'."""
    digest = hashlib.sha256(group.strip().lower().encode("utf-8")).digest()
    return "heldout" if int.from_bytes(digest[:8], "big") % 3 == 0 else "dev"


def _org_ids() -> set[str]:
    import yaml

    data = yaml.safe_load((ROOT / "processors" / "data" / "orgs.yaml").read_text(encoding="utf-8"))
    return {key for key, value in data.items() if isinstance(value, dict)}


def validate(record: dict, where: str, orgs: set[str]) -> list[str]:
    """Problems of one record (empty when it is fine)."""
    problems: list[str] = []
    for key in ("id", "lang", "url", "title", "body", "provenance", "group", "labels"):
        if key not in record:
            problems.append(f"{where}: missing {key!r}")
    if problems:
        return problems
    text = f"{record['title']}\n{record['body']}"
    if FORBIDDEN.search(text):
        problems.append(f"{where}: mentions ACLED; such text may not enter the project")
    if len(record["body"]) < MIN_BODY:
        problems.append(f"{where}: body under {MIN_BODY} characters")
    prov = record["provenance"]
    for key in ("publisher", "url", "licence"):
        if not (isinstance(prov, dict) and prov.get(key)):
            problems.append(f"{where}: provenance.{key} missing")
    labels = record["labels"]
    if labels.get("language") not in LANGS:
        problems.append(f"{where}: labels.language {labels.get('language')!r} not one of {sorted(LANGS)}")
    for family, names in (("event_types", EVENT_TYPES), ("topics", TOPICS)):
        bad = set(labels.get(family) or []) - names
        if bad:
            problems.append(f"{where}: labels.{family}: unknown {sorted(bad)}")
    bad_orgs = set(labels.get("orgs") or []) - orgs
    if bad_orgs:
        problems.append(f"{where}: labels.orgs: unknown ids {sorted(bad_orgs)} (see processors/data/orgs.yaml)")
    for i, place in enumerate(labels.get("places") or []):
        if not isinstance(place, dict) or not place.get("name") or not place.get("country"):
            problems.append(f"{where}: labels.places[{i}] needs name and country")
            continue
        if place["country"] == "ML" and place.get("admin1") and place["admin1"] not in ADMIN1:
            problems.append(f"{where}: labels.places[{i}].admin1 {place['admin1']!r} not one of the 11 regions")
        for key in ("lat", "lon"):
            if place.get(key) is not None and not isinstance(place[key], int | float):
                problems.append(f"{where}: labels.places[{i}].{key} is not a number")
    figures = labels.get("figures") or {}
    for key in FIGURES:
        value = figures.get(key)
        if value is not None and (not isinstance(value, int) or value < 0):
            problems.append(f"{where}: labels.figures.{key} must be a count or null")
    return problems


def _read(path: Path) -> list[tuple[str, dict]]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.relative_to(ROOT)}:{number}"
        try:
            out.append((where, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise SetError(f"{where}: not JSON ({exc})") from exc
    return out


def _normal_url(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url.strip()).rstrip("/").lower()


def build() -> dict[str, int]:
    """Merges new records from the parts into the two split files (which keep their records and
    any label fixes made in them); invalid and repeated records are refused. Once merged, the
    parts can be deleted: the split files are the set."""
    orgs = _org_ids()
    out: dict[str, list[dict]] = {
        name: [r for _, r in _read(path)] if path.exists() else [] for name, path in SPLITS.items()}
    seen_urls = {_normal_url(str(r.get("url") or "")) for records in out.values() for r in records}
    seen_ids = {r["id"] for records in out.values() for r in records}
    refused: list[str] = []
    for path in sorted(PARTS.glob("*.jsonl")):
        for where, record in _read(path):
            problems = validate(record, where, orgs)
            url = _normal_url(str(record.get("url") or ""))
            if not problems and url in seen_urls:
                problems = [f"{where}: same page as an earlier record ({record['url']})"]
            if not problems and record["id"] in seen_ids:
                problems = [f"{where}: duplicate id {record['id']!r}"]
            if problems:
                refused.extend(problems)
                continue
            seen_urls.add(url)
            seen_ids.add(record["id"])
            record["source"] = record.get("source") or None
            out[split_of(record["group"])].append(record)
    for name, records in out.items():
        records.sort(key=lambda r: r["id"])
        SPLITS[name].write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    for problem in refused:
        print(f"refused: {problem}", file=sys.stderr)
    return {name: len(records) for name, records in out.items()}


def _key_parts(group: str) -> tuple[str, frozenset[str]] | None:
    m = re.match(r"(\d{4}-\d{2})(?:-\d{2})?-(.+)", group)
    if not m:
        return None
    return m.group(1), frozenset(w for w in m.group(2).split("-")
                                 if len(w) >= 4 and w not in GENERIC_KEY_WORDS)


def near_groups(groups: dict[str, str]) -> list[tuple[str, str]]:
    """(dev group, held-out group) pairs of one month sharing a place word, not listed in
    DISTINCT_GROUPS: likely one event under two keys, on both sides of the split."""
    dev = [(g, _key_parts(g)) for g, side in groups.items() if side == "dev"]
    pairs = []
    for held, side in groups.items():
        mine = _key_parts(held) if side == "heldout" else None
        if mine is None:
            continue
        for group, theirs in dev:
            if (theirs and theirs[0] == mine[0] and theirs[1] & mine[1]
                    and frozenset({group, held}) not in DISTINCT_GROUPS):
                pairs.append((group, held))
    return pairs


def check() -> list[str]:
    """Problems of the committed split files: rules, split by group, repeats across files,
    one event likely under two group keys on both sides."""
    orgs = _org_ids()
    problems: list[str] = []
    urls: dict[str, str] = {}
    ids: set[str] = set()
    groups: dict[str, str] = {}
    for name, path in SPLITS.items():
        for where, record in _read(path):
            problems += validate(record, where, orgs)
            if "group" in record and split_of(record["group"]) != name:
                problems.append(f"{where}: group {record['group']!r} belongs to the "
                                f"{split_of(record['group'])} file")
            url = _normal_url(str(record.get("url") or ""))
            if url in urls:
                problems.append(f"{where}: same page as {urls[url]}")
            urls[url] = where
            if record.get("id") in ids:
                problems.append(f"{where}: duplicate id {record.get('id')!r}")
            ids.add(record.get("id"))
            groups[str(record.get("group"))] = name
    problems += [f"groups {dev!r} (dev) and {held!r} (held-out) look like one event: give them "
                 f"one key, or list them in DISTINCT_GROUPS (tools/real_set.py) with why"
                 for dev, held in near_groups(groups)]
    return problems


def stats() -> str:
    lines = []
    for name, path in SPLITS.items():
        records = [r for _, r in _read(path)]
        langs = Counter(r["labels"]["language"] for r in records)
        events = Counter((r["labels"]["language"], e) for r in records for e in r["labels"].get("event_types") or [])
        village = sum(1 for r in records if (r["labels"].get("places") or [{}])[0].get("kind")
                      in ("village", "commune", "camp", "town"))
        pointed = sum(1 for r in records if (r["labels"].get("places") or [{}])[0].get("lat") is not None)
        lines.append(f"{name}: {len(records)} items {dict(sorted(langs.items()))}; first place below "
                     f"region level {village}, with a point {pointed}")
        for lang in sorted(LANGS):
            row = {e: events[(lang, e)] for e in sorted(EVENT_TYPES) if events[(lang, e)]}
            lines.append(f"  {lang} events: {row}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("build", "check", "stats"))
    args = parser.parse_args(argv)
    if args.command == "build":
        print(build())
        return 0
    if args.command == "stats":
        print(stats())
        return 0
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
