"""Rule types beyond one item in the embedded default (SQLite state): each fires on its
crafted stream with the reason shown first, stays quiet on its twin, survives a restart;
muted rules keep their alerts but do not send them. The same streams run on the real servers
in tests/integration/test_rule_types_distributed.py."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import pytest

from sinks.alerts.rules import load_rules
from sinks.alerts.stage import AlertEngine
from sinks.alerts.store import SqliteAlertStore
from sinks.alerts.throttle import SqliteThrottle
from sinks.alerts.windows import SqliteWindows
from tests.support.rule_streams import REASONS, STREAMS, T0, feed, item, rules_file, spreading
from veille.settings import ConfigError


def _engine(folder: Path, sent: list) -> tuple[AlertEngine, dict]:
    clock = {"now": T0}
    db = folder / "alerts.db"
    engine = AlertEngine(load_rules(rules_file(folder)), SqliteAlertStore(db), SqliteThrottle(db),
                         lambda alert, channels: sent.append(alert), clock=lambda: clock["now"])
    return engine, clock


@pytest.mark.parametrize("rule", sorted(STREAMS))
def test_each_rule_type_fires_once_with_its_reason(tmp_path: Path, rule: str) -> None:
    sent: list = []
    engine, clock = _engine(tmp_path, sent)
    raised = [a for a in feed(engine, STREAMS[rule](True), clock) if a.rule == rule]
    engine.close()
    assert len(raised) == 1, [a.reasons for a in raised]
    assert raised[0].reasons[0] == REASONS[rule]
    assert raised[0].rule_type == load_rules(rules_file(tmp_path)).get(rule).type
    assert [a.id for a in sent if a.rule == rule] == [raised[0].id]


@pytest.mark.parametrize("rule", sorted(STREAMS))
def test_each_rule_type_stays_quiet_on_its_twin(tmp_path: Path, rule: str) -> None:
    engine, clock = _engine(tmp_path, [])
    raised = [a for a in feed(engine, STREAMS[rule](False), clock) if a.rule == rule]
    engine.close()
    assert raised == []


def test_counts_survive_a_restart(tmp_path: Path) -> None:
    """Two reports before a restart, the third after: the story's frequency still fires."""
    first, second, third = spreading(True)
    engine, clock = _engine(tmp_path, [])
    feed(engine, [first, second], clock)
    engine.close()
    engine, clock = _engine(tmp_path, [])
    raised = [a for a in feed(engine, [third], clock) if a.rule == "spreading"]
    engine.close()
    assert [a.item_id for a in raised] == [third.id]


def test_a_replayed_item_raises_the_same_alert(tmp_path: Path) -> None:
    engine, clock = _engine(tmp_path, [])
    stream = spreading(True)
    raised = [a for a in feed(engine, stream, clock) if a.rule == "spreading"]
    again = [a for a in feed(engine, stream[-1:], clock) if a.rule == "spreading"]
    engine.close()
    assert [a.id for a in again] == [raised[0].id]  # "mine": same id, the ledger dedupes


def test_window_state_is_bounded(tmp_path: Path) -> None:
    """Members written more than a horizon ago (wall clock) go, but marker groups' ones."""
    state = SqliteWindows(tmp_path / "w.db")
    for k in range(100):
        state.add("r", "g", f"m{k}", float(k * 3600), horizon=10 * 3600)
    state.add("r", "~last", "src", 0.0, horizon=1e9)
    assert len(state.members("r", "g")) == 100  # all written just now: a replay keeps them
    assert state.prune("r", horizon=3600) == 0
    state._conn().execute("UPDATE rule_windows SET written = written - 7200 WHERE member != 'm99'")
    state.add("r", "g", "m100", 0.0, horizon=3600)  # a write sweeps its group
    assert [m for m, _ in state.members("r", "g")] == ["m100", "m99"]
    state._conn().execute("UPDATE rule_windows SET written = written - 7200")
    assert state.prune("r", horizon=3600) == 2 and state.members("r", "~last") == [("src", 0.0)]


def test_reports_arriving_out_of_time_order_still_count(tmp_path: Path) -> None:
    """A first crawl: the story's reports come after months of later items, one by one, with
    clock ticks between them (which sweep old state)."""
    engine, clock = _engine(tmp_path, [])
    later = [item(f"x{k}", "oic", T0 + timedelta(days=200 + k)) for k in range(3)]
    first, second, third = spreading(True)
    raised = feed(engine, [*later, second, first], clock)
    raised += feed(engine, [third], clock)
    engine.close()
    assert [a.item_id for a in raised if a.rule == "spreading"] == [third.id]


