"""How grave an item is, 0–100, with the reasons an analyst can check.

Why: alert rules need one number to threshold on ("severity ≥ 60 in Ménaka"), and analysts
must see what made it, so every point comes with a reason ("armed_clash (0.9)", "12 killed",
"place: Ménaka", "actor: jnim").

The score adds five parts, each capped, with weights in `data/severity.yaml`:
* events: the most severe event type's weight times its score, plus a share of the others;
* casualties: log-scaled per category (the tenth death moves the score less than the first),
  killed weighing most, then abducted, wounded, displaced;
* place: the most violent Mali region (admin1) or neighbouring country named;
* actors: armed groups and forces named (JNIM, ISGS, Wagner/Africa Corps…), the two strongest;
* topics: a little for themes (terrorism, security…), so a report with no event still ranks.
A stated absence of casualties ("aucune victime") gives a reason but no points; a vague
quantity ("dozens killed", a range in `Figures.approximate`) counts at its floor with half the
weight and half the cap of a count.

The parts add up to more than 100 for a grave, well-described attack (event, toll, region,
two armed groups, terrorism). Clipping at 100 made every such item 100 and left the brief
unable to rank them, so the sum goes through a soft knee (`total` in the weights file): linear
up to `knee`, then approaching 100 ever more slowly. Items keep their order, and a massacre
with a hundred dead still ranks above an ambush with twelve.
"""

from __future__ import annotations

import math
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from processors.data_files import read_yaml
from veille.schema import Figures, Label, Org, Place, Severity

DATA = Path(__file__).parent / "data" / "severity.yaml"


@cache
def _key(name: str) -> str:
    """Case- and accent-insensitive key: 'Ménaka', 'MENAKA' and 'menaka' meet."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


@cache
def weights() -> dict[str, Any]:
    """The weights file, read once; a broken file is an operator error with its path."""
    data = read_yaml(DATA)
    for part in ("events", "casualties", "places", "actors", "topics"):
        if part not in (data or {}):
            raise RuntimeError(f"{DATA} lacks the '{part}' section; restore it from the repository")
    return data


@cache
def _places() -> tuple[dict[str, tuple[str, float]], dict[str, float]]:
    places = weights()["places"]
    admin1 = {_key(name): (name, float(w)) for name, w in places["admin1"].items()}
    countries = {code.upper(): float(w) for code, w in places["countries"].items()}
    return admin1, countries


@cache
def _actors() -> dict[str, tuple[str, float]]:
    actors = weights()["actors"]
    table: dict[str, tuple[str, float]] = {}
    for actor, w in actors["weights"].items():
        table[_key(actor)] = (actor, float(w))
        for alias in actors.get("aliases", {}).get(actor, []):
            table[_key(str(alias))] = (actor, float(w))
    return table


def _events(event_types: list[Label]) -> tuple[float, list[tuple[float, str]]]:
    conf = weights()["events"]
    scored = sorted(
        ((float(conf["weights"].get(e.label, 0)) * e.score, e) for e in event_types),
        key=lambda p: -p[0],
    )
    if not scored:
        return 0.0, []
    (main, label), others = scored[0], scored[1:]
    extra = min(float(conf["extra_cap"]), float(conf["extra_share"]) * sum(p for p, _ in others))
    reasons = [(main, f"{label.label} ({label.score:.2g})")]
    reasons += [
        (p * float(conf["extra_share"]), f"{e.label} ({e.score:.2g})") for p, e in others if p > 0
    ]
    return main + extra, reasons


def _casualties(figures: Figures) -> tuple[float, list[tuple[float, str]]]:
    conf = weights()["casualties"]
    share = float(conf.get("approximate_share", 0.5))
    total, reasons = 0.0, []
    for category in ("killed", "wounded", "abducted", "displaced"):
        count = getattr(figures, category)
        rule = conf[category]
        if count:
            points = min(float(rule["cap"]), float(rule["factor"]) * math.log1p(count))
            reasons.append((points, f"{count} {category}"))
        elif category in figures.approximate:
            low, high = figures.approximate[category]
            points = share * min(float(rule["cap"]), float(rule["factor"]) * math.log1p(low))
            reasons.append((points, f"{low:,}–{high:,} {category} (approximate)"))
        else:
            continue
        total += points
    if figures.killed == 0 and figures.wounded == 0 and not reasons:
        reasons.append((0.0, "no casualties stated"))
    return min(total, float(conf["cap"])), reasons


def _place(places: list[Place]) -> tuple[float, list[tuple[float, str]]]:
    admin1, countries = _places()
    best: tuple[float, str] = (0.0, "")
    for place in places:
        found = admin1.get(_key(place.admin1)) if place.admin1 else None
        if found is None and place.country.upper() == "ML":
            found = admin1.get(_key(place.name))
        if found is not None:
            candidate = (
                found[1],
                place.name if _key(place.name) == _key(found[0]) else f"{place.name} ({found[0]})",
            )
        else:
            candidate = (countries.get(place.country.upper(), 0.0), place.name)
        if candidate[0] > best[0]:
            best = candidate
    points = min(best[0], float(weights()["places"]["cap"]))
    return points, [(points, f"place: {best[1]}")] if points > 0 else []


def _orgs(orgs: list[Org]) -> tuple[float, list[tuple[float, str]]]:
    table = _actors()
    found: dict[str, float] = {}
    for org in orgs:
        actor = table.get(_key(org.id)) or table.get(_key(org.name))
        if actor is not None:
            found[actor[0]] = actor[1]
    top = sorted(found.items(), key=lambda kv: -kv[1])[:2]
    points = min(float(weights()["actors"]["cap"]), sum(w for _, w in top))
    return points, [(w, f"actor: {name}") for name, w in top]


def _topics(topics: list[Label]) -> tuple[float, list[tuple[float, str]]]:
    conf = weights()["topics"]
    scored = [(float(conf["weights"].get(t.label, 0)) * t.score, t) for t in topics]
    scored = [p for p in scored if p[0] > 0]
    if not scored:
        return 0.0, []
    points, label = max(scored, key=lambda p: p[0])
    points = min(points, float(conf["cap"]))
    return points, [(points, f"topic: {label.label} ({label.score:.2g})")]


def severity(
    event_types: list[Label],
    topics: list[Label],
    figures: Figures,
    places: list[Place],
    orgs: list[Org],
) -> Severity:
    """Severity 0–100 of one item; reasons strongest first."""
    total = 0.0
    reasons: list[tuple[float, str]] = []
    for points, why in (
        _events(event_types),
        _casualties(figures),
        _place(places),
        _orgs(orgs),
        _topics(topics),
    ):
        total += points
        reasons += why
    reasons.sort(key=lambda r: -r[0])
    return Severity(score=max(0, min(100, round(_knee(total)))), reasons=[why for _, why in reasons])


def _knee(total: float) -> float:
    """The sum of the parts on 0–100: itself up to the knee, then a slow approach to 100."""
    conf = weights().get("total") or {}
    knee, scale = float(conf.get("knee", 60)), float(conf.get("soft_scale", 50))
    if total <= knee:
        return total
    return knee + (100 - knee) * (1 - math.exp(-(total - knee) / scale))
