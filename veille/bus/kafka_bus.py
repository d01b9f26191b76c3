"""The distributed bus: Kafka through kafka-python, with the embedded bus's semantics.

Topics keep their logical names in code (`veille.raw`, …); on the broker they carry the
namespace (`<ns>.raw`), and so do consumer groups (`<ns>.processor`), so several pipelines
or test runs can share one cluster. The producer is idempotent with acks=all: a publish
counts only once every in-sync replica has it, and a retried send is never written twice.
Consumers never auto-commit; `commit` is called by the stage after its downstream write.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterable

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

from veille.bus.base import BUS_TOPICS, Bus, Consumer, Message

log = logging.getLogger(__name__)


class BusError(RuntimeError):
    """The broker did not take a message; the caller must not commit what produced it."""


def _wait_for_leaders(admin: KafkaAdminClient, names: list[str], wait: float = 30.0) -> None:
    """Until every partition of the new topics has a leader: the broker answers a creation
    before its metadata shows them, and a bus used at once (a stage, a test) would meet
    topics without partitions. Bounded: past `wait` seconds the clients' own retries take over."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        topics = admin.describe_topics(names)
        if len(topics) == len(names) and all(
            not t.get("error_code") and t.get("partitions")
            and all(p.get("leader_id", -1) >= 0 for p in t["partitions"]) for t in topics
        ):
            return
        time.sleep(0.2)
    log.warning("topics %s: no leader for every partition after %.0f s", names, wait)


class KafkaBus(Bus):
    def __init__(
        self,
        bootstrap: str,
        namespace: str = "veille",
        partitions: int = 3,
        client_id: str = "veille",
        create_topics: bool = True,
    ) -> None:
        self.bootstrap = [b.strip() for b in bootstrap.split(",") if b.strip()]
        self.namespace, self.partitions, self.client_id = namespace, partitions, client_id
        self._producer: KafkaProducer | None = None
        self._pending: list = []
        self._lock = threading.Lock()
        if create_topics:
            self.ensure_topics()

    # -- names ---------------------------------------------------------------------------
    def physical(self, topic: str) -> str:
        """`veille.raw` → `<ns>.raw`."""
        return f"{self.namespace}.{topic.split('.', 1)[1]}" if topic.startswith("veille.") else topic

    def logical(self, topic: str) -> str:
        prefix = f"{self.namespace}."
        return f"veille.{topic[len(prefix):]}" if topic.startswith(prefix) else topic

    def group(self, name: str) -> str:
        return f"{self.namespace}.{name}"

    # -- admin ---------------------------------------------------------------------------
    def ensure_topics(self) -> None:
        """Creates the four topics if missing; replication follows the cluster's size (≤3)."""
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id=f"{self.client_id}-admin")
        try:
            brokers = len(admin.describe_cluster().get("brokers", [])) or 1
            existing = set(admin.list_topics())
            wanted = [
                NewTopic(self.physical(t), self.partitions, min(3, brokers))
                for t in BUS_TOPICS
                if self.physical(t) not in existing
            ]
            if wanted:
                with contextlib.suppress(TopicAlreadyExistsError):  # another process was first
                    admin.create_topics(wanted)
                log.info("created topics %s", [t.name for t in wanted])
                _wait_for_leaders(admin, [t.name for t in wanted])
        finally:
            admin.close()

    # -- producing -----------------------------------------------------------------------
    def _get_producer(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(
                    bootstrap_servers=self.bootstrap,
                    client_id=self.client_id,
                    acks="all",
                    enable_idempotence=True,
                    max_in_flight_requests_per_connection=5,
                    linger_ms=5,
                    # Items are kilobytes: with the default 16 kB batches nearly every send
                    # opened a new batch and woke the sender; 1 MiB batches cut the producer's
                    # CPU per message by about 3 (measured with bench/pipeline.py).
                    batch_size=1024 * 1024,
                    retries=2**31 - 1,
                    delivery_timeout_ms=120_000,
                    max_request_size=16 * 1024 * 1024,
                )
            return self._producer

    def publish(self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None) -> None:
        """Sends without waiting; `flush` waits for every send and raises if one failed."""
        future = self._get_producer().send(
            self.physical(topic),
            key=key.encode(),
            value=value,
            headers=[(k, v.encode()) for k, v in (headers or {}).items()],
        )
        with self._lock:
            self._pending.append(future)

    def flush(self, timeout: float = 120.0) -> None:
        if self._producer is None:
            return
        self._producer.flush(timeout=timeout)
        with self._lock:
            pending, self._pending = self._pending, []
        failures = []
        for future in pending:
            try:
                future.get(timeout=0)
            except KafkaError as exc:
                failures.append(exc)
        if failures:
            raise BusError(f"Kafka did not store {len(failures)} message(s): {failures[0]!r}")

    def consumer(self, topic: str, group: str) -> KafkaBusConsumer:
        return KafkaBusConsumer(self, topic, group)

    def close(self) -> None:
        if self._producer is not None:
            try:
                self.flush()
            finally:
                self._producer.close()
                self._producer = None


class KafkaBusConsumer(Consumer):
    def __init__(self, bus: KafkaBus, topic: str, group: str) -> None:
        self.bus, self.topic = bus, topic
        self.physical = bus.physical(topic)
        self.kafka = KafkaConsumer(
            self.physical,
            bootstrap_servers=bus.bootstrap,
            group_id=bus.group(group),
            client_id=f"{bus.client_id}-{group}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=10_000,
            heartbeat_interval_ms=3_000,
            # A batch includes the downstream write; Elasticsearch may be slow to come back.
            max_poll_interval_ms=600_000,
            fetch_max_bytes=32 * 1024 * 1024,
            # A stage started before its topics exist (a fresh cluster, a new namespace) sees
            # their partitions at the next metadata refresh: 10 s, not kafka-python's 5 min.
            metadata_max_age_ms=10_000,
        )

    def poll(self, max_records: int = 100, timeout: float = 1.0) -> list[Message]:
        records = self.kafka.poll(timeout_ms=int(timeout * 1000), max_records=max_records)
        messages = []
        for batch in records.values():
            for r in batch:
                headers = {k: (v or b"").decode(errors="replace") for k, v in (r.headers or [])}
                key = r.key.decode(errors="replace") if r.key is not None else ""
                messages.append(Message(self.topic, r.partition, r.offset, key, r.value or b"", headers))
        return messages

    def commit(self, messages: Iterable[Message]) -> None:
        offsets: dict[TopicPartition, int] = {}
        for m in messages:
            tp = TopicPartition(self.physical, m.partition)
            offsets[tp] = max(offsets.get(tp, -1), m.offset + 1)
        if offsets:
            self.kafka.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()})

    def rewind(self) -> None:
        """Back to the group's committed offsets on every partition this consumer holds."""
        for tp in self.kafka.assignment():
            committed = self.kafka.committed(tp)
            if committed is None:
                self.kafka.seek_to_beginning(tp)
            else:
                self.kafka.seek(tp, committed)

    def lag(self) -> int:
        """Uncommitted messages over all partitions of the topic, for the whole group."""
        partitions = self.kafka.partitions_for_topic(self.physical) or set()
        tps = [TopicPartition(self.physical, p) for p in partitions]
        if not tps:
            return 0
        ends = self.kafka.end_offsets(tps)
        total = 0
        for tp in tps:
            committed = self.kafka.committed(tp)
            if committed is None:
                committed = self.kafka.beginning_offsets([tp])[tp]
            total += max(0, ends[tp] - committed)
        return total

    def close(self) -> None:
        self.kafka.close(autocommit=False)
