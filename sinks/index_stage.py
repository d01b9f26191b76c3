"""The indexer stage: enriched items from the bus into the item store, idempotently."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sinks.store import ItemStore
from veille.bus.base import ENRICHED, Bus, Message
from veille.schema import EnrichedItem
from veille.stage import Stage


def indexer_stage(bus: Bus, store: ItemStore) -> Stage:
    def handle(messages: Sequence[Message]) -> list[tuple[Message, BaseException]]:
        failed: list[tuple[Message, BaseException]] = []
        good: dict[str, EnrichedItem] = {}
        for message in messages:
            try:
                good[message.key] = EnrichedItem.model_validate(json.loads(message.value))
            except Exception as exc:
                failed.append((message, exc))
        # The write either succeeds as a whole or raises: the stage then does not commit.
        store.upsert(list(good.values()))
        return failed

    return Stage("indexer", bus, ENRICHED, handle)
