"""Source health (crawlers/source_health.py): the status rules on a fake clock, the store and
state reads behind them, the once-per-breakage alert, `veille sources status` end to end on
the offline mirror with sites broken on purpose (a feed dropped, a redesign the configured
selectors miss), and the `<ns>-sources` index in the real Elasticsearch."""

from __future__ import annotations

import html
import json
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from crawlers import source_health as sh
from crawlers.mirror import FIXTURES, Mirror
from crawlers.source_health import (
    SourceFacts,
    assess,
    check_sources,
    round_failed,
)
from crawlers.state import CrawlState, RoundStats
from sinks.alerts.model import LogChannel, WebhookChannel
from sinks.alerts.stage import AlertEngine, alert_engine, builtin_channels
from sinks.alerts.store import SqliteAlertStore
from sinks.alerts.throttle import SqliteThrottle
from sinks.es_templates import (
    SOURCES_FIELDS,
    SOURCES_MAPPINGS,
    component_templates,
    index_templates,
)
from sinks.sqlite_store import SqliteStore
from sinks.store import ItemFacts
from tests.support.services import cleanup_es
from tests.support.sites import crawl
from veille.cli.sources import sources_status
from veille.schema import EnrichedItem
from veille.settings import reset_settings
from veille.sources import Registry, Source

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T = NOW.timestamp()
H = 3600.0


def _source(key: str = "tamani", schedule: str = "30m", archive: bool = False) -> Source:
    return Source(key=key, name=f"Source {key}", issuer=key, languages=["fr"], kind="rss",
                  urls=[f"https://{key}.example.org/feed"], schedule=schedule, archive=archive)


def _round(started: float, items: int = 0, unchanged: int = 0, errors: dict | None = None,
           status: str = "ok") -> RoundStats:
    return RoundStats("tamani", items, unchanged, errors or {}, status, started, started + 60)


def _item(at: float, body: int = 800, date: bool = True, title: int = 40,
          lang: str = "fr") -> ItemFacts:
    return ItemFacts(datetime.fromtimestamp(at, UTC), date, title, body, lang)


def _healthy(hours: float = 30 * 24, every: float = 2 * H) -> SourceFacts:
    """A source polled every 30 min whose rounds bring a new item every `every` seconds."""
    rounds, starts, items = [], [], []
    t = T - hours * H
    while t < T - 60:
        productive = (T - t) % every < 1800
        rounds.append(_round(t, items=1 if productive else 0, unchanged=5))
        if productive:
            starts.append(t)
            items.append(_item(t + 30))
        t += 1800
    rounds.reverse()
    return SourceFacts(rounds=rounds[: sh.ROUNDS_LOOKED_AT], last_success=rounds[0].finished,
                       new_items_7d=sum(s >= T - 7 * 24 * H for s in starts),
                       last_new_item=starts[-1] + 30, productive_starts=starts, items=items)


# -- the rules, on a fake clock ---------------------------------------------------------
def test_a_source_without_a_finished_round_is_never():
    health = assess(_source(), SourceFacts(), NOW)
    assert health.status == "never" and health.reasons == ["no finished collection round yet"]


def test_a_regular_source_is_ok_with_its_rate_and_usual_interval():
    health = assess(_source(), _healthy(), NOW)
    assert health.status == "ok", health.reasons
    assert health.reasons == []
    assert health.usual_interval_hours == 2.0
    assert health.items_per_day == 12.0  # one new item every 2 h
    assert health.completeness == 1.0 and health.missing == {}
    assert health.silence_limit_hours == 24.0  # max(3 × 2 h, 2 × 30 min, 1 day)
    assert health.last_success is not None and health.failed_rounds == 0


def test_failed_rounds_degrade_then_break_the_source():
    facts = _healthy()
    facts.rounds = [_round(T - i * 1800, errors={"http_503": 1}) for i in range(1, 3)] + facts.rounds
    health = assess(_source(), facts, NOW)
    assert health.status == "degraded"
    assert health.reasons == ["the last 2 rounds failed (http_503 ×2)"]
    facts.rounds.insert(0, _round(T - 600, status="crashed (exit 1)"))
    health = assess(_source(), facts, NOW)
    assert health.status == "broken" and health.failed_rounds == 3
    assert health.reasons == ["the last 3 rounds failed (http_503 ×2; status crashed (exit 1))"]
    assert health.breakage_start == datetime.fromtimestamp(T - 2 * 1800, UTC)


