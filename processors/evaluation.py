"""Scores the classifiers against the held-out labelled set in `tests/eval/items.jsonl`.

The set and its labelling rules are described in `tests/eval/README.md`; the metrics are
defined there too (section "Metrics") and implemented here:

* event types and topics: per-label precision / recall / F1 per language (ar, fr, en) and
  overall, and macro-F1 over the labels that have support in that language;
* places: admin1 accuracy (recall of the gold Malian regions of an item) and admin1
  precision, plus country-level precision / recall for Mali and its neighbours;
* places of the main event: admin1 of the first Mali place (gold's first vs predicted first) and
  whether the first predicted place lies within 25 km of the gold's first place, where the gold
  gives its point (the real-text sets of `tests/eval/real/` label the main place first);
* organisations: micro precision / recall over (item, org id) pairs, also over the armed
  groups and forces alone;
* language identification: exact accuracy per gold language, and for the Sahel-language
  items the share not mistaken for ar / fr / en;
* figures: exact-match rate of killed / wounded / abducted / displaced;
* near-duplicates and story grouping: item-level and pairwise precision / recall.

`evaluate(predict, items)` calls `predict` once per item, in publication order (ties in
file order), so a stateful predictor (dedup, story clustering) sees earlier items first.
`predict` receives only what a collector would give (id, source, url, title, body, lang,
published_at) and may return an `Enrichment`, an `EnrichedItem`, or a plain dict shaped
like either (the JSON line `veille classify` writes).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

from veille.json_lines import json_objects
from veille.schema import EVENT_TYPES, TOPICS

FAMILIES: dict[str, tuple[str, ...]] = {"event_types": EVENT_TYPES, "topics": TOPICS}
MAIN_LANGUAGES: tuple[str, ...] = ("ar", "fr", "en")
SAHEL_LANGUAGES: tuple[str, ...] = ("bm", "ff", "tmh", "ha", "ses")
ALL = "all"
FIGURE_FIELDS: tuple[str, ...] = ("killed", "wounded", "abducted", "displaced")
# Countries whose places are labelled: Mali, its neighbours and Chad (G5 Sahel).
SAHEL_COUNTRIES = frozenset({"ML", "DZ", "NE", "BF", "MR", "SN", "GN", "CI", "TD"})
ADMIN1 = ("Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao", "Kidal",
          "Ménaka", "Taoudénit", "Bamako")
DEFAULT_SET = Path(__file__).resolve().parent.parent / "tests" / "eval" / "items.jsonl"

# Spellings of an org id another component might use; compared after lower-casing.
ORG_ALIASES = {
    "unsc": "un-security-council", "security-council": "un-security-council",
    "eigs": "isgs", "is-sahel": "isgs", "issp": "isgs", "gsim": "jnim",
    "africa-corps": "wagner", "csp": "cma", "csp-psd": "cma", "fla": "cma",
    "cedeao": "ecowas", "ua": "au", "ue": "eu", "g5sahel": "g5-sahel", "g5": "g5-sahel",
    "oci": "oic", "pam": "wfp", "oms": "who", "hcr": "unhcr", "cicr": "icrc",
}
# Armed groups and forces: the organisations an incident report is about (the "orgs" recall
# that matters most to an analyst reading incidents).
ARMED_ACTORS = frozenset({
    "fama", "jnim", "isgs", "islamic-state", "aqim", "al-qaeda", "ansar-dine", "katiba-macina",
    "al-mourabitoun", "ansarul-islam", "cma", "mnla", "hcua", "plateforme", "gatia",
    "dan-na-ambassagou", "dozo", "wagner", "barkhane", "serval", "takuba", "g5-sahel",
})
NEAR_KM = 25.0
"""A predicted main place within this distance of the gold point is right (a village and its
commune seat; coordinates of one settlement in two gazetteers)."""
_ADMIN1_ALIASES = {"timbuktu": "tombouctou", "taoudeni": "taoudenit", "segou": "segou"}
_INPUT_FIELDS = ("id", "source", "title", "body", "lang", "published_at")


# -- the set ----------------------------------------------------------------------------
def load_set(path: str | Path = DEFAULT_SET) -> list[dict]:
    """The labelled items, in file order. Raises ValueError naming the line of a bad record."""
    items: list[dict] = []
    seen: set[str] = set()
    with open(path, "rb") as fh:
        for number, record in json_objects(fh, str(path), "a labelled record"):
            for key in ("id", "title", "body", "labels"):
                if key not in record:
                    raise ValueError(f"{path}:{number}: missing {key!r}")
            if "language" not in record["labels"]:
                raise ValueError(f"{path}:{number}: labels without 'language'")
            if record["id"] in seen:
                raise ValueError(f"{path}:{number}: duplicate id {record['id']!r}")
            seen.add(record["id"])
            items.append(record)
    return items


def item_input(record: Mapping[str, Any]) -> dict:
    """What the predictor sees of a labelled record: the collected item, never its labels.

    A record from one of our sources gets that source's issuer, as the collectors set it."""
    data = {key: record.get(key) for key in _INPUT_FIELDS}
    data["url"] = record.get("url") or f"eval:{record['id']}"
    data["source"] = data["source"] or "eval"
    data["issuer"] = record.get("issuer") or _issuers().get(data["source"])
    return data


