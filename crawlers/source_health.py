"""Source health: is each source still delivering, and delivering whole items?

A source rarely fails loudly. A site redesign moves the feed (404 on every round), a
template change makes extraction lose the body or the date, a publisher stops posting; the
collector keeps running and nothing tells the analysts that a voice went quiet. This module
turns what collection already records into a per-source verdict, `ok`, `degraded`, `broken`
or `never`, with the reasons, and reports each source that has just become broken through a
callback (`on_broken`), once per breakage.

Why here (`crawlers/`): it judges the collectors' work from what collection records (the
state, `crawlers.state`) and from the items they delivered (the item store, for extraction
completeness: any object with the store's `source_items` and `write_source_health`, passed
in). It raises no alert itself: the composition root (`veille.cli.wiring`) passes
`on_broken`, which the alert engine implements (`sinks.alerts.stage.AlertEngine.
raise_source_broken`: the built-in "source-broken" alert, raised like any other).

What it reads, and why from there:

* rounds and errors (`state.db`): a round's status, counts and errors by kind; the last
  success however old (one SQL query);
* new items (`state.db`, table `seen`): `first_seen` is written by the collect pipeline
  when an id is first published, so "last new item" and "items per day" count new ids, not
  updates, and do not wait for the processor and indexer (which lag in `veille run`);
* extraction completeness (the item store, `ItemStore.source_items`): title, date, body
  length and identified language of the source's recent items, without their bodies. In
  `veille run` the store lags the round by a few seconds, so a check right after a round may
  judge the previous batch; the next check catches up.

The exact rules and thresholds are documented in docs/source-health.md; they are the
constants below, and `assess` is a pure function of the facts and the clock (unit-tested
with a fake clock).
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from crawlers.state import CrawlState, RoundStats, open_state
from veille.durations import format_duration
from veille.sources import Registry, Source

log = logging.getLogger(__name__)

Status = Literal["ok", "degraded", "broken", "never"]


class ItemFacts(Protocol):
    """What the store says about one stored item (sinks.store.ItemFacts), without its body."""

    collected_at: datetime
    title_len: int
    has_date: bool
    body_len: int
    lang: str


class ItemStore(Protocol):
    """The two calls source health makes on the item store (sinks.store.ItemStore)."""

    def source_items(self, source: str, since: datetime) -> list[Any]: ...

    def write_source_health(self, docs: list[dict[str, Any]]) -> None: ...


OnBroken = Callable[["SourceHealth", Source], Any]
"""Called for each source that has just become broken; returns the alert raised, or None
when it had already been raised (sinks.alerts.stage.AlertEngine.raise_source_broken)."""

# -- thresholds (docs/source-health.md explains each) ----------------------------------------
RATE_WINDOW = timedelta(days=7)  # items per day are counted over this
USUAL_WINDOW = timedelta(days=30)  # usual interval and completeness baseline look this far back
ERRORS_WINDOW = timedelta(hours=24)
ROUNDS_LOOKED_AT = 50  # newest finished rounds read per source
FAILED_ROUNDS_BROKEN = 3  # this many failed rounds in a row: broken
MISSING_ROUNDS_BROKEN = 2  # ... or this many, each with a "missing" error (404, parse)
MISSING_KINDS = frozenset({
    "http_404", "http_410", "feed_malformed", "listing_empty", "api_malformed",
    "marc_malformed", "config",
})
SILENCE_FACTOR = 3  # broken after 3 × the usual interval between new items
SCHEDULE_FACTOR = 2  # ... but never before 2 polls were due
MIN_SILENCE = timedelta(days=1)  # ... nor before a day (news sites sleep at night)
FALLBACK_SILENCE = timedelta(days=3)  # when the usual interval is not known yet
MIN_GAPS = 3  # gaps between productive rounds needed to know the usual interval
DEGRADED_SILENCE_FRACTION = 0.5  # degraded past half the silence limit
MIN_BODY_CHARS = 200  # a body shorter than this is a teaser, not an article
COMPLETENESS_BROKEN = 0.5  # recent completeness under this ...
COMPLETENESS_BASELINE = 0.8  # ... while it was at least this before: broken
COMPLETENESS_DROP_DEGRADED = 0.2  # recent this much below the baseline: degraded
MIN_RECENT_ITEMS = 3  # the recent sample: the last productive round, at least this many items
MIN_BASELINE_ITEMS = 5


# -- the verdict ------------------------------------------------------------------------------
class SourceHealth(BaseModel):
    """One source's health at one check: the verdict, why, and the figures behind it."""

    source: str
    name: str
    status: Status
    reasons: list[str] = Field(default_factory=list)
    checked_at: datetime
    since: datetime | None = Field(default=None, description="when the status began; for "
                                   "broken, the start of the breakage (names the alert's story)")
    breakage_start: datetime | None = Field(default=None, exclude=True)
    last_round: datetime | None = None
    last_round_status: str | None = None
    last_success: datetime | None = None
    last_new_item: datetime | None = None
    new_items_7d: int = 0
    items_per_day: float = 0.0
    usual_interval_hours: float | None = None
    silence_limit_hours: float | None = None
    completeness: float | None = Field(default=None, description="recent items")
    completeness_30d: float | None = None
    recent_items: int = 0
    missing: dict[str, float] = Field(default_factory=dict,
                                      description="share of recent items lacking each field")
    failed_rounds: int = Field(default=0, description="failed rounds in a row, newest first")
    errors_24h: dict[str, int] = Field(default_factory=dict)
    errors_last_round: dict[str, int] = Field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        """The `<ns>-sources` document (mapping `sinks.es_templates.SOURCES_MAPPINGS`): the
        mapped fields plus the rest, kept in `_source` for `veille sources status --json`."""
        doc = self.model_dump(mode="json", exclude={"errors_24h", "errors_last_round"})
        doc["errors"] = {"last_24h": dict(self.errors_24h), "last_round": dict(self.errors_last_round)}
        return doc

    def summary(self, now: datetime) -> dict[str, str]:
        """The figures as an operator reads them (`veille sources status`), column by column:
        times with how long ago, counts of errors by kind, one reason a line."""
        def when(value: datetime | None) -> str:
            return "-" if value is None else f"{value:%Y-%m-%d %H:%M} ({format_duration(now - value)} ago)"

        last_round = ", ".join(f"{k}:{n}" for k, n in sorted(self.errors_last_round.items()))
        return {
            "source": self.source, "status": self.status, "last success": when(self.last_success),
            "last new item": when(self.last_new_item), "items/day": f"{self.items_per_day:.1f}",
            "complete": "-" if self.completeness is None else f"{self.completeness:.0%}",
            "errors 24h": ", ".join(f"{k}:{n}" for k, n in sorted(self.errors_24h.items())) or "-",
            "last round": f"{self.last_round_status or '-'}" + (f" ({last_round})" if last_round else ""),
            "reasons": "\n".join(self.reasons) or "-",
        }


