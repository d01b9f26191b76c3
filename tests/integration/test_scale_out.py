"""Scale-out on the real servers (issue 14): several `veille process` and `veille crawl`
processes, each with its own VEILLE_HOME as if on its own host, sharing only Kafka,
Elasticsearch and Redis.

- Two processors in one consumer group, the same attack reported in French, English and
  Arabic on three partitions split between them: one story id, and exactly one alert
  delivered to a webhook on loopback, though two `veille alert` processes (two more homes)
  share the alerts.
- Two crawl workers against the recorded sites: every item on `veille.raw` once, also when
  the scheduling lease passes to the other worker and when a third host crawls again.
- kill -9 of either processor in the middle of the batch holding its report of the attack
  (the one whose report made the story, or the one whose report joined it): once the
  survivor and a processor on a new host have taken over, still one story id, one
  delivered alert, every item indexed once and none in the dead letters.

A host's processes read no file of another host: what they agree on comes from Redis (the
story index, the alert throttle and delivery ledger, the crawl state) and Kafka.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from processors.stories import _h64
from processors.stories_redis import RedisStoryIndex
from tests.support.items import synthetic_items
from tests.support.net import free_port, http_get
from tests.support.receiver import WebhookReceiver
from tests.support.sites import expected_id, expected_items
from veille.bus.kafka_bus import KafkaBus
from veille.settings import REPO_ROOT

pytestmark = pytest.mark.integration

STORY = REPO_ROOT / "tests" / "fixtures" / "alerts_story.jsonl"
REPORTS = {json.loads(line)["id"]: json.loads(line) for line in STORY.read_text(encoding="utf-8").splitlines()}
EVENT = ("t-fr-1", "t-en-1", "t-ar-1")
"""The attack on Tinfadimata near Ménaka, as reported in French, English and Arabic."""
UNRELATED = "t-fr-2"
PARTITIONS = 3
RULE = {
    "name": "tinfadimata", "channels": ["hook"], "throttle": {"window": "24h"},
    "when": {"event_types": ["attack_on_civilians"], "places": {"admin1": ["Ménaka"]},
             "query": "Tinfadimata OR تينفاديماتا"},
}
"""Once per story (24 h window); the query keeps the synthetic filler items of the kill test
(attacks near Ménaka too) from alerting."""


# -- hosts, groups and topics -----------------------------------------------------------------
def _host(d, name: str, **env: str) -> dict[str, str]:
    """The environment of a process on host `name`: its own VEILLE_HOME."""
    home = d.home.parent / name
    home.mkdir(exist_ok=True)
    return {"VEILLE_HOME": str(home), **env}


def _admin(d) -> KafkaAdminClient:
    return KafkaAdminClient(bootstrap_servers=d.env["VEILLE_KAFKA_BOOTSTRAP"], client_id=f"{d.namespace}-test")


def _members(admin: KafkaAdminClient, d, group: str) -> dict[str, list[int]] | None:
    """member id → its partitions of `<ns>.raw`, once the group is stable; else None."""
    info = admin.describe_groups([f"{d.namespace}.{group}"])[f"{d.namespace}.{group}"]
    if info["group_state"] != "Stable":
        return None
    return {
        m["member_id"]: sorted(p for a in (m["member_assignment"] or {}).get("assigned_partitions", [])
                               if a["topic"] == f"{d.namespace}.raw" for p in a["partitions"])
        for m in info["members"]
    }


def _committed(admin: KafkaAdminClient, d, group: str, topic: str) -> dict[int, int]:
    """partition → the group's committed offset on `<ns>.<topic>` (absent: nothing committed)."""
    offsets = admin.list_group_offsets({f"{d.namespace}.{group}": None}).get(f"{d.namespace}.{group}", {})
    return {tp.partition: o.offset for tp, o in offsets.items()
            if tp.topic == f"{d.namespace}.{topic}" and o.offset >= 0}


def _reader(d, topic: str) -> tuple[KafkaConsumer, list[TopicPartition]]:
    """A consumer of every partition of `<ns>.<topic>`, in no consumer group."""
    physical = f"{d.namespace}.{topic}"
    consumer = KafkaConsumer(bootstrap_servers=d.env["VEILLE_KAFKA_BOOTSTRAP"], enable_auto_commit=False)
    tps = [TopicPartition(physical, p) for p in sorted(consumer.partitions_for_topic(physical) or ())]
    consumer.assign(tps)
    return consumer, tps


