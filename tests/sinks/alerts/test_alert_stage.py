"""The alert stage's decisions: once per story, replays, digests, quiet hours, hourly caps,
and the bus loop (poison messages, the alerts topic). Embedded parts only (SQLite)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from processors.classify import Classifier
from sinks.alerts.model import Alert, ChannelConfig
from sinks.alerts.rules import load_rules
from sinks.alerts.stage import AlertEngine, AlertStage
from sinks.alerts.store import SqliteAlertStore
from sinks.alerts.throttle import SqliteThrottle
from veille.bus.base import ALERTS, DLQ, ENRICHED
from veille.bus.sqlite_bus import SqliteBus
from veille.schema import EnrichedItem, Item

STORY = Path(__file__).resolve().parents[2] / "fixtures" / "alerts_story.jsonl"
NOON = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # 12:00 in Bamako (UTC+0)

RULES = """
channels:
  console: {type: log}
  hook: {type: webhook, url: "http://127.0.0.1:9/hook"}
defaults:
  channels: [console, hook]
rules:
  - name: violence
    when:
      event_types: [attack_on_civilians, armed_clash]
      places: {admin1: [Ménaka]}
  - name: bamako
    when:
      places: {admin1: [Bamako]}
    mode: {digest: 30m}
  - name: night
    when:
      orgs: [isgs]
    quiet_hours: {start: "22:00", end: "07:00", timezone: Africa/Bamako}
"""


@pytest.fixture(scope="module")
def items() -> list[EnrichedItem]:
    raw = [Item.model_validate(json.loads(line)) for line in STORY.read_text().splitlines()]
    return Classifier(None).enrich_many(raw)


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[Alert, list[str]]] = []

    def __call__(self, alert: Alert, channels: dict[str, ChannelConfig]) -> None:
        self.sent.append((alert, sorted(channels)))


def _engine(tmp_path: Path, rules: str = RULES, at: datetime = NOON) -> tuple[AlertEngine, Recorder]:
    path = tmp_path / "rules.yaml"
    path.write_text(rules, encoding="utf-8")
    clock = {"now": at}
    recorder = Recorder()
    engine = AlertEngine(load_rules(path), SqliteAlertStore(tmp_path / "alerts.db"),
                         SqliteThrottle(tmp_path / "alerts.db"), recorder, clock=lambda: clock["now"])
    engine.clock_state = clock  # type: ignore[attr-defined]
    return engine, recorder


def test_one_alert_per_story_across_three_languages(tmp_path: Path, items: list[EnrichedItem]) -> None:
    story = items[:3]  # the same attack near Ménaka in fr, en, ar from three sources
    assert len({i.enrichment.story_id for i in story}) == 1
    engine, sent = _engine(tmp_path)
    for item in story:  # one by one, as they would arrive
        engine.handle([item])
    violence = [a for a, _ in sent.sent if a.rule == "violence"]
    assert len(violence) == 1
    alert = violence[0]
    assert alert.item_id == "t-fr-1" and alert.story_id == story[0].enrichment.story_id
    assert alert.matched == ["event_types", "places"]
    assert any("attack_on_civilians" in r for r in alert.reasons)
    assert any("Ménaka" in r for r in alert.reasons)
    assert sent.sent[0][1] == ["console", "hook"]


def test_a_replayed_batch_gives_the_same_alert_and_no_new_one(tmp_path: Path, items: list[EnrichedItem]) -> None:
    engine, sent = _engine(tmp_path)
    engine.handle(items[:3])
    first = [a.id for a, _ in sent.sent]
    engine.handle(items[:3])  # a crash before the commit: the batch comes again
    assert [a.id for a, _ in sent.sent] == first * 2  # same ids: the delivery keys dedupe
    assert engine.store.count() == len(set(first))


def test_digest_rule_holds_then_sends_one_message(tmp_path: Path, items: list[EnrichedItem]) -> None:
    engine, sent = _engine(tmp_path)
    engine.handle([items[3]])  # Bamako
    assert [a.rule for a, _ in sent.sent] == []
    assert [a.status for a in engine.store.held("bamako")] == ["digest"]
    assert engine.flush_due(force=False) == []  # checked, but 30 minutes have not passed
    engine._last_check = 0.0
    engine.clock_state["now"] = NOON + timedelta(minutes=31)
    digests = engine.flush_due()
    assert len(digests) == 1 and sent.sent[0][0] is digests[0]
    assert digests[0].title == "1 alert for rule bamako"
    assert "CEDEAO" in digests[0].reasons[0] or "dialogue" in digests[0].reasons[0]
    assert engine.store.held("bamako") == []
    assert engine.store.recent(5, rule="bamako")[0].digest_id == digests[0].id


def test_quiet_hours_hold_until_morning(tmp_path: Path, items: list[EnrichedItem]) -> None:
    engine, sent = _engine(tmp_path, at=datetime(2026, 11, 22, 23, 30, tzinfo=UTC))
    engine.handle([items[0]])
    assert [a.rule for a, _ in sent.sent] == ["violence"]  # the night rule is held
    held = engine.store.held("night")
    assert len(held) == 1 and "held: quiet hours" in held[0].reasons
    engine.clock_state["now"] = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    assert engine.flush_due(force=True) == []  # still night
    engine.clock_state["now"] = datetime(2026, 11, 23, 7, 5, tzinfo=UTC)
    assert len(engine.flush_due(force=True)) == 1


def test_severity_overrides_quiet_hours(tmp_path: Path, items: list[EnrichedItem]) -> None:
    rules = RULES.replace("timezone: Africa/Bamako}", "timezone: Africa/Bamako, unless_severity_at_least: 50}")
    engine, sent = _engine(tmp_path, rules, at=datetime(2026, 11, 22, 23, 30, tzinfo=UTC))
    engine.handle([items[0]])
    assert sorted(a.rule for a, _ in sent.sent) == ["night", "violence"]


def test_hourly_cap_suppresses_and_keeps(tmp_path: Path, items: list[EnrichedItem]) -> None:
    rules = """
