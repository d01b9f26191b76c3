"""`veille rules test`: what the rules would have raised on items of the store or of a file.

Why through the one `AlertEngine`: once-per-story, hourly caps, quiet hours, digests and the
rule types' windows are the engine's decisions; a dry run that re-implemented any of them
would drift from what the stream does. So the items are replayed, oldest first, through an
engine whose state (throttle, windows, alert store) lives in a throw-away folder, whose clock
is each item's time, and whose delivery queue only counts; the engine reports each decision
through `on_outcome`. Nothing is stored in `$VEILLE_HOME` and nothing is sent.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sinks.alerts.model import Alert
from sinks.alerts.ruletypes import item_time
from veille.json_lines import BadLine, json_objects
from veille.schema import EnrichedItem
from veille.settings import ConfigError


@dataclass(frozen=True)
class Outcome:
    """One decision: `outcome` is raised, throttled (with the alert that owns the story),
    suppressed or digest."""

    rule: str
    rule_type: str
    item_id: str
    title: str
    outcome: str
    matched: list[str]
    reasons: list[str]
    owner: str | None = None

    def as_json(self) -> dict[str, Any]:
        shown = f"throttled (story of {self.owner})" if self.owner else \
            {"raised": "alert", "digest": "alert (held for a digest)"}.get(self.outcome, self.outcome)
        return {"item": self.item_id, "rule": self.rule, "type": self.rule_type,
                "outcome": shown, "matched": self.matched, "reasons": self.reasons}


@dataclass
class DryRun:
    items: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    rules: dict[str, str] = field(default_factory=dict)
    """Rule → its type, for every enabled rule tested."""

    def alerts(self) -> int:
        return sum(1 for o in self.outcomes if o.outcome != "throttled")

    def per_rule(self) -> dict[str, Counter]:
        """Rule → outcome → count, for every rule tested (zeros included)."""
        out: dict[str, Counter] = {name: Counter() for name in self.rules}
        for o in self.outcomes:
            out.setdefault(o.rule, Counter())[o.outcome] += 1
        return out

    @staticmethod
    def tally(counts: Counter) -> tuple[int, int, str]:
        """(alerts, throttled, the other outcomes in words) of one rule's or rule type's counts:
        every decision but a throttled one raises an alert (held for a digest or suppressed
        included)."""
        other = ", ".join(f"{n} {k}" for k, n in counts.items() if k not in ("raised", "throttled"))
        return sum(counts.values()) - counts["throttled"], counts["throttled"], other

    def per_type(self) -> dict[str, Counter]:
        out: dict[str, Counter] = {kind: Counter() for kind in self.rules.values()}
        for o in self.outcomes:
            out.setdefault(o.rule_type, Counter())[o.outcome] += 1
        return out


def dry_run(ruleset: Any, items: Iterable[EnrichedItem], rule: str | None = None) -> DryRun:
    """Replays the items (oldest first) through an AlertEngine with throw-away state; `rule`:
    only that rule (KeyError naming the file when it has none)."""
    from dataclasses import replace

    from sinks.alerts.stage import AlertEngine
    from sinks.alerts.store import SqliteAlertStore
    from sinks.alerts.throttle import SqliteThrottle

    if rule is not None:
        ruleset = replace(ruleset, rules=[ruleset.named(rule)])
    result = DryRun(rules={r.name: r.type for r in ruleset.enabled})
    owners: dict[tuple[str, str], str] = {}
    titles: dict[str, str] = {}

    def record(outcome: str, alert: Alert) -> None:
        # `owners` only names, for the reader, the report whose alert a throttled one lost
        # to; the decision itself is the engine's throttle claim
        key = (alert.rule, alert.story_id)
        owner = owners.get(key) if outcome == "throttled" else None
        if outcome != "throttled":
            owners.setdefault(key, alert.item_id)
        result.outcomes.append(Outcome(alert.rule, alert.rule_type, alert.item_id,
                                       alert.title or titles.get(alert.item_id, ""), outcome,
                                       list(alert.matched), list(alert.reasons), owner))

    ordered = sorted(items, key=item_time)
    result.items = len(ordered)
    with tempfile.TemporaryDirectory(prefix="veille-rules-test-") as tmp:
        clock = [datetime.now(UTC)]
        db = Path(tmp) / "alerts.db"
        engine = AlertEngine(ruleset, SqliteAlertStore(db), SqliteThrottle(db),
                             enqueue=lambda alert, channels: None, clock=lambda: clock[0],
                             on_outcome=record)
        try:
            for item in ordered:
                clock[0] = datetime.fromtimestamp(item_time(item), UTC)
                titles[item.id] = item.title
                engine.tick(force=True)
                engine.handle([item])
            engine.tick(force=True)
        finally:
            engine.close()
    return result


# -- where the items come from ----------------------------------------------------------------
def read_items(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line; a line that is not UTF-8, not JSON or
    not a JSON object is a ConfigError naming the file and the line."""
    try:
        stream = sys.stdin.buffer if str(path) == "-" else path.open("rb")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the items file ({exc.strerror or exc})") from None
    try:
        yield from json_objects(stream, str(path), "an item")
    except BadLine as exc:
        raise ConfigError(str(exc)) from None


def enriched(rows: list[dict], path: Path | str = "items", numbers: list[int] | None = None
             ) -> list[EnrichedItem]:
    """Enriched items as they are; items without enrichment are classified first (so the
    output of a crawl or `veille export` both work). A row that is not an item is a
    ConfigError naming its line."""
    from pydantic import ValidationError

    from processors.classify import Classifier
    from veille.schema import Item

    numbers = numbers or list(range(1, len(rows) + 1))

    def parse(i: int, model: Any, data: dict) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(map(str, first.get("loc", ()))) or "item"
            raise ConfigError(f"{path}:{numbers[i]}: not an item ({where}: {first.get('msg')}; "
                              f"{exc.error_count()} error(s))") from None

    todo = [i for i, r in enumerate(rows) if not r.get("enrichment")]
    out: list = [None] * len(rows)
    for i, row in enumerate(rows):
        if row.get("enrichment"):
            out[i] = parse(i, EnrichedItem, row)
    if todo:
        items = [parse(i, Item, {"url": f"file:{rows[i].get('id')}", "source": "file", **rows[i]})
                 for i in todo]
        for i, item in zip(todo, Classifier(None).enrich_many(items), strict=True):
            out[i] = item
    return out


def items_to_test(path: Path | None, since: timedelta | None) -> list[EnrichedItem]:
    """The items of a JSON-lines file (`path`; `-`: stdin), else of the configured store
    (SQLite or Elasticsearch); with `since`, only those collected that recently."""
    if path is not None:
        numbered = list(read_items(path))
        items = enriched([row for _, row in numbered], path, [n for n, _ in numbered])
    else:
        from sinks.store import open_store

        store = open_store()
        try:
            items = [EnrichedItem.model_validate(doc) for doc in store.export()
                     if doc.get("enrichment")]
        finally:
            store.close()
    if since is not None:
        cut = datetime.now(UTC) - since
        items = [i for i in items if i.collected_at >= cut]
    return items
