"""One SQLite file used from several threads and processes: the embedded default's storage.

WAL mode lets a reader and a writer work at once and, with synchronous=NORMAL, survives a
SIGKILL of the process (only an OS crash can lose the last transactions). Each thread gets
its own connection because a connection must not cross threads.

Disk faults are loud: each file is checked with `PRAGMA quick_check` the first time a
process opens it (0.36 s for a 210 MB store, warm cache) and again after a write fails for
any reason but a full disk; a damaged file raises `DatabaseDamaged`, whose one-line message
names the file and says what to do (`veille repair`). A full disk (SQLITE_FULL) is retried
`VEILLE_DISK_FULL_RETRIES` times over `VEILLE_DISK_FULL_WAIT` seconds when the statement
stands alone, then raises `DiskFull`; inside a transaction it raises at once (SQLite may have
rolled the transaction back) and the caller's retry, from its last commit, decides. Every
connection opened here, cursors included, translates its errors so.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# What `veille repair` does with each file of $VEILLE_HOME: the remedy a damage message names.
REPAIRS = {
    "store.db": "rebuilds the item store from the bus",
    "stories.db": "sets the story index aside; it is rebuilt as items arrive",
    "state.db": "resets the collection state: every source is crawled again",
    "bus.db": "sets the bus aside and resets the collection state: every source is crawled again",
    "alerts.db": "sets the alert history aside and starts a new one",
}

_FULL = {sqlite3.SQLITE_FULL}
_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_CHECKED: set[str] = set()
_CHECKED_LOCK = threading.Lock()
CHECKED_ENV = "VEILLE_SQLITE_CHECKED"
"""Set by a parent that already checked the files (a collection round's child process)."""


class StorageError(sqlite3.DatabaseError):
    """A database file that cannot be used as it is; str() is one line naming the file and
    saying what to do."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(message)
        self.path = Path(path)


class DatabaseDamaged(StorageError):
    def __init__(self, path: Path | str, detail: str) -> None:
        name = Path(path).name
        repair = REPAIRS.get(name)
        todo = (f"stop veille and run `veille repair` (it {repair})" if repair
                else "restore it from a backup or delete it")
        detail = " ".join(str(detail).split())[:200]
        super().__init__(path, f"{path} is damaged ({detail}): {todo}")
        self.detail = detail


class DiskFull(StorageError):
    def __init__(self, path: Path | str, attempts: int, waited: float) -> None:
        self.waited = waited
        tries = f" ({attempts} tries over {waited:.0f} s)" if attempts > 1 else ""
        super().__init__(
            path,
            f"disk full: cannot write {path}{tries}; free space on its disk and run veille again "
            "(what was not committed is read again, nothing is lost)",
        )


class Faults:
    """The storage faults this process met, for a runner to decide when to stop: damage at
    once, a full disk when it has lasted its bounded wait (`persisting`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        self.first: float | None = None
        self.last: float | None = None
        self.error: StorageError | None = None

    def record(self, error: StorageError) -> StorageError:
        now = time.monotonic()
        with self._lock:
            began = now - getattr(error, "waited", 0.0)
            self.first = began if self.first is None else min(self.first, began)
            self.last, self.error = now, error
        return error

    def persisting(self, wait: float, healed_after: float = 20.0) -> StorageError | None:
        """The fault to stop on, or None: a damaged file at once; a full disk once writes
        have failed for `wait` seconds; forgotten when nothing failed for `healed_after` s
        (the stages retry at least every 15 s while a write fails)."""
        with self._lock:
            if self.error is None or self.first is None or self.last is None:
                return None
            now = time.monotonic()
            if isinstance(self.error, DatabaseDamaged):
                return self.error
            if now - self.last > max(wait, healed_after):
                self.clear()
                return None
            return self.error if now - self.first >= wait else None


FAULTS = Faults()


def quick_check(path: Path) -> str | None:
    """None when `path` (an existing SQLite file) passes `PRAGMA quick_check`, else what is
    wrong, in a few words."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = conn.execute("PRAGMA quick_check(3)").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()
    problems = [str(r[0]) for r in rows if r and r[0] != "ok"]
    return "; ".join(problems) if problems else None


def check_file(path: Path, force: bool = False) -> None:
    """Raises DatabaseDamaged when `path` exists and fails quick_check. Without `force`, once
    per file per process (and not at all in a child whose parent checked)."""
    path = Path(path)
    key = str(path.resolve())
    if not force and (os.environ.get(CHECKED_ENV) == "1" or key in _CHECKED):
        return
    if path.exists() and path.stat().st_size > 0:
        problem = quick_check(path)
        if problem:
            raise DatabaseDamaged(path, problem)
    with _CHECKED_LOCK:
        _CHECKED.add(key)


def disk_full_policy() -> tuple[int, float]:
    """(retries, total seconds) for a full disk, from the settings."""
    try:
        from veille.settings import get_settings

        settings = get_settings()
        return settings.disk_full_retries, settings.disk_full_wait
    except Exception:  # noqa: BLE001 - settings unreadable here: the defaults
        return 3, 30.0


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, DiskFull):
        return True
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return isinstance(exc, sqlite3.Error) and (
        _code(exc) in _FULL or "database or disk is full" in str(exc)
    )


def _guarded(conn: CheckedConnection, op: Callable[[], T]) -> T:
    attempts, started = 0, time.monotonic()
    while True:
        alone = not conn.in_transaction
        try:
            return op()
        except StorageError:
            raise
        except sqlite3.Error as exc:
            attempts += 1
            if is_disk_full(exc):
                retries, wait = disk_full_policy()
                if alone and attempts <= retries:
                    time.sleep(wait / max(retries, 1))
                    continue
                raise FAULTS.record(DiskFull(conn.path, attempts, time.monotonic() - started)) from exc
            if _code(exc) in _DAMAGED or "malformed" in str(exc) or "not a database" in str(exc):
                raise FAULTS.record(DatabaseDamaged(conn.path, str(exc))) from exc
            if isinstance(exc, sqlite3.OperationalError) and _code(exc) in (
                sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN
            ):
                problem = quick_check(conn.path)  # after a failed write: is the file intact?
                if problem:
                    raise FAULTS.record(DatabaseDamaged(conn.path, problem)) from exc
            raise


class CheckedCursor(sqlite3.Cursor):
    connection: CheckedConnection

    def execute(self, sql: str, parameters: Any = ()) -> CheckedCursor:  # type: ignore[override]
        return _guarded(self.connection, lambda: super(CheckedCursor, self).execute(sql, parameters))

    def executemany(self, sql: str, seq: Any) -> CheckedCursor:  # type: ignore[override]
        return _guarded(self.connection, lambda: super(CheckedCursor, self).executemany(sql, seq))

    def executescript(self, script: str) -> CheckedCursor:  # type: ignore[override]
        return _guarded(self.connection, lambda: super(CheckedCursor, self).executescript(script))

    def fetchone(self) -> Any:
        return _guarded(self.connection, lambda: super(CheckedCursor, self).fetchone())

    def fetchmany(self, size: int | None = None) -> list:
        return _guarded(self.connection, lambda: super(CheckedCursor, self).fetchmany(
            self.arraysize if size is None else size))

    def fetchall(self) -> list:
        return _guarded(self.connection, lambda: super(CheckedCursor, self).fetchall())

    def __next__(self) -> Any:
        return _guarded(self.connection, lambda: super(CheckedCursor, self).__next__())


class CheckedConnection(sqlite3.Connection):
    """A connection whose errors name its file: damage and a full disk become
    DatabaseDamaged and DiskFull (see the module docstring)."""

    path: Path

    def cursor(self, factory: Any = CheckedCursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = ()) -> CheckedCursor:  # type: ignore[override]
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq: Any) -> CheckedCursor:  # type: ignore[override]
        return self.cursor().executemany(sql, seq)

    def executescript(self, script: str) -> CheckedCursor:  # type: ignore[override]
        return self.cursor().executescript(script)


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    check_file(path)
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False,
                               factory=CheckedConnection)
    except sqlite3.DatabaseError as exc:
        raise DatabaseDamaged(path, str(exc)) from exc
    conn.path = Path(path)
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
        rolled back if it raises (SQLite may have rolled it back itself on a full disk)."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def check(self) -> None:
        """quick_check now (after a failed write): DatabaseDamaged when the file is damaged."""
        check_file(self.path, force=True)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