channels: {console: {type: log}}
rules:
  - name: any
    channels: [console]
    when: {}
    throttle: {window: 1h, max_per_hour: 2}
"""
    engine, sent = _engine(tmp_path, rules)
    distinct = [i.model_copy(update={"id": f"x{n}", "enrichment": i.enrichment.model_copy(
        update={"story_id": f"s{n}"})}) for n, i in enumerate(items[:4])]
    engine.handle(distinct)
    assert len(sent.sent) == 2
    statuses = sorted(a.status for a in engine.store.recent(10))
    assert statuses == ["pending", "pending", "suppressed", "suppressed"]


def test_stage_publishes_alerts_and_dead_letters_poison(tmp_path: Path, items: list[EnrichedItem]) -> None:
    engine, sent = _engine(tmp_path)
    bus = SqliteBus(tmp_path / "bus.db")
    engine.publish = lambda a: bus.publish_json(ALERTS, a.id, a.model_dump(mode="json"))
    stage = AlertStage(bus, engine)
    bus.publish(ENRICHED, "bad", b"{not json")
    for item in items:
        bus.publish(ENRICHED, item.id, item.model_dump_json().encode())
    assert stage.drain() == 5
    assert bus.count(DLQ) == 1
    published = bus.consumer(ALERTS, "t").poll(100, 0.1)
    assert {m.key for m in published} == {a.id for a in engine.store.recent(50)}
    assert {json.loads(m.value)["rule"] for m in published} == {"violence", "bamako", "night"}


def test_recover_resends_what_a_crash_lost_and_nothing_else(tmp_path: Path, items: list[EnrichedItem]) -> None:
    from sinks.alerts.ledger import SqliteLedger
    from sinks.alerts.model import delivery_key

    engine, sent = _engine(tmp_path)
    engine.handle(items)  # violence + night alerts enqueued; bamako held
    digest = engine.flush_due(force=True)[0]
    ledger = SqliteLedger(tmp_path / "alerts.db")
    # the process died: nothing reached the ledger. Everything is sent again, the digest too
    sent.sent.clear()
    assert engine.recover(ledger) == len({a.id for a in engine.store.recent(50) if not a.digest_id}) + 1
    assert digest.id in {a.id for a, _ in sent.sent}
    # once delivered (or dead-lettered), nothing is sent again
    for alert, channels in sent.sent:
        for name in channels:
            ledger.mark_delivered(delivery_key(alert, name))
    sent.sent.clear()
    assert engine.recover(ledger) == 0 and sent.sent == []