@dataclass
class SourceFacts:
    """What the state and the store say about one source; `assess` judges them."""

    rounds: list[RoundStats] = field(default_factory=list)  # finished, newest first
    last_success: float | None = None
    new_items_7d: int = 0
    last_new_item: float | None = None
    productive_starts: list[float] = field(default_factory=list)  # oldest first, 30 days
    errors_24h: dict[str, int] = field(default_factory=dict)
    items: list[ItemFacts] = field(default_factory=list)  # 30 days, newest first


def round_failed(r: RoundStats) -> bool:
    """A round failed when it did not finish "ok", or when it recorded errors and got
    nothing through (no item published, none found unchanged): a 404 feed, an unparsable
    listing. Errors beside items (one bad article) do not fail the round. Same definition
    as `CrawlState._SUCCESS`."""
    return r.status != "ok" or (bool(r.errors) and r.items + r.unchanged == 0)


def item_complete(i: ItemFacts) -> bool:
    return i.title_len > 0 and i.has_date and i.body_len >= MIN_BODY_CHARS and i.lang not in ("", "und")


def _share(items: Sequence[ItemFacts]) -> float | None:
    return sum(map(item_complete, items)) / len(items) if items else None


def _missing(items: Sequence[ItemFacts]) -> dict[str, float]:
    if not items:
        return {}
    n = len(items)
    lacks = {
        "title": sum(i.title_len == 0 for i in items),
        "date": sum(not i.has_date for i in items),
        "body": sum(i.body_len < MIN_BODY_CHARS for i in items),
        "language": sum(i.lang in ("", "und") for i in items),
    }
    return {k: round(v / n, 3) for k, v in lacks.items() if v}


