"""Decides which sources are due, from each source's `schedule` and its last round.

Archive sources (a closed mission's site) are crawled once, then only on request.
"""

from __future__ import annotations

import time

from veille.sources import Source
from veille.state import RoundStats


def due_sources(sources: list[Source], last: dict[str, RoundStats], now: float | None = None) -> list[Source]:
    now = now or time.time()
    due = []
    for source in sources:
        previous = last.get(source.key)
        if previous is None:
            due.append(source)
            continue
        if previous.status == "running":
            # Another worker is on it; a round silent for an hour is taken for dead.
            if now - previous.started >= 3600:
                due.append(source)
            continue
        if previous.status == "interrupted":
            due.append(source)  # killed with its runner: redo it now
            continue
        if previous.status != "ok":
            # Crashed or failed: retry, but not in a tight loop.
            if now - (previous.finished or previous.started) >= min(source.interval.total_seconds(), 300):
                due.append(source)
            continue
        if source.archive and previous.status == "ok":
            continue
        if now - (previous.finished or previous.started) >= source.interval.total_seconds():
            due.append(source)
    return due
