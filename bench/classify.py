"""Classifier throughput on one core, against language identification alone in the same run.

    python bench/classify.py [--items 3000] [--batch 200]
    python -m bench.classify

The process is pinned to one CPU (`os.sched_setaffinity`), so lingua's parallel batch mode
gets no second core. Items: the labelled sets' texts (tests/eval, real news shapes in ar/fr/en)
cycled with new ids, and `tests.support.items.synthetic_items`, half each; news length. Figures:

* baseline: `processors.language.identify_many` alone (what the processor did before the
  classifiers), items/s;
* classifier: `processors.classify.Classifier.classify_many` (language, labels, places,
  orgs, figures, symbols, severity, story index in memory), items/s, and the ratio.

Each also as CPU time per item (`time.process_time`, lingua's threads included): on a machine
shared with other work the wall-clock figures fall, the CPU figures much less.

Memory of the 30-day duplicate index at 1,000,000 items is `bench/stories_memory.py`.
Exits non-zero only on errors, never because of a threshold.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # `python bench/classify.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from processors.evaluation import load_set  # noqa: E402
from tests.support.items import synthetic_items  # noqa: E402
from veille.settings import REPO_ROOT  # noqa: E402


def corpus(n: int) -> list[dict]:
    labelled = [r for name in ("items.jsonl", "heldout.jsonl")
                for r in load_set(REPO_ROOT / "tests" / "eval" / name)
                if r["labels"].get("language") in ("ar", "fr", "en")]
    out = []
    for i in range(n // 2):
        r = labelled[i % len(labelled)]
        out.append({"id": f"bench-eval:{i}", "source": r.get("source") or "bench",
                    "url": f"https://example.org/e/{i}", "title": r["title"], "body": r["body"],
                    "lang": r.get("lang"), "published_at": r.get("published_at")})
    return out + synthetic_items(n - len(out), prefix="bench-classify")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args(argv)
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    from processors.classify import Classifier
    from processors.language import identify_many
    from veille.schema import item_from_json

    items = [item_from_json(d) for d in corpus(args.items)]
    chars = sum(len(i.title) + len(i.body) for i in items) / len(items)
    classifier = Classifier(stories_path=None)
    classifier.classify_many(items[:50])  # load lexicons, gazetteer, lingua models
    batches = [items[i:i + args.batch] for i in range(0, len(items), args.batch)]

    start, cpu = time.perf_counter(), time.process_time()
    for batch in batches:
        identify_many([(f"{i.title}\n{i.body}", i.lang) for i in batch])
    baseline = len(items) / (time.perf_counter() - start)
    baseline_cpu = (time.process_time() - cpu) / len(items)

    classifier = Classifier(stories_path=None)
    start, cpu = time.perf_counter(), time.process_time()
    for batch in batches:
        classifier.classify_many(batch)
    full = len(items) / (time.perf_counter() - start)
    full_cpu = (time.process_time() - cpu) / len(items)

    print(f"items: {len(items)} (mean {chars:.0f} characters; ar/fr/en), one core, batches of {args.batch}")
    print("                                           items/s   CPU ms/item  items/s of CPU")
    print(f"language identification alone (baseline): {baseline:8.0f}  {baseline_cpu * 1e3:10.3f}  {1 / baseline_cpu:12.0f}")
    print(f"full classifier:                          {full:8.0f}  {full_cpu * 1e3:10.3f}  {1 / full_cpu:12.0f}")
    print(f"ratio classifier / baseline:              {full / baseline:8.2f}  {baseline_cpu / full_cpu:10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
