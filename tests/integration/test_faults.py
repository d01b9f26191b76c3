"""Faults on the real servers: each time, the index ends with exactly the expected documents.

- kill -9 of the processor and the indexer in the middle of their batches, then restart;
- Elasticsearch stopped for 20 s while the indexer writes;
- the Kafka broker restarted while items flow, with more published after it is back.

At-least-once delivery (commit after the downstream write) means nothing is lost; `_id` =
item id means what is delivered twice is written once.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from tests.support.items import synthetic_items
from tests.support.net import free_port, http_get
from tests.support.services import services_cmd
from veille.bus.base import RAW
from veille.bus.kafka_bus import KafkaBus

pytestmark = pytest.mark.integration

N = 3000


def _publish(d, items: list[dict]) -> None:
    bus = KafkaBus(d.env["VEILLE_KAFKA_BOOTSTRAP"], d.namespace, 3)
    for item in items:
        bus.publish(RAW, item["id"], json.dumps(item, ensure_ascii=False).encode())
    bus.close()


def _stages(d, metrics_port: int | None = None):
    env = {"VEILLE_METRICS_PORT": str(metrics_port)} if metrics_port else {}
    return d.start("process", "--batch", "100"), d.start("index", "--batch", "200", env=env)


def _kill9(*procs) -> None:
    for proc in procs:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _exactly(d, items: list[dict]) -> None:
    want = {i["id"] for i in items}
    d.wait_for(lambda: d.count() >= len(want), f"{len(want)} documents", timeout=300)
    time.sleep(2)  # anything late and doubled would show now
    ids = d.ids()
    assert len(ids) == len(set(ids)) == d.count(), "a document is indexed twice"
    assert set(ids) == want


def test_kill_9_processor_and_indexer_mid_batch_then_restart(distributed):
    items = synthetic_items(N, prefix="kill")
    _publish(distributed, items)
    processor, indexer = _stages(distributed)
    distributed.wait_for(lambda: distributed.count() >= N // 10, "indexing to begin")
    _kill9(processor, indexer)
    at_kill = distributed.count()
    assert at_kill < N, "the stages finished before the kill; the test proves nothing"
    _stages(distributed)
    _exactly(distributed, items)


def _healthz(port: int) -> int:
    """The stage's /healthz status; 0 while it does not answer."""
    try:
        return http_get(port, "/healthz", timeout=3)[0]
    except OSError:
        return 0


def test_elasticsearch_stopped_for_20_s_during_indexing(distributed):
    items = synthetic_items(N, prefix="esdown")
    first, during = items[: N // 2], items[N // 2 :]
    _publish(distributed, first)
    port = free_port()
    _stages(distributed, metrics_port=port)
    distributed.wait_for(lambda: distributed.count() >= N // 10, "indexing to begin")
    services_cmd("down", "elasticsearch")
    # Items keep arriving while the server is down, so the indexer has writes to fail
    # however fast the stages got through the first half.
    _publish(distributed, during)
    try:
        deadline, health = time.monotonic() + 20, set()
        while time.monotonic() < deadline:
            health.add(_healthz(port))
            time.sleep(1)
    finally:
        services_cmd("up", "elasticsearch")
    assert 503 in health, f"the indexer never reported itself unhealthy: {health}"
    _exactly(distributed, items)
    assert _healthz(port) == 200


def test_kafka_broker_restarted_while_items_flow(distributed):
    items = synthetic_items(N, prefix="kafkart")
    first, second = items[: N // 2], items[N // 2 :]
    _publish(distributed, first)
    _stages(distributed)
    distributed.wait_for(lambda: distributed.count() >= N // 10, "indexing to begin")
    services_cmd("down", "kafka")
    services_cmd("up", "kafka")
    _publish(distributed, second)
    _exactly(distributed, items)
