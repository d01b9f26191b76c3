"""One SQLite file used from several threads and processes: the embedded default's storage.

WAL mode lets a reader and a writer work at once and, with synchronous=NORMAL, survives a
SIGKILL of the process (only an OS crash can lose the last transactions). Each thread gets
its own connection because a connection must not cross threads.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class SqliteDatabase:
    schema = ""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        if self.schema:
            self._conn().executescript(self.schema)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.path)
        return conn

    def one(self, sql: str, args: tuple = ()) -> tuple | None:
        """One row, with the statement closed at once.

        A SELECT left half-read can hold its read transaction open, and in WAL mode later
        reads on that connection would see the file as it was then; closing the cursor
        rules that out without relying on garbage collection.
        """
        cur = self._conn().execute(sql, args)
        try:
            return cur.fetchone()
        finally:
            cur.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken at once (BEGIN IMMEDIATE), so two threads or processes
        cannot both read and then write on what they read; committed when the block ends,
        rolled back if it raises."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
