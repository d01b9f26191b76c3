"""What the rule types beyond one item remember: timed members per (rule, group), and mutes.

Why one small primitive: `frequency` (reports of a story in 2 h), `spike` (reports of a region
in a day against the fortnight before), `new_term` (when JNIM was last named) and `flatline`
(when a source last yielded) all keep "member → time" sets per rule and group, read by time
range and pruned below a horizon. One interface, two backends chosen like the throttle's:
SQLite in `$VEILLE_HOME/alerts.db` (tables `rule_windows`, `window_mutes`) in the embedded default, Redis sorted
sets under `<ns>:windows:` when `VEILLE_REDIS_URL` is set, so every `veille alert` process of
a cluster counts the same reports, and the counts survive restarts in both modes.

Bounded: every write names a horizon; members written more than a horizon ago (wall clock)
are dropped from the group on its next write, a group not written for a horizon goes (Redis
keys expire; SQLite's are swept by `prune` on the alert stage's clock tick). Wall clock, not
item time: a first crawl delivers archives out of time order (March's reports after
September's), and an item-time cut would drop March's first report when September's arrives,
before March's second. Live, items are written about when they happen, so the two agree; a
replay keeps at most a horizon's worth of wall time of what it wrote. Times are POSIX
seconds.

Members are ids (an item's id, a source key), so re-processing an item after a crash writes
the same member again and counts nothing twice.

Mutes (`veille rules mute R --for 2h`) live here too: a rule name and an end time, read by the
alert engine before it sends.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from veille.sqlite_db import SqliteDatabase

T = TypeVar("T")

Keep = Literal["latest", "earliest"]
"""Which time a member keeps when written again: its latest (ZADD GT) or its earliest (LT)."""
INF = float("inf")
MARKER = "~"
"""A group whose name starts with it holds one member per source or rule (a last-seen time, a
clock): never pruned by time, as its members' times may lie far apart."""


class WindowState(ABC):
    @abstractmethod
    def add(self, rule: str, group: str, member: str, at: float, horizon: float,
            keep: Keep = "latest") -> None:
        """Records `member` at time `at`; drops the group's members older than `at - horizon`
        (but in a MARKER group) and lets the group expire `horizon` seconds after its last
        write (Redis)."""

    @abstractmethod
    def members(self, rule: str, group: str, lo: float = -INF, hi: float = INF
                ) -> list[tuple[str, float]]:
        """(member, time) with lo ≤ time ≤ hi, oldest first."""

    @abstractmethod
    def mute(self, rule: str, until: datetime) -> None: ...

    @abstractmethod
    def unmute(self, rule: str) -> bool:
        """Whether the rule was muted."""

    @abstractmethod
    def mutes(self, now: datetime | None = None) -> dict[str, datetime]:
        """Rule → end of its mute, for the mutes still running at `now`."""

    def prune(self, rule: str, horizon: float) -> int:  # noqa: B027 - Redis keys expire
        """Drops the rule's members written more than `horizon` seconds ago (wall clock), but
        those of MARKER groups (SQLite; Redis keys expire by themselves); how many."""
        return 0

    def close(self) -> None:  # noqa: B027 - optional hook
        pass


def _now(now: datetime | None) -> float:
    return (now or datetime.now(UTC)).timestamp()


class SqliteWindows(SqliteDatabase, WindowState):
    schema = """
    CREATE TABLE IF NOT EXISTS rule_windows (
        rule TEXT NOT NULL, grp TEXT NOT NULL, member TEXT NOT NULL, at REAL NOT NULL,
        written REAL NOT NULL, PRIMARY KEY (rule, grp, member)
    );
    CREATE INDEX IF NOT EXISTS rule_windows_at ON rule_windows(rule, grp, at);
    CREATE INDEX IF NOT EXISTS rule_windows_written ON rule_windows(rule, written);
    CREATE TABLE IF NOT EXISTS window_mutes (rule TEXT PRIMARY KEY, until REAL NOT NULL);
    """

    def add(self, rule: str, group: str, member: str, at: float, horizon: float,
            keep: Keep = "latest") -> None:
        pick = "max" if keep == "latest" else "min"
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO rule_windows VALUES (?, ?, ?, ?, ?) ON CONFLICT(rule, grp, member) "
                f"DO UPDATE SET at={pick}(at, excluded.at), written=excluded.written",
                (rule, group, member, at, time.time()))
            if not group.startswith(MARKER):
                conn.execute("DELETE FROM rule_windows WHERE rule=? AND grp=? AND written < ?",
                             (rule, group, time.time() - horizon))

    def members(self, rule: str, group: str, lo: float = -INF, hi: float = INF
                ) -> list[tuple[str, float]]:
        cur = self._conn().execute(
            "SELECT member, at FROM rule_windows WHERE rule=? AND grp=? AND at BETWEEN ? AND ? "
            "ORDER BY at", (rule, group, max(lo, -1e18), min(hi, 1e18)))
        try:
            return [(m, float(t)) for m, t in cur.fetchall()]
        finally:
            cur.close()

    def prune(self, rule: str, horizon: float) -> int:
        cur = self._conn().execute(
            "DELETE FROM rule_windows WHERE rule=? AND written < ? AND grp NOT LIKE '~%'",
            (rule, time.time() - horizon))
        return cur.rowcount

    def mute(self, rule: str, until: datetime) -> None:
        self._conn().execute("INSERT OR REPLACE INTO window_mutes VALUES (?, ?)",
                             (rule, until.timestamp()))

    def unmute(self, rule: str) -> bool:
        return self._conn().execute("DELETE FROM window_mutes WHERE rule=?", (rule,)).rowcount > 0

    def mutes(self, now: datetime | None = None) -> dict[str, datetime]:
        cur = self._conn().execute("SELECT rule, until FROM window_mutes WHERE until > ?",
                                   (_now(now),))
        try:
            return {rule: datetime.fromtimestamp(until, UTC) for rule, until in cur.fetchall()}
        finally:
            cur.close()


