"""Memory and speed of the near-duplicate/story index (`processors.stories.StoryIndex`).

    python bench/stories_memory.py [--items 1000000] [--baseline 50000] [--speed 3000]
    python -m bench.stories_memory …

What it measures, each part in a fresh child process so resident memory is its own:

* index at N items (default 1,000,000), SQLite in memory (`path=None`): the whole index held
  in RAM, the worst case for "the duplicate index for 1,000,000 items fits in 512 MB". RSS
  growth while filling and per-item bytes (RSS, not tracemalloc: SQLite allocates outside
  Python's allocator).
* the same N items in a SQLite file (the deployed setting): RSS growth (page cache only),
  file size and per-table sizes.
  Both fills feed `StoryIndex._assign` with random MinHash values (the text → MinHash step
  costs the same at any size and is timed separately below) and realistic ids (URLs) and
  story features for a third of the items. Insert speed is the mean over the last 10,000
  items; lookup speed is a duplicate query (bands + signature check) for 10,000 stored items.
* baseline: datasketch's `MinHashLSH(threshold=0.8, num_perm=128)` holding `--baseline`
  items (same ids), RSS growth extrapolated linearly to N; the ratio
  baseline / ours is printed.
* assign speed on news-length texts (`tests.support.items.synthetic_items`, ar/fr/en) with a file
  index: mean and 95th percentile of the whole `assign` (fold, MinHash, lookups, insert,
  commit), and of the MinHash step alone.

Exits non-zero only on errors, never because of a threshold.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from processors.minhash import NUM_PERM, signature  # noqa: E402
from processors.stories import StoryIndex, _h64  # noqa: E402
from veille.schema import Figures  # noqa: E402

REGIONS = ["Ménaka", "Gao", "Mopti", "Ségou", "Kidal", "Tombouctou", "Taoudénit", "Bamako"]
EVENTS = ["armed_clash", "attack_on_civilians", "abduction", "explosion_ied", "protest"]
ORGS = ["jnim", "isgs", "fama", "minusma", "wagner", "cma"]
MB = 1024 * 1024


def rss() -> int:
    """Resident set size of this process in bytes (Linux /proc; ru_maxrss elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def item_id(i: int) -> str:
    return f"https://www.example-news.org/fr/afrique/2026/09/{i:07d}-attaque-pres-de-menaka-bilan"


def features(rng: random.Random, i: int, n: int) -> dict:
    """Story features for one item in three; the n items spread over 30 days."""
    published = datetime(2026, 9, 1, tzinfo=UTC) + timedelta(minutes=i * 43_200 // n)
    if i % 3:
        return {
            "published_at": published,
            "event_types": [],
            "places": [],
            "orgs": [],
            "figures": Figures(),
        }
    region = rng.choice(REGIONS)
    return {
        "published_at": published,
        "event_types": [rng.choice(EVENTS)],
        "places": [(f"{region}-{rng.randint(0, 20)}", region)],
        "orgs": rng.sample(ORGS, rng.randint(0, 2)),
        "figures": Figures(killed=rng.choice([None, rng.randint(0, 40)])),
    }


def fill(index: StoryIndex, n: int, seed: int = 1) -> tuple[float, list[np.ndarray]]:
    """Inserts n items with random MinHash values; returns µs/insert of the last 10,000 and
    a sample of stored values for lookups."""
    rng = random.Random(seed)
    gen = np.random.default_rng(seed)
    kept: list[np.ndarray] = []
    tail = max(0, n - 10_000)
    started = 0.0
    for i in range(n):
        if i == tail:
            started = time.perf_counter()
        values = gen.integers(0, 2**32, NUM_PERM, dtype=np.uint64).astype(np.uint32)
        if i % max(1, n // 10_000) == 0:
            kept.append(values)
        ident = item_id(i)
        index._assign(_h64(ident), ident, values, **features(rng, i, n))
    return (time.perf_counter() - started) / (n - tail) * 1e6, kept


def lookups(index: StoryIndex, kept: list[np.ndarray]) -> float:
    """µs per duplicate query (bands, candidates, signature check) of stored values."""
    from processors.minhash import band_keys, compact

    started = time.perf_counter()
    hits = 0
    for values in kept:
        hits += index._original(band_keys(values), compact(values)) is not None
    if hits != len(kept):
        raise RuntimeError(f"only {hits} of {len(kept)} stored items were found again")
    return (time.perf_counter() - started) / len(kept) * 1e6


def child_index(n: int, path: str | None) -> dict:
    before = rss()
    target = Path(path) / "stories.db" if path else None
    index = StoryIndex(target)
    insert_us, kept = fill(index, n)
    after = rss()
    lookup_us = lookups(index, kept)
    db = index._db
    page = db.execute("PRAGMA page_size").fetchone()[0]
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    tables = {}
    try:
        for name, size in db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            tables[name] = size
    except Exception:  # dbstat is an optional SQLite module
        tables = {}
    result = {
        "items": len(index),
        "rss_delta": after - before,
        "db_bytes": page * pages,
        "tables": tables,
        "insert_us": insert_us,
        "lookup_us": lookup_us,
    }
    index.close()
    return result


def child_baseline(n: int) -> dict:
    from datasketch import MinHash, MinHashLSH

    gen = np.random.default_rng(1)
    lsh = MinHashLSH(threshold=0.8, num_perm=NUM_PERM)
    before = rss()
    insert = 0.0
    kept = []
    for i in range(n):
        m = MinHash(
            num_perm=NUM_PERM,
            hashvalues=gen.integers(0, 2**32, NUM_PERM, dtype=np.uint64).astype(np.uint32),
            scheme="affine32",
        )
        started = time.perf_counter()
        lsh.insert(item_id(i), m, check_duplication=False)
        insert += time.perf_counter() - started
        if i % max(1, n // 2000) == 0:
            kept.append(m)
        del m
    after = rss()
    started = time.perf_counter()
    for m in kept:
        lsh.query(m)
    query_us = (time.perf_counter() - started) / len(kept) * 1e6
    return {
        "items": n,
        "rss_delta": after - before,
        "insert_us": insert / n * 1e6,
        "lookup_us": query_us,
    }


def child_speed(n: int) -> dict:
    from tests.support.items import synthetic_items

    rng = random.Random(3)
    items = synthetic_items(n, prefix="stories")
    with tempfile.TemporaryDirectory() as tmp:
        index = StoryIndex(Path(tmp) / "stories.db")
        times, sig_times = [], []
        for i, item in enumerate(items):
            text = f"{item['title']}\n{item['body']}"
            extra = features(rng, i, n)
            extra["published_at"] = datetime.fromisoformat(item["published_at"])
            started = time.perf_counter()
            index.assign(item["id"], text, item["lang"], **extra)
            times.append(time.perf_counter() - started)
            started = time.perf_counter()
            signature(text)
            sig_times.append(time.perf_counter() - started)
        index.close()
    times.sort()
    return {
        "items": n,
        "chars": statistics.mean(len(i["body"]) + len(i["title"]) for i in items),
        "assign_mean_us": statistics.mean(times) * 1e6,
        "assign_p95_us": times[int(0.95 * len(times))] * 1e6,
        "minhash_mean_us": statistics.mean(sig_times) * 1e6,
    }


def run_child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench child {args} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=50_000)
    parser.add_argument("--speed", type=int, default=3_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, n, *rest = args.child
        if kind == "memory":
            result = child_index(int(n), None)
        elif kind == "file":
            result = child_index(int(n), rest[0])
        elif kind == "baseline":
            result = child_baseline(int(n))
        else:
            result = child_speed(int(n))
        print(json.dumps(result))
        return 0

    n = args.items
    print(f"StoryIndex at {n:,} items (random MinHash values, a third with story features)")
    mem = run_child("memory", str(n))
    print(
        f"  in memory : RSS +{mem['rss_delta'] / MB:,.0f} MB ({mem['rss_delta'] / n:,.0f} B/item); "
        f"SQLite pages {mem['db_bytes'] / MB:,.0f} MB ({mem['db_bytes'] / n:,.0f} B/item)"
    )
    print(
        f"              insert {mem['insert_us']:,.0f} µs/item (last 10k), "
        f"duplicate lookup {mem['lookup_us']:,.0f} µs"
    )
    with tempfile.TemporaryDirectory() as tmp:
        disk = run_child("file", str(n), tmp)
    print(
        f"  in a file : RSS +{disk['rss_delta'] / MB:,.0f} MB; "
        f"file {disk['db_bytes'] / MB:,.0f} MB ({disk['db_bytes'] / n:,.0f} B/item); "
        f"insert {disk['insert_us']:,.0f} µs, lookup {disk['lookup_us']:,.0f} µs"
    )
    if disk["tables"]:
        tables = sorted(disk["tables"].items(), key=lambda kv: -kv[1])
        print("              per table (MB): " + ", ".join(f"{k} {v / MB:,.0f}" for k, v in tables))
    base = run_child("baseline", str(args.baseline))
    scale = n / base["items"]
    extrapolated = base["rss_delta"] * scale / MB
    print(
        f"datasketch MinHashLSH at {base['items']:,} items: RSS +{base['rss_delta'] / MB:,.0f} MB "
        f"({base['rss_delta'] / base['items']:,.0f} B/item) → {extrapolated:,.0f} MB "
        f"at {n:,}; insert {base['insert_us']:,.0f} µs, query {base['lookup_us']:,.0f} µs"
    )
    ratio = base["rss_delta"] * scale / max(1, mem["rss_delta"])
    print(f"  baseline / StoryIndex in memory: {ratio:.1f}×")
    speed = run_child("speed", str(args.speed))
    print(
        f"assign on {speed['items']:,} news items (~{speed['chars']:,.0f} chars, file index): "
        f"mean {speed['assign_mean_us']:,.0f} µs, p95 {speed['assign_p95_us']:,.0f} µs; "
        f"MinHash alone {speed['minhash_mean_us']:,.0f} µs"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
