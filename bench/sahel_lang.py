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
from dataclasses import dataclass
from pathlib import Path

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # `python bench/sahel_lang.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from processors.language import identify_many  # noqa: E402
from processors.sahel_lang import detect_sahel  # noqa: E402

SETS = Path(__file__).resolve().parents[1] / "tests" / "eval" / "sahel"
NEWS_LANGUAGES = ("ar", "fr", "en")
SAHEL_SETS: dict[str, str] = {
    # file name → the code veille must give
    "bm": "bm", "ff": "ff", "ha": "ha", "ses": "ses", "tmh": "tmh", "tmh_tfng": "tmh",
}


def cut(text: str, words: int | None) -> str:
    """The first `words` whitespace-separated words of `text` (all of it when None)."""
    return text if words is None else " ".join(text.split()[:words])


def read_lines(path: Path) -> list[str]:
    """The texts of one set file: one per line, `#` lines are provenance comments."""
    return [line for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def sahel_set(name: str, split: str = "heldout") -> list[str]:
    """Held-out lines (never tuned on) or the training part of a Sahel-language set."""
    path = SETS / "heldout" / f"{name}.txt" if split == "heldout" else SETS / f"{name}.txt"
    return read_lines(path) if path.exists() else []


def news_set(lang: str, split: str = "heldout") -> list[str]:
    """News sentences in ar/fr/en: from tests/eval/heldout.jsonl (held-out) or items.jsonl."""
    path = SETS / "heldout" / f"news_{lang}.txt" if split == "heldout" else SETS / "news" / f"{lang}.txt"
    return read_lines(path)


@dataclass
class Row:
    """One set's figures; shares are fractions of `lines`."""

    name: str
    lines: int
    news_by_veille: float
    news_by_lingua: float | None
    exact: float
    news_declared_fr: float = 0.0
    """Share called ar/fr/en by veille when the source declares `fr`."""
    sahel_coded: int = 0
    """Lines given a Sahel code (bm, ff, ha, ses, tmh) with no declared language."""


SAHEL_CODES = frozenset(SAHEL_SETS.values())


def measure(name: str, texts: list[str], expected: str, lingua: bool = False,
            words: int | None = None) -> Row:
    """Shares of `texts` (cut to `words` words) called ar/fr/en, and given `expected`, by
    veille with no declared language and with `fr` declared (and by lingua-all)."""
    texts = [cut(t, words) for t in texts]
    codes = [r.code for r in identify_many([(t, None) for t in texts])]
    declared_fr = [r.code for r in identify_many([(t, "fr") for t in texts])]
    n = max(1, len(texts))
    news = sum(c in NEWS_LANGUAGES for c in codes) / n
    news_fr = sum(c in NEWS_LANGUAGES for c in declared_fr) / n
    exact = sum(c == expected for c in codes) / n
    by_lingua = None
    if lingua:
        found = _lingua_all().detect_languages_in_parallel_of(texts)
        by_lingua = sum(f is not None and f.iso_code_639_1.name.lower() in NEWS_LANGUAGES
                        for f in found) / n
    coded = sum(c in SAHEL_CODES for c in codes)
    return Row(name, len(texts), news, by_lingua, exact, news_fr, coded)


def _lingua_all():
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().build()


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
