"""The brief's story list, ranked the way Europe Media Monitor's NewsBrief ranks: by how
widely a story is reported (distinct sources, then languages, then reports), with the
stories new in the window and the growing ones flagged.

A story is the processors' `story_id` (near-duplicates across sources and languages); an
item without one is its own story. "New": no report of the story before the window (the
reader computes `seen_before` over the whole store). "Growing": reported in the window of the same
length just before this one, and now at least twice as often and at least two reports
more (`GROWTH_RATIO`, `GROWTH_MIN`): one report becoming two is noise, three becoming eight is
news.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

GROWTH_RATIO = 2.0
GROWTH_MIN = 2

Item = Mapping[str, Any]


def story_of(item: Item) -> str:
    return (item.get("enrichment") or {}).get("story_id") or f"item:{item.get('id')}"


def _severity(item: Item) -> int:
    return int(((item.get("enrichment") or {}).get("severity") or {}).get("score") or 0)


def _lang(item: Item) -> str:
    return ((item.get("enrichment") or {}).get("language") or {}).get("code") or item.get("lang") or "und"


def _time(item: Item) -> float:
    from sinks.brief.page import item_time

    t = item_time(item)
    return t.timestamp() if t else datetime.min.replace(tzinfo=UTC).timestamp()


@dataclass
class Story:
    """One story of the window: its reports (most severe first), reach and trend."""

    key: str
    items: list[Item] = field(default_factory=list)
    previous: int = 0
    new: bool = False

    @property
    def lead(self) -> Item:
        return self.items[0]

    @property
    def sources(self) -> list[str]:
        return sorted({str(i.get("source")) for i in self.items})

    @property
    def languages(self) -> list[str]:
        return sorted({_lang(i) for i in self.items})

    @property
    def reports(self) -> int:
        return len(self.items)

    @property
    def severity(self) -> int:
        return max(_severity(i) for i in self.items)

    @property
    def growing(self) -> bool:
        return is_growing(self.reports, self.previous)


def is_growing(now: int, before: int) -> bool:
    """A story already reported before the window (a new one is flagged NEW instead)."""
    return before > 0 and now >= GROWTH_RATIO * before and now - before >= GROWTH_MIN


def merged_stories(items: Iterable[Item]) -> dict[str, str]:
    """story id → the id its story is shown under. The story index may find that a report
    belongs to two stories it had kept apart (`merged_stories`); the reports stored before
    keep their old id (the store is not rewritten), so without this a merged event would
    be listed twice. Merges chain; the smallest id of a group stands for it."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    for item in items:
        enrichment = item.get("enrichment") or {}
        for other in enrichment.get("merged_stories") or ():
            a, b = root(str(enrichment.get("story_id"))), root(str(other))
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {key: root(key) for key in parent}


def rank_stories(window: Iterable[Item], previous: Iterable[Item],
                 seen_before: frozenset[str] | set[str] = frozenset()) -> list[Story]:
    """The window's stories, most widely reported first (sources, languages, reports,
    severity, then the latest). `previous` holds the items of the window before; a story
    in `seen_before` (a report older than both windows) or in `previous` is not new."""
    window, previous = list(window), list(previous)
    merges = merged_stories(window + previous)

    def key(item: Item) -> str:
        return merges.get(story_of(item), story_of(item))

    stories: dict[str, Story] = {}
    for item in window:
        stories.setdefault(key(item), Story(key(item))).items.append(item)
    before: dict[str, int] = {}
    for item in previous:
        before[key(item)] = before.get(key(item), 0) + 1
    seen = {merges.get(k, k) for k in seen_before}
    for story in stories.values():
        story.items.sort(key=lambda i: (-_severity(i), -_time(i), str(i.get("id"))))
        story.previous = before.get(story.key, 0)
        story.new = story.key not in seen and story.previous == 0
    return sorted(stories.values(), key=lambda s: (-len(s.sources), -len(s.languages), -s.reports,
                                                   -s.severity, -_time(s.lead), s.key))


