"""Crafted item streams for the rule types beyond one item, each with a twin that must stay
quiet; shared by the embedded tests (SQLite) and the distributed ones (Redis, Elasticsearch).

Each stream is a list of (item, clock) pairs fed one by one to an `AlertEngine` whose clock is
set to the item's time (as `veille rules test` does), then the engine is ticked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sinks.alerts.model import Alert
from veille.schema import EnrichedItem, Enrichment, Org, Place

T0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)

RULES = """
channels:
  console: {type: log}
defaults:
  channels: [console]
rules:
  - name: spreading
    type: frequency
    when: {}
    frequency: {count: 3, within: 2h, per: story, distinct: source}
  - name: surge
    type: spike
    when: {places: {country: [ML]}}
    spike: {by: admin1, ratio: 3, min_count: 6, window: 1d, baseline: 14d}
  - name: new-group
    type: new_term
    when: {}
    new_term: {field: orgs, lookback: 30d}
  - name: quiet-source
    type: flatline
    when: {}
    flatline: {within: 2d, per: source}
"""


def item(n: str, source: str, at: datetime, *, story: str | None = None, admin1: str | None = None,
         orgs: tuple[str, ...] = ()) -> EnrichedItem:
    places = [Place(name=admin1, country="ML", admin1=admin1)] if admin1 else []
    return EnrichedItem(
        id=n, source=source, url=f"https://example.org/{n}", title=f"report {n}", body="text",
        published_at=at, collected_at=at,
        enrichment=Enrichment(places=places, orgs=[Org(id=o, name=o.upper()) for o in orgs],
                              story_id=story or f"story-{n}"))


def rules_file(folder: Path) -> Path:
    path = folder / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


# -- the streams: (name, items) ----------------------------------------------------------------
def spreading(fire: bool) -> list[EnrichedItem]:
    """Three sources report one story: within 2 h (fires), or 2 h 30 apart (quiet)."""
    step = timedelta(minutes=40) if fire else timedelta(hours=2, minutes=30)
    return [item(f"s{k}", source, T0 + k * step, story="story-x")
            for k, source in enumerate(["rfi", "maliweb", "anadolu"])]


def surge(fire: bool) -> list[EnrichedItem]:
    """Ménaka: one report a day (fires) or three a day (quiet) for 14 days, then 6 in a day."""
    per_day = 1 if fire else 3
    out = [item(f"b{d}-{k}", "un-news", T0 + timedelta(days=d, hours=k), admin1="Ménaka")
           for d in range(14) for k in range(per_day)]
    start = T0 + timedelta(days=15)
    out += [item(f"c{k}", "studio-tamani", start + timedelta(hours=k), admin1="Ménaka")
            for k in range(6)]
    return out


def new_group(fire: bool) -> list[EnrichedItem]:
    """JNIM named weekly for 9 weeks; katiba-macina first named in week 9 (fires), or named in
    the rule's first 30 days (learnt, not new) and again 25 days later (quiet)."""
    out = [item(f"j{w}", "rfi", T0 + timedelta(weeks=w), orgs=("jnim",)) for w in range(9)]
    if fire:
        out.append(item("km1", "maliweb", T0 + timedelta(weeks=9), orgs=("katiba-macina", "jnim")))
    else:
        out.append(item("km0", "rfi", T0 + timedelta(days=20), orgs=("katiba-macina",)))
        out.append(item("km1", "maliweb", T0 + timedelta(days=45), orgs=("katiba-macina",)))
    return sorted(out, key=lambda i: i.published_at)


def quiet_source(fire: bool) -> list[EnrichedItem]:
    """wanep and rfi report daily; wanep stops after day 2 (fires) or goes on (quiet)."""
    last_wanep = 2 if fire else 6
    out = [item(f"r{d}", "rfi", T0 + timedelta(days=d)) for d in range(7)]
    out += [item(f"w{d}", "wanep", T0 + timedelta(days=d, hours=1)) for d in range(last_wanep + 1)]
    return sorted(out, key=lambda i: i.published_at)


STREAMS: dict[str, Callable[[bool], list[EnrichedItem]]] = {
    "spreading": spreading, "surge": surge, "new-group": new_group, "quiet-source": quiet_source,
}
REASONS = {
    "spreading": "3 sources of this story within 2h: anadolu, maliweb, rfi",
    "surge": "Ménaka reports ×6.5 vs 14-day baseline (6 vs 0.9/day)",
    "new-group": "KATIBA-MACINA named for the first time in 30d",
    "quiet-source": "source wanep: no item for 2d 23h (last: 2026-01-03 09:00 UTC; expected "
                    "one within 2d)",
}


def feed(engine, items: list[EnrichedItem], clock: dict) -> list[Alert]:  # noqa: ANN001
    """Each item at its own time, with a clock tick before each and at the end."""
    raised: list[Alert] = []
    for it in items:
        clock["now"] = it.published_at
        raised += engine.tick(force=True)
        raised += engine.handle([it])
    raised += engine.tick(force=True)
    return raised
