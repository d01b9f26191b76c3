"""Repair of `$VEILLE_HOME`'s SQLite files (`veille repair`): checks each one and rebuilds what is
damaged. It lives beside the stores because its one rebuild is the item store's, from the bus.

What each file can be rebuilt from (`veille.sqlite_db.REPAIRS` is what damage messages say):

    store.db    the item store: rebuilt from the bus's enriched topic when the bus is intact
                (the SQLite bus keeps every message); else set aside and the sources crawled
                again (state.db reset)
    stories.db  the story index (last 30 days): set aside, rebuilt as items arrive
    state.db    the collection state: set aside; every source is crawled again, and items
                already stored are recognised by their ids (stored once, not twice)
    bus.db      the bus: set aside, state.db reset too so that whatever the bus held and was
                not yet stored is collected again
    alerts.db   the alert history, delivery ledger and throttle: set aside, a new one starts
                (the alerter goes on from its offset in the bus: old alerts are not raised again)

A damaged file is never deleted: it is renamed `<name>.damaged-<UTC time>` (with its -wal and
-shm), for a backup or `sqlite3 .recover`. Stop veille before running it. `repair_home` says
what it did in one line per file.
"""

from __future__ import annotations

import time
from pathlib import Path

from veille.sqlite_db import quick_check

FILES = ("bus.db", "state.db", "store.db", "stories.db", "alerts.db")


def set_aside(path: Path) -> Path:
    """Renames a file (and its -wal, -shm) to `<name>.damaged-<time>`; returns the new name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            part.replace(Path(f"{target}{suffix}"))
    return target


def check_home(home: Path) -> dict[str, str | None]:
    """{file name: None when intact or absent, else what quick_check found}."""
    return {name: (quick_check(home / name) if (home / name).exists() else None) for name in FILES}


def rebuild_store(home: Path) -> int:
    """A new store.db from the bus's enriched messages (the latest version of each item)."""
    from sinks.sqlite_store import SqliteStore
    from veille.bus.base import ENRICHED
    from veille.bus.sqlite_bus import SqliteBus
    from veille.schema import EnrichedItem

    bus = SqliteBus(home / "bus.db")
    store = SqliteStore(home / "store.db")
    latest: dict[str, EnrichedItem] = {}
    try:
        for message in bus.read_all(ENRICHED):
            try:
                item = EnrichedItem.model_validate_json(message.value)
            except ValueError:
                continue  # what the indexer dead-lettered stays out
            latest[item.id] = item
        items = list(latest.values())
        for start in range(0, len(items), 500):
            store.upsert(items[start:start + 500])
        return store.count()
    finally:
        store.close()
        bus.close()


def repair_home(home: Path, dry_run: bool = False) -> tuple[list[str], bool]:
    """Checks and repairs the files of `home`: (one line per file, everything usable now)."""
    damaged = {name: problem for name, problem in check_home(home).items() if problem}
    lines: list[str] = []
    if dry_run:
        for name in FILES:
            where = home / name
            lines.append(f"{name}: damaged ({damaged[name][:200]})" if name in damaged
                         else f"{name}: ok" if where.exists() else f"{name}: absent")
        return lines, not damaged

    recrawl = "bus.db" in damaged or "state.db" in damaged
    done: dict[str, str] = {}
    if "bus.db" in damaged:
        aside = set_aside(home / "bus.db")
        done["bus.db"] = (f"damaged: set aside as {aside.name}; a new bus starts and every source "
                          "is crawled again")
    if "store.db" in damaged:
        aside = set_aside(home / "store.db")
        if "bus.db" not in damaged and (home / "bus.db").exists():
            count = rebuild_store(home)
            done["store.db"] = f"damaged: set aside as {aside.name}; rebuilt from the bus: {count} items"
        else:
            recrawl = True
            done["store.db"] = (f"damaged: set aside as {aside.name}; no intact bus to rebuild it "
                                "from: every source is crawled again")
    if recrawl and (home / "state.db").exists():
        aside = set_aside(home / "state.db")
        why = "damaged" if "state.db" in damaged else "reset"
        done["state.db"] = (f"{why}: set aside as {aside.name}; every source is crawled again "
                            "(stored items are recognised by their ids)")
    if "stories.db" in damaged:
        aside = set_aside(home / "stories.db")
        done["stories.db"] = f"damaged: set aside as {aside.name}; rebuilt as items arrive"
    if "alerts.db" in damaged:
        aside = set_aside(home / "alerts.db")
        done["alerts.db"] = (f"damaged: set aside as {aside.name}; a new alert history starts "
                             "(alerts already raised are not raised again)")
    for name in FILES:
        if name in done:
            lines.append(f"{name}: {done[name]}")
        else:
            lines.append(f"{name}: ok" if (home / name).exists() else f"{name}: absent")
    left = {name: problem for name, problem in check_home(home).items() if problem}
    for name, problem in left.items():
        lines.append(f"{name}: still damaged after repair ({problem[:200]}): restore it from a backup")
    return lines, not left
