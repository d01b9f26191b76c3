"""What every bus offers: keyed topics, consumer groups, commit after the downstream write.

The semantics follow Kafka's so that code written against the embedded bus behaves the same
on Kafka: a consumer reads from its group's committed position, keeps its own position while
it polls, and only `commit` moves the group forward. A crash before commit means the
messages are read again (at-least-once); sinks are idempotent on the key.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

RAW = "veille.raw"
ENRICHED = "veille.enriched"
ALERTS = "veille.alerts"
DLQ = "veille.dlq"
BUS_TOPICS = (RAW, ENRICHED, ALERTS, DLQ)  # created at start (not the label topics of veille.schema)


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: str
    value: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.value)


class Consumer(ABC):
    @abstractmethod
    def poll(self, max_records: int = 100, timeout: float = 1.0) -> list[Message]:
        """Next messages after this consumer's position; [] when none came within timeout."""

    @abstractmethod
    def commit(self, messages: Iterable[Message]) -> None:
        """Marks these messages (and everything before them in their partition) done."""

    @abstractmethod
    def rewind(self) -> None:
        """Back to the group's committed position: what was polled since is read again."""

    @abstractmethod
    def lag(self) -> int:
        """Messages in the topic not yet committed by this group."""

    def close(self) -> None:  # noqa: B027 - optional hook
        pass


class Bus(ABC):
    @abstractmethod
    def publish(self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None) -> None:
        """Durably appends one message; returns only once it is stored (acks=all)."""

    @abstractmethod
    def consumer(self, topic: str, group: str) -> Consumer: ...

    def flush(self) -> None:  # noqa: B027 - optional hook
        pass

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def publish_json(self, topic: str, key: str, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.publish(topic, key, json.dumps(payload, ensure_ascii=False, default=str).encode(), headers)

    def dead_letter(self, message: Message, stage: str, error: BaseException | str) -> None:
        """Parks a message that cannot be processed, with the reason, so it never blocks."""
        reason = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        headers = {
            **message.headers,
            "origin_topic": message.topic,
            "origin_partition": str(message.partition),
            "origin_offset": str(message.offset),
            "stage": stage,
            "error": reason[:2000],
        }
        self.publish(DLQ, message.key, message.value, headers)


def open_bus(settings: Any = None) -> Bus:
    """The bus the settings point at: the embedded SQLite bus unless Kafka is configured."""
    from veille.settings import get_settings

    settings = settings or get_settings()
    if settings.kafka_bootstrap:
        from veille.bus.kafka_bus import KafkaBus

        return KafkaBus(settings.kafka_bootstrap, settings.namespace, settings.kafka_partitions)
    from veille.bus.sqlite_bus import SqliteBus

    return SqliteBus(settings.home / "bus.db")
