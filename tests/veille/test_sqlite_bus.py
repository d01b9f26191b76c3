"""The embedded bus keeps Kafka's semantics: group positions, commit after the write, DLQ."""

from __future__ import annotations

import json

from processors.enrich_stage import processor_stage
from veille.bus.base import DLQ, ENRICHED, RAW
from veille.bus.sqlite_bus import SqliteBus


def test_uncommitted_messages_are_read_again_by_a_new_consumer(tmp_path):
    bus = SqliteBus(tmp_path / "bus.db")
    for i in range(5):
        bus.publish(RAW, f"k{i}", b"{}")
    first = bus.consumer(RAW, "g")
    batch = first.poll(3)
    assert [m.key for m in batch] == ["k0", "k1", "k2"]
    first.commit(batch[:2])
    # A crash now: the next consumer of the group starts after the last commit.
    again = bus.consumer(RAW, "g").poll(10)
    assert [m.key for m in again] == ["k2", "k3", "k4"]


def test_groups_are_independent(tmp_path):
    bus = SqliteBus(tmp_path / "bus.db")
    bus.publish(RAW, "a", b"1")
    one, two = bus.consumer(RAW, "one"), bus.consumer(RAW, "two")
    one.commit(one.poll())
    assert one.lag() == 0
    assert two.lag() == 1
    assert [m.key for m in two.poll()] == ["a"]


def test_messages_survive_reopening_the_file(tmp_path):
    SqliteBus(tmp_path / "bus.db").publish(RAW, "a", b"payload")
    assert SqliteBus(tmp_path / "bus.db").read_all(RAW)[0].value == b"payload"


def test_poison_message_goes_to_dead_letters_and_does_not_block(tmp_path, home):
    bus = SqliteBus(tmp_path / "bus.db")
    good = {"id": "https://example.org/a", "source": "s", "url": "https://example.org/a",
            "title": "Attaque à Gao", "body": "Des hommes armés ont attaqué un poste à Gao ce matin."}
    bus.publish(RAW, "bad", b"{not json")
    bus.publish(RAW, good["id"], json.dumps(good).encode())
    bus.publish(RAW, "invalid", json.dumps({"id": "x"}).encode())
    stage = processor_stage(bus)
    assert stage.drain() == 3
    dead = bus.read_all(DLQ)
    assert [m.key for m in dead] == ["bad", "invalid"]
    assert dead[0].headers["stage"] == "processor"
    assert "JSONDecodeError" in dead[0].headers["error"]
    assert dead[0].headers["origin_topic"] == RAW
    assert [m.key for m in bus.read_all(ENRICHED)] == [good["id"]]
    assert bus.consumer(RAW, "processor").lag() == 0


def test_a_consumer_sees_messages_published_later_by_another_process(tmp_path):
    # A consumer must never read from a stale snapshot of the file.
    bus = SqliteBus(tmp_path / "bus.db")
    consumer = bus.consumer(RAW, "g")
    assert consumer.lag() == 0
    other = SqliteBus(tmp_path / "bus.db")  # another connection, as another process has
    other.publish(RAW, "late", b"{}")
    assert [m.key for m in consumer.poll(timeout=0.1)] == ["late"]
    assert consumer.lag() == 1