class RedisWindows(WindowState):
    """Keys: `<ns>:windows:<rule>:<group>` (sorted set: member → item time), beside it
    `…:<group>:written` (member → wall time of its write, for the sweep), and
    `<ns>:windows:mutes` (hash: rule → end of its mute; ended mutes are dropped when read)."""

    def __init__(self, url: str | None, namespace: str, client: Any = None) -> None:
        import redis

        self.client = client or redis.Redis.from_url(url, socket_timeout=10)
        self.prefix = f"{namespace}:windows:"

    def _key(self, rule: str, group: str) -> str:
        return f"{self.prefix}{rule}:{group}"

    def add(self, rule: str, group: str, member: str, at: float, horizon: float,
            keep: Keep = "latest") -> None:
        key, written = self._key(rule, group), self._key(rule, group) + ":written"
        now = time.time()
        ttl = max(1, int(horizon) + 3600)
        pipe = self.client.pipeline()
        pipe.zadd(key, {member: at}, gt=keep == "latest", lt=keep == "earliest")
        pipe.zadd(key, {member: at}, nx=True)  # GT/LT do not add a member that is absent
        pipe.expire(key, ttl)
        if group.startswith(MARKER):
            pipe.execute()
            return
        pipe.zadd(written, {member: now})
        pipe.expire(written, ttl)
        pipe.zrangebyscore(written, "-inf", f"({now - horizon}")
        stale = pipe.execute()[-1]
        if stale:
            pipe = self.client.pipeline()
            pipe.zrem(key, *stale)
            pipe.zrem(written, *stale)
            pipe.execute()

    def members(self, rule: str, group: str, lo: float = -INF, hi: float = INF
                ) -> list[tuple[str, float]]:
        low = "-inf" if lo == -INF else lo
        high = "+inf" if hi == INF else hi
        rows = self.client.zrangebyscore(self._key(rule, group), low, high, withscores=True)
        return [(m.decode() if isinstance(m, bytes) else m, float(t)) for m, t in rows]

    def mute(self, rule: str, until: datetime) -> None:
        self.client.hset(f"{self.prefix}mutes", rule, until.timestamp())

    def unmute(self, rule: str) -> bool:
        return bool(self.client.hdel(f"{self.prefix}mutes", rule))

    def mutes(self, now: datetime | None = None) -> dict[str, datetime]:
        found: dict[str, datetime] = {}
        ended: list[str] = []
        for rule, value in self.client.hgetall(f"{self.prefix}mutes").items():
            rule = rule.decode() if isinstance(rule, bytes) else rule
            if float(value) > _now(now):
                found[rule] = datetime.fromtimestamp(float(value), UTC)
            elif float(value) < time.time():
                ended.append(rule)
        if ended:  # mutes over by the wall clock: one read of one hash per batch stays small
            self.client.hdel(f"{self.prefix}mutes", *ended)
        return found

    def close(self) -> None:
        self.client.close()


def windows_beside(throttle: Any) -> WindowState:
    """The window state that lives where `throttle` keeps its claims (same SQLite file, or
    same Redis and namespace): one place for all of the alert stage's state."""
    from sinks.alerts.throttle import RedisThrottle, SqliteThrottle

    if isinstance(throttle, SqliteThrottle):
        return SqliteWindows(throttle.path)
    if isinstance(throttle, RedisThrottle):
        return RedisWindows(None, throttle.prefix.removesuffix(":throttle"), client=throttle.client)
    raise TypeError(f"no window state beside a {type(throttle).__name__}")


def open_windows(settings: Any = None) -> WindowState:
    from veille.settings import get_settings

    settings = settings or get_settings()
    if settings.redis_url:
        return RedisWindows(settings.redis_url, settings.namespace)
    return SqliteWindows(Path(settings.home) / "alerts.db")


def with_windows(use: Callable[[WindowState], T]) -> T:
    """`use(windows)` on the configured window state, closed afterwards: what the commands
    that list, mute and unmute rules need, in one call."""
    windows = open_windows()
    try:
        return use(windows)
    finally:
        windows.close()
