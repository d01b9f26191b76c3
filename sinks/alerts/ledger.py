"""The delivery ledger: what was delivered, what is being sent now, what failed for good.

Keyed by `delivery_key(alert, channel)`, it is what makes delivery idempotent: a Dramatiq
retry, a message replayed by the broker or an item re-processed upstream all find the key
already delivered and notify nobody twice.

Why a claim besides the delivered mark: two messages for the same key can run at the same
moment (an item re-processed while its first alert is still in flight). The claim — a lease
that expires after `ttl` seconds, so a worker killed mid-send does not block the key for ever —
lets only one of them send.

Two backends with one interface, chosen like the rest of the embedded/distributed split:
SQLite in `$VEILLE_HOME/alerts.db` (tables `delivery_*`), Redis under `<ns>:delivery:` when
`VEILLE_REDIS_URL` is set, so every worker of a cluster sees the same ledger.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol

from sinks.alerts.model import Alert
from veille.settings import Settings, get_settings
from veille.sqlite_db import SqliteDatabase

DeliveryState = Literal["delivered", "failed", "pending", "unknown"]
CLAIM_TTL = 120.0
"""Seconds a claim holds; longer than the actor's time limit, so a live send never loses it."""
REDIS_RETENTION = 90 * 24 * 3600
"""Seconds Redis keeps a key's record: well beyond any replay window of the alerts topic."""


@dataclass(frozen=True)
class FailedDelivery:
    """A dead letter: enough for `veille alerts failed` to explain it and for a retry command
    to send it again (with the channel's current configuration)."""

    key: str
    alert: Alert
    channel: str
    channel_type: str
    error: str
    attempts: int
    failed_at: datetime

    def as_json(self) -> dict:
        """One line of `veille alerts failed --json`."""
        return {"key": self.key, "channel": self.channel, "channel_type": self.channel_type,
                "attempts": self.attempts, "failed_at": self.failed_at.isoformat(),
                "rule": self.alert.rule, "alert": self.alert.id, "title": self.alert.title,
                "error": self.error}


class DeliveryLedger(Protocol):
    def was_delivered(self, key: str) -> bool: ...
    def claim(self, key: str, ttl: float = CLAIM_TTL) -> bool: ...
    def claim_remaining(self, key: str) -> float: ...
    def release(self, key: str) -> None: ...
    def record_attempt(self, key: str, error: str | None = None) -> int: ...
    def mark_delivered(self, key: str) -> None: ...
    def mark_failed(
        self, key: str, alert: Alert, channel: str, error: str, attempts: int, channel_type: str = ""
    ) -> None: ...
    def status(self, keys: list[str]) -> dict[str, DeliveryState]: ...
    def failed(self, limit: int = 100) -> list[FailedDelivery]: ...
    def clear_failed(self, key: str) -> FailedDelivery | None: ...
    def close(self) -> None: ...


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


# -- SQLite ---------------------------------------------------------------------------------
_SCHEMA = """
CREATE TABLE IF NOT EXISTS delivery_status (
    key TEXT PRIMARY KEY, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT, updated REAL NOT NULL, delivered REAL
);
CREATE TABLE IF NOT EXISTS delivery_claims (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS delivery_failed (
    key TEXT PRIMARY KEY, alert TEXT NOT NULL, channel TEXT NOT NULL, channel_type TEXT NOT NULL,
    error TEXT NOT NULL, attempts INTEGER NOT NULL, failed_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS delivery_failed_at ON delivery_failed(failed_at);
"""


