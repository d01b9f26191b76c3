"""The processor stage: raw items in, enriched items out (veille.raw → veille.enriched).

It runs the classifier of `processors/classify.py`, the same code as `veille classify`, in
the embedded default and on Kafka alike. The story index lives in `$VEILLE_HOME/stories.db`
(embedded default) or, when `VEILLE_REDIS_URL` is set, in Redis, shared by every processor on
every host (`processors/stories_redis.py`), so duplicate and story decisions survive restarts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from functools import lru_cache

from processors.classify import Classifier
from processors.language import load_models
from veille.bus.base import ENRICHED, RAW, Bus, Message
from veille.schema import EnrichedItem, Item, item_from_json
from veille.stage import Stage

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _scratch() -> Classifier:
    """For one-off calls (tests, benchmarks): stories kept in memory only."""
    return Classifier(stories_path=None)


def enrich(item_data: dict) -> EnrichedItem:
    return _scratch().enrich_many([item_from_json(item_data)])[0]


def enrich_many(items: Sequence[Item]) -> list[EnrichedItem]:
    """Classified together: language identification runs on all cores for the batch."""
    return _scratch().enrich_many(items)


def processor_stage(bus: Bus, classifier: Classifier | None = None) -> Stage:
    # Before the stage's consumer joins its group (at its first poll): see load_models.
    load_models()
    if classifier is None:
        from processors.stories_redis import open_story_index
        from veille.settings import get_settings

        settings = get_settings()
        if settings.redis_url:
            classifier = Classifier(stories_path=None)
            classifier.stories.close()  # the in-memory index, replaced by the shared one
            classifier.stories = open_story_index(settings)  # type: ignore[assignment]
        else:
            classifier = Classifier(stories_path=settings.home / "stories.db")

    def handle(messages: Sequence[Message]) -> list[tuple[Message, BaseException]]:
        failed: list[tuple[Message, BaseException]] = []
        parsed: list[tuple[Message, Item]] = []
        for message in messages:
            try:
                parsed.append((message, item_from_json(json.loads(message.value))))
            except Exception as exc:  # a poison message: park it, keep going
                failed.append((message, exc))
        try:
            done = list(zip(parsed, classifier.enrich_many([item for _, item in parsed]), strict=True))
        except Exception:
            # One item broke the batch: classify one by one so only that one is parked.
            log.exception("processor: batch classification failed; retrying item by item")
            done = []
            for message, item in parsed:
                try:
                    done.append(((message, item), classifier.enrich_many([item])[0]))
                except Exception as exc:
                    failed.append((message, exc))
        for (_, _item), enriched in done:
            bus.publish(ENRICHED, enriched.id, enriched.model_dump_json().encode())
        return failed

    return Stage("processor", bus, RAW, handle)