def test_a_muted_rule_keeps_its_alerts_without_sending_them(tmp_path: Path) -> None:
    sent: list = []
    engine, clock = _engine(tmp_path, sent)
    engine.windows.mute("spreading", T0 + timedelta(hours=2))
    raised = [a for a in feed(engine, spreading(True), clock) if a.rule == "spreading"]
    assert [a.status for a in raised] == ["suppressed"]
    assert "muted until 2026-01-01 10:00" in raised[0].reasons[-1]
    assert not [a for a in sent if a.rule == "spreading"]
    assert engine.windows.unmute("spreading") and not engine.windows.unmute("spreading")
    later = [item(f"l{k}", s, T0 + timedelta(days=1, minutes=k), story="story-y")
             for k, s in enumerate(["a", "b", "c"])]
    again = [a for a in feed(engine, later, clock) if a.rule == "spreading"]
    engine.close()
    assert [a.status for a in again] == ["pending"] and [a.id for a in sent] == [again[0].id]


@pytest.mark.parametrize(("block", "words"), [
    ("type: spike\n    frequency: {count: 3, within: 2h}", ["rule 'x'", "'frequency:' is for rules of type frequency"]),
    ("type: frequency", ["rule 'x'", "type frequency needs its options under 'frequency:'"]),
    ("type: spike\n    spike: {window: 7d, baseline: 1d}", ["rule 'x'", "spike", "baseline"]),
    ("type: flatline\n    flatline: {within: 1w, per: host}", ["rule 'x'", "flatline.per", "'rule' or 'source'"]),
    ("type: burst", ["rule 'x'", "type", "'frequency'"]),
    ("type: new_term\n    new_term: {only: [jnmi]}", ["rule 'x'", "new_term", "did you mean 'jnim'"]),
])
def test_rule_type_errors_name_the_file_rule_and_key(tmp_path: Path, block: str, words: list[str]) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("channels: {console: {type: log}}\nrules:\n  - name: x\n    channels: [console]\n"
                    f"    when: {{}}\n    {block}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    message = str(err.value)
    assert message.startswith(str(path)) and "\n" not in message, message
    for word in words:
        assert word in message, message


def _menaka_reports() -> list:
    """The demo's three reports of the Ménaka operation (2024-03-12, 14:05), with what the
    classifiers found in them: the region-only maliweb report scores 0.71 with anadolu's
    (below the story threshold), 0.79 with rfi's; anadolu and rfi score 0.88."""
    from veille.schema import Figures

    return [
        ("maliweb", ["attack_on_civilians"], [("Ménaka", "Ménaka"), ("Inékar", "Ménaka")],
         ["isgs", "fama", "minusma"], Figures(killed=9)),
        ("anadolu", ["armed_clash", "air_strike", "attack_on_civilians"],
         [("Andéramboukane", "Ménaka"), ("Ménaka", "Ménaka")],
         ["fama", "islamic-state", "isgs", "al-qaeda", "un", "minusma"], Figures()),
        ("rfi-afrique", ["attack_on_civilians", "air_strike"],
         [("Andéramboukane", "Ménaka"), ("Ménaka", "Ménaka")],
         ["fama", "isgs", "minusma", "mali-government"], Figures()),
    ]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_three_sources_of_one_event_fire_in_every_order(tmp_path: Path, order: tuple) -> None:
    """Assigned by the story index in any order (two of the six split the reports over two
    story ids, the third report naming the other story), then handled in that order or the
    reverse: the frequency rule fires once."""
    from processors.stories import StoryIndex

    reports = [_menaka_reports()[k] for k in order]
    index = StoryIndex(None)
    enriched = []
    for n, (source, types, places, orgs, figures) in enumerate(reports):
        answer = index.assign_story(f"{source}-menaka", f"report {source}", "fr", T0, types,
                                    places, orgs, figures)
        it = item(f"{source}-menaka", source, T0 + timedelta(seconds=n), story=answer.story_id)
        it.enrichment.merged_stories = list(answer.merged_stories)
        enriched.append(it)
    index.close()
    for stream in (enriched, enriched[::-1]):
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        folder.mkdir()
        engine, clock = _engine(folder, [])
        raised = [a for a in feed(engine, stream, clock) if a.rule == "spreading"]
        engine.close()
        assert len(raised) == 1, [(i.source, i.enrichment.story_id) for i in stream]
        assert raised[0].reasons[0] == ("3 sources of this story within 2h: anadolu, maliweb, "
                                        "rfi-afrique")
