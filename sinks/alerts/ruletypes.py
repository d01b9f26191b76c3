"""Rule types beyond one item: what fires when the conditions held for a stream of items.

As ElastAlert2 keeps rule types (`ruletypes.py`) apart from alerters, a rule's conditions
(`when:`, sinks.alerts.conditions) say which items count, its type says when the counted items
make an alert, and its channels who is told. The types:

* `any` (default): every matching item (handled by the engine without a class here);
* `frequency`: N reports of one story (or of the rule) within T;
* `spike`: reports per region/topic/event type in a window against their baseline;
* `new_term`: an organisation, region or place not named in the look-back window;
* `flatline`: a source (or the rule's stream) quiet for T — found on the clock tick.

Each type observes the matching items and returns `Firing`s: the story the alert claims (the
throttle's once-per-story key, so a burst gives one alert), and the reason shown first in the
alert ("3 sources within 2h: …"). State is `sinks.alerts.windows` (SQLite or Redis): bounded by
each type's horizon, and shared and restart-proof as that state is.

Time: an item counts at its publication time (its collection time when it has none, or when
the date is later than the collection); the stream's clock (`StreamClock`) is the newest item
time advanced by the wall clock since it arrived, so replaying an archive measures the
archive's bursts and silences, and live items measure the present.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sinks.alerts.windows import MARKER
from veille.durations import format_duration
from veille.schema import EnrichedItem

MARKER_HORIZON = 400 * 86400.0


@dataclass(frozen=True)
class Firing:
    """One alert a rule type asks for: `story` is claimed in the throttle for the rule (the
    alert id derives from it), `reason` heads the alert's reasons. `item` is the report that
    completed the pattern; None for a silence (flatline), which has `title` and `source`."""

    story: str
    reason: str
    item: EnrichedItem | None = None
    title: str = ""
    source: str = ""


def item_time(item: EnrichedItem) -> float:
    """When the item counts: published, unless absent or later than collected."""
    collected = item.collected_at
    published = item.published_at
    when = published if published is not None and published <= collected else collected
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _listed(values: Iterable[str], most: int = 6) -> str:
    values = list(values)
    more = f" and {len(values) - most} more" if len(values) > most else ""
    return ", ".join(values[:most]) + more


class StreamClock:
    """The newest item time and the wall time it was seen, kept in the window state (so
    every process and every restart reads the same clock)."""

    RULE = "_clock"

    def __init__(self, state: Any) -> None:
        self.state = state

    def advance(self, newest: float, wall: float) -> None:
        known = dict(self.state.members(self.RULE, f"{MARKER}clock")).get("newest")
        if known is None or newest > known:
            self.state.add(self.RULE, f"{MARKER}clock", "newest", newest, MARKER_HORIZON)
            self.state.add(self.RULE, f"{MARKER}clock", "seen_at", wall, MARKER_HORIZON)

    def now(self, wall: float) -> float | None:
        """The stream's present: newest item time + wall time since; None before any item."""
        rows = dict(self.state.members(self.RULE, f"{MARKER}clock"))
        if "newest" not in rows:
            return None
        return min(wall, rows["newest"] + max(0.0, wall - rows.get("seen_at", wall)))


class RuleKind:
    """A rule type's evaluation: `observe` each matching item, `tick` on the clock."""

    def __init__(self, rule: Any, state: Any) -> None:
        self.rule, self.state, self.options = rule, state, rule.options
        self.name = rule.name

    def observe(self, item: EnrichedItem) -> list[Firing]:
        return []

    def tick(self, now: float) -> list[Firing]:
        return []

    def raised(self, firing: Firing) -> None:
        """Told once the firing's alert is stored (so a tick does not raise it again)."""

    def horizon(self) -> float:
        """Seconds of the past the type reads (older members can go)."""
        return 0.0


