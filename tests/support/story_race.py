"""Worker of the story-index race tests: one process = one processor with its own VEILLE_HOME,
sharing the story index through Redis (spawned, so nothing is shared but Redis)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

from veille.schema import Figures

DAY = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)
REPORTS = {
    "fr": "Attaque armée près de {town}",
    "en": "Armed attack near {town}",
    "ar": "هاجم مسلحون مركزا قرب {town}",
}
"""Fewer than MIN_WORDS words: never duplicates of one another, only the story rules join them."""


def event_report(n: int, lang: str) -> dict[str, Any]:
    """Report `lang` of event `n`: texts too short to be duplicates (the story rules decide),
    same place, type and toll, a few hours apart."""
    town = f"Ville{n}"
    return {
        "item_id": f"{lang}-site:event-{n}",
        "text": REPORTS[lang].format(town=town),
        "lang": lang,
        "published_at": DAY + timedelta(hours={"fr": 0, "en": 3, "ar": 7}[lang]),
        "event_types": ["attack_on_civilians"],
        "places": [(town, f"Région{n}")],
        "orgs": [],
        "figures": Figures(killed=12),
    }


def race(env: dict[str, str], lang: str, events: int, barrier: Any, out: Any,
         copies: str | None = None, slow: float = 0.0) -> None:
    """Assigns report `lang` of each event (or, with `copies`, one copy of that text per
    event) once every worker is ready; puts (lang, {item id: answer}, conflicts) on `out`.
    `slow`: seconds spent deciding, between the reads and the write (a busy processor), so
    the workers' transactions overlap."""
    os.environ.update(env)
    from processors.stories_redis import open_story_index
    from veille.settings import reset_settings

    reset_settings()
    index = open_story_index()
    if slow:
        import time

        decide = index._story

        def slowly(*args: Any) -> Any:
            time.sleep(slow)
            return decide(*args)

        index._story = slowly
    answers: dict[str, tuple[str | None, str]] = {}
    try:
        barrier.wait(60)
        for n in range(events):
            if copies is not None:
                item_id = f"{lang}-site:copy-{n}"
                answers[item_id] = index.assign(item_id, copies + f"\nÉdition {n} bis.", "fr", DAY,
                                                [], [], [], Figures())
            else:
                report = event_report(n, lang)
                answers[report["item_id"]] = index.assign(**report)
    finally:
        out.put((lang, answers, getattr(index, "conflicts", 0), type(index).__name__))
        index.close()
