"""Once per story: which alert owns a (rule, story) for the throttle window, and hourly caps.

Why a claim and not a counter: the alert stage may handle the same item twice (a crash
before its commit replays the batch). The first report of a story claims the window with its
own alert id; when the same item comes again the claim answers "mine" and the stage writes
and enqueues the same alert again, which the store and the delivery ledger absorb (same id,
same delivery key). A different report of the story inside the window gets "throttled".
Hourly caps count distinct alert ids, so a replay does not use up the cap either.

Two backends with one meaning: SQLite in `$VEILLE_HOME/alerts.db` for the embedded default,
Redis (`SET NX PX`, sets with a TTL) when `VEILLE_REDIS_URL` is set, so several `veille alert`
processes share one view.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from veille.sqlite_db import SqliteDatabase

Claim = Literal["new", "mine", "throttled"]


def _hour(now: datetime) -> str:
    return now.strftime("%Y%m%d%H")


class Throttle(ABC):
    @abstractmethod
    def claim(self, rule: str, story: str, alert_id: str, window: timedelta, now: datetime) -> Claim:
        """"new" when this alert opens the story's window for the rule, "mine" when it already
        owns it (a replay), "throttled" when another alert does."""

    @abstractmethod
    def count_in_hour(self, rule: str, alert_id: str, now: datetime) -> int:
        """Adds the alert to the rule's current clock hour; how many distinct alerts it has."""

    def close(self) -> None:  # noqa: B027 - optional hook
        pass


class SqliteThrottle(SqliteDatabase, Throttle):
    schema = """
    CREATE TABLE IF NOT EXISTS throttle_claims (
        rule TEXT NOT NULL, story TEXT NOT NULL, alert_id TEXT NOT NULL, until REAL NOT NULL,
        PRIMARY KEY (rule, story)
    );
    CREATE TABLE IF NOT EXISTS throttle_hours (
        rule TEXT NOT NULL, hour TEXT NOT NULL, alert_id TEXT NOT NULL,
        PRIMARY KEY (rule, hour, alert_id)
    );
    """

    def claim(self, rule: str, story: str, alert_id: str, window: timedelta, now: datetime) -> Claim:
        with self.transaction() as conn:
            row = conn.execute("SELECT alert_id, until FROM throttle_claims WHERE rule=? AND story=?",
                               (rule, story)).fetchone()
            ts = now.timestamp()
            if row and row[1] > ts:
                return "mine" if row[0] == alert_id else "throttled"
            conn.execute("INSERT OR REPLACE INTO throttle_claims VALUES (?, ?, ?, ?)",
                         (rule, story, alert_id, ts + window.total_seconds()))
            conn.execute("DELETE FROM throttle_claims WHERE until < ?", (ts - 86400,))
            return "new"

    def count_in_hour(self, rule: str, alert_id: str, now: datetime) -> int:
        conn = self._conn()
        hour = _hour(now)
        conn.execute("INSERT OR IGNORE INTO throttle_hours VALUES (?, ?, ?)", (rule, hour, alert_id))
        conn.execute("DELETE FROM throttle_hours WHERE hour < ?", (_hour(now - timedelta(hours=2)),))
        row = self.one("SELECT count(*) FROM throttle_hours WHERE rule=? AND hour=?", (rule, hour))
        return int(row[0]) if row else 0


class RedisThrottle(Throttle):
    def __init__(self, url: str, namespace: str, client: Any = None) -> None:
        import redis

        self.client = client or redis.Redis.from_url(url)
        self.prefix = f"{namespace}:throttle"

    def claim(self, rule: str, story: str, alert_id: str, window: timedelta, now: datetime) -> Claim:
        key = f"{self.prefix}:{rule}:{story}"
        ms = max(1, int(window.total_seconds() * 1000))
        if self.client.set(key, alert_id, nx=True, px=ms):
            return "new"
        owner = self.client.get(key)
        if owner is None:  # expired between the two calls
            return "new" if self.client.set(key, alert_id, nx=True, px=ms) else "throttled"
        return "mine" if owner.decode() == alert_id else "throttled"

    def count_in_hour(self, rule: str, alert_id: str, now: datetime) -> int:
        key = f"{self.prefix}:hour:{rule}:{_hour(now)}"
        pipe = self.client.pipeline()
        pipe.sadd(key, alert_id)
        pipe.expire(key, 7200)
        pipe.scard(key)
        return int(pipe.execute()[-1])

    def close(self) -> None:
        self.client.close()


def open_throttle(settings: Any = None) -> Throttle:
    from veille.settings import get_settings

    settings = settings or get_settings()
    if settings.redis_url:
        return RedisThrottle(settings.redis_url, settings.namespace)
    return SqliteThrottle(Path(settings.home) / "alerts.db")