def test_a_missing_feed_breaks_the_source_after_two_rounds():
    facts = _healthy()
    facts.rounds.insert(0, _round(T - 1800, errors={"http_404": 1}))
    assert assess(_source(), facts, NOW).status == "degraded"
    facts.rounds.insert(0, _round(T - 600, errors={"feed_malformed": 1}))
    health = assess(_source(), facts, NOW)
    assert health.status == "broken"
    assert health.reasons[0].startswith("feed or page missing: feed_malformed, http_404 on every "
                                        "round since the last success")
    assert health.errors_last_round == {"feed_malformed": 1}


def test_errors_beside_items_do_not_fail_a_round():
    assert not round_failed(_round(T, items=3, errors={"extraction_empty": 1}))
    assert not round_failed(_round(T, unchanged=3, errors={"http_404": 1}))
    assert round_failed(_round(T, errors={"http_404": 1}))
    assert round_failed(_round(T, items=3, status="crashed (exit 1)"))
    facts = _healthy()
    facts.rounds.insert(0, _round(T - 600, items=2, errors={"extraction_empty": 1}))
    health = assess(_source(), facts, NOW)
    assert health.status == "degraded"
    assert health.reasons == ["the last round had errors (extraction_empty ×1)"]


def test_silence_breaks_after_three_usual_intervals_and_at_least_a_day():
    facts = _healthy()
    quiet_since = facts.last_new_item
    later = datetime.fromtimestamp(quiet_since + 13 * H, UTC)  # past half the 24 h limit
    facts.rounds.insert(0, _round(later.timestamp() - 1800, unchanged=5))
    health = assess(_source(), facts, later)
    assert health.status == "degraded"
    assert health.reasons == ["no new item for 13h (usual interval 2h; broken after 1d)"]

    much_later = datetime.fromtimestamp(quiet_since + 30 * H, UTC)
    facts.rounds.insert(0, _round(much_later.timestamp() - 1800, unchanged=5))
    health = assess(_source(), facts, much_later)
    assert health.status == "broken"
    assert health.reasons == ["no new item for 1d 6h (usual interval 2h; broken after 1d)"]
    assert health.breakage_start == datetime.fromtimestamp(quiet_since + 24 * H, UTC)


def test_silence_counts_only_while_the_source_is_polled():
    """A collector that was down proves nothing about the source."""
    facts = _healthy()
    much_later = datetime.fromtimestamp(facts.last_new_item + 5 * 24 * H, UTC)
    health = assess(_source(), facts, much_later)
    assert health.status == "degraded"  # stale, but not judged broken without a poll
    assert health.reasons[0].startswith("no new item for 5d")


def test_the_usual_interval_sets_the_limit_and_archives_never_go_silent():
    weekly = SourceFacts(
        rounds=[_round(T - 600, unchanged=3)], last_success=T - 540, last_new_item=T - 20 * 24 * H,
        productive_starts=[T - (20 + 7 * k) * 24 * H for k in (3, 2, 1, 0)])
    health = assess(_source(schedule="6h"), weekly, NOW)
    assert health.usual_interval_hours == 7 * 24 and health.silence_limit_hours == 21 * 24
    assert health.status == "degraded"  # 20 days: past half of 21 days, not past 21
    assert assess(_source(schedule="6h", archive=True), weekly, NOW).status == "ok"
    unknown = SourceFacts(rounds=[_round(T - 600, unchanged=3)], last_success=T - 540,
                          last_new_item=T - 4 * 24 * H, productive_starts=[T - 4 * 24 * H])
    health = assess(_source(), unknown, NOW)
    assert health.usual_interval_hours is None and health.silence_limit_hours == 72
    assert health.status == "broken"
    assert "usual interval not known yet; broken after 3d" in health.reasons[0]


def test_completeness_falling_breaks_the_source():
    facts = _healthy()
    facts.rounds.insert(0, _round(T - 900, items=4))
    facts.items = [_item(T - 880, body=60) for _ in range(4)] + facts.items
    health = assess(_source(), facts, NOW)
    assert health.status == "broken"
    assert health.completeness == 0.0 and health.recent_items == 4
    assert health.missing == {"body": 1.0}
    assert health.reasons == ["extraction completeness 0% in the 4 newest items, was 100% over "
                              "the 30 days before (missing: body 100%)"]


