"""Rule types beyond one item on the real servers: state in Redis (shared by every `veille
alert` process, surviving restarts), alerts in Elasticsearch. The same crafted streams as the
embedded tests (tests/support/rule_streams.py): each type fires once with its reason and stays
quiet on its twin; two engines (two hosts) share the counts; a mute set by one is obeyed by
the other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from sinks.alerts.rules import load_rules
from sinks.alerts.stage import AlertEngine
from sinks.alerts.store import ElasticsearchAlertStore
from sinks.alerts.throttle import RedisThrottle
from sinks.alerts.windows import RedisWindows
from tests.support.rule_streams import REASONS, STREAMS, T0, feed, rules_file, spreading


def _engine(services: dict[str, str], namespace: str, folder: Path, sent: list
            ) -> tuple[AlertEngine, dict]:
    url = services["VEILLE_REDIS_URL"]
    clock = {"now": T0}
    throttle = RedisThrottle(url, namespace)
    engine = AlertEngine(load_rules(rules_file(folder)),
                         ElasticsearchAlertStore(services["VEILLE_ES_URL"], namespace), throttle,
                         lambda alert, channels: sent.append(alert), clock=lambda: clock["now"],
                         windows=RedisWindows(url, namespace))
    return engine, clock


@pytest.fixture
def es_cleanup(services: dict[str, str], namespace: str) -> Iterator[None]:
    """Removes the alert indices and templates of the test's namespaces (and the Redis keys
    of the second namespace the quiet twins use)."""
    yield
    from elasticsearch import Elasticsearch

    from tests.support.services import cleanup_es

    es = Elasticsearch(services["VEILLE_ES_URL"])
    client = redis.Redis.from_url(services["VEILLE_REDIS_URL"])
    for ns in (namespace, f"{namespace}q"):
        cleanup_es(es, ns)
    for key in client.scan_iter(match=f"{namespace}q:*"):
        client.delete(key)
    es.close()
    client.close()


@pytest.mark.parametrize("rule", sorted(STREAMS))
def test_each_rule_type_fires_and_stays_quiet_with_state_in_redis(
    services: dict[str, str], namespace: str, tmp_path: Path, es_cleanup: None, rule: str
) -> None:
    sent: list = []
    engine, clock = _engine(services, namespace, tmp_path, sent)
    fired = [a for a in feed(engine, STREAMS[rule](True), clock) if a.rule == rule]
    engine.close()
    assert [a.reasons[0] for a in fired] == [REASONS[rule]]
    quiet_ns = f"{namespace}q"  # a slice of its own (es_cleanup removes it)
    engine, clock = _engine(services, quiet_ns, tmp_path, [])
    quiet = [a for a in feed(engine, STREAMS[rule](False), clock) if a.rule == rule]
    engine.close()
    assert quiet == []
    client = redis.Redis.from_url(services["VEILLE_REDIS_URL"])
    keys = list(client.scan_iter(match=f"{namespace}:windows:*"))
    assert keys and all(client.ttl(k) > 0 for k in keys), "every window key expires"
    client.close()


def test_two_hosts_share_counts_and_a_restart_keeps_them(
    services: dict[str, str], namespace: str, tmp_path: Path, es_cleanup: None
) -> None:
    first, second, third = spreading(True)
    sent: list = []
    a, clock_a = _engine(services, namespace, tmp_path, sent)
    b, clock_b = _engine(services, namespace, tmp_path, sent)
    assert feed(a, [first], clock_a) == [] and feed(b, [second], clock_b) == []
    a.close()
    b.close()
    c, clock_c = _engine(services, namespace, tmp_path, sent)  # a restarted process
    raised = [x for x in feed(c, [third], clock_c) if x.rule == "spreading"]
    c.close()
    assert [x.item_id for x in raised] == [third.id]
    assert [x.id for x in sent if x.rule == "spreading"] == [raised[0].id]


def test_a_mute_set_on_one_host_holds_on_another(
    services: dict[str, str], namespace: str, tmp_path: Path, es_cleanup: None
) -> None:
    url = services["VEILLE_REDIS_URL"]
    operator = RedisWindows(url, namespace)
    until = datetime.now(UTC) + timedelta(hours=2)
    operator.mute("spreading", until)
    assert set(operator.mutes()) == {"spreading"}
    sent: list = []
    engine, clock = _engine(services, namespace, tmp_path, sent)
    raised = [x for x in feed(engine, spreading(True), clock) if x.rule == "spreading"]
    assert [x.status for x in raised] == ["suppressed"] and not sent
    assert operator.unmute("spreading") and operator.mutes() == {}
    operator.close()
    engine.close()


def test_veille_alert_evaluates_rule_types_on_the_kafka_stream(distributed, tmp_path: Path) -> None:
    """`veille alert` on `<ns>.enriched`: a story picked up by three sources raises the
    frequency alert, and the clock tick between batches finds the source gone quiet."""
    from tests.support.rule_streams import quiet_source
    from veille.bus.base import ENRICHED
    from veille.bus.kafka_bus import KafkaBus

    env = {"VEILLE_RULES": str(rules_file(tmp_path))}
    bus = KafkaBus(distributed.env["VEILLE_KAFKA_BOOTSTRAP"], distributed.namespace, 3)
    for it in [*spreading(True), *quiet_source(True)]:
        bus.publish(ENRICHED, "one-partition", it.model_dump_json().encode())  # in time order
    bus.flush()
    bus.close()
    distributed.start("alert", "--no-deliver", env=env)
    alias = f"{distributed.namespace}-alerts"

    def alerts() -> list[dict]:
        if not distributed.es.indices.exists_alias(name=alias):
            return []
        distributed.es.indices.refresh(index=alias)
        return [h["_source"] for h in distributed.es.search(index=alias, size=100)["hits"]["hits"]]

    distributed.wait_for(lambda: {"spreading", "quiet-source"} <= {a["rule"] for a in alerts()},
                         "the frequency and flatline alerts", 180)
    found = {(a["rule"], a["rule_type"], a["reasons"][0]) for a in alerts()
             if a["rule"] in ("spreading", "quiet-source")}
    assert ("spreading", "frequency", REASONS["spreading"]) in found
    quiet = [why for rule, kind, why in found if rule == "quiet-source" and "wanep" in why]
    assert len(quiet) == 1 and quiet[0].startswith("source wanep: no item for "), found
    assert "(last: 2026-01-03 09:00 UTC; expected one within 2d)" in quiet[0]
    by_type = distributed.es.count(index=alias, query={"term": {"rule_type": "frequency"}})
    assert by_type["count"] >= 1  # searchable by rule type (a keyword in the alerts mapping)


def test_redis_window_state_is_bounded(services: dict[str, str], namespace: str) -> None:
    """A write sweeps its group of members written more than a horizon ago (wall clock);
    every key expires; marker groups keep their members."""
    state = RedisWindows(services["VEILLE_REDIS_URL"], namespace)
    for k in range(50):
        state.add("r", "g", f"m{k}", float(k), horizon=3600)
    assert len(state.members("r", "g")) == 50
    written = f"{namespace}:windows:r:g:written"
    state.client.zadd(written, {f"m{k}": 0.0 for k in range(49)})  # written long ago
    state.add("r", "g", "m50", 50.0, horizon=3600)
    assert [m for m, _ in state.members("r", "g")] == ["m49", "m50"]
    assert state.client.zcard(written) == 2
    state.add("r", "~last", "src", 0.0, horizon=3600)
    state.add("r", "~last", "other", 1e9, horizon=3600)
    assert dict(state.members("r", "~last")) == {"src": 0.0, "other": 1e9}
    assert all(state.client.ttl(k) > 0 for k in state.client.scan_iter(match=f"{namespace}:windows:*"))
    state.close()
