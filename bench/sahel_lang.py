"""Sahel-language rejection: how often real Bambara, Fulfulde, Hausa, Songhay and Tamasheq
text is called Arabic, French or English, and whether news in those three stays put.

    python bench/sahel_lang.py [--split heldout|train] [--words N] [--no-lingua] [--no-speed]
    python -m bench.sahel_lang --words 10

`--words N` cuts every line (Sahel sets and news) to its first N words: a headline, a short
sentence, a social post. Short texts are where a Sahel language is most often taken for French.

Why: a Sahel-language text called French is classified with the French lexicons and lands in
the French feeds as noise; a French news item called Bambara is a lost item, which costs more.
Both are measured on real public text (tests/eval/sahel/README.md says where each line comes
from), never on the sentences the detector's profiles were written from.

Per language it prints: lines, % called ar/fr/en by veille (`processors.language.identify_many`)
with no declared language and with `fr` declared (Studio Tamani declares fr on its Bambara and
Tamasheq bulletins; a declared language decides texts under 20 characters and helps lingua),
% called ar/fr/en by lingua with all of its 75 languages in the same run (the baseline to beat:
lingua knows none of these five languages, so its mistakes show how close each one sits to
ar/fr/en), and % given the exact code (no declared language). Then the news retention (ar/fr/en
sentences of tests/eval that must keep their language, and how many get a Sahel code: must be 0)
and the cost of `detect_sahel` per news item.
Exits non-zero only on errors, never because of a threshold (the test holds those:
tests/processors/test_sahel_lang.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # `python bench/sahel_lang.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from processors.language import identify_many  # noqa: E402
from processors.sahel_lang import detect_sahel  # noqa: E402
from tests.support.sahel_sets import (  # noqa: E402
    NEWS_LANGUAGES,
    SAHEL_SETS,
    SETS,
    measure,
    news_set,
    sahel_set,
)


def detect_cost_us(texts: list[str], repeat: int = 5) -> float:
    """Median µs per text of `detect_sahel` (the check that runs on every item)."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            detect_sahel(text[:2000])
        runs.append((time.perf_counter() - start) / max(1, len(texts)) * 1e6)
    return statistics.median(runs)


def news_items() -> list[str]:
    """Whole ar/fr/en items (title and body) of both labelled sets: news length and shape."""
    out = []
    for name in ("items.jsonl", "heldout.jsonl"):
        for line in (SETS.parent / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("labels", {}).get("language") in NEWS_LANGUAGES:
                out.append(f"{record.get('title', '')}\n{record.get('body', '')}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("heldout", "train"), default="heldout")
    parser.add_argument("--words", type=int, default=None,
                        help="cut every line to its first N words (short-text measurement)")
    parser.add_argument("--no-lingua", action="store_true", help="skip the lingua-all baseline")
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args(argv)
    lingua = not args.no_lingua
    words = args.words
    print(f"split: {args.split}; {'full lines' if words is None else f'first {words} words of each line'}")
    print(f"{'set':<10}{'lines':>6}{'veille ar/fr/en':>17}{'declared fr':>13}"
          f"{'lingua-all ar/fr/en':>21}{'exact code':>12}")
    for name, expected in SAHEL_SETS.items():
        texts = sahel_set(name, args.split)
        if not texts:
            continue
        row = measure(name, texts, expected, lingua, words)
        base = f"{row.news_by_lingua:>20.1%}" if row.news_by_lingua is not None else f"{'-':>20}"
        print(f"{name:<10}{row.lines:>6}{row.news_by_veille:>16.1%}{row.news_declared_fr:>13.1%} "
              f"{base}{row.exact:>12.1%}")
    print(f"{'news':<10}{'lines':>6}{'kept':>17}{'Sahel code':>13}")
    for lang in NEWS_LANGUAGES:
        texts = news_set(lang, args.split)
        row = measure(lang, texts, lang, words=words)
        print(f"{lang:<10}{row.lines:>6}{row.exact:>16.1%}{row.sahel_coded:>13}")
    if not args.no_speed:
        items = news_items()
        print(f"detect_sahel on {len(items)} ar/fr/en news items: {detect_cost_us(items):.1f} µs/item (median of 5)")
        start = time.perf_counter()
        identify_many([(t, None) for t in items])
        elapsed = time.perf_counter() - start
        print(f"identify_many on the same items: {len(items) / elapsed:.0f} items/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
