"""The alert stage: every enriched item against every rule, once per story, then delivery.

For each rule an item matches (`sinks.alerts.rules`), the story (its `story_id`, else the
item it duplicates, else itself) is claimed for the rule's throttle window
(`sinks.alerts.throttle`). The first report of a story raises an alert; other reports in the
window are counted and dropped, so three sources in three languages give one alert. The alert
is stored (`sinks.alerts.store`), published on `<ns>.alerts`, and handed to the Dramatiq
delivery actors (`sinks.alerts.delivery`) — unless it is over the rule's hourly cap
(kept as "suppressed"), or its rule collects digests or is in quiet hours (kept as "digest"
and sent later as one message listing them).

Order of writes, for at-least-once without doubles: store (insert-if-absent) → topic →
delivery messages → commit of the input. A crash anywhere replays the batch: the throttle
answers "mine" for the same item, the store keeps the first write, and the delivery ledger
drops a delivery key already delivered.

Rules of another type than `any` (frequency, spike, new_term, flatline: sinks.alerts.ruletypes)
pass each matching item to their type, which says when the stream makes an alert and why; the
alert then takes the same path (claim → store → topic → delivery). `tick` evaluates what
depends on time passing (a source gone quiet) between batches. A muted rule (`veille rules
mute`) still raises, but its alerts are kept as "suppressed" and not sent.

The same engine raises veille's own alerts (`raise_source_broken`: a source whose health
check says broken, crawlers.source_health), through the same path: throttle claim → store →
topic → delivery. There is one way to raise an alert.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter

from sinks.alerts.message import alert_facts, digest_entries
from sinks.alerts.model import Alert, ChannelConfig, alert_id, delivery_key
from sinks.alerts.ruletypes import Firing, RuleKind, StreamClock, item_time, rule_kind
from sinks.alerts.store import AlertStore
from sinks.alerts.throttle import Throttle
from sinks.alerts.windows import WindowState, windows_beside
from veille.bus.base import ALERTS, ENRICHED, Bus, Message
from veille.schema import EnrichedItem
from veille.sources import Source
from veille.stage import Stage

if TYPE_CHECKING:
    from sinks.alerts.rules import RuleSet

log = logging.getLogger(__name__)

ALERT_OUTCOMES = Counter(
    "veille_alerts_total", "Rule matches by what became of them", ["rule", "outcome"]
)

Enqueue = Callable[[Alert, dict[str, ChannelConfig]], None]
Outcome = Callable[[str, Alert], None]
SUMMARY_CHARS = 400
FLUSH_CHECK_SECONDS = 5.0
TICK_SECONDS = 5.0
SOURCE_BROKEN = "source-broken"  # the built-in rule name (rules.yaml's `builtin:` section)
SOURCE_BROKEN_WINDOW = timedelta(days=30)  # throttle window; the story id is per breakage anyway


def now_utc() -> datetime:
    return datetime.now(UTC)


def story_of(item: EnrichedItem) -> str:
    e = item.enrichment
    return (e.story_id if e else None) or (e.duplicate_of if e else None) or item.id


def _summary(body: str) -> str:
    text = re.sub(r"\s+", " ", body).strip()
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"


def build_alert(item: EnrichedItem, match: Any, now: datetime, firing: Firing | None = None
                ) -> Alert:
    """The alert of a rule on an item; with `firing` (a rule type's), its story is the
    firing's and its reason comes first."""
    rule = match.rule
    e = item.enrichment
    story = firing.story if firing else story_of(item)
    return Alert(
        id=alert_id(rule.name, story, item.id),
        rule=rule.name,
        rule_type=rule.type,
        item_id=item.id,
        story_id=story,
        created_at=now,
        severity=e.severity.score if e else 0,
        matched=list(match.matched),
        reasons=[firing.reason, *match.reasons] if firing else list(match.reasons),
        channels=list(rule.channels),
        mode=rule.mode_name,
        title=item.title,
        url=item.url,
        source=item.source,
        issuer=item.issuer,
        language=e.language.code if e else (item.lang or "und"),
        published_at=item.published_at,
        summary=_summary(item.body),
        places=[p.name for p in e.places] if e else [],
        event_types=[lab.label for lab in e.event_types] if e else [],
        topics=[lab.label for lab in e.topics] if e else [],
        **alert_facts(e),
    )


def quiet_alert(rule: Any, firing: Firing, now: datetime) -> Alert:
    """A flatline's alert: no item behind it; the story is the quiet spell."""
    item = f"flatline:{firing.source or rule.name}"
    return Alert(
        id=alert_id(rule.name, firing.story, item), rule=rule.name, rule_type=rule.type,
        item_id=item, story_id=firing.story, created_at=now, matched=["flatline"],
        reasons=[firing.reason], channels=list(rule.channels), mode=rule.mode_name,
        title=firing.title, source=firing.source, summary=firing.reason,
    )


def digest_alert(rule: Any, held: Sequence[Alert], now: datetime) -> Alert:
    """One message for the held alerts of a rule; its id depends only on which alerts it
    carries, so a digest re-sent after a crash has the same delivery keys."""
    ids = sorted(a.id for a in held)
    digest = "dg-" + hashlib.sha256("\x1f".join([rule.name, *ids]).encode()).hexdigest()[:24]
    lines = [f"[{a.severity}] {a.title} — {a.url} ({'; '.join(a.reasons)})" for a in held]
    top = max(held, key=lambda a: a.severity)
    return Alert(
        id=digest, rule=rule.name, item_id=top.item_id, story_id="digest", created_at=now,
        severity=top.severity, matched=sorted({m for a in held for m in a.matched}),
        reasons=lines, channels=list(rule.channels), mode="digest",
        title=f"{len(held)} alert{'s' if len(held) > 1 else ''} for rule {rule.name}",
        url=top.url, source=top.source, language=top.language,
        summary="\n".join(f"• {a.title}" for a in held),
        places=sorted({p for a in held for p in a.places}),
        event_types=sorted({t for a in held for t in a.event_types}),
        topics=sorted({t for a in held for t in a.topics}),
        entries=digest_entries(held),
    )


def builtin_channels(ruleset: RuleSet | None, name: str = SOURCE_BROKEN) -> dict[str, ChannelConfig]:
    """Where a built-in alert goes: the rules file's channels for it (its `builtin:` section,
    else `defaults.channels`; `load_rules` checked they exist), else its first `log` channel,
    else a plain log channel `console` (a broken source must still be heard of)."""
    from sinks.alerts.model import LogChannel

    if ruleset is None:
        return {"console": LogChannel(type="log")}
    names = ruleset.builtin_channels.get(name)
    if names:
        return {n: ruleset.channels[n] for n in names}
    for channel, config in ruleset.channels.items():
        if config.type == "log":
            return {channel: config}
    return {"console": LogChannel(type="log")}


def source_broken_alert(health: Any, source: Source, channels: Sequence[str]) -> Alert:
    """The built-in alert for a source's breakage (`health`: crawlers.source_health's verdict);
    its story is the breakage, so one breakage gives one alert however often it is checked."""
    since = health.since or health.breakage_start or health.checked_at
    story = f"source:{source.key}:{int(since.timestamp())}"
    item = f"source:{source.key}"
    return Alert(
        id=alert_id(SOURCE_BROKEN, story, item), rule=SOURCE_BROKEN, item_id=item, story_id=story,
        created_at=health.checked_at, matched=["source_broken"], reasons=list(health.reasons),
        channels=list(channels), title=f"Source {source.name} looks broken",
        url=source.urls[0].url, source=source.key, issuer=source.issuer,
        summary="; ".join(health.reasons),
    )


class AlertEngine:
    """The decisions, apart from the bus loop (tests and the embedded default call it).
    `ruleset` None: no rule, built-in alerts on the plain log channel (a rules file that
    cannot be read must not silence a broken source)."""

    def __init__(self, ruleset: RuleSet | None, store: AlertStore, throttle: Throttle,
                 enqueue: Enqueue, publish: Callable[[Alert], None] | None = None,
                 clock: Callable[[], datetime] = now_utc, windows: WindowState | None = None,
                 on_outcome: Outcome | None = None) -> None:
        self.ruleset, self.store, self.throttle = ruleset, store, throttle
        self.enqueue, self.publish, self.clock = enqueue, publish, clock
        self.windows = windows if windows is not None else windows_beside(throttle)
        self.on_outcome = on_outcome
        """Told of each decision ("raised", "throttled", "suppressed", "digest"): `rules test`."""
        self.stream_clock = StreamClock(self.windows)
        self.rules = {r.name: r for r in ruleset.rules} if ruleset is not None else {}
        self.kinds: dict[str, RuleKind] = {}
        for rule in (ruleset.enabled if ruleset is not None else []):
            kind = rule_kind(rule, self.windows)
            if kind is not None:
                self.kinds[rule.name] = kind
        self._last_tick = float("-inf")
        self._muted: dict[str, datetime] = {}
        self.channels: dict[str, ChannelConfig] = dict(ruleset.channels) if ruleset is not None else {}
        self.source_broken_channels = builtin_channels(ruleset, SOURCE_BROKEN)
        self.last_flush: dict[str, datetime] = {}
        self._last_check = 0.0

    def _channels(self, alert: Alert) -> dict[str, ChannelConfig]:
        if alert.rule == SOURCE_BROKEN:
            return dict(self.source_broken_channels)
        return {name: self.channels[name] for name in alert.channels}

    def _raise(self, alerts: Sequence[Alert]) -> None:
        """The one path of a raised alert: store (insert-if-absent) → topic → delivery."""
        if not alerts:
            return
        self.store.add(list(alerts))
        for alert in alerts:
            if self.publish:
                self.publish(alert)
        for alert in alerts:
            if alert.status == "pending":
                self.enqueue(alert, self._channels(alert))

    def raise_source_broken(self, health: Any, source: Source) -> Alert | None:
        """The built-in "source-broken" alert for a breakage (crawlers.source_health calls
        this as its `on_broken` callback), or None when it was already raised (by this or
        another process: the throttle's claim on the breakage's story)."""
        alert = source_broken_alert(health, source, list(self.source_broken_channels))
        claim = self.throttle.claim(SOURCE_BROKEN, alert.story_id, alert.id, SOURCE_BROKEN_WINDOW,
                                    health.checked_at)
        if claim == "throttled":
            ALERT_OUTCOMES.labels(SOURCE_BROKEN, "throttled").inc()
            return None
        self._raise([alert])
        ALERT_OUTCOMES.labels(SOURCE_BROKEN, "raised").inc()
        log.warning("source %s looks broken: %s", source.key, "; ".join(health.reasons))
        return alert

    def decide(self, item: EnrichedItem, match: Any, now: datetime,
               firing: Firing | None = None) -> Alert | None:
        """The alert of a match (or of a rule type's firing on it), None when throttled."""
        return self._decide(match.rule, build_alert(item, match, now, firing), now)

    def _decide(self, rule: Any, alert: Alert, now: datetime) -> Alert | None:
        claim = self.throttle.claim(rule.name, alert.story_id, alert.id, rule.throttle.window, now)
        if claim == "throttled":
            ALERT_OUTCOMES.labels(rule.name, "throttled").inc()
            if self.on_outcome:
                self.on_outcome("throttled", alert)
            return None
        cap = rule.throttle.max_per_hour
        quiet = rule.in_quiet_hours(now) and not rule.quiet_overridden(alert.severity)
        muted = self._muted.get(rule.name)
        if muted is not None and muted > now:
            alert.status = "suppressed"
            alert.reasons.append(f"not sent: rule muted until {muted:%Y-%m-%d %H:%M} UTC")
        elif cap and self.throttle.count_in_hour(rule.name, alert.id, now) > cap:
            alert.status = "suppressed"
            alert.reasons.append(f"not sent: over the rule's cap of {cap} alerts per hour")
        elif rule.digest_every or quiet:
            alert.status = "digest"
            if quiet:
                alert.reasons.append("held: quiet hours")
        outcome = alert.status if alert.status != "pending" else "raised"
        ALERT_OUTCOMES.labels(rule.name, outcome).inc()
        if self.on_outcome:
            self.on_outcome(outcome, alert)
        return alert

    def handle(self, items: Sequence[EnrichedItem]) -> list[Alert]:
        now = self.clock()
        alerts: list[Alert] = []
        if self.ruleset is None or not items:
            return alerts
        self._muted = self.windows.mutes(now)
        if self.kinds:
            self.stream_clock.advance(max(item_time(i) for i in items), now.timestamp())
        for item in items:
            for match in self.ruleset.match(item):
                kind = self.kinds.get(match.rule.name)
                firings = kind.observe(item) if kind is not None else [None]
                for firing in firings:
                    alert = self.decide(item, match, now, firing)
                    if alert is not None:
                        alerts.append(alert)
        self._raise(alerts)
        return alerts

    def tick(self, force: bool = False) -> list[Alert]:
        """What time passing raises (flatline rules), at most every TICK_SECONDS unless forced;
        the stream's clock (sinks.alerts.ruletypes.StreamClock) says what "now" is."""
        if not force and time.monotonic() - self._last_tick < TICK_SECONDS:
            return []
        self._last_tick = time.monotonic()
        now = self.clock()
        stream_now = self.stream_clock.now(now.timestamp()) if self.kinds else None
        if stream_now is None:
            return []
        self._muted = self.windows.mutes(now)
        alerts: list[Alert] = []
        told: list[tuple[RuleKind, Firing]] = []
        for name, kind in self.kinds.items():
            rule = self.rules[name]
            for firing in kind.tick(stream_now):
                told.append((kind, firing))
                alert = self._decide(rule, quiet_alert(rule, firing, now), now)
                if alert is not None:
                    alerts.append(alert)
        self._raise(alerts)
        for kind, firing in told:
            kind.raised(firing)
        for name, kind in self.kinds.items():
            if kind.horizon():
                self.windows.prune(name, kind.horizon())
        return alerts

    def flush_due(self, force: bool = False) -> list[Alert]:
        """Sends the digests that are due: a digest rule's period has passed, or quiet hours
        are over. Checked at most every FLUSH_CHECK_SECONDS unless forced."""
        if not force and time.monotonic() - self._last_check < FLUSH_CHECK_SECONDS:
            return []
        self._last_check = time.monotonic()
        now = self.clock()
        sent: list[Alert] = []
        for rule in self.rules.values():
            every = rule.digest_every
            last = self.last_flush.setdefault(rule.name, now)
            if rule.in_quiet_hours(now) or (every and not force and now - last < every):
                continue
            held = self.store.held(rule.name)
            if not held:
                continue
            digest = digest_alert(rule, held, now)
            self.enqueue(digest, self._channels(digest))
            self.store.set_status([a.id for a in held], "pending", digest.id)
            self.last_flush[rule.name] = now
            ALERT_OUTCOMES.labels(rule.name, "digest_sent").inc()
            sent.append(digest)
        return sent


    def recover(self, ledger: Any, limit: int = 5000) -> int:
        """Re-sends the deliveries a crash lost. Needed in the embedded default only: its
        in-process broker keeps queued deliveries in memory, while Redis keeps them. An alert
        counts as lost when one of its channels is neither delivered nor failed in the
        ledger; digests are rebuilt from the alerts they carried (same alerts, same id)."""
        pending = [a for a in self.store.recent(limit) if a.status == "pending"]
        digests: dict[str, list[Alert]] = {}
        todo: list[Alert] = []
        for alert in pending:
            if alert.digest_id:
                digests.setdefault(alert.digest_id, []).append(alert)
            else:
                todo.append(alert)
        now = self.clock()
        for digest_id, carried in digests.items():
            rule = self.rules.get(carried[0].rule)
            if rule is not None:
                digest = digest_alert(rule, carried, now)
                if digest.id == digest_id:
                    todo.append(digest)
        sent = 0
        for alert in todo:
            channels = {n: c for n, c in self._channels(alert).items() if n in alert.channels}
            keys = [delivery_key(alert, name) for name in channels]
            states = ledger.status(keys) if keys else {}
            if any(states.get(k) not in ("delivered", "failed") for k in keys):
                self.enqueue(alert, channels)
                sent += 1
        if sent:
            log.warning("alerts: %d alert(s) whose delivery a previous run did not finish are sent again", sent)
        return sent

    def close(self) -> None:
        self.store.close()
        self.throttle.close()
        self.windows.close()


class AlertStage(Stage):
    """The bus loop, plus the digest check between batches."""

    def __init__(self, bus: Bus, engine: AlertEngine, batch_size: int = 200) -> None:
        self.engine = engine

        def handle(messages: Sequence[Message]) -> list[tuple[Message, BaseException]]:
            failed: list[tuple[Message, BaseException]] = []
            items: list[EnrichedItem] = []
            for message in messages:
                try:
                    items.append(EnrichedItem.model_validate_json(message.value))
                except Exception as exc:
                    failed.append((message, exc))
            engine.handle(items)  # raises when the store or the broker is down: no commit
            return failed

        super().__init__("alerter", bus, ENRICHED, handle, batch_size=batch_size)

    def run_once(self, timeout: float = 0.5) -> int:
        took = super().run_once(timeout)
        self.engine.tick()
        self.engine.flush_due()
        return took

    def close(self) -> None:
        super().close()
        self.engine.close()


def alert_engine(ruleset: Any = None, store: AlertStore | None = None,
                 throttle: Throttle | None = None, enqueue: Enqueue | None = None,
                 bus: Bus | None = None, *, tolerant: bool = False) -> AlertEngine:
    """The engine with the settings' rules file, alert store, throttle and delivery queue;
    with `bus`, raised alerts are also published on `veille.alerts`. `tolerant`: a rules file
    that cannot be read is logged and leaves only the built-in alerts (on the log channel),
    as a collector that checks source health needs."""
    from sinks.alerts.store import open_alert_store
    from sinks.alerts.throttle import open_throttle

    if ruleset is None:
        try:
            ruleset = load_configured_rules()
        except Exception as exc:  # noqa: BLE001 - only when tolerant; re-raised otherwise
            if not tolerant:
                raise
            log.warning("alerts: rules not loaded (%s); built-in alerts use the log channel", exc)
    if enqueue is None:
        from sinks.alerts.delivery import enqueue_delivery

        enqueue = enqueue_delivery
    publish = None
    if bus is not None:
        def publish(alert: Alert) -> None:
            bus.publish_json(ALERTS, alert.id, alert.model_dump(mode="json"))

    return AlertEngine(ruleset, store or open_alert_store(), throttle or open_throttle(),
                       enqueue, publish)


def alert_stage(bus: Bus, ruleset: Any = None, store: AlertStore | None = None,
                throttle: Throttle | None = None, enqueue: Enqueue | None = None) -> AlertStage:
    """The stage as `veille alert`, `veille run` and `veille demo` run it."""
    return AlertStage(bus, alert_engine(ruleset, store, throttle, enqueue, bus))


def load_configured_rules(path: Path | None = None) -> RuleSet:
    """A rules file (default: the settings' `VEILLE_RULES`, else the bundled rules.yaml),
    checked against the source registry."""
    from sinks.alerts.rules import load_rules
    from veille.settings import get_settings
    from veille.sources import load_registry

    settings = get_settings()
    registry = load_registry(settings.sources_path())
    return load_rules(path or settings.rules_path(), sources=[s.key for s in registry.sources])
