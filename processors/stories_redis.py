"""The story and duplicate index in Redis, shared by every processor (distributed mode).

Why: with one SQLite `stories.db` per processor, two processors reading different Kafka
partitions gave two story ids to one event reported in two languages, and the team was
alerted twice. `RedisStoryIndex` has the interface of `processors.stories.StoryIndex`
(`assign`, `flush`, `prune`, `close`, `len`) and the same rules (MinHash bands, 2-bit
signatures, story features and scores: the functions of `processors/stories.py`); only where
the state lives changes. `open_story_index` picks it when `VEILLE_REDIS_URL` is set, the
SQLite file otherwise (the embedded default).

Keys, under `<ns>:stories:<parameters>:` (a veille with other MinHash/LSH parameters uses
other keys; the old ones expire by themselves):

    item:<key>         hash: id, story, dup, sig (32 bytes), slot   — one per item
    band:<h>           sorted set: item keys by slot (arrival order) — the LSH buckets
    ev:<place>:<day>   sorted set: packed story features by slot     — story candidates
    seq                the arrival counter (slots)

Bounded: every key expires (EXPIREAT, GT for the shared sets) at the expiry of the latest
item written to it, `window_days` (30) after the later of its publication and its collection,
as in SQLite; a bucket keeps its `BUCKET_MAX` most recent members and drops members whose
item has expired when it is next read. About 600 bytes per item in Redis.

Concurrency: an assignment is optimistic (WATCH / MULTI / EXEC): the item key, its band
buckets and the event sets of its place over ±`STORY_DAYS` days are watched, read, the
decision computed in Python, and written in one transaction that Redis refuses if any
watched key changed in between; the assignment is then recomputed from what the other
processor wrote. Two reports of one event (same place key, days within the window) watch a
common event set, and two copies of one text a common bucket, so racing processors give one
story id and one original. A report that matches reports of two stories names the other
(`merged_stories`, as in SQLite) but does not rewrite their packed candidate members here: a
later report may still join the older story id (the alert rules count both through the
report that named them). Re-processing an item returns its stored answer. Everything is
written when `assign` returns (`flush` has nothing to do); it survives processor restarts,
and Redis restarts as far as the server's persistence (RDB/AOF) is configured.
"""

from __future__ import annotations

import logging
import random
import struct
import time
from collections import Counter
from datetime import datetime
from typing import Any

import numpy as np

from processors.minhash import (
    BANDS,
    NUM_PERM,
    ROWS,
    SEED,
    _estimates,
    band_keys,
    compact,
    signature,
)
from processors.stories import (
    _DAY_ORDER,
    DUPLICATE_THRESHOLD,
    MAX_CANDIDATES,
    MAX_STORY_CANDIDATES,
    SCHEMA,
    StoryAnswer,
    StoryIndex,
    StoryIndexBase,
    _features,
    _h64,
    chosen_stories,
    publication_and_expiry,
    story_name,
)
from veille.schema import Figures

log = logging.getLogger(__name__)

BUCKET_MAX = 2000
"""Members kept per LSH bucket (the most recent): copies keep no band keys, so a bucket only
grows with distinct texts sharing four MinHash values, rare beyond a few dozen."""
EVENT_READ = 400
"""Most recent members read per (place, day) set; the first `MAX_STORY_CANDIDATES` sharing
an event type are scored, as the SQLite query does."""
MAX_ATTEMPTS = 200
"""Optimistic transactions retried this many times before the item fails (to the DLQ)."""
_EVENT = struct.Struct(">7q")  # story, types, name, level, orgs, killed, key


