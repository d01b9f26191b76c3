"""The embedded item store: SQLite (WAL) with an FTS5 index over title and body.

FTS5's `unicode61` tokenizer with `remove_diacritics 2` lets "securite" find "sécurité";
Arabic is tokenised on letters, which is enough for word search until the classifiers'
normalisation lands.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sinks.store import SOURCE_ITEMS_LIMIT, STORY_ITEMS_LIMIT, ItemFacts, ItemStore
from veille.schema import EnrichedItem
from veille.sqlite_db import SqliteDatabase

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    rid INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    lang TEXT,
    published_at TEXT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS items_source ON items(source);
CREATE INDEX IF NOT EXISTS items_source_collected ON items(source, json_extract(doc, '$.collected_at'));
CREATE INDEX IF NOT EXISTS items_story ON items(json_extract(doc, '$.enrichment.story_id'));
CREATE VIRTUAL TABLE IF NOT EXISTS items_fts USING fts5(
    title, body, content='items', content_rowid='rid',
    tokenize="unicode61 remove_diacritics 2"
);
CREATE TRIGGER IF NOT EXISTS items_ai AFTER INSERT ON items BEGIN
  INSERT INTO items_fts(rowid, title, body) VALUES (new.rid, new.title, new.body);
END;
CREATE TRIGGER IF NOT EXISTS items_ad AFTER DELETE ON items BEGIN
  INSERT INTO items_fts(items_fts, rowid, title, body) VALUES ('delete', old.rid, old.title, old.body);
END;
CREATE TRIGGER IF NOT EXISTS items_au AFTER UPDATE ON items BEGIN
  INSERT INTO items_fts(items_fts, rowid, title, body) VALUES ('delete', old.rid, old.title, old.body);
  INSERT INTO items_fts(rowid, title, body) VALUES (new.rid, new.title, new.body);
END;
"""