def _read_topic(d, topic: str, timeout: float = 120) -> list:
    """Every record on `<ns>.<topic>` now, read from the beginning."""
    consumer, tps = _reader(d, topic)
    try:
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        records: list = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            assert time.monotonic() < deadline, f"could not read {d.namespace}.{topic} to its end"
            for batch in consumer.poll(timeout_ms=1000).values():
                records += batch
        return records
    finally:
        consumer.close()


def _caught_up(admin: KafkaAdminClient, d, group: str, topic: str) -> bool:
    """Whether `group` has committed everything on `<ns>.<topic>`."""
    consumer, tps = _reader(d, topic)
    try:
        ends = consumer.end_offsets(tps)
    finally:
        consumer.close()
    committed = _committed(admin, d, group, topic)
    return all(committed.get(tp.partition, 0) >= end for tp, end in ends.items())


def _publish(d, placed: list[tuple[int, dict]]) -> None:
    """Raw items on the partitions given (keyed by id, as the collectors publish them)."""
    producer = KafkaProducer(bootstrap_servers=d.env["VEILLE_KAFKA_BOOTSTRAP"], acks="all")
    for partition, item in placed:
        producer.send(f"{d.namespace}.raw", key=item["id"].encode(), partition=partition,
                      value=json.dumps(item, ensure_ascii=False).encode())
    producer.flush()
    producer.close()


# -- the stages -------------------------------------------------------------------------------
class Processor:
    """A `veille process` on its own host, with the consumer-group member it became."""

    def __init__(self, proc, member: str, port: int) -> None:
        self.proc, self.member, self.port = proc, member, port

    def handled(self) -> float:
        """Messages this processor took through (its /metrics)."""
        _, text = http_get(self.port, "/metrics")
        found = re.search(r'^veille_stage_messages_total\{outcome="ok",stage="processor"\} (\S+)$', text, re.M)
        return float(found.group(1)) if found else 0.0


def _processors(d, admin: KafkaAdminClient, hosts: list[str], batch: int) -> list[Processor]:
    """Starts one processor per host, one after the other, so that each new member of the
    group is known to be that process; returns once the group is stable with all of them."""
    started: list[Processor] = []
    for host in hosts:
        port = free_port()
        proc = d.start("process", "--batch", str(batch),
                       env=_host(d, host, VEILLE_METRICS_PORT=str(port)))
        known = {p.member for p in started}
        found: dict[str, str] = {}

        def joined(known=known, found=found) -> bool:
            members = _members(admin, d, "processor")
            new = set(members or ()) - known
            if not members or len(members) != len(known) + 1 or len(new) != 1 or not all(members.values()):
                return False
            found["member"] = new.pop()
            return True

        d.wait_for(joined, f"processor on {host} to join the group", 240)
        started.append(Processor(proc, found["member"], port))
    return started


def _spread(members: dict[str, list[int]]) -> list[int]:
    """The partitions, alternating between the members that hold them: the first two belong
    to different processors."""
    queues = [list(ps) for ps in members.values()]
    order: list[int] = []
    while any(queues):
        for q in queues:
            if q:
                order.append(q.pop(0))
    return order


