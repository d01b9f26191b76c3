"""Disk faults are loud and safe: a damaged SQLite file names itself and the remedy; a full
disk stops after a bounded wait with a clear error, and nothing committed is lost."""

from __future__ import annotations

import time

import pytest

from crawlers.state import CrawlState
from veille.bus.sqlite_bus import SqliteBus
from veille.settings import reset_settings
from veille.sqlite_db import _CHECKED, DatabaseDamaged, DiskFull, SqliteDatabase, check_file


def damage(path) -> None:
    """Garbage over the pages after the header (the header stays valid)."""
    data = bytearray(path.read_bytes())
    for offset in range(4096, len(data), 4096):
        data[offset + 8: offset + 200] = b"\xde\xad\xbe\xef" * 48
    path.write_bytes(bytes(data))


def filled(path) -> None:
    db = CrawlState(path)
    for n in range(2000):
        db.mark_seen(f"https://h.test/{n}", "s", "d" * 40)
    db._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    _CHECKED.clear()


def test_damaged_file_is_named_with_what_to_do(tmp_path):
    path = tmp_path / "state.db"
    filled(path)
    damage(path)
    with pytest.raises(DatabaseDamaged) as caught:
        CrawlState(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and "veille repair" in message
    assert "crawled again" in message


def test_garbage_instead_of_a_database(tmp_path):
    path = tmp_path / "bus.db"
    path.write_bytes(b"not a database at all " * 500)
    with pytest.raises(DatabaseDamaged, match="bus.db is damaged"):
        SqliteBus(path)


def test_checked_once_per_process_unless_forced(tmp_path):
    path = tmp_path / "state.db"
    filled(path)
    check_file(path)
    damage(path)
    check_file(path)  # already checked by this process
    with pytest.raises(DatabaseDamaged):
        check_file(path, force=True)


def test_damage_met_while_reading_names_the_file(tmp_path):
    path = tmp_path / "state.db"
    filled(path)
    db = CrawlState(path)  # checked while intact
    damage(path)
    with pytest.raises(DatabaseDamaged, match="state.db is damaged"):
        db._conn().execute("SELECT count(*), max(digest) FROM seen").fetchall()


def test_full_disk_is_retried_a_bounded_time_then_stops(tmp_path, monkeypatch):
    monkeypatch.setenv("VEILLE_DISK_FULL_RETRIES", "3")
    monkeypatch.setenv("VEILLE_DISK_FULL_WAIT", "0.3")
    reset_settings()
    db = CrawlState(tmp_path / "state.db")
    db.mark_seen("https://h.test/kept", "s", "d")
    db._conn().execute("PRAGMA max_page_count=" + str(db.one("PRAGMA page_count")[0]))
    started = time.monotonic()
    with pytest.raises(DiskFull) as caught:
        for n in range(10_000):
            db.mark_seen(f"https://h.test/{n}/" + "x" * 500, "s", "d" * 40)
    assert 0.25 <= time.monotonic() - started < 5
    message = str(caught.value)
    assert "\n" not in message and "disk full" in message and "state.db" in message
    assert "4 tries" in message
    # space again: the same connection goes on, nothing committed was lost
    db._conn().execute("PRAGMA max_page_count=1000000")
    db.mark_seen("https://h.test/after", "s", "d")
    assert db.seen_digest("https://h.test/kept") == "d" and db.seen_digest("https://h.test/after") == "d"


def test_full_disk_inside_a_transaction_rolls_back_and_leaves_it_usable(tmp_path, monkeypatch):
    monkeypatch.setenv("VEILLE_DISK_FULL_WAIT", "0")
    reset_settings()

    class Db(SqliteDatabase):
        schema = "CREATE TABLE IF NOT EXISTS t (v TEXT)"

    db = Db(tmp_path / "t.db")
    db._conn().execute("PRAGMA max_page_count=" + str(db.one("PRAGMA page_count")[0] + 2))
    with pytest.raises(DiskFull), db.transaction() as conn:
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 4000,)] * 50)
    assert not db._conn().in_transaction
    assert db.one("SELECT count(*) FROM t")[0] == 0
    with db.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('small')")
    assert db.one("SELECT count(*) FROM t")[0] == 1
