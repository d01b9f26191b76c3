"""Alert delivery in distributed mode: a real `dramatiq sinks.alerts.delivery` worker on the
Redis started by `deploy/local/services up`, the Redis ledger, local webhook and SMTP receivers.

Each test has its own namespace (Dramatiq queues `<ns>.dramatiq:*`, ledger `<ns>:delivery:*`),
removed afterwards. A Redis that cannot be reached fails the test, never skips it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from dramatiq.brokers.redis import RedisBroker

from sinks.alerts.channels import verify_signature
from sinks.alerts.delivery import enqueue_delivery
from sinks.alerts.ledger import RedisLedger, open_ledger
from sinks.alerts.model import delivery_key
from tests.sinks.alerts.test_channels import SECRET, TOKEN, HttpReceiver, SmtpReceiver, make_alert
from tests.support.services import stop_stages
from veille.settings import REPO_ROOT, reset_settings

pytestmark = pytest.mark.integration

FAST = {"min_backoff": 50, "max_backoff": 200}


@dataclass
class Cluster:
    """This test's namespace on the real Redis, a broker to send with, worker processes."""

    url: str
    namespace: str
    home: Path
    broker: RedisBroker
    procs: list[subprocess.Popen] = field(default_factory=list)

    def env(self, extra: dict[str, str]) -> dict[str, str]:
        return {**os.environ, "VEILLE_REDIS_URL": self.url, "VEILLE_NAMESPACE": self.namespace,
                "VEILLE_HOME": str(self.home), "VEILLE_LOG_LEVEL": "INFO", **extra}

    def start_worker(self, extra: dict[str, str] | None = None) -> subprocess.Popen:
        """`dramatiq sinks.alerts.delivery`: the worker command of distributed mode."""
        log = (self.home / f"worker-{len(self.procs)}.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "dramatiq", "sinks.alerts.delivery", "--processes", "1",
             "--threads", "2", "--queues", "alerts"],
            cwd=REPO_ROOT, env=self.env(extra or {}), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-4000:]}" for p in sorted(self.home.glob("*.log")))

    def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{self.logs()}")

    def stop(self) -> None:
        stop_stages(self.procs)


