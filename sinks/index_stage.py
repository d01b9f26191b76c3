"""The indexer stage: enriched items from the bus into the item store, idempotently."""

from __future__ import annotations

from collections.abc import Sequence

from sinks.store import ItemStore
from veille.bus.base import ENRICHED, Bus, Message
from veille.schema import EnrichedItem
from veille.stage import Stage


def indexer_stage(bus: Bus, store: ItemStore) -> Stage:
    def handle(messages: Sequence[Message]) -> list[tuple[Message, BaseException]]:
        failed: list[tuple[Message, BaseException]] = []
        good: dict[str, EnrichedItem] = {}  # item id -> its latest version in the batch
        by_id: dict[str, list[Message]] = {}
        for message in messages:
            try:
                item = EnrichedItem.model_validate_json(message.value)
            except Exception as exc:
                failed.append((message, exc))
                continue
            good[item.id] = item
            by_id.setdefault(item.id, []).append(message)
        # The write raises when the store is unavailable: the stage then does not commit and
        # the batch is read again. Items the store refused on their own merits are dead
        # letters with the store's reason.
        rejected = store.upsert(list(good.values()))
        for item_id, reason in rejected.items():
            failed.extend((message, ValueError(reason)) for message in by_id.get(item_id, []))
        return failed

    return Stage("indexer", bus, ENRICHED, handle)
