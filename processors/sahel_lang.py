"""Bambara, Fulfulde, Hausa and Tamasheq, which lingua does not know.

Why: radio transcripts, community statements and social posts from Mali come in the Sahel's
own languages. Without this check a Bambara text is forced into the nearest language lingua
knows (French, Yoruba…) and then classified with the wrong lexicons. `detect_sahel` runs
before lingua (see `processors.language`) and answers only when it is sure; anything else,
including every French, English or Arabic news text, gets None and goes on to lingua.

How: a naive Bayes classifier on character 1–3-grams of words, trained on the sample texts
in `data/sahel_lang/` (bm, ff, ha, tmh, written for this purpose, and counter-examples in
French, English, Portuguese/Spanish, Swahili, Yoruba and a few others), confirmed by evidence
the n-grams alone could be fooled on: the share of the language's frequent words
(`function_words.yaml`) or its own letters (Bambara ɛ ɔ ɲ, Fulfulde ɓ ɗ ƴ, Hausa ƙ ɗ ɓ,
Tamasheq ă ǝ ɣ š). Only the first `SAMPLE_CHARS` characters are read. A text must:
* be mostly Latin script (Arabic-script Ajami is not handled: None) and have ≥ 4 words;
* have its best n-gram class among the four languages, with confidence ≥ `MIN_CONFIDENCE`;
* have ≥ 12 % of its words in that language's frequent words, or ≥ 6 % plus its letters.
The cheap checks come first: a French or English news item is turned away by the frequent
words alone (~30 µs), before any n-gram is counted.

The samples are short and were written by the team, not taken from a corpus: they cover the
standard orthographies (Bambara of DNAFLA, Fulfulde of Maasina, Hausa Boko, Tamasheq Latin
with ă ǝ ɣ š), so ASCII-only spellings of these languages are recognised less often.
Adding real sentences to the sample files improves recall without code changes.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path

from processors.data_files import read_yaml

DATA = Path(__file__).parent / "data" / "sahel_lang"
SAHEL = ("bm", "ff", "ha", "tmh")
CONTRAST = ("fr", "en", "pt", "sw", "yo")
MIN_CONFIDENCE = 0.8
MIN_WORDS = 4
SAMPLE_CHARS = 800
"""About 130 words: enough to decide, and the cost stays flat on long texts."""

_WORD = re.compile(r"[^\W\d_]+")
_SMOOTHING = 0.5
_SCALE = 8.0
"""Sharpness of the confidence: softmax over mean per-n-gram log-likelihoods times this."""


@cache
def _function_words() -> tuple[dict[str, tuple[str, ...]], dict[str, re.Pattern[str]]]:
    """word → languages it is frequent in; language → regex of its own letters."""
    path = DATA / "function_words.yaml"
    data = read_yaml(path)
    words: dict[str, tuple[str, ...]] = {}
    letters: dict[str, re.Pattern[str]] = {}
    for lang in SAHEL:
        entry = (data or {}).get(lang) or {}
        if not entry.get("words") or not entry.get("letters"):
            raise RuntimeError(f"{path} lacks words or letters for {lang!r}; restore it")
        for word in entry["words"]:
            form = _prepare(str(word))
            words[form] = (*words.get(form, ()), lang)
        letters[lang] = re.compile(f"[{re.escape(_prepare(str(entry['letters'])))}]")
    return words, letters


def _prepare(text: str) -> str:
    # Same letters whether typed precomposed or not; ə and ǝ are the same Tamasheq letter.
    return unicodedata.normalize("NFC", text).lower().replace("ə", "ǝ").replace("’", "'")


def _ngrams(words: list[str]) -> list[str]:
    grams = []
    for word in words:
        padded = f" {word} "
        for n in (1, 2, 3):
            grams.extend(
                padded[i : i + n] for i in range(len(padded) - n + 1) if padded[i : i + n] != " "
            )
    return grams


@cache
def _profiles() -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Per language: log P(n-gram), and the log P given to an n-gram never seen."""
    counts: dict[str, Counter[str]] = {}
    for lang in SAHEL + CONTRAST:
        path = DATA / f"{lang}.txt"
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise RuntimeError(f"missing language sample {path}: {exc}") from exc
        text = "\n".join(line for line in lines if not line.startswith("#"))
        counts[lang] = Counter(_ngrams(_WORD.findall(_prepare(text))))
    vocabulary = len(set().union(*counts.values())) + 1
    profiles, unseen = {}, {}
    for lang, counter in counts.items():
        total = sum(counter.values()) + _SMOOTHING * vocabulary
        profiles[lang] = {g: math.log((c + _SMOOTHING) / total) for g, c in counter.items()}
        unseen[lang] = math.log(_SMOOTHING / total)
    return profiles, unseen


def _scores(words: list[str]) -> dict[str, float]:
    profiles, unseen = _profiles()
    grams = _ngrams(words)
    return {
        lang: sum(table.get(g, unseen[lang]) for g in grams) / max(1, len(grams))
        for lang, table in profiles.items()
    }


def detect_sahel(text: str) -> tuple[str, float] | None:
    """("bm" | "ff" | "ha" | "tmh", confidence) when `text` is surely in one of them, else None."""
    sample = _prepare(text[:SAMPLE_CHARS])
    words = _WORD.findall(sample)
    if len(words) < MIN_WORDS:
        return None
    arabic = sum(1 for w in words if "\u0600" <= w[0] <= "\u06ff")
    if arabic * 2 >= len(words):
        return None  # Arabic script (Ajami writing of these languages is not handled)
    frequent, letters = _function_words()
    shares: dict[str, int] = {}
    for word in words:
        for lang in frequent.get(word, ()):
            shares[lang] = shares.get(lang, 0) + 1
    if not shares or max(shares.values()) < 0.06 * len(words):
        return None  # the common case, news in French or English: decided in ~30 µs
    scores = _scores(words)
    top = max(scores.values())
    weights = {lang: math.exp(_SCALE * (s - top)) for lang, s in scores.items()}
    best = max(weights, key=weights.__getitem__)
    if best not in SAHEL:
        return None
    confidence = weights[best] / sum(weights.values())
    share = shares.get(best, 0) / len(words)
    own = len(letters[best].findall(sample)) / max(1, sum(map(len, words)))
    if confidence < MIN_CONFIDENCE or not (share >= 0.12 or (share >= 0.06 and own >= 0.01)):
        return None
    return best, round(confidence, 3)
