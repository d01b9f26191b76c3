"""The Kafka bus keeps the embedded bus's promises on a real broker: keyed topics with the
configured partitions, commit only after the downstream write, poison messages parked in
the dead letters without blocking their partition."""

from __future__ import annotations

import json

import pytest
from kafka import KafkaAdminClient

from veille.bus import open_bus
from veille.bus.base import BUS_TOPICS, DLQ, ENRICHED, RAW
from veille.bus.kafka_bus import KafkaBus
from veille.settings import get_settings
from veille.stage import Stage

pytestmark = pytest.mark.integration


def _drain(consumer, want: int, rounds: int = 40) -> list:
    got = []
    for _ in range(rounds):
        got += consumer.poll(500, 0.5)
        if len(got) >= want:
            break
    return got


def test_open_bus_picks_kafka_and_creates_the_topics(distributed):
    bus = open_bus()
    try:
        assert isinstance(bus, KafkaBus)
        admin = KafkaAdminClient(bootstrap_servers=distributed.env["VEILLE_KAFKA_BOOTSTRAP"])
        described = {t["name"]: t for t in admin.describe_topics([bus.physical(t) for t in BUS_TOPICS])}
        admin.close()
        assert set(described) == {f"{distributed.namespace}.{n}" for n in ("raw", "enriched", "alerts", "dlq")}
        for topic in described.values():
            assert len(topic["partitions"]) == get_settings().kafka_partitions == 3
    finally:
        bus.close()


def test_keyed_messages_survive_a_consumer_that_never_committed(distributed):
    bus = open_bus()
    for i in range(300):
        bus.publish(RAW, f"item-{i % 50}", json.dumps({"n": i}).encode(), {"source": "t"})
    bus.flush()
    first = bus.consumer(RAW, "g")
    got = _drain(first, 300)
    assert len(got) == 300
    # One key always lands in one partition, in publish order.
    by_key: dict[str, set[int]] = {}
    for m in got:
        by_key.setdefault(m.key, set()).add(m.partition)
    assert all(len(parts) == 1 for parts in by_key.values())
    assert got[0].headers == {"source": "t"}
    first.commit([m for m in got if m.partition == got[0].partition])
    first.close()  # crashed before committing the other partitions

    second = bus.consumer(RAW, "g")
    again = _drain(second, 300 - sum(1 for m in got if m.partition == got[0].partition))
    assert {(m.partition, m.offset) for m in again} == {
        (m.partition, m.offset) for m in got if m.partition != got[0].partition
    }
    second.commit(again)
    assert second.lag() == 0
    second.close()
    bus.close()


def test_rewind_reads_the_uncommitted_batch_again(distributed):
    bus = open_bus()
    for i in range(20):
        bus.publish(RAW, f"k{i}", b"{}")
    bus.flush()
    consumer = bus.consumer(RAW, "g")
    got = _drain(consumer, 20)
    consumer.rewind()
    again = _drain(consumer, 20)
    assert sorted((m.partition, m.offset) for m in again) == sorted((m.partition, m.offset) for m in got)
    consumer.close()
    bus.close()


def test_poison_message_goes_to_dead_letters_and_the_partition_moves_on(distributed):
    bus = open_bus()
    # One key, so poison and good messages share a partition.
    for i in range(5):
        bus.publish(RAW, "same-key", b"not json" if i == 2 else json.dumps({"n": i}).encode())
    bus.flush()
    seen = []

    def handle(messages):
        failed = []
        for m in messages:
            try:
                seen.append(json.loads(m.value)["n"])
            except ValueError as exc:
                failed.append((m, exc))
        return failed

    stage = Stage("poison-test", bus, RAW, handle)
    for _ in range(20):
        stage.run_once(timeout=0.5)
        if len(seen) == 4:
            break
    assert seen == [0, 1, 3, 4]
    assert stage.consumer.lag() == 0
    dlq = _drain(bus.consumer(DLQ, "inspect"), 1)
    assert len(dlq) == 1
    assert dlq[0].value == b"not json" and dlq[0].key == "same-key"
    assert dlq[0].headers["stage"] == "poison-test"
    assert dlq[0].headers["origin_topic"] == RAW
    assert "JSONDecodeError" in dlq[0].headers["error"]
    stage.close()
    bus.close()


def test_two_consumers_in_a_group_share_the_partitions(distributed):
    bus = open_bus()
    a, b = bus.consumer(ENRICHED, "pair"), bus.consumer(ENRICHED, "pair")
    for _ in range(60):  # both join the group before anything is published
        a.poll(10, 0.2)
        b.poll(10, 0.2)
        if a.kafka.assignment() and b.kafka.assignment():
            break
    assert a.kafka.assignment().isdisjoint(b.kafka.assignment())
    for i in range(90):
        bus.publish(ENRICHED, f"k{i}", b"{}")
    bus.flush()
    got_a, got_b = [], []
    for _ in range(60):
        got_a += a.poll(100, 0.3)
        got_b += b.poll(100, 0.3)
        a.commit(got_a)
        b.commit(got_b)
        if len(got_a) + len(got_b) >= 90 and got_a and got_b:
            break
    assert got_a and got_b, "both members of the group should receive partitions"
    keys = [m.key for m in got_a + got_b]
    assert len(set(keys)) == 90
    assert {m.partition for m in got_a}.isdisjoint({m.partition for m in got_b})
    a.close()
    b.close()
    bus.close()