class SqliteLedger(SqliteDatabase):
    """The embedded default. Each thread has its own connection (veille.sqlite_db); claims are
    taken in `BEGIN IMMEDIATE` transactions so two threads or processes cannot both win."""

    schema = _SCHEMA

    def __init__(self, path) -> None:  # noqa: ANN001 - a Path or str
        super().__init__(path)
        self.owner = uuid.uuid4().hex

    def was_delivered(self, key: str) -> bool:
        row = self.one("SELECT status FROM delivery_status WHERE key=?", (key,))
        return bool(row and row[0] == "delivered")

    def claim(self, key: str, ttl: float = CLAIM_TTL) -> bool:
        now = time.time()
        with self.transaction() as conn:
            row = conn.execute("SELECT status FROM delivery_status WHERE key=?", (key,)).fetchone()
            if row and row[0] == "delivered":
                return False
            held = conn.execute("SELECT expires FROM delivery_claims WHERE key=?", (key,)).fetchone()
            if held and held[0] > now:
                return False
            conn.execute(
                "INSERT OR REPLACE INTO delivery_claims(key, owner, expires) VALUES (?, ?, ?)",
                (key, self.owner, now + ttl),
            )
            return True

    def claim_remaining(self, key: str) -> float:
        row = self.one("SELECT expires FROM delivery_claims WHERE key=?", (key,))
        return max(0.0, row[0] - time.time()) if row else 0.0

    def release(self, key: str) -> None:
        self._conn().execute("DELETE FROM delivery_claims WHERE key=? AND owner=?", (key, self.owner))

    def record_attempt(self, key: str, error: str | None = None) -> int:
        conn = self._conn()
        conn.execute(
            "INSERT INTO delivery_status(key, status, attempts, error, updated) VALUES (?, 'pending', 1, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET attempts=attempts+1, error=excluded.error, "
            "updated=excluded.updated, status=CASE WHEN status='delivered' THEN status ELSE 'pending' END",
            (key, error, time.time()),
        )
        row = self.one("SELECT attempts FROM delivery_status WHERE key=?", (key,))
        return int(row[0]) if row else 1

    def mark_delivered(self, key: str) -> None:
        now = time.time()
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO delivery_status(key, status, attempts, updated, delivered) "
                "VALUES (?, 'delivered', 1, ?, ?) ON CONFLICT(key) DO UPDATE SET status='delivered', "
                "error=NULL, updated=excluded.updated, delivered=excluded.delivered",
                (key, now, now),
            )
            conn.execute("DELETE FROM delivery_claims WHERE key=?", (key,))
            conn.execute("DELETE FROM delivery_failed WHERE key=?", (key,))

    def mark_failed(
        self, key: str, alert: Alert, channel: str, error: str, attempts: int, channel_type: str = ""
    ) -> None:
        now = time.time()
        with self.transaction() as conn:
            row = conn.execute("SELECT status FROM delivery_status WHERE key=?", (key,)).fetchone()
            if row and row[0] == "delivered":  # a concurrent duplicate got through: not a failure
                return
            conn.execute(
                "INSERT INTO delivery_status(key, status, attempts, error, updated) VALUES (?, 'failed', ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET status='failed', attempts=excluded.attempts, "
                "error=excluded.error, updated=excluded.updated",
                (key, attempts, error, now),
            )
            conn.execute(
                "INSERT OR REPLACE INTO delivery_failed(key, alert, channel, channel_type, error, attempts, failed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, alert.model_dump_json(), channel, channel_type, error, attempts, now),
            )
            conn.execute("DELETE FROM delivery_claims WHERE key=? AND owner=?", (key, self.owner))

    def status(self, keys: list[str]) -> dict[str, DeliveryState]:
        found: dict[str, DeliveryState] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            cur = self._conn().execute(
                f"SELECT key, status FROM delivery_status WHERE key IN ({','.join('?' * len(chunk))})", chunk
            )
            found.update(cur.fetchall())
            cur.close()
        return {k: found.get(k, "unknown") for k in keys}

    def failed(self, limit: int = 100) -> list[FailedDelivery]:
        cur = self._conn().execute(
            "SELECT key, alert, channel, channel_type, error, attempts, failed_at FROM delivery_failed "
            "ORDER BY failed_at DESC LIMIT ?", (limit,),
        )
        rows = cur.fetchall()
        cur.close()
        return [_failed_row(*row) for row in rows]

    def clear_failed(self, key: str) -> FailedDelivery | None:
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT key, alert, channel, channel_type, error, attempts, failed_at FROM delivery_failed WHERE key=?",
                (key,),
            ).fetchone()
            conn.execute("DELETE FROM delivery_failed WHERE key=?", (key,))
            conn.execute("DELETE FROM delivery_status WHERE key=? AND status='failed'", (key,))
        return _failed_row(*row) if row else None


