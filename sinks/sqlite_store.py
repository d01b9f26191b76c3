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

from sinks.alerts.query import And, Node, Not, Or, Term
from sinks.search import (
    END_MARK,
    MARK,
    Hit,
    QuerySyntaxError,
    SearchQuery,
    fold_place,
    mark_first,
    search_query,
)
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

    def search(self, query: SearchQuery | str, limit: int = 20) -> list[Hit]:
        """The query's words through FTS5 (best first, title weighted 5 to the body's 1), or
        with no words the newest items, both narrowed by the filters in SQL."""
        if isinstance(query, str):
            query = search_query(query, limit=limit)
        where, params = _filters(query)
        if query.places:
            self._conn().create_function("search_fold", 1, fold_place, deterministic=True)
        if query.root is None:
            rows = self._conn().execute(
                f"SELECT items.doc, NULL, NULL FROM items WHERE {' AND '.join(where) or '1'} "
                f"ORDER BY {_WHEN} DESC, items.id LIMIT ?", (*params, query.limit)).fetchall()
        else:
            # FTS5's snippet() is quadratic in the matches of a document (a megabyte repeating
            # the word takes minutes): past SNIPPET_MAX_BODY characters the snippet is cut here.
            rows = self._conn().execute(
                "SELECT items.doc, highlight(items_fts, 0, ?, ?), CASE WHEN length(items.body) <= ? "
                "THEN snippet(items_fts, 1, ?, ?, '…', 12) END FROM items_fts "
                "JOIN items ON items.rid = items_fts.rowid WHERE items_fts MATCH ? "
                + "".join(f" AND {w}" for w in where)
                + " ORDER BY bm25(items_fts, 5.0, 1.0) LIMIT ?",
                (MARK, END_MARK, SNIPPET_MAX_BODY, MARK, END_MARK, fts_match(query.root), *params,
                 query.limit),
            ).fetchall()
        hits = []
        for doc, title, snip in rows:
            item = json.loads(doc)
            if snip is None:
                snip = mark_first(item.get("body") or "", query.terms())
            hits.append(Hit(item, title or item["title"], snip))
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
# When an item happened, as the brief reads it: publication date, else collection date; both
# ISO text, which SQLite's datetime() brings to UTC whatever their offset (to the second).
_WHEN = "datetime(coalesce(items.published_at, json_extract(items.doc, '$.collected_at')))"


def fts_match(node: Node) -> str:
    """The FTS5 MATCH expression of a checked parse tree (`sinks.search.parse_words`): every
    term a quoted phrase, every group in parentheses, NOT as FTS5's binary operator."""
    if isinstance(node, Term):
        return '"' + node.text.replace('"', '""') + '"'
    if isinstance(node, Or):
        return "(" + " OR ".join(fts_match(c) for c in node.children) + ")"
    if isinstance(node, And):
        found = [fts_match(c) for c in node.children if not isinstance(c, Not)]
        text = "(" + " AND ".join(found) + ")"
        for c in node.children:
            if isinstance(c, Not):
                text = f"({text} NOT {fts_match(c.child)})"
        return text
    raise QuerySyntaxError("NOT needs a word before it")  # parse_words refuses it first


def _filters(query: SearchQuery) -> tuple[list[str], list[Any]]:
    """SQL conditions on `items` (and their parameters) for the query's filters."""
    where: list[str] = []
    params: list[Any] = []

    def any_of(template: str, values: tuple[str, ...]) -> None:
        where.append("(" + " OR ".join([template] * len(values)) + ")")
        for value in values:
            params.extend([value] * template.count("?"))

    if query.since is not None:
        where.append(f"{_WHEN} >= ?")
        params.append(query.since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"))
    if query.sources:
        any_of("items.source = ?", query.sources)
    if query.langs:
        any_of("lower(coalesce(items.lang, 'und')) = ?", query.langs)
    if query.event_types:
        any_of("EXISTS (SELECT 1 FROM json_each(items.doc, '$.enrichment.event_types') "
               "WHERE json_extract(value, '$.label') = ?)", query.event_types)
    if query.places:
        where.append("EXISTS (SELECT 1 FROM json_each(items.doc, '$.enrichment.places') WHERE "
                     "search_fold(json_extract(value, '$.name')) IN ({0}) OR "
                     "search_fold(json_extract(value, '$.admin1')) IN ({0}) OR "
                     "search_fold(json_extract(value, '$.admin2')) IN ({0}))"
                     .format(",".join("?" * len(query.places))))
        params.extend([fold_place(p) for p in query.places] * 3)
    return where, params


def _owners(conn: sqlite3.Connection, ids: list[str]) -> dict[str, str]:
    """{id: source} of the ids already stored."""
    owners: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        owners.update(conn.execute(f"SELECT id, source FROM items WHERE id IN ({marks})", chunk).fetchall())
    return owners
