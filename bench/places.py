"""Place matching: load time, memory and speed of the gazetteer with and without the settlements.

Why: the settlements file (processors/data/settlements.tsv.gz, 18,000 villages and communes)
must not slow the classifier (target ≥ 1,000 items/s on one core) nor the tests' start-up.
Both gazetteers are measured in the same run, on the labelled texts of tests/eval/items.jsonl
(title and body, as the processor passes them); the last row passes each item's event phrases
too (the event labels' evidence, computed before timing), as the classifier does, which finds
the sentences that report the event.

    python bench/places.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from processors.places import SETTLEMENTS, Gazetteer  # noqa: E402

ITEMS = ROOT / "tests" / "eval" / "items.jsonl"


def load(settlements: Path | None) -> tuple[float, float, Gazetteer]:
    """Seconds to load, and MB the loaded gazetteer holds (tracemalloc, after a first load so
    that the normaliser's caches and imports are not counted)."""
    Gazetteer(settlements=settlements)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    gazetteer = Gazetteer(settlements=settlements)
    seconds = time.perf_counter() - started
    held = (tracemalloc.get_traced_memory()[0] - before) / 1e6
    tracemalloc.stop()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        Gazetteer(settlements=settlements)
        times.append(time.perf_counter() - started)
    return min([seconds, *times]), held, gazetteer


def speed(gazetteer: Gazetteer, items: list[dict], rounds: int,
          events: list[list[tuple[str, float]]] | None = None) -> tuple[float, int]:
    """Items per second (best round), and places found in all items."""
    best, found = 0.0, 0
    given = events or [None] * len(items)
    for _ in range(rounds):
        started = time.perf_counter()
        found = sum(len(gazetteer.find(i["body"], i["lang"], i.get("title", ""), e))
                    for i, e in zip(items, given, strict=True))
        best = max(best, len(items) / (time.perf_counter() - started))
    return best, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    items = [json.loads(line) for line in ITEMS.read_text(encoding="utf-8").splitlines() if line]
    chars = statistics.mean(len(i["body"]) + len(i.get("title", "")) for i in items)
    print(f"{len(items)} items of tests/eval/items.jsonl, mean {chars:.0f} characters")
    print(f"{'gazetteer':<28} {'entries':>8} {'load s':>7} {'MB':>6} {'items/s':>8} {'places':>7}")
    from processors.labels import classify_labels

    events = [[(phrase, label.score) for label in classify_labels(i["body"], i["lang"],
                                                                   i.get("title", ""))[0]
               for phrase in label.evidence] for i in items]
    for label, path, given in (("curated (before)", None, None),
                               ("curated + settlements", SETTLEMENTS, None),
                               ("  + event phrases", SETTLEMENTS, events)):
        seconds, held, gazetteer = load(path)
        rate, found = speed(gazetteer, items, args.rounds, given)
        print(f"{label:<28} {len(gazetteer.entries):>8} {seconds:>7.3f} {held:>6.1f} "
              f"{rate:>8.0f} {found:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