def _failed_row(key: str, alert: str, channel: str, channel_type: str, error: str, attempts: int, ts: float) -> FailedDelivery:
    return FailedDelivery(key, Alert.model_validate_json(alert), channel, channel_type, error, int(attempts), _dt(ts))


# -- Redis ----------------------------------------------------------------------------------
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisLedger:
    """Distributed mode. Keys: `<ns>:delivery:status:<key>` (hash: status, attempts, error,
    updated, delivered), `<ns>:delivery:claim:<key>` (owner, with a TTL),
    `<ns>:delivery:failed` (sorted set of keys by failure time) and
    `<ns>:delivery:failed:<key>` (hash: the dead letter). Records expire after
    REDIS_RETENTION; dead letters stay until cleared."""

    def __init__(self, url: str, namespace: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, decode_responses=True, socket_timeout=10, health_check_interval=30)
        self.prefix = f"{namespace}:delivery:"
        self.owner = uuid.uuid4().hex
        self._release = self.redis.register_script(_RELEASE)

    def _k(self, kind: str, key: str = "") -> str:
        return f"{self.prefix}{kind}:{key}" if key else f"{self.prefix}{kind}"

    def was_delivered(self, key: str) -> bool:
        return self.redis.hget(self._k("status", key), "status") == "delivered"

    def claim(self, key: str, ttl: float = CLAIM_TTL) -> bool:
        # Checked before and after taking the claim: mark_delivered sets the status and drops
        # the claim atomically, so a key delivered in between is seen by the second check.
        if self.was_delivered(key):
            return False
        if not self.redis.set(self._k("claim", key), self.owner, nx=True, px=max(1, int(ttl * 1000))):
            return False
        if self.was_delivered(key):
            self.release(key)
            return False
        return True

    def claim_remaining(self, key: str) -> float:
        ms = self.redis.pttl(self._k("claim", key))
        return max(0.0, ms / 1000) if ms and ms > 0 else 0.0

    def release(self, key: str) -> None:
        self._release(keys=[self._k("claim", key)], args=[self.owner])

    def record_attempt(self, key: str, error: str | None = None) -> int:
        skey = self._k("status", key)
        pipe = self.redis.pipeline()
        pipe.hincrby(skey, "attempts", 1)
        pipe.hsetnx(skey, "status", "pending")
        pipe.hset(skey, mapping={"error": error or "", "updated": time.time()})
        pipe.expire(skey, REDIS_RETENTION)
        return int(pipe.execute()[0])

    def mark_delivered(self, key: str) -> None:
        now = time.time()
        pipe = self.redis.pipeline()  # MULTI/EXEC: status and claim change together
        pipe.hset(self._k("status", key), mapping={"status": "delivered", "error": "", "updated": now, "delivered": now})
        pipe.expire(self._k("status", key), REDIS_RETENTION)
        pipe.delete(self._k("claim", key), self._k("failed", key))
        pipe.zrem(self._k("failed"), key)
        pipe.execute()

    def mark_failed(
        self, key: str, alert: Alert, channel: str, error: str, attempts: int, channel_type: str = ""
    ) -> None:
        if self.was_delivered(key):
            return
        now = time.time()
        pipe = self.redis.pipeline()
        pipe.hset(self._k("status", key), mapping={"status": "failed", "attempts": attempts, "error": error, "updated": now})
        pipe.expire(self._k("status", key), REDIS_RETENTION)
        pipe.hset(self._k("failed", key), mapping={
            "alert": alert.model_dump_json(), "channel": channel, "channel_type": channel_type,
            "error": error, "attempts": attempts, "failed_at": now,
        })
        pipe.zadd(self._k("failed"), {key: now})
        pipe.execute()
        self.release(key)

    def status(self, keys: list[str]) -> dict[str, DeliveryState]:
        pipe = self.redis.pipeline(transaction=False)
        for key in keys:
            pipe.hget(self._k("status", key), "status")
        return {k: (v or "unknown") for k, v in zip(keys, pipe.execute(), strict=True)}

    def failed(self, limit: int = 100) -> list[FailedDelivery]:
        keys = self.redis.zrevrange(self._k("failed"), 0, max(0, limit - 1))
        pipe = self.redis.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(self._k("failed", key))
        return [self._dead(k, h) for k, h in zip(keys, pipe.execute(), strict=True) if h]

    def _dead(self, key: str, h: dict[str, str]) -> FailedDelivery:
        return _failed_row(key, h["alert"], h["channel"], h.get("channel_type", ""), h["error"],
                           int(h["attempts"]), float(h["failed_at"]))

    def clear_failed(self, key: str) -> FailedDelivery | None:
        h = self.redis.hgetall(self._k("failed", key))
        pipe = self.redis.pipeline()
        pipe.delete(self._k("failed", key))
        pipe.zrem(self._k("failed"), key)
        pipe.execute()
        if self.redis.hget(self._k("status", key), "status") == "failed":
            self.redis.delete(self._k("status", key))
        return self._dead(key, h) if h else None

    def close(self) -> None:
        self.redis.close()