class FrequencyKind(RuleKind):
    def horizon(self) -> float:
        return 2 * self.options.within.total_seconds()

    def observe(self, item: EnrichedItem) -> list[Firing]:
        from sinks.alerts.stage import story_of

        o = self.options
        at, within = item_time(item), o.within.total_seconds()
        story = story_of(item) if o.per == "story" else "rule"
        member = f"{item.source}\x1f{item.id}"
        stories = [story]
        if o.per == "story":
            stories += self._merge(story, item, 2 * within)
        firings: list[Firing] = []
        for counted in stories:
            group = f"f:{counted}"
            self.state.add(self.name, group, member, at, 2 * within)
            near = self.state.members(self.name, group, at - within, at + within)
            best = _densest(near, at, within, (lambda m: m.split("\x1f")[0])
                            if o.distinct == "source" else (lambda m: m))
            sources = sorted({m.split("\x1f")[0] for m in best})
            count = len(set(best.values()))
            if count < o.count:
                continue
            what = "sources" if o.distinct == "source" else "reports"
            of = "of this story " if o.per == "story" else ""
            reason = (f"{count} {what} {of}within {format_duration(o.within)}: {_listed(sources)}")
            firings.append(Firing(f"frequency:{counted}", reason, item))
            break  # one alert per report: the first story it completes
        return firings

    def _merge(self, story: str, item: EnrichedItem, horizon: float) -> list[str]:
        """Stories merged by the story index count as one: the reports of the stories this
        item showed to be its own (`merged_stories`: it matched a report of each) join its
        story's group, and each of them remembers it (`m:<story>`), so a report of theirs that
        comes later (items need not arrive in assignment order) counts there too; returns the
        stories the item also counts in. Without it, three sources of one event split over
        two story ids by the order they arrived in (a region-only report and a town report
        below the story threshold together, both above it with a third) make no alert."""
        for other in item.enrichment.merged_stories if item.enrichment else []:
            self.state.add(self.name, f"m:{other}", story, item_time(item), horizon)
            for member, at in self.state.members(self.name, f"f:{other}"):
                self.state.add(self.name, f"f:{story}", member, at, horizon)
        return [m for m, _ in self.state.members(self.name, f"m:{story}") if m != story]


def _densest(rows: list[tuple[str, float]], at: float, within: float,
             key: Callable[[str], str]) -> dict[str, str]:
    """Member → counted key of the window of length `within` that holds time `at` and the
    most distinct keys (rows sorted by time): one pass, two pointers."""
    best: dict[str, str] = {}
    counts: Counter[str] = Counter()
    j = 0
    for i, (_, start) in enumerate(rows):
        if start > at:
            break
        while j < len(rows) and rows[j][1] <= start + within:
            counts[key(rows[j][0])] += 1
            j += 1
        if start + within >= at and len(counts) > len(set(best.values())):
            best = {m: key(m) for m, _ in rows[i:j]}
        counts[key(rows[i][0])] -= 1
        if not counts[key(rows[i][0])]:
            del counts[key(rows[i][0])]
    return best


def _values(item: EnrichedItem, by: str) -> dict[str, str]:
    """Key → label of what the item is about, for `spike.by` and `new_term.field`."""
    e = item.enrichment
    if by == "source":
        return {item.source: item.source}
    if by == "issuers":
        return {item.issuer: item.issuer} if item.issuer else {}
    if e is None:
        return {}
    if by == "admin1":
        return {p.admin1: p.admin1 for p in e.places if p.admin1}
    if by == "place" or by == "places":
        return {p.name: p.name for p in e.places}
    if by == "country":
        return {p.country: p.country for p in e.places if p.country}
    if by == "topic":
        return {t.label: t.label for t in e.topics}
    if by == "event_type":
        return {t.label: t.label for t in e.event_types}
    if by == "orgs":
        return {o.id: o.name for o in e.orgs}
    raise ValueError(f"unknown field {by!r}")


