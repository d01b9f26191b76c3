"""How severity spreads: its distribution on the demo and on the real-text set, and the top
of the demo as a brief would rank it.

    python bench/severity.py                 # demo (runs `veille demo` in a temporary home) + real set
    python bench/severity.py --no-demo       # the real set only

Why: the brief ranks stories by severity and alert rules threshold on it. A score that puts
every grave item at 100 ranks nothing; this prints, for each set, the histogram in tens, how
many items share the highest score, and the demo's ten highest items with what happened
(event types and counted figures), so one can see the order follows the events.
Exits non-zero only on errors.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # `python bench/severity.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from processors.evaluation import item_input, load_set, pipeline_predictor  # noqa: E402
from veille.settings import REPO_ROOT  # noqa: E402

REAL_SETS = ("dev.jsonl", "heldout.jsonl")


def histogram(scores: list[int]) -> str:
    bins = Counter(min(score // 10, 9) for score in scores)
    rows = []
    for b in range(10):
        n = bins.get(b, 0)
        label = f"{10 * b:>3}–{10 * b + 9 if b < 9 else 100:<3}"
        rows.append(f"  {label} {n:>5}  {'█' * round(60 * n / max(1, len(scores)))}")
    top = max(scores) if scores else 0
    rows.append(f"  items: {len(scores)}; highest {top}, shared by {scores.count(top)}; "
                f"at 100: {scores.count(100)}; ≥ 80: {sum(s >= 80 for s in scores)}")
    return "\n".join(rows)


def demo_items() -> list[dict]:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "VEILLE_HOME": home}
        subprocess.run(["veille", "demo", "--home", home], env=env,
                       check=True, capture_output=True, text=True)
        out = subprocess.run(["veille", "export", "--format", "jsonl"],
                             env=env, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _enrichment(item: dict) -> dict:
    return item.get("enrichment") or item


def describe(item: dict) -> str:
    enr = _enrichment(item)
    events = ", ".join(e["label"] for e in enr.get("event_types") or []) or "no event"
    figures = enr.get("figures") or {}
    counted = ", ".join(f"{figures[k]} {k}" for k in ("killed", "wounded", "abducted", "displaced")
                        if figures.get(k))
    vague = ", ".join(f"{lo}–{hi} {k}" for k, (lo, hi) in (figures.get("approximate") or {}).items())
    title = (item.get("title") or "")[:70]
    return f"{enr['severity']['score']:>4}  {title:<70}  [{events}] {counted} {vague}".rstrip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-demo", action="store_true", help="skip the demo run")
    args = parser.parse_args(argv)
    if not args.no_demo:
        items = demo_items()
        scores = [_enrichment(i)["severity"]["score"] for i in items]
        print("demo (veille demo, offline mirror of every source):")
        print(histogram(scores))
        print("  top ten as the brief ranks them:")
        for item in sorted(items, key=lambda i: -_enrichment(i)["severity"]["score"])[:10]:
            print("   ", describe(item))
    predict = pipeline_predictor()
    for name in REAL_SETS:
        path = REPO_ROOT / "tests" / "eval" / "real" / name
        if not path.exists():
            continue
        scores = [predict(item_input(r)).severity.score for r in load_set(path)]
        print(f"real set, {name}:")
        print(histogram(scores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
