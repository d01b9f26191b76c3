"""Collection state in Redis, shared by every `veille crawl` worker (distributed mode).

Why: with one `state.db` per host, two crawl workers on two hosts each kept their own feed
validators and seen ids, so each refetched every feed and re-published every item.
`RedisCrawlState` has the interface of `crawlers.state.CrawlState` (validators, seen digests,
round reports, errors, source health); `open_state` picks it when `VEILLE_REDIS_URL` is set.

Keys, under `<ns>:state:`:

    val:<url>                 hash etag, last_modified, updated      TTL `VALIDATOR_DAYS`
    seen:<id>                 hash digest, source, first_seen        TTL `seen_days`, renewed
                                                                     each round the item is listed
    seen-by:<source>          sorted set id → first_seen (new-item counts; trimmed to seen_days)
    round:<round id>:<source> hash started, finished, items, unchanged, status, deferred,
                              e:<kind> error counts                  TTL `ROUND_DAYS`
    rounds:<source>           sorted set round id → started (trimmed to ROUND_DAYS)
    round-sources:<round id>  set of sources                         TTL `ROUND_DAYS`
    running                   set of "<round id> <source>" still running
    sources                   set of sources that have had a round
    errors:<source>           sorted set of JSON errors by time (trimmed to ROUND_DAYS and
                              `MAX_ERRORS`)
    success:<source>          when its last successful round finished (no TTL: "however old")
    health                    hash source → JSON (status, since, checked_at, doc)

Bounded: every per-item and per-round key expires; sets are trimmed on each write. Seen ids
last `SEEN_DAYS` (90) after the last round that listed the item, so an item
still in its feed is never re-published; counters are atomic (HINCRBY), so two workers
reporting on one round never lose a count.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from crawlers.state import RoundStats

SEEN_DAYS = 90
"""Days a seen id is remembered after the last round that listed its item."""
VALIDATOR_DAYS = 30
"""Days a feed's validators are kept after they were last saved (then one full fetch)."""
ROUND_DAYS = 30
"""Days round reports and collection errors are kept."""
MAX_ERRORS = 2000
"""Errors kept per source (the most recent), besides the ROUND_DAYS window."""
_IGNORED = ("running", "interrupted", "not_started")


def _s(value: bytes | None) -> str | None:
    return None if value is None else value.decode()


