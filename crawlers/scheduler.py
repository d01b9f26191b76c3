"""Decides which sources are due, from each source's `schedule` and its last round.

Archive sources (a closed mission's site) are crawled once, then only on request.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence

from crawlers.state import RoundStats
from veille.sources import Source

log = logging.getLogger(__name__)


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


class Scheduler:
    """Sends one collection job per due source and follows the round it will report under.

    A source with a job in flight is not sent again until its round finishes, or until the
    job's time limit has passed (a worker that died with the job never reports).

    `on_round_finished(keys)` is called once per tick with the sources whose rounds finished
    since the previous tick (the source-health check, `crawlers.source_health.HealthChecker`).
    """

    def __init__(self, sources: list[Source], state, send, job_timeout: float = 3600.0,
                 on_round_finished: Callable[[Sequence[str]], object] | None = None) -> None:
        self.sources, self.state, self.send, self.job_timeout = sources, state, send, job_timeout
        self.on_round_finished = on_round_finished
        self.in_flight: dict[str, tuple[str, float]] = {}  # source key -> (round id, sent at)
        self.sent_once: set[str] = set()
        self.last_tick = time.time()

    def tick(self, once: bool = False) -> int:
        """Forgets finished rounds, sends the due sources; returns how many jobs were sent."""
        now = self.last_tick = time.time()
        finished = []
        for key, (round_id, sent_at) in list(self.in_flight.items()):
            report = self.state.round_stats(round_id).get(key)
            if (report is not None and report.finished is not None) or now - sent_at > self.job_timeout:
                del self.in_flight[key]
                finished.append(key)
        if finished and self.on_round_finished is not None:
            try:
                self.on_round_finished(finished)
            except Exception:  # noqa: BLE001 - a hook must never stop scheduling
                log.exception("after-round hook failed for %s", ", ".join(finished))
        sent = 0
        for source in due_sources(self.sources, self.state.last_rounds(), now):
            if source.key in self.in_flight or (once and source.key in self.sent_once):
                continue
            round_id = uuid.uuid4().hex[:12]
            self.in_flight[source.key] = (round_id, now)
            self.sent_once.add(source.key)
            self.send(source.key, round_id)
            sent += 1
        return sent

    @property
    def busy(self) -> bool:
        return bool(self.in_flight)


_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


class LeaderLease:
    """One scheduler at a time among many `veille crawl` processes: a Redis key with a TTL.

    The holder renews it on every tick; if the holder dies, another process takes over once
    the key expires. The others only run collection jobs.
    """

    def __init__(self, redis_url: str, name: str, ttl: float = 30.0) -> None:
        import redis

        self.client = redis.Redis.from_url(redis_url)
        self.key, self.ttl_ms = f"{name}:scheduler-leader", int(ttl * 1000)
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def hold(self) -> bool:
        if self.client.set(self.key, self.token, nx=True, px=self.ttl_ms):
            return True
        return bool(self.client.eval(_RENEW, 1, self.key, self.token, self.ttl_ms))

    def release(self) -> None:
        if self.client.get(self.key) == self.token.encode():
            self.client.delete(self.key)