def open_ledger(settings: Settings | None = None) -> SqliteLedger | RedisLedger:
    """Redis when VEILLE_REDIS_URL is set (shared by every worker), else `$VEILLE_HOME/alerts.db`."""
    settings = settings or get_settings()
    if settings.redis_url:
        return RedisLedger(settings.redis_url, settings.namespace)
    return SqliteLedger(settings.home / "alerts.db")



def delivery_statuses(alerts: list[Alert], book: DeliveryLedger) -> dict[str, str]:
    """Alert id → what became of it: delivered / failed / sending, or held / suppressed."""
    from sinks.alerts.model import delivery_key

    keys = {a.id: [delivery_key(a.digest_id or a.id, ch) for ch in a.channels] for a in alerts
            if a.status == "pending"}
    found = book.status([k for ks in keys.values() for k in ks]) if keys else {}
    out: dict[str, str] = {}
    for a in alerts:
        if a.status != "pending":
            out[a.id] = {"digest": "held for digest"}.get(a.status, a.status)
            continue
        states = [found.get(k, "unknown") for k in keys[a.id]]
        if states and all(s == "delivered" for s in states):
            out[a.id] = "delivered" + (" (digest)" if a.digest_id else "")
        elif "failed" in states:
            out[a.id] = f"failed ({states.count('failed')}/{len(states)} channels)"
        else:
            out[a.id] = "sending"
    return out


def recent_with_delivery(limit: int, rule: str | None = None) -> tuple[list[Alert], dict[str, str]]:
    """The newest alerts (of `rule`, if given) and what became of each (`delivery_statuses`),
    from the configured alert store and ledger, both closed afterwards."""
    from sinks.alerts.store import open_alert_store

    store, ledger = open_alert_store(), open_ledger()
    try:
        alerts = store.recent(limit, rule=rule)
        return alerts, delivery_statuses(alerts, ledger)
    finally:
        store.close()
        ledger.close()


def failed_deliveries(limit: int) -> list[FailedDelivery]:
    """The newest deliveries that failed after their last try, from the configured ledger
    (closed afterwards): what `veille alerts failed` lists."""
    ledger = open_ledger()
    try:
        return ledger.failed(limit)
    finally:
        ledger.close()


def outcomes_per_rule(alerts: list[Alert], statuses: dict[str, str]) -> dict[str, Counter]:
    """Rule → how many of its alerts became each status, rules in name order."""
    by_rule: dict[str, Counter] = {}
    for a in alerts:
        by_rule.setdefault(a.rule, Counter())[statuses.get(a.id, a.status)] += 1
    return dict(sorted(by_rule.items()))
