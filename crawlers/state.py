"""Collection state kept between rounds: feed validators, ids already published, round reports.

It lives in `$VEILLE_HOME/state.db` so that a restarted collector neither refetches unchanged
feeds nor republishes items it already put on the bus, and so `veille demo` and
`veille sources list` can report what each source did. In distributed mode (`VEILLE_REDIS_URL`
set) it lives in Redis, shared by the crawl workers of every host (`crawlers/state_redis.py`).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from veille.sqlite_db import SqliteDatabase

_SCHEMA = """
CREATE TABLE IF NOT EXISTS validators (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS seen (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, digest TEXT NOT NULL, first_seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS rounds (
    round_id TEXT NOT NULL, source TEXT NOT NULL, started REAL NOT NULL, finished REAL,
    items INTEGER NOT NULL DEFAULT 0, unchanged INTEGER NOT NULL DEFAULT 0,
    errors TEXT NOT NULL DEFAULT '{}', status TEXT NOT NULL DEFAULT 'running',
    PRIMARY KEY (round_id, source)
);
CREATE TABLE IF NOT EXISTS deferred (
    round_id TEXT NOT NULL, source TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (round_id, source)
);
CREATE TABLE IF NOT EXISTS errors (
    ts REAL NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL, url TEXT, message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS errors_source ON errors(source, ts);
CREATE INDEX IF NOT EXISTS seen_source ON seen(source, first_seen);
CREATE INDEX IF NOT EXISTS rounds_source ON rounds(source, started);
CREATE TABLE IF NOT EXISTS source_health (
    source TEXT PRIMARY KEY, status TEXT NOT NULL, since REAL, checked_at REAL NOT NULL,
    doc TEXT NOT NULL
);
"""


def content_digest(*parts: str | None) -> str:
    return hashlib.sha1("\x1f".join(p or "" for p in parts).encode()).hexdigest()


@dataclass
class RoundStats:
    source: str
    items: int = 0
    unchanged: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    status: str = "running"
    started: float = 0.0
    finished: float | None = None
    deferred: int = 0
    """Work left for the next round by the round's limits (article fetches not made, requests
    not sent when its wall time ran out): nothing is lost, the next round does it."""

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def summary(self) -> str:
        """The round in a few words (`veille sources list`)."""
        return f"{self.status}: {self.items} new, {self.error_count} errors"


class CrawlState(SqliteDatabase):
    schema = _SCHEMA

    # -- conditional GET -------------------------------------------------------------
    def validators(self, url: str) -> tuple[str | None, str | None]:
        row = self.one("SELECT etag, last_modified FROM validators WHERE url=?", (url,))
        return (row[0], row[1]) if row else (None, None)

    def save_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._conn().execute(
            "INSERT OR REPLACE INTO validators(url, etag, last_modified, updated) VALUES (?, ?, ?, ?)",
            (url, etag, last_modified, time.time()),
        )

    # -- seen items ------------------------------------------------------------------
    def seen_digest(self, item_id: str) -> str | None:
        row = self.one("SELECT digest FROM seen WHERE id=?", (item_id,))
        return row[0] if row else None

    def seen_source(self, item_id: str) -> str | None:
        """The source that first published `item_id`."""
        row = self.one("SELECT source FROM seen WHERE id=?", (item_id,))
        return row[0] if row else None

    def mark_seen(self, item_id: str, source: str, digest: str) -> None:
        self._conn().execute(
            "INSERT INTO seen(id, source, digest, first_seen) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET digest=excluded.digest",
            (item_id, source, digest, time.time()),
        )

    # -- round reports ---------------------------------------------------------------
    def start_round(self, round_id: str, source: str) -> None:
        self._conn().execute(
            "INSERT OR REPLACE INTO rounds(round_id, source, started) VALUES (?, ?, ?)",
            (round_id, source, time.time()),
        )

    def bump(self, round_id: str, source: str, column: str) -> None:
        assert column in ("items", "unchanged")
        self._conn().execute(
            f"UPDATE rounds SET {column}={column}+1 WHERE round_id=? AND source=?", (round_id, source)
        )

    def defer(self, round_id: str, source: str, count: int = 1) -> None:
        """`count` pieces of work left for the next round by the round's limits."""
        self._conn().execute(
            "INSERT INTO deferred(round_id, source, count) VALUES (?, ?, ?) "
            "ON CONFLICT(round_id, source) DO UPDATE SET count=count+excluded.count",
            (round_id, source, count),
        )

    def record_error(self, round_id: str | None, source: str, kind: str, url: str | None, message: str) -> None:
        conn = self._conn()
        conn.execute(
            "INSERT INTO errors(ts, source, kind, url, message) VALUES (?, ?, ?, ?, ?)",
            (time.time(), source, kind, url, message[:2000]),
        )
        if round_id:
            row = self.one("SELECT errors FROM rounds WHERE round_id=? AND source=?", (round_id, source))
            if row:
                errors = json.loads(row[0])
                errors[kind] = errors.get(kind, 0) + 1
                conn.execute(
                    "UPDATE rounds SET errors=? WHERE round_id=? AND source=?",
                    (json.dumps(errors), round_id, source),
                )

    def finish_round(self, round_id: str, source: str, status: str) -> None:
        self._conn().execute(
            "UPDATE rounds SET finished=?, status=? WHERE round_id=? AND source=?",
            (time.time(), status, round_id, source),
        )

    def mark_interrupted(self) -> int:
        """Rounds left 'running' by a killed process; the embedded runner calls this at start."""
        cur = self._conn().execute(
            "UPDATE rounds SET status='interrupted', finished=? WHERE status='running'", (time.time(),)
        )
        return cur.rowcount

    def round_stats(self, round_id: str) -> dict[str, RoundStats]:
        rows = self._conn().execute(
            "SELECT source, items, unchanged, errors, status, started, finished, "
            "(SELECT count FROM deferred d WHERE d.round_id=r.round_id AND d.source=r.source) "
            "FROM rounds r WHERE round_id=?",
            (round_id,),
        )
        return {
            r[0]: RoundStats(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7] or 0) for r in rows
        }

    def last_rounds(self) -> dict[str, RoundStats]:
        rows = self._conn().execute(
            "SELECT source, items, unchanged, errors, status, started, finished, "
            "(SELECT count FROM deferred d WHERE d.round_id=r.round_id AND d.source=r.source) FROM rounds r "
            "WHERE started = (SELECT max(started) FROM rounds WHERE source = r.source)"
        )
        return {r[0]: RoundStats(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7] or 0) for r in rows}

    def recent_errors(self, source: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        sql = "SELECT ts, source, kind, url, message FROM errors"
        args: tuple = ()
        if source:
            sql += " WHERE source=?"
            args = (source,)
        rows = self._conn().execute(sql + " ORDER BY ts DESC LIMIT ?", (*args, limit))
        return [dict(zip(("ts", "source", "kind", "url", "message"), r, strict=True)) for r in rows]

    # -- source health (crawlers.source_health) ------------------------------------------
    # A round "succeeded" when it finished "ok" and, if it recorded errors, still got
    # something through (items or unchanged ones); the same definition as
    # crawlers.source_health.round_failed, here in SQL for the last success, however old.
    _SUCCESS = "status='ok' AND (errors='{}' OR items + unchanged > 0)"
    _IGNORED = ("running", "interrupted", "not_started")  # not the source's doing

    def source_rounds(self, source: str, limit: int = 50) -> list[RoundStats]:
        """The source's finished rounds, newest first (rounds still running, or interrupted
        or never started by a killed runner, say nothing about the source)."""
        rows = self._conn().execute(
            "SELECT source, items, unchanged, errors, status, started, finished FROM rounds "
            "WHERE source=? AND status NOT IN (?, ?, ?) ORDER BY started DESC LIMIT ?",
            (source, *self._IGNORED, limit),
        ).fetchall()
        return [RoundStats(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6]) for r in rows]

    def last_success(self, source: str) -> float | None:
        """When the source's last successful round finished."""
        row = self.one(
            f"SELECT max(coalesce(finished, started)) FROM rounds WHERE source=? AND {self._SUCCESS}",
            (source,),
        )
        return row[0] if row else None

    def productive_round_starts(self, source: str, since: float) -> list[float]:
        """Start times, oldest first, of the source's rounds since `since` that published
        something: the moments new items arrived, for its usual interval."""
        rows = self._conn().execute(
            "SELECT started FROM rounds WHERE source=? AND started >= ? AND items > 0 ORDER BY started",
            (source, since),
        ).fetchall()
        return [r[0] for r in rows]

    def new_items(self, source: str, since: float) -> tuple[int, float | None]:
        """(ids first published since `since`, when the newest id of the source ever was
        first published): an update of a known item is not new."""
        count = self.one("SELECT count(*) FROM seen WHERE source=? AND first_seen >= ?", (source, since))
        last = self.one("SELECT max(first_seen) FROM seen WHERE source=?", (source,))
        return (int(count[0]) if count else 0), (last[0] if last else None)

    def errors_by_kind(self, source: str, since: float) -> dict[str, int]:
        rows = self._conn().execute(
            "SELECT kind, count(*) FROM errors WHERE source=? AND ts >= ? GROUP BY kind ORDER BY kind",
            (source, since),
        ).fetchall()
        return {kind: int(n) for kind, n in rows}

    def health_records(self) -> dict[str, tuple[str, float | None]]:
        """{source: (status, since)} of the last health check: what a new check compares
        with to see a source *become* broken (one alert per breakage)."""
        rows = self._conn().execute("SELECT source, status, since FROM source_health").fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}

    def health_docs(self) -> dict[str, dict[str, Any]]:
        rows = self._conn().execute("SELECT source, doc FROM source_health").fetchall()
        return {r[0]: json.loads(r[1]) for r in rows}

    def save_health(self, rows: list[tuple[str, str, float | None, float, str]]) -> None:
        """Replaces the health of the given sources: (source, status, since, checked_at, doc)."""
        with self.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO source_health VALUES (?, ?, ?, ?, ?)", rows)


def open_state(settings: Any = None) -> CrawlState:
    """`$VEILLE_HOME/state.db`, or, when `VEILLE_REDIS_URL` is set, the state shared in Redis
    by every crawl worker on every host (`crawlers/state_redis.py`, the same interface)."""
    from veille.settings import get_settings

    settings = settings or get_settings()
    if settings.redis_url:
        from crawlers.state_redis import RedisCrawlState

        return RedisCrawlState(settings.redis_url, settings.namespace)  # type: ignore[return-value]
    return CrawlState(settings.home / "state.db")