@cache
def _issuers() -> dict[str, str]:
    from veille.sources import configured_registry

    return {s.key: s.issuer for s in configured_registry().sources}


def in_time_order(items: list[dict]) -> list[dict]:
    """Publication order; items without a date keep their file position among the dated ones."""
    indexed = list(enumerate(items))
    indexed.sort(key=lambda pair: (pair[1].get("published_at") or "", pair[0]))
    return [item for _, item in indexed]


# -- reading predictions ------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value


def as_enrichment(prediction: Any) -> dict:
    """An Enrichment / EnrichedItem / dict (nested or flat, as `veille classify` writes) as a dict."""
    if prediction is None:
        return {}
    if hasattr(prediction, "enrichment") and not isinstance(prediction, Mapping):
        prediction = prediction.enrichment
    data = _plain(prediction)
    if not isinstance(data, Mapping):
        raise TypeError(f"cannot read a prediction of type {type(prediction).__name__}")
    if isinstance(data.get("enrichment"), Mapping):
        data = data["enrichment"]
    return dict(data)


def _label_names(entries: Iterable[Any] | None) -> set[str]:
    names: set[str] = set()
    for entry in entries or ():
        entry = _plain(entry)
        if isinstance(entry, str):
            names.add(entry)
        elif isinstance(entry, Mapping) and entry.get("label"):
            names.add(str(entry["label"]))
    return names


def _org_ids(entries: Iterable[Any] | None) -> set[str]:
    ids: set[str] = set()
    for entry in entries or ():
        entry = _plain(entry)
        raw = entry if isinstance(entry, str) else (entry or {}).get("id")
        if raw:
            key = str(raw).strip().lower()
            ids.add(ORG_ALIASES.get(key, key))
    return ids


def _places(entries: Iterable[Any] | None) -> list[dict]:
    out = []
    for entry in entries or ():
        entry = _plain(entry)
        if isinstance(entry, Mapping):
            out.append({"name": entry.get("name") or "", "country": (entry.get("country") or "").upper(),
                        "admin1": entry.get("admin1") or "", "lat": entry.get("lat"),
                        "lon": entry.get("lon")})
    return out


def _first_mali(places: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The first Malian place below the country level (the main place of the event)."""
    return next((p for p in places if p.get("country") == "ML" and p.get("admin1")), None)


def distance_km(a: Mapping[str, Any], b: Mapping[str, Any]) -> float | None:
    """Great-circle distance between two places' points, None when either has no point."""
    if None in (a.get("lat"), a.get("lon"), b.get("lat"), b.get("lon")):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _language(value: Any) -> str:
    value = _plain(value)
    if isinstance(value, Mapping):
        value = value.get("code")
    return str(value or "und")


def fold(text: str) -> str:
    """Lower case without accents: 'Ségou' and 'Segou' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip().lower()


def _admin1_key(admin1: str) -> str:
    key = fold(admin1)
    return _ADMIN1_ALIASES.get(key, key)


def _mali_admin1(places: Iterable[Mapping[str, str]]) -> set[str]:
    return {_admin1_key(p["admin1"]) for p in places if p.get("country") == "ML" and p.get("admin1")}


def _countries(places: Iterable[Mapping[str, str]]) -> set[str]:
    return {p["country"] for p in places if p.get("country") in SAHEL_COUNTRIES}


def _figures(value: Any) -> dict:
    value = _plain(value) or {}
    return {name: value.get(name) for name in FIGURE_FIELDS}


# -- scores -------------------------------------------------------------------------------
@dataclass
class PRF:
    """Counts of one label (or one pooled family); the ratios are 0 when undefined."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def predicted(self) -> int:
        return self.tp + self.fp

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: set, predicted: set) -> None:
        self.tp += len(gold & predicted)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)

    def as_dict(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "support": self.support,
                "precision": self.precision, "recall": self.recall, "f1": self.f1}