class RedisStoryIndex(StoryIndexBase):
    """Duplicate and story assignment over a sliding window, shared in Redis."""

    def __init__(self, url: str, namespace: str = "veille", window_days: int = 30,
                 client: Any = None) -> None:
        import redis

        if window_days < 1:
            raise ValueError(f"window_days must be ≥ 1, got {window_days}")
        self.window_days = window_days
        self.path = None
        self.prefix = f"{namespace}:stories:{SCHEMA}.{NUM_PERM}.{BANDS}x{ROWS}.{SEED}:"
        self._redis = client or redis.Redis.from_url(url, socket_timeout=30, health_check_interval=30)
        try:
            self._redis.ping()
        except redis.RedisError as exc:
            raise RuntimeError(
                f"the story index cannot reach Redis at VEILLE_REDIS_URL={_redacted(url)} ({exc}); "
                "start Redis or correct VEILLE_REDIS_URL"
            ) from exc
        self.conflicts = 0
        """Transactions retried because another processor wrote first (tests, metrics)."""

    # -- the StoryIndex interface ------------------------------------------------------------
    def flush(self) -> None:
        """Nothing to do: every assignment is in Redis when `assign` returns."""

    def close(self) -> None:
        self._redis.close()

    def __len__(self) -> int:
        return sum(1 for _ in self._redis.scan_iter(match=f"{self.prefix}item:*", count=1000))

    def prune(self, now: datetime) -> int:
        """Nothing to do: keys expire (EXPIREAT) and buckets drop expired members on reads."""
        return 0

    def assign_story(
        self,
        item_id: str,
        text: str,
        lang: str,
        published_at: datetime | None,
        event_types: list[str],
        places: list[tuple[str, str]],
        orgs: list[str],
        figures: Figures,
    ) -> StoryAnswer:
        """The item's `StoryAnswer`; the same duplicate and story every time for the same id,
        whichever processor asks (see the module doc)."""
        return self._assign(_h64(item_id), item_id, signature(text), published_at,
                            event_types, places, orgs, figures)

    # -- the assignment ----------------------------------------------------------------------
    def _assign(
        self,
        key: int,
        item_id: str,
        values: np.ndarray | None,
        published_at: datetime | None,
        event_types: list[str],
        places: list[tuple[str, str]],
        orgs: list[str],
        figures: Figures,
    ) -> StoryAnswer:
        import redis

        published, expires = publication_and_expiry(published_at, self.window_days)
        sig, hashes = (compact(values), band_keys(values)) if values is not None else (None, [])
        features = _features(published, event_types, places, orgs, figures)
        p = self.prefix
        item_key = f"{p}item:{key}"
        bands = [f"{p}band:{h}" for h in hashes]
        events: list[str] = []
        if features is not None:
            place, day = features[0], features[1]
            events = [f"{p}ev:{place}:{day + offset}" for offset in _DAY_ORDER]
        for attempt in range(MAX_ATTEMPTS):
            with self._redis.pipeline() as tx:
                try:
                    tx.watch(item_key, *bands, *events)
                    answer = self._decide(tx, key, item_id, sig, hashes, bands, features, events,
                                          expires)
                    return answer
                except redis.WatchError:
                    self.conflicts += 1
                    time.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
        raise RuntimeError(
            f"story index: item {item_id} could not be assigned after {MAX_ATTEMPTS} attempts "
            "(other processors kept writing the same keys); it goes to the dead-letter topic"
        )

    def _decide(self, tx: Any, key: int, item_id: str, sig: bytes | None, hashes: list[int],
                bands: list[str], features: tuple | None, events: list[str],
                expires: int) -> StoryAnswer:
        """Reads (after WATCH), decides, writes in MULTI/EXEC (raises WatchError on a race)."""
        p = self.prefix
        reads = self._redis.pipeline(transaction=False)
        reads.hmget(f"{p}item:{key}", "dup", "story")
        for band in bands:
            reads.zrevrange(band, 0, BUCKET_MAX - 1, withscores=True)
        for event in events:
            reads.zrevrange(event, 0, EVENT_READ - 1)
        reads.incr(f"{p}seq")
        results = reads.execute()
        stored_dup, stored_story = results[0]
        if stored_story is not None:
            tx.unwatch()
            return StoryAnswer(stored_dup.decode() or None, story_name(int(stored_story)))
        buckets = results[1 : 1 + len(bands)]
        day_rows = results[1 + len(bands) : 1 + len(bands) + len(events)]
        slot = int(results[-1])
        duplicate_of, story, dead, merged = None, None, [], []
        if sig is not None and any(buckets):
            found, dead = self._original(sig, buckets)
            if found is not None:
                duplicate_of, story = found
        store_bands = sig is not None and duplicate_of is None
        if story is None and features is not None:
            story, merged = self._story(features, day_rows)
        own_story = key if story is None else story
        tx.multi()
        tx.hset(f"{p}item:{key}", mapping={
            "id": item_id, "story": own_story, "dup": duplicate_of or "",
            "sig": sig if store_bands else b"", "slot": slot,
        })
        tx.expireat(f"{p}item:{key}", expires)
        for band in bands:
            if dead:
                tx.zrem(band, *dead)
            if store_bands:
                tx.zadd(band, {str(key): slot})
                tx.zremrangebyrank(band, 0, -(BUCKET_MAX + 1))
                tx.expireat(band, expires, gt=True)
                tx.expireat(band, expires, nx=True)
        if features is not None and duplicate_of is None:
            event = events[0]  # the item's own day comes first in _DAY_ORDER
            _place, _day, types, name, level, orgs, killed = features
            tx.zadd(event, {_EVENT.pack(own_story, types, name, level, orgs, killed, key): slot})
            tx.expireat(event, expires, gt=True)
            tx.expireat(event, expires, nx=True)
        tx.execute()
        return StoryAnswer(duplicate_of, story_name(own_story),
                           tuple(story_name(m) for m in merged))

    def _original(self, sig: bytes, buckets: list[list[tuple[bytes, float]]]
                  ) -> tuple[tuple[str, int] | None, list[bytes]]:
        """((original item id, its story) of the earliest item with the same text, or None;
        the bucket members whose item has expired)."""
        counts: Counter[bytes] = Counter()
        slots: dict[bytes, float] = {}
        for bucket in buckets:
            for member, score in bucket:
                counts[member] += 1
                slots[member] = score
        # The candidates sharing the most bands, then the earliest (as the SQLite query).
        chosen = sorted(counts, key=lambda m: (-counts[m], slots[m]))[:MAX_CANDIDATES]
        reads = self._redis.pipeline(transaction=False)
        for member in chosen:
            reads.hmget(f"{self.prefix}item:{member.decode()}", "id", "dup", "story", "sig")
        rows = reads.execute()
        dead = [m for m, row in zip(chosen, rows, strict=True) if row[0] is None]
        live = sorted(
            ((slots[m], row) for m, row in zip(chosen, rows, strict=True) if row[0] is not None and row[3]),
            key=lambda pair: pair[0],
        )
        if not live:
            return None, dead
        hits = np.flatnonzero(_estimates(sig, [row[3] for _, row in live]) >= DUPLICATE_THRESHOLD)
        if not hits.size:
            return None, dead
        item_id, dup, story, _sig = live[int(hits[0])][1]
        return ((dup.decode() or item_id.decode()), int(story)), dead

    @staticmethod
    def _story(features: tuple, day_rows: list[list[bytes]]) -> tuple[int | None, list[int]]:
        day, types = features[1], features[2]
        rows: list[tuple[int, ...]] = []
        for offset, members in zip(_DAY_ORDER, day_rows, strict=True):
            taken = 0
            for member in members:  # the most recent first
                story, c_types, name, level, orgs, killed, _key = _EVENT.unpack(member)
                if c_types & types:
                    rows.append((story, day + offset, c_types, name, level, orgs, killed))
                    taken += 1
                    if taken == MAX_STORY_CANDIDATES:
                        break
        return chosen_stories(features, rows)


def _redacted(url: str) -> str:
    """The URL without its password."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def open_story_index(settings: Any = None, window_days: int = 30) -> StoryIndex | RedisStoryIndex:
    """The processor's story index: shared in Redis when `VEILLE_REDIS_URL` is set
    (distributed mode: every processor, on any host, sees the others' items), else the
    SQLite file `$VEILLE_HOME/stories.db` (the embedded default)."""
    from veille.settings import get_settings

    settings = settings or get_settings()
    if settings.redis_url:
        return RedisStoryIndex(settings.redis_url, settings.namespace, window_days)
    return StoryIndex(settings.home / "stories.db", window_days=window_days)