def _alerting(d, tmp_path: Path, receiver: WebhookReceiver, hosts: list[str]) -> None:
    """`veille alert` (rules checked, deliveries in-process on the Redis queue) on each host."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(json.dumps({
        "channels": {"hook": {"type": "webhook", "url": f"{receiver.url}/hook"}}, "rules": [RULE],
    }), encoding="utf-8")
    for host in hosts:
        d.start("alert", "--batch", "20", env=_host(d, host, VEILLE_RULES=str(rules)))


def _settled_alerts(d, admin: KafkaAdminClient, receiver: WebhookReceiver) -> list[dict]:
    """The deliveries once every raw item is processed, every enriched item has been through
    the alerters, and the delivery queue is empty (a message leaves it once its send is
    over): nothing more can arrive."""
    from dramatiq.brokers.redis import RedisBroker
    from dramatiq.errors import QueueJoinTimeout

    d.wait_for(lambda: _caught_up(admin, d, "processor", "raw"), "the processors to catch up", 240)
    d.wait_for(lambda: _caught_up(admin, d, "alerter", "enriched"), "the alerters to catch up", 240)
    broker = RedisBroker(url=d.env["VEILLE_REDIS_URL"], namespace=f"{d.namespace}.dramatiq")
    try:
        broker.join("alerts", timeout=240_000)
    except QueueJoinTimeout:
        raise AssertionError(f"alert deliveries still queued after 240 s\n{d.logs()}") from None
    finally:
        broker.close()
    return [r.body for r in receiver.deliveries]


def _alerts_stored(d) -> list[str]:
    alias = f"{d.namespace}-alerts"
    d.es.indices.refresh(index=alias)
    return [h["_source"]["id"] for h in d.es.search(index=alias, size=100)["hits"]["hits"]]


# -- the tests --------------------------------------------------------------------------------
def test_two_processors_give_one_story_and_one_alert_for_an_event_in_three_languages(distributed, tmp_path):
    KafkaBus(distributed.env["VEILLE_KAFKA_BOOTSTRAP"], distributed.namespace, PARTITIONS).close()
    admin = _admin(distributed)
    with WebhookReceiver() as receiver:
        try:
            _alerting(distributed, tmp_path, receiver, ["alert-a", "alert-b"])
            processors = _processors(distributed, admin, ["proc-a", "proc-b"], batch=10)
            members = _members(admin, distributed, "processor")
            assert members and len(members) == 2, members
            order = _spread(members)
            # one report per partition; the first two on different processors
            _publish(distributed, [(order[k], REPORTS[i]) for k, i in enumerate(EVENT)]
                     + [(order[0], REPORTS[UNRELATED])])

            alerts = _settled_alerts(distributed, admin, receiver)
            enriched = {}
            for r in _read_topic(distributed, "enriched"):
                enriched.setdefault(r.key.decode(), set()).add(json.loads(r.value)["enrichment"]["story_id"])
            assert set(enriched) == {*EVENT, UNRELATED}
            stories = set().union(*(enriched[i] for i in EVENT))
            assert len(stories) == 1, enriched
            assert enriched[UNRELATED] != stories
            assert len(alerts) == 1, [(a["item_id"], a["story_id"]) for a in alerts]
            assert alerts[0]["rule"] == "tinfadimata" and alerts[0]["story_id"] in stories
            assert alerts[0]["item_id"] in EVENT
            assert _alerts_stored(distributed) == [alerts[0]["id"]]
            # the event did go through both processors (no rebalance gave all to one)
            assert all(p.handled() >= 1 for p in processors), [p.handled() for p in processors]
            assert _members(admin, distributed, "processor") == members
        finally:
            admin.close()


SITES = ("caj-news", "wanep", "studio-tamani", "rfi-afrique")


def _sources(path: Path, keys: tuple[str, ...], schedule: str | None = None) -> Path:
    """sources.yaml cut down to `keys` (and every schedule set to `schedule`, if given)."""
    data = yaml.safe_load((REPO_ROOT / "sources.yaml").read_text(encoding="utf-8"))
    data["sources"] = [s for s in data["sources"] if s["key"] in keys]
    for source in data["sources"]:
        source["schedule"] = schedule or source["schedule"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _rounds(d, log: int) -> list[str]:
    """The sources whose collection jobs the `log`-th process started ran."""
    return re.findall(r"round for (\S+):", (d.home / f"crawl-{log}.log").read_text(encoding="utf-8"))


def test_two_crawl_workers_collect_each_item_once(distributed, mirror, tmp_path):
    d = distributed
    want = {expected_id(e) for key in SITES for e in expected_items(key)["items"]}
    env = {"VEILLE_MIRROR": mirror.env_value(), "VEILLE_SOURCES": str(_sources(tmp_path / "sources.yaml", SITES))}
    # Both schedule; one holds the lease, both run collection jobs. When the leader is done,
    # the other takes the lease, finds every source collected (the shared state) and stops.
    workers = [d.start("crawl", "--once", "--workers", "1", env=_host(d, host, **env))
               for host in ("crawl-a", "crawl-b")]
    for worker in workers:
        assert worker.wait(timeout=240) == 0, d.logs()
    keys = Counter(r.key.decode() for r in _read_topic(d, "raw"))
    assert set(keys) == want
    assert max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
    rounds = [_rounds(d, 0), _rounds(d, 1)]
    assert sorted(rounds[0] + rounds[1]) == sorted(SITES), rounds
    assert all(rounds), f"one worker ran every collection job: {rounds}"

    # A host that collected nothing yet crawls two of the sources again (due at once): the
    # shared validators and seen digests mean it publishes nothing again.
    again = SITES[:2]
    due = {**env, "VEILLE_SOURCES": str(_sources(tmp_path / "due.yaml", again, schedule="1s"))}
    third = d.start("crawl", "--once", "--workers", "2", env=_host(d, "crawl-c", **due))
    assert third.wait(timeout=240) == 0, d.logs()
    assert sorted(set(_rounds(d, 2))) == sorted(again), d.logs()
    keys = Counter(r.key.decode() for r in _read_topic(d, "raw"))
    assert set(keys) == want and max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]


FILLER = 150
"""Synthetic items behind each partition's report: the batch holding the report is long."""