@pytest.fixture
def cluster(services: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    url = services["VEILLE_REDIS_URL"]
    client = redis.Redis.from_url(url)
    client.ping()  # an unreachable Redis fails here, loudly
    ns = f"t{uuid.uuid4().hex[:8]}"
    home = tmp_path / "home"
    home.mkdir()
    for name, value in {"VEILLE_REDIS_URL": url, "VEILLE_NAMESPACE": ns, "VEILLE_HOME": str(home)}.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    c = Cluster(url, ns, home, RedisBroker(url=url, namespace=f"{ns}.dramatiq"))
    try:
        yield c
    finally:
        c.stop()
        c.broker.close()
        reset_settings()
        for key in client.scan_iter(match=f"{ns}*", count=1000):
            client.delete(key)
        client.close()


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    r = HttpReceiver()
    yield r
    r.close()


def test_a_redis_worker_delivers_to_a_webhook_and_by_email(cluster: Cluster, receiver: HttpReceiver) -> None:
    smtp = SmtpReceiver()
    try:
        cluster.start_worker({"TEST_HOOK_URL": receiver.url, "TEST_HOOK_SECRET": SECRET})
        alert = make_alert(channels=["hook", "mail"], title="<script>x</script> Gao")
        channels = {
            "hook": {"type": "webhook", "url_env": "TEST_HOOK_URL", "secret_env": "TEST_HOOK_SECRET"},
            "mail": smtp.channel(),
        }
        keys = enqueue_delivery(alert, channels, broker=cluster.broker, **FAST)
        assert keys == [delivery_key(alert, "hook"), delivery_key(alert, "mail")]
        ledger = open_ledger()
        assert isinstance(ledger, RedisLedger)
        cluster.wait_for(lambda: set(ledger.status(keys).values()) == {"delivered"}, "both deliveries")

        [req] = receiver.received
        assert req.json()["delivery_key"] == keys[0] and req.json()["title"] == alert.title
        assert verify_signature(SECRET, req.headers["X-Veille-Timestamp"], req.body, req.headers["X-Veille-Signature"])
        [msg] = smtp.messages
        assert msg["X-Veille-Delivery"] == keys[1]
        html = next(p.get_content() for p in msg.walk() if p.get_content_type() == "text/html")
        assert "&lt;script&gt;x&lt;/script&gt; Gao" in html and "<script>" not in html

        client = redis.Redis.from_url(cluster.url, decode_responses=True)
        assert client.hget(f"{cluster.namespace}:delivery:status:{keys[0]}", "status") == "delivered"
        client.close()
        assert TOKEN not in cluster.logs() and SECRET not in cluster.logs()
    finally:
        smtp.close()


def test_fail_twice_then_succeed_is_one_delivery_and_endless_failure_a_dead_letter(
    cluster: Cluster, receiver: HttpReceiver
) -> None:
    cluster.start_worker()
    receiver.script = [500, 500]
    alert = make_alert()
    channels = {"hook": {"type": "webhook", "url": receiver.url}}
    [key] = enqueue_delivery(alert, channels, broker=cluster.broker, **FAST)
    ledger = open_ledger()
    cluster.wait_for(lambda: ledger.status([key])[key] == "delivered", "the third try to land")
    time.sleep(1)  # nothing more may arrive
    assert [r.status for r in receiver.received] == [500, 500, 200]

    receiver.default, receiver.answer = 503, b"down for maintenance"
    failing = make_alert(id="al-failing")
    [bad] = enqueue_delivery(failing, channels, broker=cluster.broker, max_retries=2, **FAST)
    cluster.wait_for(lambda: ledger.status([bad])[bad] == "failed", "the dead letter")
    [dead] = ledger.failed()
    assert dead.key == bad and dead.attempts == 3 and dead.alert == failing
    assert dead.error.endswith(": HTTP 503: down for maintenance") and "channel 'hook' (webhook)" in dead.error
    assert len(receiver.received) == 3 + 3


def test_the_redis_ledger_keeps_delivery_idempotent(cluster: Cluster, receiver: HttpReceiver) -> None:
    cluster.start_worker()
    alert = make_alert()
    channels = {"hook": {"type": "webhook", "url": receiver.url}}
    [key] = enqueue_delivery(alert, channels, broker=cluster.broker, **FAST)
    ledger = open_ledger()
    cluster.wait_for(lambda: ledger.status([key])[key] == "delivered", "the delivery")
    # the item processed again: not enqueued; a replayed message: skipped by the worker
    assert enqueue_delivery(alert, channels, broker=cluster.broker) == []
    from sinks.alerts.delivery import deliver_alert

    cluster.broker.enqueue(deliver_alert.message(alert.model_dump_json(), "hook", channels["hook"]))
    cluster.wait_for(lambda: not redis.Redis.from_url(cluster.url).llen(f"{cluster.namespace}.dramatiq:alerts"),
                     "the replayed message to be consumed")
    time.sleep(1)
    assert len(receiver.received) == 1


def test_redis_ledger_claims_and_dead_letters(cluster: Cluster) -> None:
    one = RedisLedger(cluster.url, cluster.namespace)
    two = RedisLedger(cluster.url, cluster.namespace)
    assert one.claim("k", ttl=0.3) and not two.claim("k", ttl=0.3)
    assert 0 < two.claim_remaining("k") <= 0.3
    two.release("k")  # not its claim
    assert not two.claim("k")
    time.sleep(0.4)
    assert two.claim("k")
    assert two.record_attempt("k") == 1
    two.mark_delivered("k")
    assert one.was_delivered("k") and not one.claim("k") and two.claim_remaining("k") == 0

    alert = make_alert(id="al-r")
    assert one.record_attempt("al-r:mail", "421") == 1
    one.mark_failed("al-r:mail", alert, "mail", "421 busy", 2, channel_type="email")
    [dead] = two.failed()
    assert (dead.key, dead.channel, dead.channel_type, dead.error, dead.attempts) == ("al-r:mail", "mail", "email", "421 busy", 2)
    assert dead.alert == alert
    assert two.status(["al-r:mail", "k", "x"]) == {"al-r:mail": "failed", "k": "delivered", "x": "unknown"}
    assert two.clear_failed("al-r:mail") == dead
    assert one.failed() == [] and one.status(["al-r:mail"]) == {"al-r:mail": "unknown"}
    one.close()
    two.close()