def test_a_smaller_drop_degrades_and_a_source_that_was_never_complete_is_not_judged():
    facts = _healthy()
    facts.rounds.insert(0, _round(T - 900, items=5))
    facts.items = ([_item(T - 880, lang="und") for _ in range(2)]
                   + [_item(T - 880) for _ in range(3)] + facts.items)
    health = assess(_source(), facts, NOW)
    assert health.status == "degraded" and health.completeness == 0.6
    assert health.missing == {"language": 0.4}
    poor = _healthy()
    poor.items = [_item(i.collected_at.timestamp(), date=False) for i in poor.items]
    poor.rounds.insert(0, _round(T - 900, items=3))
    poor.items = [_item(T - 880, date=False, body=10) for _ in range(3)] + poor.items
    health = assess(_source(), poor, NOW)
    assert health.completeness == 0.0 and health.status == "ok", health.reasons


# -- state and store reads -------------------------------------------------------------------
def _add_round(state: CrawlState, round_id: str, source: str, started: float, items: int = 0,
               unchanged: int = 0, errors: dict | None = None, status: str = "ok") -> None:
    state._conn().execute(
        "INSERT INTO rounds VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (round_id, source, started, started + 30, items, unchanged, json.dumps(errors or {}), status))


def test_the_sql_last_success_is_round_failed_negated(tmp_path: Path):
    state = CrawlState(tmp_path / "state.db")
    cases = [dict(items=2), dict(unchanged=1, errors={"http_404": 1}), dict(errors={"http_404": 1}),
             dict(items=3, status="crashed (exit 1)"), dict(), dict(status="running"),
             dict(status="interrupted"), dict(items=1, errors={"x": 1})]
    for n, case in enumerate(cases):
        _add_round(state, f"r{n}", f"s{n}", 1000.0 + n, **case)
    for n, case in enumerate(cases):
        rounds = state.source_rounds(f"s{n}")
        if case.get("status") in ("running", "interrupted"):
            assert rounds == []
            continue
        ok = not round_failed(rounds[0])
        assert (state.last_success(f"s{n}") is not None) == ok, case


def test_state_counts_new_ids_not_updates_and_errors_by_kind(tmp_path: Path, monkeypatch):
    state = CrawlState(tmp_path / "state.db")
    clock = [T - 10 * 24 * H]
    monkeypatch.setattr("crawlers.state.time.time", lambda: clock[0])
    state.mark_seen("a", "s", "d1")
    clock[0] = T - H
    state.mark_seen("b", "s", "d1")
    state.mark_seen("a", "s", "d2")  # an update is not a new item
    state.record_error(None, "s", "http_404", "u", "m")
    state.record_error(None, "s", "http_404", "u", "m")
    clock[0] = T - 2 * 24 * H
    state.record_error(None, "s", "timeout", "u", "m")
    assert state.new_items("s", T - 7 * 24 * H) == (1, T - H)
    assert state.errors_by_kind("s", T - 24 * H) == {"http_404": 2}


def _stored(i: int, source: str = "s", body: str = "x" * 300, collected: datetime = NOW,
            lang: str = "fr", published: bool = True) -> EnrichedItem:
    item = EnrichedItem(id=f"https://e.org/{i}", source=source, url=f"https://e.org/{i}",
                        title=f"t{i}", body=body, collected_at=collected,
                        published_at=collected if published else None)
    item.enrichment.language.code = lang
    return item


def test_sqlite_source_items_reads_facts_not_bodies(tmp_path: Path):
    store = SqliteStore(tmp_path / "store.db")
    store.upsert([
        _stored(1, collected=NOW - timedelta(days=40)),
        _stored(2, collected=NOW - timedelta(days=2), body="short", lang="und", published=False),
        _stored(3, collected=NOW - timedelta(hours=1)),
        _stored(4, source="other"),
    ])
    facts = store.source_items("s", NOW - timedelta(days=30))
    assert facts == [
        ItemFacts(NOW - timedelta(hours=1), True, 2, 300, "fr"),
        ItemFacts(NOW - timedelta(days=2), False, 2, 5, "und"),
    ]
    assert store.source_items("s", NOW - timedelta(days=30), limit=1) == facts[:1]
    plan = store._conn().execute(
        "EXPLAIN QUERY PLAN SELECT 1 FROM items WHERE source='s' AND "
        "json_extract(doc, '$.collected_at') >= '2026'").fetchall()
    assert "items_source_collected" in str(plan)


# -- the alert, once per breakage ------------------------------------------------------------
class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[Any, dict]] = []

    def __call__(self, alert: Any, channels: dict) -> list[str]:
        self.sent.append((alert, channels))
        return [f"{alert.id}:{name}" for name in channels]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple]:
    state = CrawlState(tmp_path / "state.db")
    store = SqliteStore(tmp_path / "store.db")
    # no rules file: the built-in alert goes to the plain log channel `console`
    alerts = AlertEngine(None, SqliteAlertStore(tmp_path / "alerts.db"),
                         SqliteThrottle(tmp_path / "alerts.db"), Recorder())
    assert alerts.source_broken_channels == {"console": LogChannel(type="log")}
    registry = Registry(sources=[_source("tamani")])
    yield registry, state, store, alerts
    alerts.close()


