"""The processor stage: raw items in, enriched items out (veille.raw → veille.enriched)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from processors.language import identify, identify_many
from veille.bus.base import ENRICHED, RAW, Bus, Message
from veille.schema import EnrichedItem, Enrichment, Item, Language, item_from_json
from veille.stage import Stage


def enrich(item_data: dict) -> EnrichedItem:
    item = item_from_json(item_data)
    return _enriched(item, identify(_text(item), declared=item.lang))


def enrich_many(items: Sequence[Item]) -> list[EnrichedItem]:
    """`enrich` for a batch of parsed items: languages identified together, on all cores."""
    languages = identify_many([(_text(item), item.lang) for item in items])
    return [_enriched(item, language) for item, language in zip(items, languages, strict=True)]


def _text(item: Item) -> str:
    return f"{item.title}\n{item.body}"


def _enriched(item: Item, language: Language) -> EnrichedItem:
    return EnrichedItem(**item.model_dump(exclude={"enrichment"}), enrichment=Enrichment(language=language))


def processor_stage(bus: Bus) -> Stage:
    def handle(messages: Sequence[Message]) -> list[tuple[Message, BaseException]]:
        failed: list[tuple[Message, BaseException]] = []
        parsed: list[tuple[Message, Item]] = []
        for message in messages:
            try:
                parsed.append((message, item_from_json(json.loads(message.value))))
            except Exception as exc:  # a poison message: park it, keep going
                failed.append((message, exc))
        # Language identification, the costly part, for the whole batch at once on all cores.
        languages = identify_many([(_text(item), item.lang) for _, item in parsed])
        for (message, item), language in zip(parsed, languages, strict=True):
            try:
                enriched = _enriched(item, language)
            except Exception as exc:
                failed.append((message, exc))
                continue
            bus.publish(ENRICHED, enriched.id, enriched.model_dump_json().encode())
        return failed

    return Stage("processor", bus, RAW, handle)
