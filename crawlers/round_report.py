"""What one collection round did per source: items published, unchanged, errors by kind.

Errors are values an operator can act on: each is logged with the source and URL, counted in
Prometheus, and kept in the state database for `veille demo` and `veille sources list`.
"""

from __future__ import annotations

import logging
import os
import uuid

from twisted.python.failure import Failure

from crawlers.metrics import COLLECT_ERRORS, ITEMS_COLLECTED, ITEMS_DROPPED
from crawlers.state import CrawlState

log = logging.getLogger("veille.collect")


def failure_kind(failure: Failure) -> str:
    """A short, stable name for why a request failed (the counter's label)."""
    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadCancelledError,
        DownloadConnectionRefusedError,
        DownloadTimeoutError,
        IgnoreRequest,
        ResponseDataLossError,
    )
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.internet.defer import CancelledError

    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if text.startswith("blocked:"):
            return "blocked_address"
        if "DOWNLOAD_MAXSIZE" in text:  # HttpCompressionMiddleware: a body that inflates past it
            return "too_large"
        if "robots.txt" in text.lower():
            return "robots_forbidden"
        return "ignored"
    if isinstance(exc, DownloadTimeoutError) or "TimeoutError" in type(exc).__name__:
        return "timeout"
    if isinstance(exc, DownloadCancelledError | CancelledError):
        # Scrapy cancels a download only when its body passes DOWNLOAD_MAXSIZE: announced by
        # Content-Length (DownloadCancelledError) or streamed past it (twisted's CancelledError).
        return "too_large"
    if isinstance(exc, CannotResolveHostError | DownloadConnectionRefusedError):
        return "unreachable"
    if isinstance(exc, ResponseDataLossError):
        return "truncated_response"
    return type(exc).__name__


# Why each source's spider closed in this process, for crawl_round to record at exit.
CLOSE_REASONS: dict[str, str] = {}


class RoundReport:
    def __init__(self, state: CrawlState, round_id: str | None = None) -> None:
        self.state = state
        # Under crawl_round (VEILLE_ROUND_ID set) the round is marked finished only when the
        # process exits, after the last item left the pipeline; `scrapy crawl` marks it itself.
        self.managed = round_id is None and "VEILLE_ROUND_ID" in os.environ
        self.round_id = round_id or os.environ.get("VEILLE_ROUND_ID") or uuid.uuid4().hex[:12]

    def start(self, source: str) -> None:
        self.state.start_round(self.round_id, source)

    def finish(self, source: str, status: str) -> None:
        CLOSE_REASONS[source] = status
        if not self.managed:
            self.state.finish_round(self.round_id, source, status)

    def published(self, source: str) -> None:
        ITEMS_COLLECTED.labels(source).inc()
        self.state.bump(self.round_id, source, "items")

    def unchanged(self, source: str, reason: str = "already_seen") -> None:
        ITEMS_DROPPED.labels(source, reason).inc()
        self.state.bump(self.round_id, source, "unchanged")

    def deferred(self, source: str, count: int, why: str) -> None:
        """`count` pieces of work left for the next round by a round limit (`why`): recorded
        in the round's report (`deferred`), done by the next round, never lost."""
        if count <= 0:
            return
        log.info("[%s] %d left for the next round: %s", source, count, why)
        self.state.defer(self.round_id, source, count)

    def error(self, source: str, kind: str, url: str | None, message: str) -> None:
        log.error("[%s] %s at %s: %s", source, kind, url or "-", message)
        COLLECT_ERRORS.labels(source, kind).inc()
        self.state.record_error(self.round_id, source, kind, url, message)