def test_one_alert_per_breakage_and_a_replayed_check_does_not_double(world):
    registry, state, store, alerts = world
    _add_round(state, "r0", "tamani", T - 3 * H, items=3)
    state._conn().execute("INSERT INTO seen VALUES ('a', 'tamani', 'd', ?)", (T - 3 * H,))
    healths, raised = check_sources(registry, state, store, NOW, on_broken=alerts.raise_source_broken)
    assert [h.status for h in healths] == ["ok"] and raised == []

    for n in range(1, 3):
        _add_round(state, f"r{n}", "tamani", T - 3 * H + n * 1800, errors={"http_404": 1})
    later = NOW + timedelta(minutes=5)
    healths, raised = check_sources(registry, state, store, later, on_broken=alerts.raise_source_broken)
    assert healths[0].status == "broken"
    [alert] = raised
    breakage = datetime.fromtimestamp(T - 3 * H + 1800, UTC)
    assert healths[0].since == breakage
    assert alert.rule == "source-broken" and alert.story_id == f"source:tamani:{int(breakage.timestamp())}"
    assert alert.title == "Source Source tamani looks broken"
    assert alert.reasons == healths[0].reasons and alert.channels == ["console"]
    assert alerts.store.recent(rule="source-broken") == [alert]
    assert [a.id for a, _ in alerts.enqueue.sent] == [alert.id]

    # still broken: no second alert
    _add_round(state, "r3", "tamani", T - 3 * H + 3 * 1800, errors={"http_404": 1})
    healths, raised = check_sources(registry, state, store, later + timedelta(minutes=30), on_broken=alerts.raise_source_broken)
    assert healths[0].status == "broken" and healths[0].since == breakage and raised == []

    # a check that crashed before recording is replayed: same alert, stored once
    state._conn().execute("DELETE FROM source_health")
    _, raised = check_sources(registry, state, store, later + timedelta(hours=1), on_broken=alerts.raise_source_broken)
    assert [a.id for a in raised] == [alert.id]
    assert alerts.store.count() == 1

    # recovery, then a new breakage: a new story, a new alert
    _add_round(state, "r4", "tamani", T + H, items=1)
    healths, _ = check_sources(registry, state, store, NOW + timedelta(hours=2), on_broken=alerts.raise_source_broken)
    assert healths[0].status == "ok"
    for n in range(5, 7):
        _add_round(state, f"r{n}", "tamani", T + n * H, errors={"feed_malformed": 1})
    healths, raised = check_sources(registry, state, store, NOW + timedelta(hours=7), on_broken=alerts.raise_source_broken)
    assert healths[0].status == "broken" and len(raised) == 1
    assert raised[0].story_id != alert.story_id and alerts.store.count() == 2
    assert state.health_docs()["tamani"]["status"] == "broken"  # recorded for the next check