@dataclass
class Ratio:
    hits: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return self.hits / self.total if self.total else 0.0

    def add(self, hit: bool) -> None:
        self.hits += int(hit)
        self.total += 1

    def as_dict(self) -> dict:
        return {"hits": self.hits, "total": self.total, "value": self.value}


def _by_group() -> defaultdict:
    return defaultdict(PRF)


@dataclass
class Report:
    """Every figure of one evaluation run. Groups are gold languages plus 'all' (ar+fr+en)."""

    n_items: dict[str, int] = field(default_factory=dict)
    labels: dict[str, dict[str, dict[str, PRF]]] = field(default_factory=dict)  # family -> group -> label
    admin1: dict[str, PRF] = field(default_factory=_by_group)    # tp/fn/fp over (item, admin1)
    countries: dict[str, PRF] = field(default_factory=_by_group)
    orgs: dict[str, PRF] = field(default_factory=_by_group)
    armed_orgs: dict[str, PRF] = field(default_factory=_by_group)  # armed groups and forces only
    first_admin1: dict[str, Ratio] = field(default_factory=lambda: defaultdict(Ratio))
    first_near: dict[str, Ratio] = field(default_factory=lambda: defaultdict(Ratio))  # ≤ NEAR_KM
    language: dict[str, Ratio] = field(default_factory=lambda: defaultdict(Ratio))
    sahel_rejection: Ratio = field(default_factory=Ratio)
    figures: dict[str, Ratio] = field(default_factory=lambda: defaultdict(Ratio))         # all (item, field)
    figures_stated: dict[str, Ratio] = field(default_factory=lambda: defaultdict(Ratio))  # gold not null
    duplicates: PRF = field(default_factory=PRF)
    stories: PRF = field(default_factory=PRF)

    # -- headline figures --
    def macro_f1(self, family: str, group: str = ALL) -> float:
        """Mean F1 over the labels with support (gold positives) in that group."""
        scores = [s.f1 for s in self.labels[family][group].values() if s.support]
        return sum(scores) / len(scores) if scores else 0.0

    def admin1_accuracy(self, group: str = ALL) -> float:
        return self.admin1[group].recall

    def admin1_precision(self, group: str = ALL) -> float:
        return self.admin1[group].precision

    def language_accuracy(self, group: str = ALL) -> float:
        return self.language[group].value

    def floors(self) -> dict[str, float]:
        """The figures the CI floor test holds (see tests/eval/README.md)."""
        out: dict[str, float] = {}
        for lang in MAIN_LANGUAGES:
            out[f"event_types.macro_f1.{lang}"] = self.macro_f1("event_types", lang)
            out[f"topics.macro_f1.{lang}"] = self.macro_f1("topics", lang)
            out[f"places.admin1_accuracy.{lang}"] = self.admin1_accuracy(lang)
            if self.first_admin1[lang].total:
                out[f"places.first_admin1.{lang}"] = self.first_admin1[lang].value
            if self.first_near[lang].total:
                out[f"places.first_within_25km.{lang}"] = self.first_near[lang].value
        out["orgs.recall"] = self.orgs[ALL].recall
        out["orgs.armed_recall"] = self.armed_orgs[ALL].recall
        out["language.accuracy"] = self.language_accuracy(ALL)
        out["language.sahel_rejection"] = self.sahel_rejection.value
        # a set without duplicates or stories, where none is predicted, is perfect at both
        empty = {name: not (prf.support or prf.predicted)
                 for name, prf in (("duplicates", self.duplicates), ("stories", self.stories))}
        out["duplicates.precision"] = 1.0 if empty["duplicates"] else self.duplicates.precision
        out["duplicates.recall"] = 1.0 if empty["duplicates"] else self.duplicates.recall
        out["stories.precision"] = 1.0 if empty["stories"] else self.stories.precision
        return out

    def to_dict(self) -> dict:
        groups = [*MAIN_LANGUAGES, ALL]
        return {
            "n_items": dict(self.n_items),
            "floors": self.floors(),
            "labels": {fam: {g: {lab: s.as_dict() for lab, s in self.labels[fam][g].items()}
                             for g in groups} for fam in FAMILIES},
            "macro_f1": {fam: {g: self.macro_f1(fam, g) for g in groups} for fam in FAMILIES},
            "admin1": {g: self.admin1[g].as_dict() for g in groups},
            "countries": {g: self.countries[g].as_dict() for g in groups},
            "orgs": {g: self.orgs[g].as_dict() for g in groups},
            "armed_orgs": {g: self.armed_orgs[g].as_dict() for g in groups},
            "first_admin1": {g: self.first_admin1[g].as_dict() for g in groups},
            "first_within_25km": {g: self.first_near[g].as_dict() for g in groups},
            "language": {g: r.as_dict() for g, r in self.language.items()},
            "sahel_rejection": self.sahel_rejection.as_dict(),
            "figures": {f: self.figures[f].as_dict() for f in FIGURE_FIELDS},
            "figures_stated": {f: self.figures_stated[f].as_dict() for f in FIGURE_FIELDS},
            "duplicates": self.duplicates.as_dict(),
            "stories": self.stories.as_dict(),
        }

    def to_table(self):
        """A rich renderable: a summary, then one table per family per language, then the rest."""
        from rich.console import Group
        from rich.table import Table

        def pct(x: float) -> str:
            return f"{100 * x:.1f}"

        groups = [*MAIN_LANGUAGES, ALL]
        summary = Table(title="Evaluation summary (percent; macro-F1, admin1 accuracy/precision, P/R)")
        for col in ("lang", "n", "events", "topics", "adm1", "adm1 P", "1st adm1", "1st ≤25km",
                    "ctry P", "ctry R", "org P", "org R", "armed R", "lang id"):
            summary.add_column(col, justify="right" if col != "lang" else "left")

        def ratio(r: Ratio) -> str:
            return pct(r.value) if r.total else "—"

        for g in groups:
            summary.add_row(g, str(self.n_items.get(g, 0)), pct(self.macro_f1("event_types", g)),
                            pct(self.macro_f1("topics", g)), pct(self.admin1[g].recall),
                            pct(self.admin1[g].precision), ratio(self.first_admin1[g]),
                            ratio(self.first_near[g]), pct(self.countries[g].precision),
                            pct(self.countries[g].recall), pct(self.orgs[g].precision),
                            pct(self.orgs[g].recall), pct(self.armed_orgs[g].recall),
                            pct(self.language[g].value))
        tables: list = [summary]
        for family, names in FAMILIES.items():
            for g in groups:
                t = Table(title=f"{family} — {g}")
                for col in ("label", "support", "predicted", "P", "R", "F1"):
                    t.add_column(col, justify="left" if col == "label" else "right")
                for name in names:
                    s = self.labels[family][g][name]
                    t.add_row(name, str(s.support), str(s.predicted), pct(s.precision), pct(s.recall), pct(s.f1))
                t.add_row("macro (labels with support)", "", "", "", "", pct(self.macro_f1(family, g)),
                          style="bold")
                tables.append(t)
        lang = Table(title="Language identification")
        for col in ("gold language", "items", "correct", "accuracy"):
            lang.add_column(col, justify="left" if col == "gold language" else "right")
        for g in [*MAIN_LANGUAGES, *SAHEL_LANGUAGES, ALL]:
            if g in self.language:
                r = self.language[g]
                lang.add_row(g, str(r.total), str(r.hits), pct(r.value))
        r = self.sahel_rejection
        lang.add_row("Sahel items not called ar/fr/en", str(r.total), str(r.hits), pct(r.value))
        tables.append(lang)
        figs = Table(title="Figures (exact match)")
        for col in ("field", "all items", "where stated"):
            figs.add_column(col, justify="left" if col == "field" else "right")
        for f in FIGURE_FIELDS:
            a, s = self.figures[f], self.figures_stated[f]
            figs.add_row(f, f"{pct(a.value)} ({a.hits}/{a.total})", f"{pct(s.value)} ({s.hits}/{s.total})")
        tables.append(figs)
        grouping = Table(title="Near-duplicates and stories")
        for col in ("task", "gold", "predicted", "P", "R", "F1"):
            grouping.add_column(col, justify="left" if col == "task" else "right")
        for name, s in (("duplicates (items)", self.duplicates), ("stories (pairs)", self.stories)):
            grouping.add_row(name, str(s.support), str(s.predicted), pct(s.precision), pct(s.recall), pct(s.f1))
        tables.append(grouping)
        return Group(*tables)


