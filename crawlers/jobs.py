"""Dramatiq actors for collection: one job crawls one source for one round.

`dramatiq crawlers.jobs` runs them in worker processes against Redis; `veille run` runs
them in-process. A job's round runs in a child process (see crawlers.crawl_round).
"""

from __future__ import annotations

import logging

import dramatiq

from veille.broker import broker  # noqa: F401 - selects the broker before actors are declared
from veille.sources import configured_registry

log = logging.getLogger(__name__)


@dramatiq.actor(queue_name="collect", max_retries=0, time_limit=60 * 60 * 1000)
def crawl_source(source_key: str, round_id: str | None = None) -> None:
    """Crawls one source once; its round report lands in the state database under round_id
    (given by the sender, so it can tell when exactly this round is over)."""
    from crawlers.crawl_round import run_round

    source = configured_registry().get(source_key)
    stats = run_round([source], round_id)[source_key]
    log.info("round for %s: %d new, %d unchanged, %d errors", source_key, stats.items, stats.unchanged, stats.error_count)
