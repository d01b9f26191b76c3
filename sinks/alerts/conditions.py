"""Alert conditions: for each key of a rule's `when:`, whether it holds for an item and why.

`Rule.match` (sinks.alerts.rules, the models and their loading) calls `CONDITIONS[key]` for
each condition a rule sets; each check returns one line of evidence, or None when the
condition does not hold. Pure functions of the enriched item: no I/O, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from processors.normalise import phrase_norms
from sinks.alerts.query import Document, Query
from veille.schema import EnrichedItem, Place, primary_language

if TYPE_CHECKING:
    from sinks.alerts.rules import Places

EARTH_RADIUS_KM = 6371.0088
MAX_SHOWN = 3  # places / labels shown in one reason line


@cache
def fold(text: str) -> str:
    """Case, accents and Arabic spelling folded: "Menaka" == "Ménaka", "ميناكا" == "مِيناكا"."""
    return " ".join(phrase_norms(text, None, "fold"))


class View:
    """The item plus its lazily analysed text (only rules with a query pay for it)."""

    def __init__(self, item: EnrichedItem, doc: Document | None) -> None:
        self.item = item
        self.enrichment = item.enrichment
        if doc is not None:
            self.__dict__["doc"] = doc

    @cached_property
    def doc(self) -> Document:
        return document(self.item)


def document(item: EnrichedItem) -> Document:
    """The text that queries read: title and body, in the detected language (else declared)."""
    code = item.enrichment.language.code
    return Document(item.title, item.body, item.lang if code in ("", "und") else code)


def _labels(wanted: list[str], labels: list[Any]) -> str | None:
    found = [f"{lab.label} ({', '.join(lab.evidence)})" if lab.evidence else lab.label
             for lab in labels if lab.label in wanted]
    return ", ".join(found) if found else None


def _evidence(place: Place) -> str:
    return "; ".join(f'"{e}"' for e in place.evidence[:MAX_SHOWN])


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _place_reason(cond: Places, place: Place) -> str | None:
    why: str | None = None
    if cond.admin1 and place.admin1 and fold(place.admin1) in {fold(a) for a in cond.admin1}:
        why = f"admin1 {place.admin1}"
    elif cond.admin2 and place.admin2 and fold(place.admin2) in {fold(a) for a in cond.admin2}:
        why = f"admin2 {place.admin2}"
    elif cond.country and place.country.upper() in cond.country:
        why = f"country {place.country.upper()}"
    elif cond.names and {fold(n) for n in cond.names} & {fold(place.name), *map(fold,
                                                                                place.evidence)}:
        why = "name"
    if why is not None:
        evidence = _evidence(place)
        return f"{place.name} ({why}; {evidence})" if evidence else f"{place.name} ({why})"
    for point in cond.near or ():
        if place.lat is None or place.lon is None:  # a place known by name only: no distance
            break
        km = _km(point.lat, point.lon, place.lat, place.lon)
        if km <= point.km:
            return f"{place.name} within {km:.0f} km of ({point.lat:g}, {point.lon:g})"
    return None


def _places(cond: Places, view: View) -> str | None:
    found = [r for p in view.enrichment.places if (r := _place_reason(cond, p)) is not None]
    if not found:
        return None
    more = f" and {len(found) - MAX_SHOWN} more" if len(found) > MAX_SHOWN else ""
    return "places: " + "; ".join(found[:MAX_SHOWN]) + more


def _orgs(wanted: list[str], view: View) -> str | None:
    found = [f"{o.id} ({', '.join(o.evidence[:MAX_SHOWN])})" if o.evidence else o.id
             for o in view.enrichment.orgs if o.id in wanted]
    return "orgs: " + ", ".join(found) if found else None


def _field(key: str, get: Callable[[View], str | None]) -> Callable[[list[str], View], str | None]:
    def check(wanted: list[str], view: View) -> str | None:
        value = get(view)
        return f"{key}: {value}" if value is not None and value in wanted else None
    return check


def _severity(threshold: int, view: View) -> str | None:
    sev = view.enrichment.severity
    if sev.score < threshold:
        return None
    why = f" ({'; '.join(sev.reasons)})" if sev.reasons else ""
    return f"severity {sev.score} ≥ {threshold}{why}"


def _query_reason(query: Query, view: View) -> str | None:
    evidence = query.match(view.doc)
    if evidence is None:
        return None
    return "query: " + (", ".join(evidence) if evidence else f"{query.text} (nothing excluded)")


def _label_reason(key: str) -> Callable[[list[str], View], str | None]:
    def check(wanted: list[str], view: View) -> str | None:
        found = _labels(wanted, getattr(view.enrichment, key))
        return f"{key}: {found}" if found else None
    return check


CONDITIONS: dict[str, Callable[[Any, View], str | None]] = {
    "event_types": _label_reason("event_types"),
    "topics": _label_reason("topics"),
    "places": _places,
    "orgs": _orgs,
    "sources": _field("sources", lambda v: v.item.source),
    "issuers": _field("issuers", lambda v: v.item.issuer),
    "languages": _field("languages", lambda v: primary_language(v.enrichment.language.code)),
    "severity_at_least": _severity,
    "query": _query_reason,
}