class SpikeKind(RuleKind):
    def horizon(self) -> float:
        return (self.options.window + self.options.baseline).total_seconds()

    def observe(self, item: EnrichedItem) -> list[Firing]:
        o = self.options
        at = item_time(item)
        window, baseline = o.window.total_seconds(), o.baseline.total_seconds()
        firings = []
        for key, label in _values(item, o.by).items():
            group = f"s:{key}"
            self.state.add(self.name, group, item.id, at, window + baseline + window)
            rows = self.state.members(self.name, group, at - window - baseline, at + window)
            # the windows holding this item: ending at it, or at a later report (items may
            # arrive out of time order); the one with the highest ratio speaks
            ends = sorted({at, *(t for _, t in rows if at < t < at + window)})
            found = max((self._measure(rows, end, window, baseline) for end in ends),
                        key=lambda m: (m[0] / m[1] if m[1] else float("inf"), m[0]))
            reason = self._reason(label, *found)
            if reason is not None:
                firings.append(Firing(f"spike:{key}", reason, item))
        return firings

    @staticmethod
    def _measure(rows: list[tuple[str, float]], end: float, window: float, baseline: float
                 ) -> tuple[int, float]:
        current = sum(1 for _, t in rows if end - window < t <= end)
        before = sum(1 for _, t in rows if end - window - baseline < t <= end - window)
        return current, before / (baseline / window)

    def _reason(self, label: str, current: int, rate: float) -> str | None:
        o = self.options
        window = o.window.total_seconds()
        unit = "day" if window == 86400 else format_duration(o.window)
        days = format_duration(o.baseline).replace("d", "-day") \
            if o.baseline.total_seconds() % 86400 == 0 else format_duration(o.baseline)
        if current < o.min_count:
            return None
        if rate == 0:
            if not o.alert_on_new:
                return None
            return (f"{label} reports: {current} in {format_duration(o.window)}, none in the "
                    f"{days} baseline before")
        if current / rate < o.ratio:
            return None
        return f"{label} reports ×{current / rate:.1f} vs {days} baseline ({current} vs {rate:.1f}/{unit})"


class NewTermKind(RuleKind):
    def horizon(self) -> float:
        return 2 * self.options.lookback.total_seconds()

    def observe(self, item: EnrichedItem) -> list[Firing]:
        o = self.options
        at, lookback = item_time(item), o.lookback.total_seconds()
        # no alert until the rule has seen one look-back of the stream: before that, every
        # name would be "new"
        self.state.add(self.name, f"{MARKER}start", "start", at, MARKER_HORIZON, keep="earliest")
        start = dict(self.state.members(self.name, f"{MARKER}start")).get("start", at)
        warm = start <= at - lookback
        only = {v.casefold() for v in o.only or []}
        firings = []
        for key, label in _values(item, o.field).items():
            if only and key.casefold() not in only and label.casefold() not in only:
                continue
            group = f"n:{key}"
            earlier = [(m, t) for m, t in self.state.members(self.name, group, at - 2 * lookback, at)
                       if m != item.id]
            recent = [t for _, t in earlier if t >= at - lookback]
            self.state.add(self.name, group, item.id, at, 2 * lookback)
            if recent or not warm:
                continue
            last = f" (last: {_day(max(t for _, t in earlier))})" if earlier else ""
            reason = f"{label} named for the first time in {format_duration(o.lookback)}{last}"
            firings.append(Firing(f"new_term:{key}", reason, item))
        return firings


class FlatlineKind(RuleKind):
    def observe(self, item: EnrichedItem) -> list[Firing]:
        group = item.source if self.options.per == "source" else "all"
        self.state.add(self.name, f"{MARKER}last", group, item_time(item), MARKER_HORIZON)
        return []

    def tick(self, now: float) -> list[Firing]:
        within = self.options.within.total_seconds()
        told = dict(self.state.members(self.name, f"{MARKER}told"))
        firings = []
        for group, last in self.state.members(self.name, f"{MARKER}last"):
            if now - last <= within or told.get(group) == last:
                continue
            what = f"source {group}" if group != "all" else f"items matching {self.name}"
            quiet = format_duration(now - last)
            reason = (f"{what}: no item for {quiet} (last: {_day(last)}; expected one within "
                      f"{format_duration(self.options.within)})")
            firings.append(Firing(f"flatline:{group}:{int(last)}", reason, None,
                                  title=f"Quiet for {quiet}: {what}",
                                  source=group if group != "all" else ""))
        return firings

    def raised(self, firing: Firing) -> None:
        _, group, last = firing.story.rsplit(":", 2)
        self.state.add(self.name, f"{MARKER}told", group, float(last), MARKER_HORIZON)


KINDS: dict[str, type[RuleKind]] = {
    "frequency": FrequencyKind, "spike": SpikeKind, "new_term": NewTermKind,
    "flatline": FlatlineKind,
}


def rule_kind(rule: Any, state: Any) -> RuleKind | None:
    """The evaluation of a rule's type; None for `any` (each matching item alerts)."""
    kind = KINDS.get(rule.type)
    return kind(rule, state) if kind is not None else None