# -- scoring ------------------------------------------------------------------------------
class _Groups:
    """Union-find over item ids."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)

    def pairs(self, ids: Iterable[str]) -> set[frozenset[str]]:
        members: dict[str, list[str]] = defaultdict(list)
        for i in ids:
            members[self.find(i)].append(i)
        return {frozenset(p) for group in members.values() for p in combinations(sorted(group), 2)}


def score(items: list[dict], predictions: Mapping[str, Any]) -> Report:
    """Scores predictions (id -> enrichment-like) against the labelled items."""
    report = Report()
    report.labels = {fam: {g: {n: PRF() for n in names} for g in (*MAIN_LANGUAGES, ALL)}
                     for fam, names in FAMILIES.items()}
    counts: dict[str, int] = defaultdict(int)
    main_ids: list[str] = []
    preds = {item["id"]: as_enrichment(predictions.get(item["id"])) for item in items}

    for item in items:
        gold = item["labels"]
        lang = gold["language"]
        pred = preds[item["id"]]
        predicted_lang = _language(pred.get("language"))
        report.language[lang].add(predicted_lang == lang)
        if lang not in MAIN_LANGUAGES:
            # Sahel-language items only test language identification (their other labels are empty).
            report.sahel_rejection.add(predicted_lang not in MAIN_LANGUAGES)
            counts[lang] += 1
            continue
        report.language[ALL].add(predicted_lang == lang)
        counts[lang] += 1
        counts[ALL] += 1
        main_ids.append(item["id"])
        for fam, names in FAMILIES.items():
            g_set = set(gold.get(fam) or ()) & set(names)
            p_set = _label_names(pred.get(fam)) & set(names)
            for name in names:
                for group in (lang, ALL):
                    report.labels[fam][group][name].add(g_set & {name}, p_set & {name})
        gold_places, pred_places = gold.get("places") or [], _places(pred.get("places"))
        g_admin, p_admin = _mali_admin1(gold_places), _mali_admin1(pred_places)
        g_ctry, p_ctry = _countries(gold_places), _countries(pred_places)
        g_orgs, p_orgs = _org_ids(gold.get("orgs")), _org_ids(pred.get("orgs"))
        # Sets of real text (with provenance) list the main place of the item first.
        ordered = bool(item.get("provenance")) and bool(gold_places)
        g_first = _first_mali(_places(gold_places)) if ordered else None
        p_first = _first_mali(pred_places)
        for group in (lang, ALL):
            report.admin1[group].add(g_admin, p_admin)
            report.countries[group].add(g_ctry, p_ctry)
            report.orgs[group].add(g_orgs, p_orgs)
            report.armed_orgs[group].add(g_orgs & ARMED_ACTORS, p_orgs & ARMED_ACTORS)
            if g_first is not None:
                report.first_admin1[group].add(
                    p_first is not None and _admin1_key(p_first["admin1"]) == _admin1_key(g_first["admin1"]))
            if ordered and gold_places[0].get("lat") is not None:
                # the gold's first place is the event's spot; the prediction's first is its most specific
                gap = distance_km(gold_places[0], pred_places[0]) if pred_places else None
                report.first_near[group].add(gap is not None and gap <= NEAR_KM)
        g_fig, p_fig = _figures(gold.get("figures")), _figures(pred.get("figures"))
        for name in FIGURE_FIELDS:
            hit = g_fig[name] == p_fig[name]
            report.figures[name].add(hit)
            if g_fig[name] is not None:
                report.figures_stated[name].add(hit)
    report.n_items = dict(counts)
    _score_grouping(report, items, preds, set(main_ids))
    return report


def _score_grouping(report: Report, items: list[dict], preds: Mapping[str, dict], main: set[str]) -> None:
    gold_dups, gold_stories = _Groups(), _Groups()
    story_first: dict[str, str] = {}
    for item in items:
        if item["id"] not in main:
            continue
        labels = item["labels"]
        gold_dups.find(item["id"])
        gold_stories.find(item["id"])
        if labels.get("duplicate_of") in main:
            gold_dups.union(item["id"], labels["duplicate_of"])
            gold_stories.union(item["id"], labels["duplicate_of"])
        if labels.get("story"):
            first = story_first.setdefault(labels["story"], item["id"])
            gold_stories.union(item["id"], first)
    # near-duplicates, item level: an item is a gold duplicate if it names an original.
    for item in items:
        if item["id"] not in main:
            continue
        is_dup = item["labels"].get("duplicate_of") in main
        target = preds[item["id"]].get("duplicate_of")
        flagged = target in main and target != item["id"]
        correct = flagged and gold_dups.find(target) == gold_dups.find(item["id"])
        if correct:
            report.duplicates.tp += 1
        else:
            report.duplicates.fp += int(flagged)
            report.duplicates.fn += int(is_dup)
    # stories, pairwise: predicted clusters = same story_id, joined by predicted duplicate links.
    pred_stories = _Groups()
    story_owner: dict[str, str] = {}
    for item in items:
        if item["id"] not in main:
            continue
        pred = preds[item["id"]]
        pred_stories.find(item["id"])
        if pred.get("story_id"):
            owner = story_owner.setdefault(str(pred["story_id"]), item["id"])
            pred_stories.union(item["id"], owner)
        if pred.get("duplicate_of") in main:
            pred_stories.union(item["id"], pred["duplicate_of"])
    report.stories.add(gold_stories.pairs(main), pred_stories.pairs(main))


def evaluate(predict: Callable[[dict], Any], items: list[dict], *,
             progress: Callable[[int, int], None] | None = None) -> Report:
    """Runs `predict` on every item in publication order, then scores the outputs."""
    predictions: dict[str, Any] = {}
    ordered = in_time_order(items)
    for done, item in enumerate(ordered, 1):
        predictions[item["id"]] = predict(item_input(item))
        if progress:
            progress(done, len(ordered))
    return score(items, predictions)


def read_predictions(path: str | Path) -> dict[str, dict]:
    """JSON lines with an 'id' (as `veille classify` writes them) -> id -> enrichment dict."""
    out: dict[str, dict] = {}
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                data = json.loads(line)
                if "id" not in data:
                    raise ValueError(f"{path}:{number}: prediction without 'id'")
                out[data["id"]] = as_enrichment(data)
    return out


def pipeline_predictor() -> Callable[[dict], Any]:
    """The processors' own classifier, with a fresh in-memory story index."""
    from processors.classify import Classifier
    from veille.schema import item_from_json

    classifier = Classifier(stories_path=None)
    return lambda data: classifier.classify(item_from_json(data))


# -- command line (`python -m processors.evaluation`; `veille eval` can call main) ---------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="veille eval", description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="set_path", default=str(DEFAULT_SET), help="labelled items (JSON lines)")
    parser.add_argument("--predictions", help="score these precomputed outputs instead of running the processors")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    parser.add_argument("--write-inputs", metavar="PATH",
                        help="write what a predictor sees (JSON lines, publication order) and stop")
    args = parser.parse_args(argv)
    items = load_set(args.set_path)
    if args.write_inputs:
        with open(args.write_inputs, "w", encoding="utf-8") as fh:
            for record in in_time_order(items):
                fh.write(json.dumps(item_input(record), ensure_ascii=False) + "\n")
        return 0
    if args.predictions:
        report = score(items, read_predictions(args.predictions))
    else:
        report = evaluate(pipeline_predictor(), items)
    if args.json:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        from rich.console import Console

        console = Console()
        Console(width=max(console.width, 110)).print(report.to_table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
