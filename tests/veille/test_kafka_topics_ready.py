"""A new Kafka topic is usable only once its partitions have leaders: the bus waits for that
after creating its topics (the real creation is tests/integration/test_kafka_bus.py)."""

from __future__ import annotations

import logging

from veille.bus import kafka_bus


class _Admin:
    """Answers describe_topics as a broker does just after a creation: first no partitions,
    then partitions without a leader, then with one."""

    def __init__(self, answers: list[list[dict]]) -> None:
        self.answers, self.calls = answers, 0

    def describe_topics(self, names: list[str]) -> list[dict]:
        answer = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        return [{"name": n, "error_code": 0, "partitions": answer} for n in names]


def test_the_bus_waits_until_every_partition_has_a_leader(monkeypatch) -> None:
    monkeypatch.setattr(kafka_bus.time, "sleep", lambda s: None)
    admin = _Admin([[], [{"partition_index": 0, "leader_id": -1}],
                    [{"partition_index": 0, "leader_id": 1}, {"partition_index": 1, "leader_id": 1}]])
    kafka_bus._wait_for_leaders(admin, ["ns.raw", "ns.enriched"])  # type: ignore[arg-type]
    assert admin.calls == 3


def test_a_topic_that_never_gets_leaders_is_a_warning_not_a_hang(monkeypatch, caplog) -> None:
    clock = iter(range(0, 1000))
    monkeypatch.setattr(kafka_bus.time, "monotonic", lambda: float(next(clock)))
    monkeypatch.setattr(kafka_bus.time, "sleep", lambda s: None)
    admin = _Admin([[]])
    with caplog.at_level(logging.WARNING, logger=kafka_bus.__name__):
        kafka_bus._wait_for_leaders(admin, ["ns.raw"], wait=5)  # type: ignore[arg-type]
    assert 1 <= admin.calls <= 6
    assert "no leader for every partition" in caplog.text