class SqliteStore(SqliteDatabase, ItemStore):
    schema = _SCHEMA

    def upsert(self, items: Sequence[EnrichedItem]) -> dict[str, str]:
        rows = [
            (
                item.id,
                item.source,
                item.enrichment.language.code if item.enrichment else item.lang,
                item.published_at.isoformat() if item.published_at else None,
                item.title,
                item.body,
                item.model_dump_json(),
            )
            for item in items
        ]
        refused: dict[str, str] = {}
        with self.transaction() as conn:
            # Sources own their items: an id stored for another source is not replaced (the
            # collection pipeline refuses it first; this is the last guard).
            owners = _owners(conn, [row[0] for row in rows])
            for row in rows:
                owner = owners.get(row[0])
                if owner is not None and owner != row[1]:
                    refused[row[0]] = (f"item {row[0]} belongs to source {owner!r}; source {row[1]!r} "
                                       "may not replace it (id_collision)")
                    log.warning("store: %s", refused[row[0]])
            conn.executemany(
                "INSERT INTO items(id, source, lang, published_at, title, body, doc) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "lang=excluded.lang, published_at=excluded.published_at, "
                "title=excluded.title, body=excluded.body, doc=excluded.doc "
                "WHERE items.source = excluded.source",
                [row for row in rows if row[0] not in refused],
            )
        return refused  # otherwise SQLite stores any valid item

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """FTS5 query syntax (words, "phrases", AND/OR/NOT); plain words are ANDed.
        A misplaced operator raises QuerySyntaxError, whose message says how to fix the query."""
        try:
            # FTS5's snippet() is quadratic in the matches of a document (a megabyte repeating
            # the word takes minutes): past SNIPPET_MAX_BODY characters the snippet is cut here.
            rows = self._conn().execute(
                "SELECT items.doc, CASE WHEN length(items.body) <= ? "
                "THEN snippet(items_fts, 1, '[', ']', '…', 12) END FROM items_fts "
                "JOIN items ON items.rid = items_fts.rowid WHERE items_fts MATCH ? "
                "ORDER BY bm25(items_fts, 5.0, 1.0) LIMIT ?",
                (SNIPPET_MAX_BODY, _fts_query(query), limit),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            if "fts5" not in str(exc):
                raise
            raise QuerySyntaxError(
                f"search query {query[:80]!r} is not valid ({exc}); put words in double quotes "
                'to search them literally, e.g. \'"AND"\'') from None
        hits = []
        for doc, snip in rows:
            item = json.loads(doc)
            hits.append({**item, "snippet": snip if snip is not None else _plain_snippet(item, query)})
        return hits

    def get(self, item_id: str) -> dict[str, Any] | None:
        row = self.one("SELECT doc FROM items WHERE id=?", (item_id,))
        return json.loads(row[0]) if row else None

    def story_items(self, story_id: str, limit: int = STORY_ITEMS_LIMIT) -> list[dict[str, Any]]:
        rows = self._conn().execute(
            "SELECT doc FROM items WHERE json_extract(doc, '$.enrichment.story_id') = ? "
            "ORDER BY published_at IS NULL, published_at, id LIMIT ?", (story_id, limit)).fetchall()
        return [json.loads(doc) for (doc,) in rows]

    def export(self) -> Iterator[dict[str, Any]]:
        for (doc,) in self._conn().execute("SELECT doc FROM items ORDER BY id"):
            yield json.loads(doc)

    def count(self) -> int:
        return self.one("SELECT count(*) FROM items")[0]

    def counts_by_source(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for source, lang, n in self._conn().execute(
            "SELECT source, coalesce(lang, 'und'), count(*) FROM items GROUP BY 1, 2"
        ):
            entry = out.setdefault(source, {"items": 0, "languages": {}})
            entry["items"] += n
            entry["languages"][lang] = n
        return out

    def source_items(self, source: str, since: datetime,
                     limit: int = SOURCE_ITEMS_LIMIT) -> list[ItemFacts]:
        """Served by the index on (source, collected_at as stored in the JSON): ISO-8601
        UTC strings sort like the instants, to the second; the exact bound is applied after."""
        since = since.astimezone(UTC) if since.tzinfo else since.replace(tzinfo=UTC)
        rows = self._conn().execute(
            "SELECT json_extract(doc, '$.collected_at'), published_at IS NOT NULL, length(title), "
            "length(body), coalesce(lang, 'und') FROM items WHERE source=? AND "
            "json_extract(doc, '$.collected_at') >= ? "
            "ORDER BY json_extract(doc, '$.collected_at') DESC LIMIT ?",
            (source, since.strftime("%Y-%m-%dT%H:%M:%S"), limit),
        ).fetchall()
        out = []
        for collected, has_date, title_len, body_len, lang in rows:
            when = datetime.fromisoformat(collected)
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            if when >= since:
                out.append(ItemFacts(when, bool(has_date), title_len or 0, body_len or 0, lang))
        return out


SNIPPET_MAX_BODY = 50_000


def _plain_snippet(item: dict[str, Any], query: str, width: int = 80) -> str:
    """About `width` characters of the body around the first query word found (bracketed, as
    FTS5 marks it), or its start: for bodies too long for snippet()."""
    body = item.get("body") or ""
    folded = body.casefold()
    for token in _split_keep_phrases(query):
        word = token.strip('"').casefold()
        if not word or token in ("AND", "OR", "NOT"):
            continue
        at = folded.find(word)
        if at >= 0:
            start = max(at - width // 2, 0)
            end = at + len(word)
            return ("…" if start else "") + body[start:at] + "[" + body[at:end] + "]" + \
                body[end:end + width // 2] + "…"
    return body[:width] + ("…" if len(body) > width else "")


class QuerySyntaxError(ValueError):
    """A search query FTS5 cannot run: the message names the misplaced operator and the fix."""


def _check_operators(query: str, tokens: list[str]) -> None:
    """AND, OR and NOT (upper case) join two terms: one at the start, at the end or beside
    another operator makes FTS5 fail with a bare "syntax error"; say what to type instead."""
    operators = {"AND", "OR", "NOT"}
    shown = query if len(query) <= 80 else query[:79] + "…"
    for i, token in enumerate(tokens):
        if token not in operators:
            continue
        quoted = f'"{token}"'
        if i == 0 and token == "NOT":
            raise QuerySyntaxError(
                f"search {shown!r}: NOT needs a word before it (Kidal NOT Gao: items with Kidal "
                f"but not Gao); to search the word itself, quote it: {quoted}")
        if i == 0 or i == len(tokens) - 1:
            where = "starts" if i == 0 else "ends"
            raise QuerySyntaxError(
                f"search {shown!r} {where} with {token}, which joins two words (Kidal {token} Gao); "
                f"add the missing word, or quote it to search the word itself: {quoted}")
        if tokens[i + 1] in operators:
            raise QuerySyntaxError(
                f"search {shown!r}: {token} {tokens[i + 1]} has no word between the operators; "
                f"remove one, or quote a word to search it literally: {quoted}")


def _owners(conn: sqlite3.Connection, ids: list[str]) -> dict[str, str]:
    """{id: source} of the ids already stored."""
    owners: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        owners.update(conn.execute(f"SELECT id, source FROM items WHERE id IN ({marks})", chunk).fetchall())
    return owners


def _fts_query(query: str) -> str:
    """Lets users type plain words with punctuation (S/2020/476, l'AIGE) without FTS errors."""
    operators = {"AND", "OR", "NOT"}
    out = []
    tokens = _split_keep_phrases(query)
    _check_operators(query, tokens)
    for token in tokens:
        if token in operators or (token.startswith('"') and token.endswith('"') and len(token) > 1):
            out.append(token)
        else:
            out.append('"' + token.replace('"', "") + '"')
    return " ".join(out) or '""'


def _split_keep_phrases(query: str) -> list[str]:
    tokens, buf, in_phrase = [], "", False
    for ch in query:
        if ch == '"':
            buf += ch
            if in_phrase:
                tokens.append(buf)
                buf = ""
            in_phrase = not in_phrase
        elif ch.isspace() and not in_phrase:
            if buf:
                tokens.append(buf)
            buf = ""
        else:
            buf += ch
    if buf:
        tokens.append(buf.rstrip('"') + ('"' if in_phrase else ""))
    return tokens
