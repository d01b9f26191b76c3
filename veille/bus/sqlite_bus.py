"""The embedded bus: one SQLite file in WAL mode, durable across SIGKILL, no server.

One partition per topic; offsets are the table's row ids, so they only grow. Each thread gets
its own connection (SQLite connections are not shared across threads).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from veille.bus.base import Bus, Consumer, Message
from veille.sqlite_db import SqliteDatabase

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    offset INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    headers TEXT NOT NULL DEFAULT '{}',
    ts REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_topic ON messages(topic, offset);
CREATE TABLE IF NOT EXISTS group_offsets (
    grp TEXT NOT NULL,
    topic TEXT NOT NULL,
    next_offset INTEGER NOT NULL,
    PRIMARY KEY (grp, topic)
);
"""


class SqliteBus(SqliteDatabase, Bus):
    schema = _SCHEMA

    def publish(self, topic: str, key: str, value: bytes, headers: dict[str, str] | None = None) -> None:
        self._conn().execute(
            "INSERT INTO messages(topic, key, value, headers, ts) VALUES (?, ?, ?, ?, ?)",
            (topic, key, value, json.dumps(headers or {}), time.time()),
        )

    def consumer(self, topic: str, group: str) -> SqliteConsumer:
        return SqliteConsumer(self, topic, group)

    def count(self, topic: str) -> int:
        return self.one("SELECT count(*) FROM messages WHERE topic=?", (topic,))[0]

    def read_all(self, topic: str) -> list[Message]:
        rows = self._conn().execute(
            "SELECT offset, key, value, headers FROM messages WHERE topic=? ORDER BY offset", (topic,)
        )
        return [Message(topic, 0, o, k, v, json.loads(h)) for o, k, v, h in rows]


class SqliteConsumer(Consumer):
    def __init__(self, bus: SqliteBus, topic: str, group: str) -> None:
        self.bus, self.topic, self.group = bus, topic, group
        self.position = self._committed()

    def _committed(self) -> int:
        row = self.bus.one(
            "SELECT next_offset FROM group_offsets WHERE grp=? AND topic=?", (self.group, self.topic)
        )
        return row[0] if row else 0

    def poll(self, max_records: int = 100, timeout: float = 1.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while True:
            rows = self.bus._conn().execute(
                "SELECT offset, key, value, headers FROM messages WHERE topic=? AND offset>=? "
                "ORDER BY offset LIMIT ?",
                (self.topic, self.position, max_records),
            ).fetchall()
            if rows:
                self.position = rows[-1][0] + 1
                return [Message(self.topic, 0, o, k, v, json.loads(h)) for o, k, v, h in rows]
            if time.monotonic() >= deadline:
                return []
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def commit(self, messages: Iterable[Message]) -> None:
        offsets = [m.offset for m in messages]
        if not offsets:
            return
        self.bus._conn().execute(
            "INSERT INTO group_offsets(grp, topic, next_offset) VALUES (?, ?, ?) "
            "ON CONFLICT(grp, topic) DO UPDATE SET next_offset=max(next_offset, excluded.next_offset)",
            (self.group, self.topic, max(offsets) + 1),
        )

    def rewind(self) -> None:
        self.position = self._committed()

    def lag(self) -> int:
        return self.bus.one(
            "SELECT count(*) FROM messages WHERE topic=? AND offset>=?", (self.topic, self._committed())
        )[0]
