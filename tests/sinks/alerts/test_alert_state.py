"""Throttle claims and the alert store, on SQLite and on the real Redis / Elasticsearch."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sinks.alerts.model import Alert, alert_id
from sinks.alerts.store import ElasticsearchAlertStore, SqliteAlertStore
from sinks.alerts.throttle import RedisThrottle, SqliteThrottle, Throttle
from tests.support.services import cleanup_es

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


@pytest.fixture(params=["sqlite", "redis"])
def throttle(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Throttle]:
    if request.param == "sqlite":
        yield SqliteThrottle(tmp_path / "alerts.db")
        return
    services = request.getfixturevalue("services")
    t = RedisThrottle(services["VEILLE_REDIS_URL"], f"t{uuid.uuid4().hex[:8]}")
    yield t
    for key in t.client.scan_iter(f"{t.prefix}:*"):
        t.client.delete(key)
    t.close()


def test_first_report_claims_the_story_and_a_replay_is_mine(throttle: Throttle) -> None:
    a, b = alert_id("r", "story-1", "item-a"), alert_id("r", "story-1", "item-b")
    assert throttle.claim("r", "story-1", a, DAY, T0) == "new"
    assert throttle.claim("r", "story-1", a, DAY, T0 + timedelta(minutes=1)) == "mine"
    assert throttle.claim("r", "story-1", b, DAY, T0 + timedelta(minutes=2)) == "throttled"
    # another rule, another story: independent
    assert throttle.claim("other", "story-1", b, DAY, T0) == "new"
    assert throttle.claim("r", "story-2", b, DAY, T0) == "new"


def test_the_window_ends(tmp_path: Path) -> None:
    # SQLite reads the clock it is given, so the end of a window is testable without waiting.
    throttle = SqliteThrottle(tmp_path / "alerts.db")
    assert throttle.claim("r", "s", "a1", timedelta(hours=1), T0) == "new"
    assert throttle.claim("r", "s", "a2", timedelta(hours=1), T0 + timedelta(minutes=59)) == "throttled"
    assert throttle.claim("r", "s", "a2", timedelta(hours=1), T0 + timedelta(minutes=61)) == "new"


def test_redis_window_expires(services: dict[str, str]) -> None:
    t = RedisThrottle(services["VEILLE_REDIS_URL"], f"t{uuid.uuid4().hex[:8]}")
    try:
        assert t.claim("r", "s", "a1", timedelta(milliseconds=300), T0) == "new"
        assert t.claim("r", "s", "a2", timedelta(milliseconds=300), T0) == "throttled"
        time.sleep(0.5)
        assert t.claim("r", "s", "a2", timedelta(milliseconds=300), T0) == "new"
    finally:
        for key in t.client.scan_iter(f"{t.prefix}:*"):
            t.client.delete(key)


def test_hourly_cap_counts_distinct_alerts(throttle: Throttle) -> None:
    assert throttle.count_in_hour("r", "a1", T0) == 1
    assert throttle.count_in_hour("r", "a1", T0) == 1  # a replay does not use the cap
    assert throttle.count_in_hour("r", "a2", T0 + timedelta(minutes=30)) == 2
    assert throttle.count_in_hour("r", "a3", T0 + timedelta(hours=1)) == 1  # next clock hour


def _alert(n: int, rule: str = "r", status: str = "pending", at: datetime = T0) -> Alert:
    return Alert(id=alert_id(rule, f"s{n}", f"i{n}"), rule=rule, item_id=f"i{n}", story_id=f"s{n}",
                 created_at=at + timedelta(seconds=n), severity=10 * n, status=status,
                 title=f"Titre {n} <b>", reasons=[f"event_types: armed_clash (combats {n})"])


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        yield SqliteAlertStore(tmp_path / "alerts.db")
        return
    services = request.getfixturevalue("services")
    ns = f"t{uuid.uuid4().hex[:8]}"
    s = ElasticsearchAlertStore(services["VEILLE_ES_URL"], ns)
    try:
        yield s
    finally:
        cleanup_es(s.client, ns)
        s.close()


def test_store_keeps_the_first_write(store) -> None:
    first = [_alert(1), _alert(2, status="digest")]
    assert store.add(first) == {first[0].id, first[1].id}
    replay = [_alert(1, at=T0 + timedelta(hours=3)), _alert(3)]
    assert store.add(replay) == {replay[1].id}
    store.refresh()
    assert store.count() == 3
    recent = store.recent(10)
    assert [a.id for a in recent] == [_alert(3).id, _alert(2).id, _alert(1).id]
    assert next(a for a in recent if a.id == first[0].id).created_at == first[0].created_at


def test_held_alerts_and_status(store) -> None:
    held = [_alert(1, status="digest"), _alert(2, status="digest"), _alert(3, rule="other", status="digest")]
    store.add([*held, _alert(4)])
    assert [a.id for a in store.held("r")] == [held[0].id, held[1].id]
    store.set_status([held[0].id, held[1].id], "pending", "dg-1")
    assert store.held("r") == []
    store.refresh()
    got = {a.id: a for a in store.recent(10, rule="r")}
    assert got[held[0].id].digest_id == "dg-1" and got[held[0].id].status == "pending"
    assert [a.id for a in store.held("other")] == [held[2].id]