class RedisCrawlState:
    """`CrawlState` over Redis (see the module doc)."""

    def __init__(self, url: str, namespace: str = "veille", seen_days: float = SEEN_DAYS,
                 client: Any = None) -> None:
        import redis

        self.p = f"{namespace}:state:"
        self.seen_ttl = int(seen_days * 86400)
        self.path = None
        self.r = client or redis.Redis.from_url(url, socket_timeout=30, health_check_interval=30)
        try:
            self.r.ping()
        except redis.RedisError as exc:
            shown = re.sub(r"(://[^/@:\s]*:)[^/@\s]*@", r"\1***@", url)  # no password
            raise RuntimeError(
                f"the crawl state cannot reach Redis at VEILLE_REDIS_URL={shown} ({exc}); "
                "start Redis or correct VEILLE_REDIS_URL"
            ) from exc

    def close(self) -> None:
        self.r.close()

    def check(self) -> None:
        self.r.ping()

    # -- conditional GET -------------------------------------------------------------
    def validators(self, url: str) -> tuple[str | None, str | None]:
        etag, modified = self.r.hmget(f"{self.p}val:{url}", "etag", "last_modified")
        return _s(etag) or None, _s(modified) or None

    def save_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        key = f"{self.p}val:{url}"
        with self.r.pipeline() as tx:
            tx.hset(key, mapping={"etag": etag or "", "last_modified": last_modified or "",
                                  "updated": time.time()})
            tx.expire(key, VALIDATOR_DAYS * 86400)
            tx.execute()

    # -- seen items ------------------------------------------------------------------
    def seen_digest(self, item_id: str) -> str | None:
        key = f"{self.p}seen:{item_id}"
        with self.r.pipeline() as tx:
            tx.hget(key, "digest")
            tx.expire(key, self.seen_ttl, xx=True)  # listed again: remembered longer
            digest, _ = tx.execute()
        return _s(digest)

    def seen_source(self, item_id: str) -> str | None:
        """The source that first published `item_id`."""
        return _s(self.r.hget(f"{self.p}seen:{item_id}", "source"))

    def mark_seen(self, item_id: str, source: str, digest: str) -> None:
        key, now = f"{self.p}seen:{item_id}", time.time()
        with self.r.pipeline() as tx:
            tx.hset(key, "digest", digest)
            tx.hsetnx(key, "source", source)
            tx.hsetnx(key, "first_seen", now)
            tx.expire(key, self.seen_ttl)
            tx.zadd(f"{self.p}seen-by:{source}", {item_id: now}, nx=True)
            tx.zremrangebyscore(f"{self.p}seen-by:{source}", "-inf", now - self.seen_ttl)
            tx.execute()

    # -- round reports ---------------------------------------------------------------
    def _round(self, round_id: str, source: str) -> str:
        return f"{self.p}round:{round_id}:{source}"

    def start_round(self, round_id: str, source: str) -> None:
        key, now, ttl = self._round(round_id, source), time.time(), ROUND_DAYS * 86400
        with self.r.pipeline() as tx:
            tx.delete(key)
            tx.hset(key, mapping={"started": now, "items": 0, "unchanged": 0, "status": "running",
                                  "deferred": 0})
            tx.expire(key, ttl)
            tx.zadd(f"{self.p}rounds:{source}", {round_id: now})
            tx.zremrangebyscore(f"{self.p}rounds:{source}", "-inf", now - ttl)
            tx.sadd(f"{self.p}round-sources:{round_id}", source)
            tx.expire(f"{self.p}round-sources:{round_id}", ttl)
            tx.sadd(f"{self.p}running", f"{round_id} {source}")
            tx.sadd(f"{self.p}sources", source)
            tx.execute()

    def bump(self, round_id: str, source: str, column: str) -> None:
        assert column in ("items", "unchanged")
        key = self._round(round_id, source)
        if self.r.exists(key):  # as SQLite's UPDATE: nothing for a round never started
            self.r.hincrby(key, column, 1)

    def defer(self, round_id: str, source: str, count: int = 1) -> None:
        key = self._round(round_id, source)
        with self.r.pipeline() as tx:
            tx.hincrby(key, "deferred", count)
            tx.expire(key, ROUND_DAYS * 86400)
            tx.execute()

    def record_error(self, round_id: str | None, source: str, kind: str, url: str | None,
                     message: str) -> None:
        now = time.time()
        entry = json.dumps({"ts": now, "source": source, "kind": kind, "url": url,
                            "message": message[:2000], "n": time.monotonic_ns()})
        key = f"{self.p}errors:{source}"
        with self.r.pipeline() as tx:
            tx.zadd(key, {entry: now})
            tx.zremrangebyscore(key, "-inf", now - ROUND_DAYS * 86400)
            tx.zremrangebyrank(key, 0, -(MAX_ERRORS + 1))
            tx.sadd(f"{self.p}sources", source)
            tx.execute()
        if round_id and self.r.exists(self._round(round_id, source)):
            self.r.hincrby(self._round(round_id, source), f"e:{kind}", 1)

    def finish_round(self, round_id: str, source: str, status: str) -> None:
        key = self._round(round_id, source)
        if not self.r.exists(key):
            return
        now = time.time()
        with self.r.pipeline() as tx:
            tx.hset(key, mapping={"finished": now, "status": status})
            tx.srem(f"{self.p}running", f"{round_id} {source}")
            tx.execute()
        stats = self._stats(source, self.r.hgetall(key))
        if status == "ok" and (not stats.errors or stats.items + stats.unchanged > 0):
            self.r.set(f"{self.p}success:{source}", now)

    def mark_interrupted(self) -> int:
        """Rounds left 'running' by a killed process: every one in the namespace (only the
        embedded `veille run` calls this, at its start)."""
        count = 0
        for member in self.r.smembers(f"{self.p}running"):
            round_id, source = member.decode().rsplit(" ", 1)
            key = self._round(round_id, source)
            if self.r.hget(key, "status") == b"running":
                self.r.hset(key, mapping={"status": "interrupted", "finished": time.time()})
                count += 1
            self.r.srem(f"{self.p}running", member)
        return count

    @staticmethod
    def _stats(source: str, h: dict[bytes, bytes]) -> RoundStats:
        errors = {k[2:].decode(): int(v) for k, v in h.items() if k.startswith(b"e:")}
        finished = h.get(b"finished")
        return RoundStats(
            source, int(h.get(b"items", 0)), int(h.get(b"unchanged", 0)), errors,
            (h.get(b"status") or b"running").decode(), float(h.get(b"started", 0)),
            float(finished) if finished else None, int(h.get(b"deferred", 0)),
        )

    def _many(self, pairs: list[tuple[str, str]]) -> list[RoundStats]:
        with self.r.pipeline(transaction=False) as reads:
            for round_id, source in pairs:
                reads.hgetall(self._round(round_id, source))
            rows = reads.execute()
        return [self._stats(source, h) for (_, source), h in zip(pairs, rows, strict=True)
                if h and b"started" in h]

    def round_stats(self, round_id: str) -> dict[str, RoundStats]:
        sources = sorted(_s(s) for s in self.r.smembers(f"{self.p}round-sources:{round_id}"))
        return {s.source: s for s in self._many([(round_id, src) for src in sources])}

    def last_rounds(self) -> dict[str, RoundStats]:
        pairs = []
        for source in sorted(_s(s) for s in self.r.smembers(f"{self.p}sources")):
            latest = self.r.zrevrange(f"{self.p}rounds:{source}", 0, 0)
            if latest:
                pairs.append((latest[0].decode(), source))
        return {s.source: s for s in self._many(pairs)}

    def recent_errors(self, source: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        sources = [source] if source else sorted(_s(s) for s in self.r.smembers(f"{self.p}sources"))
        rows: list[dict[str, Any]] = []
        for src in sources:
            rows += [json.loads(e) for e in self.r.zrevrange(f"{self.p}errors:{src}", 0, limit - 1)]
        rows.sort(key=lambda e: (e["ts"], e.get("n", 0)), reverse=True)
        return [{k: e[k] for k in ("ts", "source", "kind", "url", "message")} for e in rows[:limit]]

    # -- source health (crawlers.source_health) ------------------------------------------
    def source_rounds(self, source: str, limit: int = 50) -> list[RoundStats]:
        """The source's finished rounds, newest first (see CrawlState.source_rounds)."""
        out: list[RoundStats] = []
        start = 0
        while len(out) < limit:
            ids = self.r.zrevrange(f"{self.p}rounds:{source}", start, start + 4 * limit - 1)
            if not ids:
                break
            start += len(ids)
            out += [s for s in self._many([(i.decode(), source) for i in ids])
                    if s.status not in _IGNORED]
        return out[:limit]

    def last_success(self, source: str) -> float | None:
        value = self.r.get(f"{self.p}success:{source}")
        return float(value) if value else None

    def productive_round_starts(self, source: str, since: float) -> list[float]:
        ids = self.r.zrangebyscore(f"{self.p}rounds:{source}", since, "+inf")
        return [s.started for s in self._many([(i.decode(), source) for i in ids]) if s.items > 0]

    def new_items(self, source: str, since: float) -> tuple[int, float | None]:
        key = f"{self.p}seen-by:{source}"
        count = self.r.zcount(key, since, "+inf")
        last = self.r.zrevrange(key, 0, 0, withscores=True)
        return int(count), (last[0][1] if last else None)

    def errors_by_kind(self, source: str, since: float) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for entry in self.r.zrangebyscore(f"{self.p}errors:{source}", since, "+inf"):
            kind = json.loads(entry)["kind"]
            kinds[kind] = kinds.get(kind, 0) + 1
        return dict(sorted(kinds.items()))

    def health_records(self) -> dict[str, tuple[str, float | None]]:
        rows = {k.decode(): json.loads(v) for k, v in self.r.hgetall(f"{self.p}health").items()}
        return {source: (row[0], row[1]) for source, row in rows.items()}

    def health_docs(self) -> dict[str, dict[str, Any]]:
        rows = {k.decode(): json.loads(v) for k, v in self.r.hgetall(f"{self.p}health").items()}
        return {source: json.loads(row[3]) for source, row in rows.items()}

    def save_health(self, rows: list[tuple[str, str, float | None, float, str]]) -> None:
        if rows:
            self.r.hset(f"{self.p}health", mapping={
                source: json.dumps([status, since, checked_at, doc])
                for source, status, since, checked_at, doc in rows
            })
