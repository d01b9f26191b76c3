"""`veille run --once` on damaged files and a full disk: one line naming the file and what to
do, a non-zero exit, never "N items stored"; `veille repair` rebuilds the store from the bus;
after a full disk, a later run stores everything (nothing lost)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from veille.settings import REPO_ROOT

HOOK = '''
import os
if os.environ.get("VEILLE_TEST_FULL_STORE"):
    from sinks.sqlite_store import SqliteStore
    _real = SqliteStore.upsert

    def upsert(self, items):
        # the store's disk is full: no page may be added (SQLITE_FULL, as on a full filesystem)
        self._conn().execute(f"PRAGMA max_page_count={self.one('PRAGMA page_count')[0]}")
        return _real(self, items)

    SqliteStore.upsert = upsert
'''


@pytest.fixture
def env(tmp_path: Path, mirror) -> dict[str, str]:
    sources = {"sources": [s for s in yaml.safe_load((REPO_ROOT / "sources.yaml").read_text())["sources"]
                           if s["key"] == "studio-tamani"]}
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(sources), encoding="utf-8")
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    return {**os.environ, "VEILLE_HOME": str(tmp_path / "home"), "VEILLE_MIRROR": mirror.env_value(),
            "VEILLE_SOURCES": str(tmp_path / "sources.yaml"), "VEILLE_LOG_LEVEL": "CRITICAL",
            "VEILLE_DISK_FULL_RETRIES": "2", "VEILLE_DISK_FULL_WAIT": "4",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path / "hook"), os.environ.get("PYTHONPATH")]))}


def veille(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["veille", *args], env=env, capture_output=True, text=True, timeout=300)


def exported(env: dict[str, str]) -> list[dict]:
    out = veille(env, "export")
    assert out.returncode == 0, out.stderr[-2000:]
    return [json.loads(line) for line in out.stdout.splitlines()]


def damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for offset in range(4096, len(data), 4096):
        data[offset + 8: offset + 400] = b"\xde\xad\xbe\xef" * 98
    path.write_bytes(bytes(data))


def test_full_disk_stops_run_once_then_a_later_run_loses_nothing(env):
    started = time.monotonic()
    full = veille({**env, "VEILLE_TEST_FULL_STORE": "1"}, "run", "--once")
    took = time.monotonic() - started
    assert full.returncode == 1, full.stderr[-3000:]
    last = full.stderr.strip().splitlines()[-1]
    assert last.startswith("error: disk full: cannot write") and "store.db" in last, full.stderr[-3000:]
    assert "Traceback" not in full.stderr and "items stored" not in full.stdout
    assert took < 120

    again = veille(env, "run", "--once")
    assert again.returncode == 0, again.stderr[-3000:]
    items = exported(env)
    assert len(items) == 4  # the four Studio Tamani items of the feed, none lost


def test_damaged_store_is_named_then_rebuilt_from_the_bus(env):
    assert veille(env, "run", "--once").returncode == 0
    before = {d["id"]: d["title"] for d in exported(env)}
    assert len(before) == 4
    store = Path(env["VEILLE_HOME"]) / "store.db"
    subprocess.run(["python", "-c", f"import sqlite3; sqlite3.connect({str(store)!r}).execute("
                    "'PRAGMA wal_checkpoint(TRUNCATE)')"], check=True)
    damage(store)

    broken = veille(env, "run", "--once")
    assert broken.returncode == 1 and "items stored" not in broken.stdout
    lines = broken.stderr.strip().splitlines()
    assert len(lines) == 1, broken.stderr[-3000:]
    assert str(store) in lines[0] and "is damaged" in lines[0] and "veille repair" in lines[0]
    assert veille(env, "export").returncode == 1

    repaired = veille(env, "repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "store.db: damaged: set aside as store.db.damaged-" in repaired.stdout
    assert "rebuilt from the bus: 4 items" in repaired.stdout
    assert {d["id"]: d["title"] for d in exported(env)} == before
    assert veille(env, "repair", "--dry-run").stdout.count(": ok") == 5


def test_damaged_state_and_stories_are_reset(env):
    assert veille(env, "run", "--once").returncode == 0
    home = Path(env["VEILLE_HOME"])
    for name in ("state.db", "stories.db"):
        (home / name).write_bytes(b"garbage, not SQLite " * 300)
        for suffix in ("-wal", "-shm"):
            Path(f"{home / name}{suffix}").unlink(missing_ok=True)
    broken = veille(env, "run", "--once")
    assert broken.returncode == 1 and "items stored" not in broken.stdout
    [line] = broken.stderr.strip().splitlines()
    assert ("state.db is damaged" in line or "stories.db is damaged" in line) and "veille repair" in line
    repaired = veille(env, "repair")
    assert repaired.returncode == 0, repaired.stdout
    assert "state.db: damaged: set aside" in repaired.stdout and "crawled again" in repaired.stdout
    assert "stories.db: damaged: set aside" in repaired.stdout
    again = veille(env, "run", "--once")
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(exported(env)) == 4
