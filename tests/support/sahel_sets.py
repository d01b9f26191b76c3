"""The Sahel-language measurement sets (tests/eval/sahel/) and how a set is scored: shared by
the test that holds the figures (tests/processors/test_sahel_lang.py) and the benchmark that
prints them (bench/sahel_lang.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from processors.language import identify_many

SETS = Path(__file__).resolve().parents[1] / "eval" / "sahel"
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