def _kinds(errors: Mapping[str, int]) -> str:
    return ", ".join(f"{k} ×{n}" for k, n in sorted(errors.items())) or "no error recorded"


def _ts(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def silence_limit(source: Source, usual: float | None) -> float:
    """Seconds without a new item after which the source counts as broken."""
    floor = max(SCHEDULE_FACTOR * source.interval.total_seconds(), MIN_SILENCE.total_seconds())
    if usual is None:
        return max(floor, FALLBACK_SILENCE.total_seconds())
    return max(SILENCE_FACTOR * usual, floor)


def assess(source: Source, facts: SourceFacts, now: datetime) -> SourceHealth:
    """The verdict from the facts, at `now` (a pure function: no I/O, no clock)."""
    t = now.timestamp()
    rounds = facts.rounds
    last = rounds[0] if rounds else None
    gaps = [b - a for a, b in zip(facts.productive_starts, facts.productive_starts[1:], strict=False)]
    usual = statistics.median(gaps) if len(gaps) >= MIN_GAPS else None
    limit = silence_limit(source, usual)
    health = SourceHealth(
        source=source.key, name=source.name, status="ok", checked_at=now,
        last_round=_ts(last.finished or last.started) if last else None,
        last_round_status=last.status if last else None,
        last_success=_ts(facts.last_success), last_new_item=_ts(facts.last_new_item),
        new_items_7d=facts.new_items_7d,
        items_per_day=round(facts.new_items_7d / (RATE_WINDOW.total_seconds() / 86400), 2),
        usual_interval_hours=round(usual / 3600, 2) if usual is not None else None,
        silence_limit_hours=None if source.archive else round(limit / 3600, 2),
        errors_24h=dict(facts.errors_24h), errors_last_round=dict(last.errors) if last else {},
    )
    if last is None:
        health.status = "never"
        health.reasons = ["no finished collection round yet"]
        return health

    broken: list[str] = []
    degraded: list[str] = []
    starts: list[float] = []  # when each broken condition began: the breakage's start

    # 1. rounds failing in a row (newest first)
    streak = 0
    for r in rounds:
        if not round_failed(r):
            break
        streak += 1
    health.failed_rounds = streak
    if streak:
        failed = rounds[:streak]
        merged: Counter[str] = Counter()
        for r in failed:
            merged.update(r.errors)
        statuses = sorted({r.status for r in failed if r.status != "ok"})
        what = _kinds(merged) + (f"; status {', '.join(statuses)}" if statuses else "")
        missing = all(MISSING_KINDS & r.errors.keys() for r in failed)
        after = (f"since the last success {health.last_success:%Y-%m-%d %H:%M} UTC"
                 if health.last_success else "since the first round")
        if streak >= MISSING_ROUNDS_BROKEN and missing:
            kinds = sorted({k for r in failed for k in r.errors if k in MISSING_KINDS})
            broken.append(f"feed or page missing: {', '.join(kinds)} on every round {after} "
                          f"({streak} rounds)")
        if streak >= FAILED_ROUNDS_BROKEN:
            broken.append(f"the last {streak} rounds failed ({what})")
        if broken:
            starts.append(failed[-1].started)
        else:
            degraded.append(f"the last round failed ({what})" if streak == 1
                            else f"the last {streak} rounds failed ({what})")
    elif last.errors:
        degraded.append(f"the last round had errors ({_kinds(last.errors)})")

    # 2. silence: no new item though polled, for longer than usual
    if not source.archive:
        reference = facts.last_new_item or rounds[-1].started
        polled = last.finished or last.started
        usual_text = format_duration(usual) if usual is not None else "not known yet"
        quiet = format_duration(t - reference)
        if polled - reference > limit:
            broken.append(f"no new item for {quiet} (usual interval {usual_text}; "
                          f"broken after {format_duration(limit)})")
            starts.append(reference + limit)
        elif t - reference > DEGRADED_SILENCE_FRACTION * limit:
            degraded.append(f"no new item for {quiet} (usual interval {usual_text}; "
                            f"broken after {format_duration(limit)})")

    # 3. extraction completeness: the last productive round's items against the 30 days before
    items = sorted(facts.items, key=lambda i: i.collected_at, reverse=True)
    productive = next((r.started for r in rounds if r.items > 0), None)
    cut = len(items) if productive is None else sum(
        i.collected_at.timestamp() >= productive for i in items)
    cut = min(len(items), max(cut, MIN_RECENT_ITEMS))
    recent, baseline = items[:cut], items[cut:]
    health.recent_items = len(recent)
    health.completeness = _share(recent)
    health.completeness_30d = _share(items)
    health.missing = _missing(recent)
    if health.completeness is not None:
        health.completeness = round(health.completeness, 3)
        health.completeness_30d = round(health.completeness_30d or 0.0, 3)
    before = _share(baseline) if len(baseline) >= MIN_BASELINE_ITEMS else None
    if before is not None and health.completeness is not None and len(recent) >= MIN_RECENT_ITEMS:
        lacking = ", ".join(f"{k} {v:.0%}" for k, v in health.missing.items()) or "-"
        text = (f"extraction completeness {health.completeness:.0%} in the {len(recent)} newest "
                f"items, was {before:.0%} over the 30 days before (missing: {lacking})")
        if health.completeness < COMPLETENESS_BROKEN and before >= COMPLETENESS_BASELINE:
            broken.append(text)
            starts.append(min(i.collected_at.timestamp() for i in recent))
        elif health.completeness < before - COMPLETENESS_DROP_DEGRADED:
            degraded.append(text)

    health.reasons = broken + degraded
    health.status = "broken" if broken else "degraded" if degraded else "ok"
    if broken:
        health.breakage_start = _ts(min(starts))
    return health


# -- reading the facts ------------------------------------------------------------------------
def gather_facts(source: Source, state: CrawlState, store: ItemStore | None, now: datetime) -> SourceFacts:
    t = now.timestamp()
    new_7d, last_new = state.new_items(source.key, t - RATE_WINDOW.total_seconds())
    return SourceFacts(
        rounds=state.source_rounds(source.key, ROUNDS_LOOKED_AT),
        last_success=state.last_success(source.key),
        new_items_7d=new_7d,
        last_new_item=last_new,
        productive_starts=state.productive_round_starts(source.key, t - USUAL_WINDOW.total_seconds()),
        errors_24h=state.errors_by_kind(source.key, t - ERRORS_WINDOW.total_seconds()),
        items=store.source_items(source.key, now - USUAL_WINDOW) if store is not None else [],
    )


def compute_health(registry: Registry, state: CrawlState, store: ItemStore | None,
                   now: datetime | None = None, keys: Iterable[str] | None = None) -> list[SourceHealth]:
    """The health of every enabled source (or of `keys`), in registry order."""
    now = now or datetime.now(UTC)
    wanted = set(keys) if keys is not None else None
    return [assess(s, gather_facts(s, state, store, now), now)
            for s in registry.enabled() if wanted is None or s.key in wanted]


# -- one check: compute, remember, publish, alert ---------------------------------------------
def check_sources(registry: Registry, state: CrawlState, store: ItemStore | None,
                  now: datetime | None = None, *, on_broken: OnBroken | None = None,
                  keys: Iterable[str] | None = None) -> tuple[list[SourceHealth], list[Any]]:
    """Computes every source's health, reports each source that *became* broken to
    `on_broken` (which raises the alert; the raised alerts are returned), then records the check: `state.db` (table source_health, which the next check compares
    with), the store's `<ns>-sources` index (Elasticsearch) and the gauges.

    Alerts go first: a crash before the record makes the next check see the same transition
    and raise the same alert (same story and id), which throttle, store and ledger absorb."""
    from crawlers.metrics import (
        SOURCE_BROKEN,
        SOURCE_COMPLETENESS,
        SOURCE_ITEMS_PER_DAY,
        SOURCE_LAST_NEW_ITEM,
        SOURCE_LAST_SUCCESS,
    )

    now = now or datetime.now(UTC)
    healths = compute_health(registry, state, store, now, keys)
    previous = state.health_records()
    raised: list[Any] = []
    for h in healths:
        before = previous.get(h.source)
        same = before is not None and before[0] == h.status
        if same and before[1] is not None:
            h.since = _ts(before[1])
        elif h.status == "broken":
            h.since = h.breakage_start or now
        else:
            h.since = now
        if h.status == "broken" and not same and on_broken is not None:
            alert = on_broken(h, registry.get(h.source))
            if alert is not None:
                raised.append(alert)
    state.save_health([
        (h.source, h.status, h.since.timestamp() if h.since else None, now.timestamp(),
         h.model_dump_json()) for h in healths
    ])
    if store is not None:
        store.write_source_health([h.document() for h in healths])
    for h in healths:
        if h.last_success:
            SOURCE_LAST_SUCCESS.labels(h.source).set(h.last_success.timestamp())
        if h.last_new_item:
            SOURCE_LAST_NEW_ITEM.labels(h.source).set(h.last_new_item.timestamp())
        SOURCE_ITEMS_PER_DAY.labels(h.source).set(h.items_per_day)
        if h.completeness is not None:
            SOURCE_COMPLETENESS.labels(h.source).set(h.completeness)
        SOURCE_BROKEN.labels(h.source).set(1 if h.status == "broken" else 0)
    return healths, raised


class HealthChecker:
    """The hook the scheduler calls when rounds finish (`Scheduler(on_round_finished=…)`):
    one check of every source. It never raises — a failing check (Elasticsearch down, say)
    is logged and must not stop collection; the next finished round tries again.

    `store`: the item store, or a function opening it (called at the first check, so a
    collector starts even with Elasticsearch down). `on_broken`: see `check_sources`."""

    def __init__(self, registry: Registry, state: CrawlState,
                 store: ItemStore | Callable[[], ItemStore] | None,
                 on_broken: OnBroken | None = None) -> None:
        self.registry, self.state = registry, state
        self._store, self.on_broken = store, on_broken
        self.last: list[SourceHealth] = []

    def _resolve(self) -> ItemStore | None:
        if self._store is not None and not hasattr(self._store, "source_items"):
            self._store = self._store()  # type: ignore[operator]
        return self._store  # type: ignore[return-value]

    def __call__(self, finished: Sequence[str] = ()) -> list[SourceHealth]:
        try:
            self.last, _ = check_sources(self.registry, self.state, self._resolve(),
                                         on_broken=self.on_broken)
        except Exception:  # noqa: BLE001 - see the class doc
            log.exception("source health check after rounds of %s failed", ", ".join(finished) or "-")
        return self.last


def last_health(settings: Any = None) -> list[dict[str, Any]]:
    """The sources' health documents of the last check, for readers outside the crawl (the
    brief's "sources that broke"); the SQLite or Redis crawl state alike."""
    state = open_state(settings)
    try:
        return list(state.health_docs().values())
    finally:
        close = getattr(state, "close", None)
        if close:
            close()