def test_channels_come_from_the_rules_file(tmp_path: Path):
    from sinks.alerts.rules import load_rules

    hook = WebhookChannel(type="webhook", url="http://localhost/x")
    log = LogChannel(type="log")
    rules = tmp_path / "rules.yaml"

    def ruleset(**extra):
        channels = extra.pop("channels", {"ops": hook, "console": log})
        rules.write_text(yaml.safe_dump({"channels": {n: c.model_dump() for n, c in channels.items()},
                                         "rules": [], **extra}))
        return load_rules(rules)

    assert builtin_channels(ruleset(defaults={"channels": ["ops"]})) == {"ops": hook}
    assert builtin_channels(ruleset(defaults={"channels": ["ops"]},
                                          builtin={"source-broken": {"channels": ["console"]}})) == {"console": log}
    assert builtin_channels(ruleset(channels={"ops": hook, "mine": log})) == {"mine": log}
    assert builtin_channels(None) == {"console": LogChannel(type="log")}


def test_the_scheduler_calls_the_hook_with_finished_rounds_and_survives_its_failure():
    from crawlers.scheduler import Scheduler

    class State:
        def round_stats(self, round_id: str) -> dict:
            return {"tamani": RoundStats("tamani", finished=1.0)}

        def last_rounds(self) -> dict:
            return {"tamani": RoundStats("tamani", status="ok", started=9e18, finished=9e18)}

    calls: list = []

    def hook(keys):
        calls.append(list(keys))
        raise RuntimeError("elasticsearch down")

    scheduler = Scheduler([_source("tamani")], State(), lambda *a: None, on_round_finished=hook)
    scheduler.in_flight["tamani"] = ("r1", 0.0)
    assert scheduler.tick() == 0
    assert calls == [["tamani"]] and not scheduler.busy
    scheduler.tick()
    assert calls == [["tamani"]]  # only rounds that finished since the last tick


def test_the_sources_template_is_the_kibana_mapping():
    from sinks import kibana

    assert kibana.SOURCES_MAPPINGS is SOURCES_MAPPINGS and kibana.SOURCES_FIELDS is SOURCES_FIELDS
    components = component_templates("ns", set())
    assert components["ns-sources-mappings"]["template"]["mappings"] == SOURCES_MAPPINGS
    template = index_templates("ns", set())["ns-sources"]
    assert template["index_patterns"] == ["ns-sources"]
    assert template["composed_of"] == ["ns-settings", "ns-sources-mappings"]
    doc = assess(_source(), _healthy(), NOW).document()
    assert set(SOURCES_FIELDS) <= set(doc)
    assert set(doc["errors"]) == {"last_24h", "last_round"}


# -- end to end on the offline mirror ----------------------------------------------------------
KEY = "studio-tamani"


def _status(home: Path, *args: str, key: str = KEY):
    app = typer.Typer()
    app.command()(sources_status)
    app.command("noop")(lambda: None)  # two commands, so `status` is a subcommand
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VEILLE_HOME", str(home))
        mp.delenv("VEILLE_MIRROR", raising=False)
        reset_settings()
        try:
            return CliRunner().invoke(app, ["sources-status", "--source", key, *args],
                                      catch_exceptions=False, env={"COLUMNS": "400"})
        finally:
            reset_settings()


def _index_raw(home: Path) -> int:
    """What `veille run`'s processor and indexer do with the round's items."""
    from processors.enrich_stage import enrich_many
    from veille.bus.sqlite_bus import SqliteBus
    from veille.schema import Item

    raw = [Item.model_validate(m.json()) for m in SqliteBus(home / "bus.db").read_all("veille.raw")]
    store = SqliteStore(home / "store.db")
    store.upsert(enrich_many(raw))
    return store.count()


def _broken_copy(tmp_path: Path) -> Path:
    """The site after a redesign that dropped the feed: /feed/ answers 404."""
    root = tmp_path / "broken-sites"
    shutil.copytree(FIXTURES / KEY, root / KEY)
    spec = root / KEY / "site.yaml"
    routes = yaml.safe_load(spec.read_text())["routes"]
    spec.write_text(yaml.safe_dump({"routes": [r for r in routes if "/feed" not in r["url"]]}))
    (root / KEY / "www.studiotamani.org" / "feed" / "rss2.xml").unlink()
    return root


