"""The loop every consuming stage runs: poll, handle, write downstream, then commit.

Committing only after the downstream write is what makes delivery at-least-once; a message
whose handling raises goes to the dead letters with the error and the loop moves on, so one
poison message never blocks the partition.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from veille.bus.base import Bus, Message
from veille.metrics import STAGE_BATCH_SECONDS, STAGE_LAG, STAGE_MESSAGES

log = logging.getLogger(__name__)

# Handles a batch; returns the messages that failed with their errors (they are dead-lettered).
BatchHandler = Callable[[Sequence[Message]], list[tuple[Message, BaseException]]]


class Stage:
    def __init__(self, name: str, bus: Bus, topic: str, handler: BatchHandler, batch_size: int = 200) -> None:
        self.name, self.bus, self.topic, self.handler = name, bus, topic, handler
        self.batch_size = batch_size
        self.consumer = bus.consumer(topic, group=name)
        self.stopping = threading.Event()
        self.handled = 0
        self.last_loop = time.time()
        self.failing_since: float | None = None
        self.last_error = ""
        self.lag = 0
        self._lag_checked = 0.0

    def run_once(self, timeout: float = 0.5) -> int:
        """Handles at most one batch; returns how many messages it took."""
        messages = self.consumer.poll(self.batch_size, timeout)
        if not messages:
            return 0
        with STAGE_BATCH_SECONDS.labels(self.name).time():
            failed = self.handler(messages)
        for message, error in failed:
            log.error("%s: message %s@%s failed, sent to dead letters: %s", self.name, message.key, message.offset, error)
            self.bus.dead_letter(message, self.name, error)
        self.bus.flush()
        self.consumer.commit(messages)
        STAGE_MESSAGES.labels(self.name, "ok").inc(len(messages) - len(failed))
        STAGE_MESSAGES.labels(self.name, "dead_letter").inc(len(failed))
        self.handled += len(messages)
        return len(messages)

    def drain(self) -> int:
        """Handles everything waiting now (used by `veille demo` and tests)."""
        total = 0
        while n := self.run_once(timeout=0.05):
            total += n
        return total

    def run_forever(self, idle_sleep: float = 0.0, lag_every: float = 5.0) -> None:
        """Batches until `stop`. No pause after an empty poll by default: `poll` itself waits
        up to 0.5 s for messages (Kafka: a long poll answered as soon as one arrives; the
        SQLite bus looks every 50 ms), so an idle loop costs nothing more, and a pause there
        only delayed the first item after a quiet spell (it was 0.2 s per stage)."""
        backoff = 1.0
        while not self.stopping.is_set():
            self.last_loop = time.time()
            try:
                took = self.run_once()
                if self.failing_since is not None:
                    log.info("%s: recovered after %.0f s", self.name, time.time() - self.failing_since)
                self.failing_since, backoff = None, 1.0
                if time.time() - self._lag_checked >= lag_every:
                    self._lag_checked = time.time()
                    self.lag = self.consumer.lag()
                    STAGE_LAG.labels(self.name).set(self.lag)
                if not took and idle_sleep:
                    self.stopping.wait(idle_sleep)
            except Exception as exc:
                # The downstream write failed (store or bus down): nothing was committed, so
                # go back to the last commit and read the batch again after a pause that
                # grows while the failure lasts (back-pressure: nothing new is taken).
                self.failing_since = self.failing_since or time.time()
                self.last_error = f"{type(exc).__name__}: {exc}"[:500]
                log.warning("%s: batch failed, retrying from the last commit in %.0f s: %s",
                            self.name, backoff, self.last_error)
                STAGE_MESSAGES.labels(self.name, "retry").inc()
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 15.0)
                try:
                    self.consumer.rewind()
                except Exception:
                    log.exception("%s: could not rewind; reopening the consumer", self.name)
                    self._reopen()

    def _reopen(self) -> None:
        try:
            self.consumer.close()
        except Exception:
            log.debug("%s: closing the old consumer failed", self.name, exc_info=True)
        self.consumer = self.bus.consumer(self.topic, group=self.name)

    def health(self, stale_after: float = 120.0) -> tuple[bool, dict]:
        """Healthy while the loop turns and the last batch went through."""
        now = time.time()
        ok = self.failing_since is None and now - self.last_loop < stale_after
        return ok, {
            "stage": self.name,
            "handled": self.handled,
            "lag": self.lag,
            "failing_for_s": round(now - self.failing_since, 1) if self.failing_since else 0,
            "last_error": self.last_error if self.failing_since else "",
        }

    def stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        self.consumer.close()
