"""Bambara, Fulfulde, Hausa, Songhay and Tamasheq, which lingua does not know.

Why: radio transcripts, community statements and social posts from Mali come in the Sahel's
own languages. Without this check a Bambara text is forced into the nearest language lingua
knows (French, Yoruba…) and then classified with the wrong lexicons. `detect_sahel` runs
before lingua (see `processors.language`) and answers only when it is sure; anything else,
including every French, English or Arabic news text, gets None and goes on to lingua.

How: Tifinagh script (U+2D30–U+2D7F) is Tamasheq's own script and no news language's, so a
text mostly in it is `tmh` without further ado (Tamazight of Morocco and Algeria is written in
it too; for this monitoring that is the right side of the line: it is not ar/fr/en). Latin
script goes to a naive Bayes classifier on character 1–3-grams of words, trained on the sample
texts in `data/sahel_lang/` (bm, ff, ha, ses, tmh: sentences written for this purpose plus the
training part of the real-text sets of tests/eval/sahel/; counter-examples in French and
English (this repository's dev news sentences), Portuguese/Spanish, Swahili and Yoruba,
lingua's usual wrong answers), confirmed by evidence the n-grams alone could be fooled on: the
share of the language's frequent words (`function_words.yaml`) or its own letters (Bambara
ɛ ɔ ɲ, Fulfulde ɓ ɗ ƴ, Hausa ƙ ɗ ɓ, Songhay ŋ ɲ š, Tamasheq ă ǝ ɣ š). Only the first
`SAMPLE_CHARS` characters are read. A text must:
* be mostly Latin script (Arabic-script Ajami is not handled: None) and have ≥ 4 words;
* have its best n-gram class among the five languages, with confidence ≥ `MIN_CONFIDENCE`;
* have ≥ 12 % of its words in that language's frequent words, or ≥ 6 % plus its letters, or,
  with no frequent word at all (a headline, a short post: "mi extăsăn ašǝk wa?"), ≥ 5 % of
  its letters among the language's own and n-gram confidence ≥ `LETTERS_CONFIDENCE`.
The cheap checks come first: a French or English news item has neither frequent words nor
those letters and is turned away before any n-gram is counted (~30 µs).

Songhay is one class, `ses` (Koyraboro Senni, the Songhay of Gao and Tombouctou): its samples
mix Koyraboro Senni and Zarma (`dje`, Niger), close enough to share one profile, and Mali's
Songhay is Koyraboro Senni. The written samples cover the standard orthographies (Bambara of
DNAFLA, Fulfulde of Maasina, Hausa Boko, Tamasheq Latin with ă ǝ ɣ š); the real text adds UDHR
Bambara, Hausa and Fulfulde (Pular with its ASCII digraphs), a Bambara oral narrative, Hausa
stories and tweets, Tamasheq conversational phrases. Figures, sources and how to add a
language: docs/language-identification.md; `python bench/sahel_lang.py --words 10`.
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
SAHEL = ("bm", "ff", "ha", "ses", "tmh")
CONTRAST = ("fr", "en", "pt", "sw", "yo")
MIN_CONFIDENCE = 0.8
MIN_WORDS = 4
SAMPLE_CHARS = 800
"""About 130 words: enough to decide, and the cost stays flat on long texts."""
MIN_OWN_LETTERS = 0.05
"""Share of a text's letters that are one Sahel language's own letters (ɛ ɔ ɲ, ɓ ɗ ƴ, ă ǝ ɣ š…)
that stands in for frequent words: a headline or a short social post often has none of them."""
LETTERS_CONFIDENCE = 0.95
"""n-gram confidence asked of a text accepted on its own letters alone."""

_WORD = re.compile(r"[^\W\d_]+")
_TIFINAGH = re.compile("[\u2d30-\u2d7f]")
TIFINAGH_CONFIDENCE = 0.99
"""Script, not statistics: only Tamazight languages are written in Tifinagh."""
_SMOOTHING = 0.5
_SCALE = 8.0
"""Sharpness of the confidence: softmax over mean per-n-gram log-likelihoods times this."""


@cache
def _function_words() -> tuple[dict[str, tuple[str, ...]], dict[str, re.Pattern[str]]]:
    """word → languages it is frequent in; language → regex of its own letters ("" → all)."""
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
    every = "".join(sorted({c for lang in SAHEL for c in _prepare(str(data[lang]["letters"]))}))
    letters[""] = re.compile(f"[{re.escape(every)}]")
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
    """(code, confidence) when `text` is surely Bambara, Fulfulde, Hausa, Songhay or Tamasheq
    ("bm", "ff", "ha", "ses", "tmh"), else None: French, English and Arabic news always get
    None, and so does anything this cannot vouch for (lingua decides then)."""
    sample = _prepare(text[:SAMPLE_CHARS])
    if _TIFINAGH.search(sample):
        tifinagh = len(_TIFINAGH.findall(sample))
        if tifinagh * 2 >= sum(1 for c in sample if c.isalpha()):
            return "tmh", TIFINAGH_CONFIDENCE
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
    n_letters = max(1, sum(map(len, words)))
    if (not shares or max(shares.values()) < 0.06 * len(words)) and (
        len(letters[""].findall(sample)) < MIN_OWN_LETTERS * n_letters
    ):
        return None  # the common case, news in French or English: decided in ~30 µs
    scores = _scores(words)
    top = max(scores.values())
    weights = {lang: math.exp(_SCALE * (s - top)) for lang, s in scores.items()}
    best = max(weights, key=weights.__getitem__)
    if best not in SAHEL:
        return None
    confidence = weights[best] / sum(weights.values())
    share = shares.get(best, 0) / len(words)
    own = len(letters[best].findall(sample)) / n_letters
    if confidence < MIN_CONFIDENCE or not (
        share >= 0.12
        or (share >= 0.06 and own >= 0.01)
        or (own >= MIN_OWN_LETTERS and confidence >= LETTERS_CONFIDENCE)  # short texts
    ):
        return None
    return best, round(confidence, 3)