def test_a_broken_site_shows_in_sources_status_and_raises_one_alert(home: Path, mirror: Mirror,
                                                                    tmp_path: Path):
    from sinks.alerts.ledger import SqliteLedger

    stats, items, errors = crawl(home, mirror.env_value(), KEY)
    assert stats.status == "ok" and stats.items > 0 and errors == []
    assert _index_raw(home) == stats.items
    result = _status(home, "--json")
    assert result.exit_code == 0, result.output
    [doc] = json.loads(result.output)
    assert doc["status"] == "ok", doc["reasons"]
    assert doc["new_items_7d"] == stats.items and doc["completeness"] is not None
    assert doc["last_success"] and doc["last_new_item"]

    with Mirror(_broken_copy(tmp_path)) as broken:
        stats, _, _ = crawl(home, broken.env_value(), KEY)
        assert stats.errors == {"http_404": 1} and stats.items == 0
        result = _status(home)
        assert result.exit_code == 0, result.output
        assert "degraded" in result.output and "the last round failed" in result.output

        crawl(home, broken.env_value(), KEY)
        result = _status(home)
        assert result.exit_code == 1, result.output
        assert "broken" in result.output
        assert "feed or page missing: http_404 on every round" in " ".join(result.output.split())
        assert "alert raised" in result.output

        crawl(home, broken.env_value(), KEY)
        result = _status(home, "--json")
        assert result.exit_code == 1
        [doc] = json.loads(result.output)
        assert doc["status"] == "broken" and doc["failed_rounds"] == 3
        assert doc["errors"]["last_round"] == {"http_404": 1}
        assert doc["errors"]["last_24h"] == {"http_404": 3}
        assert any(r.startswith("the last 3 rounds failed (http_404 ×3)") for r in doc["reasons"])

    alerts = SqliteAlertStore(home / "alerts.db").recent(rule="source-broken")
    assert len(alerts) == 1, "one alert per breakage, not one per check"
    [alert] = alerts
    assert alert.title == "Source Studio Tamani looks broken" and alert.source == KEY
    assert alert.channels == ["console"]  # rules.yaml's defaults.channels
    assert any("feed or page missing" in r for r in alert.reasons)
    ledger = SqliteLedger(home / "alerts.db")
    assert ledger.status([f"{alert.id}:console"]) == {f"{alert.id}:console": "delivered"}

    # time moves on without a new item: the silence rule joins the reasons, no new alert
    state = CrawlState(home / "state.db")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VEILLE_HOME", str(home))
        reset_settings()
        from veille.sources import configured_registry

        registry = configured_registry()
        later = datetime.now(UTC) + timedelta(days=4)
        rec = Recorder()
        opened = alert_engine(enqueue=rec, tolerant=True)
        healths, raised = check_sources(registry, state, SqliteStore(home / "store.db"), later,
                                        on_broken=opened.raise_source_broken, keys=[KEY])
        opened.close()
        reset_settings()
    assert healths[0].status == "broken" and raised == [] and rec.sent == []
    assert healths[0].silence_limit_hours == 72
    assert any(r.startswith("no new item for 4d") for r in healths[0].reasons)


