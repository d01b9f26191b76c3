"""Language identification with lingua, restricted to the languages this monitoring meets.

The source's declared language is only a hint: WordPress sites often declare `fr` on every
page, including Arabic and English posts. `und` when lingua is not confident.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from lingua import Language, LanguageDetectorBuilder

from processors.sahel_lang import detect_sahel
from veille.schema import Language as LanguageResult

# Languages of the region's press and of its neighbours' press; a wider set than we label,
# so that a Portuguese or Spanish text is not forced into French.
_CANDIDATES = [
    Language.ARABIC, Language.FRENCH, Language.ENGLISH, Language.PORTUGUESE, Language.SPANISH,
    Language.GERMAN, Language.ITALIAN, Language.YORUBA, Language.SOMALI, Language.SWAHILI,
]
MIN_CONFIDENCE = 0.5
LINGUA_CHARS = 400
"""Characters lingua reads per text (the Sahel profiles read their own `SAMPLE_CHARS`). Its
time grows with the sample: on bench/classify.py's corpus `identify_many` takes 0.40 ms CPU
a text at 600 characters, 0.30–0.34 at 400, 0.22–0.26 at 300. Its decisions, codes and
scores on every eval set (tests/eval, the real dev and held-out sets, bench/classify.py's
corpus: 4,150 texts; and the 2,166 lines of the Sahel sets) are the same at 200 characters as at 600; the first
score changes appear at 150 (27 texts), the first code changes at 100 (38). 400 keeps more
than twice that margin for texts that open with a heading or a quotation in another language."""

# A letter (not a digit, not "_"), and a letter outside the Arabic script's blocks (Arabic, its
# supplements and presentation forms).
_LETTER = re.compile(r"[^\W\d_]")
_NON_ARABIC_LETTER = re.compile(
    "[^\\W\\d_\u0600-\u06ff\u0750-\u077f\u0870-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


@lru_cache(maxsize=1)
def _detector():
    return LanguageDetectorBuilder.from_languages(*_CANDIDATES).with_preloaded_language_models().build()


def load_models() -> None:
    """Builds lingua's detector now rather than at the first text. Loading its models holds
    the GIL for seconds (5 s on this machine, 11 s when it is loaded): meanwhile no other
    thread of the process runs, a Kafka consumer's heartbeat thread included, so a processor
    does it before joining its consumer group (`processors.enrich_stage.processor_stage`),
    not in its first batch, where it got the processor thrown out of the group."""
    _detector()


def identify(text: str, declared: str | None = None) -> LanguageResult:
    return identify_many([(text, declared)])[0]


def identify_many(texts: Sequence[tuple[str, str | None]]) -> list[LanguageResult]:
    """`identify` for each (text, declared language), in order. The texts lingua has to look
    at are scored together on all cores (lingua's own threads, outside the GIL): the same
    decisions as one by one, at a fraction of the wall time on a batch."""
    samples = [text[:2000] for text, _ in texts]
    # lingua knows none of Bambara, Fulfulde, Hausa, Tamasheq: their own profiles go first,
    # so such a text is not reported as French or Arabic (processors/sahel_lang.py).
    sahel = {i: found for i, sample in enumerate(samples) if (found := detect_sahel(sample))}
    todo = [i for i, sample in enumerate(samples) if len(sample.strip()) >= 20 and i not in sahel]
    arabic = {i for i in todo if _arabic_only(samples[i][:LINGUA_CHARS])}
    todo = [i for i in todo if i not in arabic]
    scored = _detector().compute_language_confidence_values_in_parallel(
        [samples[i][:LINGUA_CHARS] for i in todo]) if todo else []
    values_of = dict(zip(todo, scored, strict=True))
    return [
        LanguageResult(code=sahel[i][0], score=round(sahel[i][1], 3)) if i in sahel
        else LanguageResult(code="ar", score=1.0) if i in arabic
        else _decide(values_of[i], declared) if i in values_of else _too_short(declared)
        for i, (_, declared) in enumerate(texts)
    ]


def _arabic_only(sample: str) -> bool:
    """Letters of the Arabic script and no other: Arabic is then the only candidate whose
    script it is, so lingua answers Arabic with confidence 1.0 by its script rule (checked on
    every eval set, the Sahel sets and bench/classify.py's corpus) after a quarter of a
    millisecond of work; the answer is given without it. A text with a Latin or Tifinagh
    letter still goes to lingua (and first to the Sahel profiles, which run before this)."""
    return _LETTER.search(sample) is not None and _NON_ARABIC_LETTER.search(sample) is None


def _too_short(declared: str | None) -> LanguageResult:
    return LanguageResult(code=declared or "und", score=0.3 if declared else 0.0)


def _decide(values, declared: str | None) -> LanguageResult:
    if not values:
        return LanguageResult(code="und", score=0.0)
    best = values[0]
    code = best.language.iso_code_639_1.name.lower()
    score = float(best.value)
    if declared and declared == code:
        score = min(1.0, score + 0.1)
    if score < MIN_CONFIDENCE:
        return LanguageResult(code="und", score=round(score, 3))
    return LanguageResult(code=code, score=round(score, 3))
