"""The processor stage: raw items in, enriched items out (veille.raw → veille.enriched)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from processors.language import identify
from veille.bus.base import ENRICHED, RAW, Bus, Message
from veille.schema import EnrichedItem, Enrichment, item_from_json
from veille.stage import Stage


def enrich(item_data: dict) -> EnrichedItem:
    item = item_from_json(item_data)
    language = identify(f"{item.title}\n{item.body}", declared=item.lang)
    return EnrichedItem(**item.model_dump(exclude={"enrichment"}), enrichment=Enrichment(language=language))


def processor_stage(bus: Bus) -> Stage:
    def handle(messages: Sequence[Message]) -> list[tuple[Message, BaseException]]:
        failed = []
        for message in messages:
            try:
                enriched = enrich(json.loads(message.value))
            except Exception as exc:  # a poison message: park it, keep going
                failed.append((message, exc))
                continue
            bus.publish(ENRICHED, enriched.id, enriched.model_dump_json().encode())
        return failed

    return Stage("processor", bus, RAW, handle)