@pytest.mark.parametrize("victim", ["story-maker", "story-joiner"])
def test_kill_9_of_either_processor_mid_batch_keeps_one_story_and_one_alert(distributed, tmp_path, victim):
    d = distributed
    KafkaBus(d.env["VEILLE_KAFKA_BOOTSTRAP"], d.namespace, PARTITIONS).close()
    admin = _admin(d)
    index = RedisStoryIndex(d.env["VEILLE_REDIS_URL"], d.namespace)
    with WebhookReceiver() as receiver:
        try:
            _alerting(d, tmp_path, receiver, ["alert-a"])
            d.start("index", "--batch", "200", env=_host(d, "index-a"))
            processors = _processors(d, admin, ["proc-a", "proc-b"], batch=100)
            members = _members(admin, d, "processor") or {}
            order = _spread(members)
            filler = synthetic_items(FILLER * PARTITIONS, prefix="scale")
            # Each partition starts with a report of the attack, then FILLER other items:
            # the first batch of either processor holds a report, followed by many items.
            placed = [(order[k], REPORTS[i]) for k, i in enumerate(EVENT)]
            placed += [(order[n % PARTITIONS], item) for n, item in enumerate(filler)]
            partition_of = {i: p for p, i in zip(order, EVENT, strict=False)}
            owner = {p: proc for proc in processors for p in members[proc.member]}
            _publish(d, placed)

            def assigned(by: list[Processor]) -> str | None:
                """A report the story index holds (so assigned) from a partition of `by`."""
                return next((i for i in EVENT if owner[partition_of[i]] in by
                             and index._redis.exists(f"{index.prefix}item:{_h64(i)}")), None)

            # The first report assigned makes the story, the other processor's report joins
            # it. The victim is killed as soon as the index holds its report: mid-batch, its
            # story decision stored but nothing of the batch published or committed.
            deadline = time.monotonic() + 180  # (under the 300 s pytest timeout)
            while not (report := assigned(processors)):
                assert time.monotonic() < deadline, f"no report assigned\n{d.logs()}"
                time.sleep(0.01)
            if victim == "story-joiner":
                others = [p for p in processors if p is not owner[partition_of[report]]]
                while not (report := assigned(others)):
                    assert time.monotonic() < deadline, f"no report assigned by the other\n{d.logs()}"
                    time.sleep(0.01)
            killed = owner[partition_of[report]]
            os.killpg(killed.proc.pid, signal.SIGKILL)
            killed.proc.wait()
            # (a killed member stays in the group until its 10 s session is over)
            assert _members(admin, d, "processor") == members, "the group changed before the kill"
            committed = _committed(admin, d, "processor", "raw").get(partition_of[report], 0)
            assert committed == 0, f"{report}'s batch was committed before the kill: not mid-batch"
            total = len(EVENT) + len(filler)
            assert d.count() < total, "everything was indexed before the kill; the test proves nothing"
            # the survivor goes on; a processor on a new host joins; they share the partitions
            d.start("process", "--batch", "100", env=_host(d, "proc-c"))

            d.wait_for(lambda: d.count() >= total, f"{total} documents", 300)
            alerts = _settled_alerts(d, admin, receiver)
            ids = d.ids()
            assert len(ids) == len(set(ids)) == total, "an item indexed twice"
            assert set(ids) == {i["id"] for i in filler} | set(EVENT)
            d.es.indices.refresh(index=d.alias)
            hits = d.es.search(index=d.alias, query={"ids": {"values": list(EVENT)}},
                               source=["id", "enrichment.story_id"])["hits"]["hits"]
            stories = {h["_source"]["id"]: h["_source"]["enrichment"]["story_id"] for h in hits}
            assert set(stories) == set(EVENT) and len(set(stories.values())) == 1, stories
            assert len(alerts) == 1, [(a["item_id"], a["story_id"]) for a in alerts]
            assert alerts[0]["story_id"] in stories.values()
            assert _alerts_stored(d) == [alerts[0]["id"]]
            assert _read_topic(d, "dlq") == [], "items went to the dead letters"
        finally:
            index.close()
            admin.close()
