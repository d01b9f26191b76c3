"""The classifier: items in, the enrichment contract out (BRIEF, "Enrichment contract").

The processor stage (`processors/enrich_stage.py`, embedded and Kafka modes alike),
`veille classify` and `veille eval` all run this one code path. Each part keeps its own data
and explains its labels with evidence:

    language      processors/language.py (lingua + Sahel-language profiles)
    event_types,  processors/labels.py    (lexicons/*.yaml, negation and hedging)
    topics
    places        processors/places.py    (data/gazetteer.yaml)
    orgs          processors/orgs.py      (data/orgs.yaml) + the source's issuer
    figures       processors/figures.py   (killed, wounded, abducted, displaced)
    symbols       processors/symbols.py   (UN symbols, resolutions)
    severity      processors/severity.py  (data/severity.yaml)
    duplicate_of, processors/stories.py   (MinHash bands + story rules, 30-day SQLite window)
    story_id

Language matching uses the detected language; when detection is unsure (`und`) the source's
declared language is the next best guess for which lexicon to read the text with.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from pathlib import Path

from processors.figures import extract_figures
from processors.labels import classify_labels
from processors.language import identify_many
from processors.orgs import default_finder, find_orgs
from processors.places import find_places
from processors.severity import severity
from processors.stories import StoryIndex
from processors.symbols import extract_symbols
from veille.schema import EnrichedItem, Enrichment, Item, Language, Org, primary_language


class Classifier:
    """Holds the story index (state) for one process; everything else is shared data."""

    def __init__(self, stories_path: Path | None = None, window_days: int = 30) -> None:
        self.stories = StoryIndex(stories_path, window_days=window_days)

    def enrich_many(self, items: Sequence[Item]) -> list[EnrichedItem]:
        return [
            EnrichedItem(**item.model_dump(exclude={"enrichment"}), enrichment=enrichment)
            for item, enrichment in zip(items, self.classify_many(items), strict=True)
        ]

    def classify_many(self, items: Sequence[Item]) -> list[Enrichment]:
        """In input order; language identification is batched (lingua uses every core)."""
        languages = identify_many([(f"{i.title}\n{i.body}", i.lang) for i in items])
        out = [self.classify(item, language) for item, language in zip(items, languages, strict=True)]
        self.stories.flush()  # stored before the caller commits its input: survives a restart
        _settle()
        return out

    def classify(self, item: Item, language: Language | None = None) -> Enrichment:
        if language is None:
            language = identify_many([(f"{item.title}\n{item.body}", item.lang)])[0]
        lang = language.code if language.code != "und" else (primary_language(item.lang) or "und")
        body, title = item.body, item.title
        year = item.published_at.year if item.published_at else None
        spans: list = []  # every event phrase found, where it stands: the event's sentence
        event_types, topics = classify_labels(body, lang, title, year, spans)
        # the event phrases tell which sentence reports the event: its place first
        places = find_places(body, lang, title,
                             [(e, label.score) for label in event_types for e in label.evidence],
                             spans)
        orgs = _with_issuer(find_orgs(body, lang, title), item.issuer)
        text = f"{title}\n{body}"
        figures = extract_figures(text, lang)
        duplicate_of, story_id, merged = self.stories.assign_story(
            item.id, text, lang, item.published_at or item.collected_at,
            [e.label for e in event_types], [(p.name, p.admin1) for p in places],
            [o.id for o in orgs], figures,
        )
        return Enrichment(
            language=language,
            event_types=event_types,
            topics=topics,
            places=places,
            orgs=orgs,
            figures=figures,
            symbols=extract_symbols(text),
            severity=severity(event_types, topics, figures, places, orgs),
            duplicate_of=duplicate_of,
            story_id=story_id,
            merged_stories=list(merged),
        )

    def close(self) -> None:
        self.stories.close()


_settled = False


def _settle() -> None:
    """Once per process, after the first batch has loaded the lexicons, gazetteer, models and
    caches: they stay for the process's life, so the cyclic garbage collector is told to leave
    them (`gc.freeze`) instead of walking them at every full collection (~5 % of the
    classifier's CPU on bench/classify.py). Reference counting still frees what is dropped;
    outputs do not change."""
    global _settled
    if not _settled:
        _settled = True
        gc.collect()
        gc.freeze()


def _with_issuer(orgs: list[Org], issuer: str | None) -> list[Org]:
    """The organisation speaking is involved even when the text does not name it."""
    names = default_finder().names
    if not issuer or issuer not in names or any(o.id == issuer for o in orgs):
        return orgs
    return [*orgs, Org(id=issuer, name=names[issuer], evidence=["issuer of the source"])]