# A redesign the configured selectors miss: maliweb (the `listing` spider) changed its article
# template and kept its listing. Its pages give the publication time nowhere but the element
# `selectors.date` names (span.td-post-date: no JSON-LD, no meta, no <time>); the new template
# shows a relative "il y a 2 heures" in a renamed element, the time only in a data attribute.
# The new articles still have their title (og:title) and whole body (trafilatura), not a date.
LISTED = "maliweb"
SECTION = "la-situation-politique-et-securitaire-au-nord"
_NEW_ARTICLES = [  # (slug, title, paragraphs): each body well over MIN_BODY_CHARS
    ("tombouctou-reprise-des-vols-commerciaux", "Tombouctou : reprise des vols commerciaux", [
        "Les vols commerciaux reprennent vers Tombouctou après plusieurs mois d'interruption. La "
        "compagnie nationale annonce deux rotations par semaine depuis Bamako.",
        "Les commerçants de la ville saluent une décision attendue depuis longtemps, la route "
        "restant dangereuse et souvent coupée pendant la saison des pluies."]),
    ("douentza-les-ecoles-rouvrent-leurs-portes", "Douentza : les écoles rouvrent leurs portes", [
        "Une vingtaine d'écoles fermées depuis deux ans à cause de l'insécurité ont rouvert leurs "
        "portes cette semaine dans le cercle de Douentza, selon l'académie d'enseignement.",
        "Les enseignants redéployés demandent des primes de risque et une escorte pour rejoindre "
        "les villages les plus éloignés du chef-lieu."]),
    ("ansongo-des-pecheurs-victimes-dune-embuscade", "Ansongo : des pêcheurs victimes d'une embuscade", [
        "Trois pêcheurs ont été tués et deux autres blessés dans une embuscade tendue par des "
        "hommes armés non identifiés sur le fleuve Niger, en aval d'Ansongo.",
        "Les survivants, évacués vers l'hôpital de Gao, racontent que les assaillants circulaient "
        "à moto le long de la berge avant d'ouvrir le feu sur les pirogues."]),
]
_REDESIGNED_ARTICLE = """<!doctype html>
<html lang="fr-FR">
<head>
  <meta charset="UTF-8" />
  <title>{title} | maliweb.net</title>
  <link rel="canonical" href="{url}" />
  <meta property="og:type" content="article" />
  <meta property="og:title" content="{title}" />
</head>
<body class="mw-single">
<main class="mw-main">
  <article class="mw-story">
    <h1 class="mw-story__title">{title}</h1>
    <div class="mw-story__meta"><span class="mw-byline">Par la rédaction</span>
      <span class="mw-story__published" data-ts="{ts}">il y a 2 heures</span></div>
    <div class="mw-story__text">{body}</div>
  </article>
</main>
</body>
</html>
"""
_LISTING_ENTRY = """<div class="td_module_10 td_module_wrap td-animation-stack"><div class="item-details">
  <h3 class="entry-title td-module-title"><a href="{url}" rel="bookmark">{title}</a></h3>
  <div class="td-module-meta-info"><span class="td-post-date">il y a 2 heures</span></div>
</div></div>
"""


def _redesigned_copy(tmp_path: Path) -> Path:
    """Maliweb after its article template's redesign: the recorded copy, plus three new
    articles in the new template, listed first on the (unchanged) category page."""
    root = tmp_path / "redesigned-sites"
    shutil.copytree(FIXTURES / LISTED, root / LISTED)
    site = root / LISTED / "www.maliweb.net"
    entries = []
    for number, (slug, title, paragraphs) in enumerate(_NEW_ARTICLES, start=3052001):
        url = f"https://www.maliweb.net/{SECTION}/{slug}-{number}.html"
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        (site / SECTION / f"{slug}-{number}.html").write_text(_REDESIGNED_ARTICLE.format(
            title=html.escape(title), url=url, ts=1710407520 + number, body=body), encoding="utf-8")
        entries.append(_LISTING_ENTRY.format(url=url, title=html.escape(title)))
    listing = site / "category" / SECTION / "index.html"
    page = listing.read_text(encoding="utf-8")
    first = page.index('<div class="td_module_10')
    listing.write_text(page[:first] + "".join(entries) + page[first:], encoding="utf-8")
    return root


def test_a_redesign_the_selectors_miss_breaks_the_source_on_completeness(home: Path, mirror: Mirror,
                                                                        tmp_path: Path):
    from sinks.alerts.ledger import SqliteLedger

    stats, items, errors = crawl(home, mirror.env_value(), LISTED)
    assert stats.status == "ok" and stats.items == 5 and errors == []
    assert all(i.get("published_at") for i in items)
    assert _index_raw(home) == 5
    result = _status(home, "--json", key=LISTED)
    assert result.exit_code == 0, result.output
    [doc] = json.loads(result.output)
    assert doc["status"] == "ok", doc["reasons"]
    assert doc["completeness"] == 1.0 and doc["recent_items"] == 5  # the baseline to come

    with Mirror(_redesigned_copy(tmp_path)) as redesigned:
        stats, items, errors = crawl(home, redesigned.env_value(), LISTED)
    assert stats.status == "ok" and errors == [] and stats.errors == {}
    assert stats.items == 3 and stats.unchanged == 5  # the old articles are not fetched again
    new = [i for i in items if i["url"].endswith(tuple(f"-{n}.html" for n in (3052001, 3052002, 3052003)))]
    assert len(new) == 3 and len(items) == 8
    assert [i.get("published_at") for i in new] == [None, None, None]
    assert all(len(i["body"]) >= sh.MIN_BODY_CHARS for i in new)  # the drop is the date alone
    assert _index_raw(home) == 8

    result = _status(home, key=LISTED)
    assert result.exit_code == 1, result.output
    assert "broken" in result.output and "alert raised" in result.output
    assert "extraction completeness" in result.output
    result = _status(home, "--json", key=LISTED)  # checked again: still broken, no new alert
    assert result.exit_code == 1, result.output
    [doc] = json.loads(result.output)
    assert doc["status"] == "broken" and doc["failed_rounds"] == 0 and doc["errors"]["last_round"] == {}
    assert doc["completeness"] == 0.0 and doc["recent_items"] == 3
    assert doc["missing"] == {"date": 1.0}
    assert doc["reasons"] == ["extraction completeness 0% in the 3 newest items, was 100% over the "
                              "30 days before (missing: date 100%)"]

    alerts = SqliteAlertStore(home / "alerts.db").recent(rule="source-broken")
    assert len(alerts) == 1, "one alert per breakage, not one per check"
    [alert] = alerts
    assert alert.source == LISTED and alert.title.startswith("Source Maliweb")
    assert alert.reasons == doc["reasons"] and alert.channels == ["console"]
    assert alert.story_id.startswith(f"source:{LISTED}:")
    ledger = SqliteLedger(home / "alerts.db")
    assert ledger.status([f"{alert.id}:console"]) == {f"{alert.id}:console": "delivered"}


