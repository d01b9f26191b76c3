"""Delivery through Dramatiq on an in-process StubBroker and worker (the embedded default):
retries, dead letters, idempotency, and no secrets in logs. Back-off is shortened to
milliseconds through the actor's options."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker
from prometheus_client import REGISTRY

from sinks.alerts import delivery
from sinks.alerts.delivery import deliver_alert, enqueue_delivery, prepare_broker
from sinks.alerts.ledger import SqliteLedger, open_ledger
from sinks.alerts.model import delivery_key
from tests.sinks.alerts.test_channels import SECRET, TOKEN, HttpReceiver, SmtpReceiver, make_alert
from veille.settings import reset_settings

RETRIES = 3


@pytest.fixture
def stub(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StubBroker]:
    """A private StubBroker with the delivery actor declared on it and a 2-thread worker."""
    monkeypatch.delenv("VEILLE_REDIS_URL", raising=False)
    reset_settings()
    broker = prepare_broker(StubBroker())
    broker.emit_after("process_boot")
    monkeypatch.setattr(deliver_alert, "broker", broker)
    broker.declare_actor(deliver_alert)
    monkeypatch.setitem(deliver_alert.options, "max_retries", RETRIES)
    monkeypatch.setitem(deliver_alert.options, "min_backoff", 10)
    monkeypatch.setitem(deliver_alert.options, "max_backoff", 40)
    worker = Worker(broker, worker_threads=2, worker_timeout=20)
    worker.start()
    yield broker
    worker.stop()
    broker.close()


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    r = HttpReceiver()
    yield r
    r.close()


def drain(broker: StubBroker) -> None:
    broker.join(delivery.QUEUE, fail_fast=False, timeout=30_000)


def count(outcome: str, channel_type: str = "webhook") -> float:
    return REGISTRY.get_sample_value(
        "veille_alert_deliveries_total", {"channel_type": channel_type, "outcome": outcome}
    ) or 0.0


def hook(receiver: HttpReceiver, **kw) -> dict:
    return {"hook": {"type": "webhook", "url": receiver.url, **kw}}


def test_a_receiver_failing_twice_then_accepting_gets_exactly_one_delivery(stub, receiver) -> None:
    receiver.script = [500, 502]
    alert = make_alert()
    before = count("retry"), count("delivered")
    assert enqueue_delivery(alert, hook(receiver)) == [delivery_key(alert, "hook")]
    drain(stub)
    assert [r.status for r in receiver.received] == [500, 502, 200]
    assert len(receiver.delivered) == 1
    assert len({r.headers["X-Veille-Delivery"] for r in receiver.received}) == 1
    ledger = open_ledger()
    assert ledger.status([delivery_key(alert, "hook")]) == {delivery_key(alert, "hook"): "delivered"}
    assert ledger.failed() == []
    assert (count("retry"), count("delivered")) == (before[0] + 2, before[1] + 1)


def test_a_receiver_that_keeps_failing_ends_as_a_dead_letter_with_its_error(stub, receiver) -> None:
    receiver.default, receiver.answer = 503, b"maintenance until noon"
    alert = make_alert()
    before = count("dead_letter")
    enqueue_delivery(alert, hook(receiver))
    drain(stub)
    assert len(receiver.received) == RETRIES + 1  # the first try and every retry
    [dead] = open_ledger().failed()
    assert dead.key == delivery_key(alert, "hook") and dead.alert == alert
    assert (dead.channel, dead.channel_type, dead.attempts) == ("hook", "webhook", RETRIES + 1)
    assert dead.error == (
        f"channel 'hook' (webhook) → http://127.0.0.1:{receiver.port}/services/T000/{TOKEN}?…: "
        "HTTP 503: maintenance until noon"
    )
    assert open_ledger().status([dead.key]) == {dead.key: "failed"}
    assert count("dead_letter") == before + 1


def test_a_permanent_error_is_dead_lettered_without_retrying(stub, receiver) -> None:
    receiver.default = 404
    enqueue_delivery(make_alert(), hook(receiver))
    drain(stub)
    assert len(receiver.received) == 1
    [dead] = open_ledger().failed()
    assert "HTTP 404" in dead.error and dead.attempts == 1


def test_a_missing_environment_variable_is_a_dead_letter_naming_it(stub, monkeypatch) -> None:
    monkeypatch.delenv("TEST_MISSING_URL", raising=False)
    enqueue_delivery(make_alert(channels=["chat"]), {"chat": {"type": "slack", "url_env": "TEST_MISSING_URL"}})
    drain(stub)
    [dead] = open_ledger().failed()
    assert dead.error.startswith("channel 'chat' (slack)")
    assert "environment variable TEST_MISSING_URL is not set" in dead.error


def test_a_channel_the_config_lacks_is_reported_as_failed(stub, receiver) -> None:
    alert = make_alert(channels=["hook", "gone"])
    keys = enqueue_delivery(alert, hook(receiver))
    drain(stub)
    assert keys == [delivery_key(alert, "hook")] and len(receiver.delivered) == 1
    [dead] = open_ledger().failed()
    assert dead.channel == "gone" and dead.error == "channel 'gone' is not configured"


def test_processing_the_same_alert_again_notifies_once(stub, receiver) -> None:
    alert = make_alert()
    enqueue_delivery(alert, hook(receiver))
    drain(stub)
    assert enqueue_delivery(alert, hook(receiver)) == []  # already delivered: not even enqueued
    deliver_alert.send(alert.model_dump_json(), "hook", hook(receiver)["hook"])  # a replayed message
    drain(stub)
    assert len(receiver.received) == 1
    assert count("skipped") >= 1


def test_two_messages_for_one_alert_at_the_same_moment_notify_once(stub, receiver, monkeypatch) -> None:
    monkeypatch.setattr(delivery, "CLAIM_TTL", 1.0)
    receiver.pause = 0.3  # both messages are in flight together
    alert = make_alert()
    message = (alert.model_dump_json(), "hook", hook(receiver)["hook"])
    deliver_alert.send(*message)
    deliver_alert.send(*message)
    drain(stub)
    assert len(receiver.received) == 1
    assert count("in_progress") >= 1


def test_a_cleared_dead_letter_can_be_sent_again(stub, receiver) -> None:
    receiver.default = 404
    alert = make_alert()
    enqueue_delivery(alert, hook(receiver))
    drain(stub)
    ledger = open_ledger()
    [dead] = ledger.failed()
    receiver.default = 200
    cleared = ledger.clear_failed(dead.key)
    assert cleared == dead and ledger.failed() == []
    assert ledger.status([dead.key]) == {dead.key: "unknown"}
    enqueue_delivery(cleared.alert, hook(receiver))
    drain(stub)
    assert len(receiver.delivered) == 1 and ledger.status([dead.key])[dead.key] == "delivered"


def test_email_and_log_channels_through_the_worker(stub, capsys) -> None:
    smtp = SmtpReceiver()
    try:
        alert = make_alert(channels=["mail", "console"])
        enqueue_delivery(alert, {"mail": smtp.channel(), "console": {"type": "log"}})
        drain(stub)
        [msg] = smtp.messages
        assert msg["X-Veille-Delivery"] == delivery_key(alert, "mail")
        assert "ALERT mali-security" in capsys.readouterr().out
    finally:
        smtp.close()


def test_secrets_never_reach_the_logs(stub, receiver, monkeypatch, caplog) -> None:
    monkeypatch.setenv("TEST_HOOK_URL", receiver.url)
    monkeypatch.setenv("TEST_HOOK_SECRET", SECRET)
    channels = {"hook": {"type": "webhook", "url_env": "TEST_HOOK_URL", "secret_env": "TEST_HOOK_SECRET"}}
    receiver.script = [500]
    with caplog.at_level(logging.DEBUG):
        enqueue_delivery(make_alert(), channels)  # fails once, then delivered
        enqueue_delivery(make_alert(id="al-other"), {"hook": {**channels["hook"]}})
        drain(stub)
        receiver.default = 500
        enqueue_delivery(make_alert(id="al-dead"), channels)
        drain(stub)
    assert len(receiver.delivered) == 2
    [dead] = open_ledger().failed()
    text = caplog.text + dead.error
    assert "will retry" in caplog.text and "failed for good" in caplog.text
    assert TOKEN not in text and SECRET not in text and "services/T000" not in text
    assert receiver.received[-1].headers["X-Veille-Signature"].startswith("sha256=")


# -- the SQLite ledger ----------------------------------------------------------------------
def test_sqlite_ledger_claims_are_exclusive_and_expire(tmp_path: Path) -> None:
    one, two = SqliteLedger(tmp_path / "alerts.db"), SqliteLedger(tmp_path / "alerts.db")
    assert one.claim("k", ttl=0.3)
    assert not two.claim("k", ttl=0.3)
    assert 0 < two.claim_remaining("k") <= 0.3
    two.release("k")  # not its claim: nothing happens
    assert not two.claim("k")
    time.sleep(0.35)
    assert two.claim("k")  # the first holder died: its claim lapsed
    two.record_attempt("k")
    two.mark_delivered("k")
    assert one.was_delivered("k") and not one.claim("k")
    assert one.status(["k", "x"]) == {"k": "delivered", "x": "unknown"}


def test_sqlite_ledger_lets_one_of_many_threads_claim(tmp_path: Path) -> None:
    ledger = SqliteLedger(tmp_path / "alerts.db")
    others = [SqliteLedger(tmp_path / "alerts.db") for _ in range(3)]
    wins: list[bool] = []
    lock = threading.Lock()

    def race(book: SqliteLedger) -> None:
        for n in range(20):
            won = book.claim(f"key-{n}")
            with lock:
                wins.append(won)

    threads = [threading.Thread(target=race, args=(b,)) for b in [ledger, *others] for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(wins) == 20


def test_sqlite_ledger_dead_letters(tmp_path: Path) -> None:
    ledger = SqliteLedger(tmp_path / "alerts.db")
    first, second = make_alert(id="al-1"), make_alert(id="al-2")
    assert ledger.record_attempt("al-1:hook", "boom") == 1
    assert ledger.record_attempt("al-1:hook", "boom") == 2
    ledger.mark_failed("al-1:hook", first, "hook", "boom", 2, channel_type="webhook")
    time.sleep(0.01)
    ledger.mark_failed("al-2:mail", second, "mail", "550", 1, channel_type="email")
    assert [f.key for f in ledger.failed()] == ["al-2:mail", "al-1:hook"]
    assert [f.key for f in ledger.failed(limit=1)] == ["al-2:mail"]
    ledger.mark_delivered("al-2:mail")  # a later success removes the dead letter
    assert [f.key for f in ledger.failed()] == ["al-1:hook"]
    ledger.mark_failed("al-2:mail", second, "mail", "late failure of a duplicate", 1)
    assert ledger.status(["al-2:mail"]) == {"al-2:mail": "delivered"}
    assert ledger.clear_failed("nope") is None
