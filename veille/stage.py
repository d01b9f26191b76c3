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

    def run_forever(self, idle_sleep: float = 0.2) -> None:
        while not self.stopping.is_set():
            try:
                if not self.run_once():
                    STAGE_LAG.labels(self.name).set(self.consumer.lag())
                    self.stopping.wait(idle_sleep)
            except Exception:
                # The downstream write failed (store or bus down): nothing was committed, so
                # the batch is read again after a pause; rebuild the consumer at the committed
                # position.
                log.exception("%s: batch failed, retrying from the last commit", self.name)
                STAGE_MESSAGES.labels(self.name, "retry").inc()
                time.sleep(1.0)
                self.consumer = self.bus.consumer(self.topic, group=self.name)

    def stop(self) -> None:
        self.stopping.set()