# -- the `<ns>-sources` index in the real Elasticsearch ----------------------------------------
@pytest.mark.integration
def test_health_documents_in_elasticsearch_with_the_dashboard_mapping(services, es, home: Path):
    from sinks.es_store import ElasticsearchStore

    client = es
    ns = f"t{uuid.uuid4().hex[:8]}"
    store = ElasticsearchStore(services["VEILLE_ES_URL"], ns)
    try:
        store.upsert([_stored(1, source="tamani", collected=NOW - timedelta(hours=1)),
                      _stored(2, source="tamani", body="short", lang="und", published=False,
                              collected=NOW - timedelta(days=3)),
                      _stored(3, source="tamani", collected=NOW - timedelta(days=45))])
        store.refresh()
        facts = store.source_items("tamani", NOW - timedelta(days=30))
        assert facts == [ItemFacts(NOW - timedelta(hours=1), True, 2, 300, "fr"),
                         ItemFacts(NOW - timedelta(days=3), False, 2, 5, "und")]

        state = CrawlState(home / "state.db")
        _add_round(state, "r1", "tamani", T - 2 * H, items=2)
        for n in range(2, 5):
            _add_round(state, f"r{n}", "tamani", T - 2 * H + n * 60, errors={"http_404": 1})
        registry = Registry(sources=[_source("tamani")])
        healths, _ = check_sources(registry, state, store, NOW)
        assert healths[0].status == "broken"
        healths, _ = check_sources(registry, state, store, NOW + timedelta(minutes=1))

        index = f"{ns}-sources"
        mapping = client.indices.get_mapping(index=index)[index]["mappings"]
        assert mapping["dynamic"] == "false"
        types = {name: spec.get("type", "object") for name, spec in mapping["properties"].items()}
        assert types == SOURCES_FIELDS
        assert mapping["properties"] == json.loads(json.dumps(
            SOURCES_MAPPINGS["properties"]).replace("false", '"false"'))
        assert client.count(index=index)["count"] == 1  # overwritten, one per source
        doc = client.get(index=index, id="tamani")["_source"]
        assert doc["status"] == "broken" and doc["source"] == "tamani"
        assert doc["checked_at"] == (NOW + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
        assert doc["errors"]["last_round"] == {"http_404": 1}
        hits = client.search(index=index, query={"bool": {"filter": [
            {"term": {"status": "broken"}},
            {"range": {"last_success": {"lte": NOW.isoformat()}}}]}})["hits"]["hits"]
        assert [h["_id"] for h in hits] == ["tamani"]
    finally:
        store.close()
        cleanup_es(client, ns)


def test_source_broken_alerts_go_to_the_builtin_channels(tmp_path):
    from sinks.alerts.rules import load_rules

    path = tmp_path / "rules.yaml"
    path.write_text("channels: {console: {type: log}, pager: {type: webhook, url: 'http://127.0.0.1:9/p'}}\n"
                    "defaults: {channels: [console]}\n"
                    "builtin: {source-broken: {channels: [pager]}}\n"
                    "rules: []\n", encoding="utf-8")
    assert list(builtin_channels(load_rules(path))) == ["pager"]
