"""The distributed item store: Elasticsearch behind `sinks.store.ItemStore`.

Items live in yearly indices `<ns>-items-YYYY` behind the alias `<ns>-items`; templates
and analysis are described in `sinks.es_templates`. The document `_id` is the item id (its
SHA-256, prefixed `sha256:`, when the id is longer than Elasticsearch's 512-byte `_id` limit),
so a write of the same id replaces the earlier one.

Re-indexing never duplicates across yearly indices. The year comes from `published_at`,
which an update may change; so before each bulk the store looks up, with one `ids` search on
the alias (`_source: false`), which of the batch's ids already exist and in which index, and
writes those back to the index they are in; only new ids go to their year's index. Search
is near-real-time, so ids written by this store in the last minute (not yet refreshed, hence
invisible to that search) are also remembered in memory; the bus keys messages by item id,
so an id always reaches the same indexer. Copies found in more than one index (left by an
older bug or a manual reindex) are deleted, keeping one.

Bulk writes go through `helpers.streaming_bulk`: chunks of 500 documents or 10 MB, sent one
after the other (back-pressure: the caller waits for each chunk), documents answered 429 or
5xx retried with exponential back-off. What comes back:

* documents Elasticsearch refuses on their own merits (a value the mapping cannot parse, a
  term too long…) are returned as `{item id: reason}` while the rest of the batch is written;
* when the store itself fails — connection refused, timeouts, the bulk request rejected,
  documents still 429/5xx after the retries — `upsert` raises, so the stage does not commit
  and reads the batch again (writes are idempotent).

Writes do not refresh: items become searchable within the refresh interval (1 s); `count`,
`export` and `counts_by_source` refresh first so they see every acknowledged write.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError, helpers

from sinks.alerts.query import And, Node, Not, Or, Term
from sinks.es_templates import (
    component_templates,
    detect_language_analyzers,
    index_templates,
    item_index,
    sources_index,
    text_fields,
)
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

log = logging.getLogger(__name__)

MAX_ID_BYTES = 512  # Elasticsearch's limit on _id
RECENT_SECONDS = 60.0  # how long written ids are remembered (must exceed the refresh interval)
LOOKUP_CHUNK = 1000
PAGE_SIZE = 1000
_RETRY_STATUSES = (429, 502, 503, 504)


class StoreUnavailable(RuntimeError):
    """Elasticsearch could not take the writes (overloaded or failing); retry the batch later."""


def doc_id(item_id: str) -> str:
    """The `_id` of an item: its id, or its SHA-256 when longer than 512 bytes."""
    raw = item_id.encode("utf-8")
    if len(raw) <= MAX_ID_BYTES:
        return item_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def to_document(item: EnrichedItem) -> dict[str, Any]:
    """The item as indexed: its JSON form, with `location` geo_points added to places."""
    doc = item.model_dump(mode="json")
    places = (doc.get("enrichment") or {}).get("places")
    if isinstance(places, list):
        for place in places:
            if not isinstance(place, dict):
                continue
            place.pop("location", None)
            location = _location(place.get("lat"), place.get("lon"))
            if location:
                place["location"] = location
    return doc


def document_source(item: EnrichedItem) -> bytes | dict[str, Any]:
    """What the bulk request carries as the item's `_source`: `to_document(item)`, serialised
    by pydantic straight to JSON when there are no places to add locations to (the common
    case, and a third of the indexer's CPU per item otherwise)."""
    if not getattr(item.enrichment, "places", None):
        return item.model_dump_json().encode()
    return to_document(item)


def from_document(source: dict[str, Any]) -> dict[str, Any]:
    """The stored `_source` back to the item's JSON form (without the computed locations)."""
    places = (source.get("enrichment") or {}).get("places")
    if isinstance(places, list):
        for place in places:
            if isinstance(place, dict):
                place.pop("location", None)
    return source


def _location(lat: Any, lon: Any) -> dict[str, float] | None:
    if isinstance(lat, bool) or isinstance(lon, bool):
        return None
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return None
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        return {"lat": float(lat), "lon": float(lon)}
    return None


def error_reason(error: Any) -> str:
    """`type: reason (caused by type: reason)` from a bulk item's error object."""
    if not isinstance(error, dict):
        return str(error)
    text = f"{error.get('type', 'error')}: {error.get('reason', '')}".strip()
    cause = error.get("caused_by")
    while isinstance(cause, dict):
        text += f" (caused by {cause.get('type', 'error')}: {cause.get('reason', '')})"
        cause = cause.get("caused_by")
    return text


def es_query(node: Node, fields: list[str]) -> dict[str, Any]:
    """The bool query of a checked parse tree (`sinks.search.parse_words`): every term a
    phrase over the weighted fields (as FTS5 reads each term as a phrase), AND as `must`,
    NOT as `must_not`, OR as `should` with at least one."""
    if isinstance(node, Term):
        return {"multi_match": {"query": node.text, "fields": fields, "type": "phrase",
                                "lenient": True}}
    if isinstance(node, Or):
        return {"bool": {"should": [es_query(c, fields) for c in node.children],
                         "minimum_should_match": 1}}
    if isinstance(node, And):
        return {"bool": {
            "must": [es_query(c, fields) for c in node.children if not isinstance(c, Not)],
            "must_not": [es_query(c.child, fields) for c in node.children if isinstance(c, Not)],
        }}
    raise QuerySyntaxError("NOT needs a word before it")  # parse_words refuses it first


def _when_range(since: datetime) -> dict[str, Any]:
    """Published since, or (no publication date) collected since: as the brief reads time."""
    gte = since.astimezone(UTC).isoformat()
    return {"bool": {"minimum_should_match": 1, "should": [
        {"range": {"published_at": {"gte": gte}}},
        {"bool": {"must_not": [{"exists": {"field": "published_at"}}],
                  "filter": [{"range": {"collected_at": {"gte": gte}}}]}},
    ]}}


class ElasticsearchStore(ItemStore):
    def __init__(
        self,
        url: str,
        namespace: str = "veille",
        replicas: int = 0,
        *,
        client: Elasticsearch | None = None,
        connect: bool = True,
        request_timeout: float = 30.0,
        chunk_size: int = 500,
        max_chunk_bytes: int = 10 * 1024 * 1024,
        max_retries: int = 5,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
    ) -> None:
        """`connect=False` defers contacting the cluster (templates, analyzer detection) to
        the first operation; by default a store that cannot reach Elasticsearch fails here."""
        self.url, self.namespace, self.replicas = url, namespace, replicas
        self.alias = f"{namespace}-items"
        self.alerts_alias = f"{namespace}-alerts"
        self.client = client or Elasticsearch(
            url, request_timeout=request_timeout, retry_on_timeout=True, max_retries=3
        )
        self.chunk_size, self.max_chunk_bytes = chunk_size, max_chunk_bytes
        self.max_retries, self.initial_backoff = max_retries, initial_backoff
        self.max_backoff = max_backoff
        self._analyzers: frozenset[str] | None = None
        self._templates_ready = False
        self._recent: dict[str, tuple[str, float]] = {}  # _id -> (index, monotonic time)
        self._recent_owner: dict[str, str] = {}  # _id -> source, for the ids in _recent
        if connect:
            self.ensure_templates()

    # -- set-up ----------------------------------------------------------------------------
    @property
    def analyzers(self) -> frozenset[str]:
        """The language analyzers the cluster offers (asked once per store)."""
        if self._analyzers is None:
            self._analyzers = detect_language_analyzers(self.client)
            if self._analyzers:
                log.info("elasticsearch %s: language analyzers %s", self.url,
                         ", ".join(sorted(self._analyzers)))
            else:
                log.warning("elasticsearch %s offers no arabic/french/english analyzer "
                            "(no analysis-common module): text indexed with 'standard' only",
                            self.url)
        return self._analyzers

    def ensure_templates(self) -> None:
        """PUTs the component and index templates (idempotent). Indices are created by the
        first write into them, with the alias the template names."""
        for name, body in component_templates(self.namespace, self.analyzers,
                                              self.replicas).items():
            self.client.cluster.put_component_template(name=name, body=body)
        for name, body in index_templates(self.namespace, self.analyzers).items():
            self.client.indices.put_index_template(name=name, body=body)
        self._templates_ready = True

    def _ready(self) -> None:
        if not self._templates_ready:
            self.ensure_templates()

    # -- writes ----------------------------------------------------------------------------
    def upsert(self, items: Sequence[EnrichedItem]) -> dict[str, str]:
        self._ready()
        latest: dict[str, EnrichedItem] = {}
        for item in items:  # a later version of an id in the same batch wins
            latest.pop(doc_id(item.id), None)
            latest[doc_id(item.id)] = item
        if not latest:
            return {}
        owners: dict[str, str] = {}
        found = self.locate(list(latest), owners=owners)
        self._forget_old(time.monotonic())

        rejected: dict[str, str] = {}
        actions: list[dict[str, Any]] = []
        targets: dict[str, str] = {}
        for _id, item in list(latest.items()):
            # Sources own their items: another source's item is not replaced (the collection
            # pipeline refuses it first; this is the last guard).
            owner = owners.get(_id) or self._recent_owner.get(_id)
            if owner is not None and owner != item.source:
                rejected[item.id] = (f"item {item.id} belongs to source {owner!r}; source "
                                     f"{item.source!r} may not replace it (id_collision)")
                log.warning("elasticsearch: %s", rejected[item.id])
                del latest[_id]
                continue
            natural = item_index(self.namespace, item.published_at, item.collected_at)
            where = found.get(_id, [])
            if where:
                target = natural if natural in where else where[0]
                actions.extend({"_op_type": "delete", "_index": extra, "_id": _id}
                               for extra in where if extra != target)
            elif _id in self._recent:
                target = self._recent[_id][0]
            else:
                target = natural
            targets[_id] = target
            actions.append({"_op_type": "index", "_index": target, "_id": _id,
                            "_source": document_source(item)})

        unavailable: list[str] = []
        for ok, result in helpers.streaming_bulk(
            self.client,
            actions,
            chunk_size=self.chunk_size,
            max_chunk_bytes=self.max_chunk_bytes,
            raise_on_error=False,
            raise_on_exception=True,
            max_retries=self.max_retries,
            initial_backoff=self.initial_backoff,
            max_backoff=self.max_backoff,
            retry_on_status=_RETRY_STATUSES,
            yield_ok=False,
        ):
            if ok:
                continue
            op, info = next(iter(result.items()))
            status = int(info.get("status", 0))
            reason = error_reason(info.get("error"))
            _id = info.get("_id", "")
            if status in _RETRY_STATUSES or status >= 500:
                unavailable.append(f"{op} {_id}: {status} {reason}")
            elif op == "index" and _id in latest:
                rejected[latest[_id].id] = reason
            elif status != 404:  # 404: the extra copy to delete is already gone
                log.warning("elasticsearch: %s %s in %s failed: %s", op, _id,
                            info.get("_index"), reason)
        if unavailable:
            raise StoreUnavailable(
                f"elasticsearch did not take {len(unavailable)} writes after retries: "
                + "; ".join(unavailable[:3])
            )
        now = time.monotonic()
        for _id, target in targets.items():
            if latest[_id].id not in rejected:
                self._recent.pop(_id, None)  # keep the dict in time order
                self._recent[_id] = (target, now)
                self._recent_owner[_id] = latest[_id].source
        return rejected

    def _forget_old(self, now: float) -> None:
        while self._recent:
            _id, (_, written) = next(iter(self._recent.items()))
            if now - written < RECENT_SECONDS:
                return
            del self._recent[_id]
            self._recent_owner.pop(_id, None)

    def locate(self, ids: Sequence[str], alias: str | None = None,
               owners: dict[str, str] | None = None) -> dict[str, list[str]]:
        """{_id: [indices holding it]} for the ids already stored under the alias (the items'
        by default; the alert store asks about `<ns>-alerts`). With `owners`, also fills it
        with {_id: the stored item's source}."""
        ids = list(ids)
        found: dict[str, list[str]] = {}
        for start in range(0, len(ids), LOOKUP_CHUNK):
            chunk = ids[start:start + LOOKUP_CHUNK]
            try:
                resp = self.client.search(
                    index=alias or self.alias, query={"ids": {"values": chunk}},
                    source=["source"] if owners is not None else False,
                    size=min(2 * len(chunk), 10_000), allow_no_indices=True,
                )
            except NotFoundError:
                return {}  # no index yet
            for hit in resp["hits"]["hits"]:
                found.setdefault(hit["_id"], []).append(hit["_index"])
                if owners is not None and (hit.get("_source") or {}).get("source"):
                    owners[hit["_id"]] = hit["_source"]["source"]
        for where in found.values():
            where.sort()
        return found

    # -- reads -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Makes every acknowledged write searchable now (tests; reads that must be exact)."""
        self._ready()
        self.client.indices.refresh(index=self.alias, ignore_unavailable=True,
                                    allow_no_indices=True)

    def search(self, query: SearchQuery | str, limit: int = 20) -> list[Hit]:
        """The words over the title (boost 5), the summary (2) and the body, in the standard
        and the language-analysed fields, best first (newest first with no words); the filters
        as `filter` clauses; matches marked in the title and a body fragment."""
        if isinstance(query, str):
            query = search_query(query, limit=limit)
        self._ready()
        boosts = {"title": 5, "summary": 2, "body": 1}
        fields = text_fields(self.analyzers)
        shown = [f for f in fields if f.split(".")[0] in ("title", "body")]
        filters = self._filters(query)
        body: dict[str, Any] = {"bool": {"filter": filters}}
        if query.root is not None:
            body["bool"]["must"] = [es_query(query.root, [f"{f}^{boosts[f.split('.')[0]]}"
                                                          for f in fields])]
        try:
            resp = self.client.search(
                index=self.alias, query=body, size=query.limit, allow_no_indices=True,
                sort=None if query.root is not None else [
                    {"published_at": {"order": "desc", "missing": "_last"}},
                    {"collected_at": "desc"}, {"id": "asc"}],
                highlight=None if query.root is None else {
                    "pre_tags": [MARK], "post_tags": [END_MARK], "fields": {
                        f: ({"number_of_fragments": 0} if f.startswith("title") else
                            {"fragment_size": 120, "number_of_fragments": 1})
                        for f in shown}},
            )
        except NotFoundError:
            return []
        hits = []
        for hit in resp["hits"]["hits"]:
            doc = from_document(hit["_source"])
            highlight = hit.get("highlight", {})
            title = next((highlight[f][0] for f in shown
                          if f.startswith("title") and highlight.get(f)), doc.get("title") or "")
            fragment = next((highlight[f][0] for f in shown
                             if f.startswith("body") and highlight.get(f)), None)
            if fragment is None:
                fragment = mark_first(doc.get("body") or "", query.terms(), 120)
            hits.append(Hit(doc, title, fragment, hit.get("_score")))
        return hits

    def _filters(self, query: SearchQuery) -> list[dict[str, Any]]:
        """`filter` clauses of the query's filters. Places are keywords as the gazetteer spells
        them; the spellings stored that fold to a wanted one are looked up first (one terms
        aggregation), so "menaka" finds "Ménaka" as in the embedded store."""
        out: list[dict[str, Any]] = []
        if query.since is not None:
            out.append(_when_range(query.since))
        if query.sources:
            out.append({"terms": {"source": list(query.sources)}})
        if query.langs:
            out.append({"bool": {"minimum_should_match": 1, "should": [
                {"term": {"enrichment.language.code": {"value": lang, "case_insensitive": True}}}
                for lang in query.langs]}})
        if query.event_types:
            out.append({"terms": {"enrichment.event_types.label": list(query.event_types)}})
        if query.places:
            wanted = {fold_place(p) for p in query.places}
            fields = [f"enrichment.places.{f}" for f in ("name", "admin1", "admin2")]
            names = [n for n in self._distinct(fields) if fold_place(n) in wanted]
            out.append({"bool": {"minimum_should_match": 1, "should": [
                {"terms": {f: names or list(query.places)}} for f in fields]}})
        return out

    def _distinct(self, fields: list[str]) -> set[str]:
        """Every value the keyword fields hold (place names: a few thousand at most)."""
        try:
            resp = self.client.search(index=self.alias, size=0, allow_no_indices=True, aggs={
                f: {"terms": {"field": f, "size": 65_000}} for f in fields})
        except NotFoundError:
            return set()
        return {b["key"] for f in fields for b in resp["aggregations"][f]["buckets"]}

    def get(self, item_id: str) -> dict[str, Any] | None:
        self._ready()
        try:
            resp = self.client.search(index=self.alias, size=1, allow_no_indices=True,
                                      query={"ids": {"values": [doc_id(item_id)]}})
        except NotFoundError:
            return None
        hits = resp["hits"]["hits"]
        return from_document(hits[0]["_source"]) if hits else None

    def story_items(self, story_id: str, limit: int = STORY_ITEMS_LIMIT) -> list[dict[str, Any]]:
        self._ready()
        try:
            resp = self.client.search(
                index=self.alias, size=limit, allow_no_indices=True,
                query={"term": {"enrichment.story_id": story_id}},
                sort=[{"published_at": {"order": "asc", "missing": "_last"}}, {"id": "asc"}],
            )
        except NotFoundError:
            return []
        return [from_document(hit["_source"]) for hit in resp["hits"]["hits"]]

    def export(self) -> Iterator[dict[str, Any]]:
        """Every item in id order (search_after on `id`, which is unique), after a refresh."""
        self.refresh()
        after: list[Any] | None = None
        while True:
            try:
                resp = self.client.search(
                    index=self.alias, query={"match_all": {}}, sort=[{"id": "asc"}],
                    size=PAGE_SIZE, search_after=after, allow_no_indices=True,
                )
            except NotFoundError:
                return
            hits = resp["hits"]["hits"]
            for hit in hits:
                yield from_document(hit["_source"])
            if len(hits) < PAGE_SIZE:
                return
            after = hits[-1]["sort"]

    def count(self) -> int:
        self.refresh()
        try:
            return int(self.client.count(index=self.alias, allow_no_indices=True)["count"])
        except NotFoundError:
            return 0

    def counts_by_source(self) -> dict[str, dict[str, Any]]:
        """{source: {"items": n, "languages": {lang: n}}} (identified language, else "und")."""
        self.refresh()
        out: dict[str, dict[str, Any]] = {}
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {
                "size": 1000,
                "sources": [
                    {"source": {"terms": {"field": "source"}}},
                    {"lang": {"terms": {"field": "enrichment.language.code",
                                        "missing_bucket": True}}},
                ],
            }
            if after:
                composite["after"] = after
            try:
                resp = self.client.search(index=self.alias, size=0, allow_no_indices=True,
                                          aggs={"by": {"composite": composite}})
            except NotFoundError:
                return out
            agg = resp["aggregations"]["by"]
            for bucket in agg["buckets"]:
                source, lang = bucket["key"]["source"], bucket["key"]["lang"] or "und"
                entry = out.setdefault(source, {"items": 0, "languages": {}})
                entry["items"] += bucket["doc_count"]
                entry["languages"][lang] = entry["languages"].get(lang, 0) + bucket["doc_count"]
            after = agg.get("after_key")
            if not agg["buckets"] or not after:
                return out

    # -- source health -------------------------------------------------------------------
    def source_items(self, source: str, since: datetime,
                     limit: int = SOURCE_ITEMS_LIMIT) -> list[ItemFacts]:
        """One search: the source's items collected since `since`, newest first. Title and
        body come back only to be measured: script fields would measure them on the node,
        but the integ-test node of CI has no painless, and `limit` (200) keeps the transfer
        to a few hundred kilobytes per source."""
        self._ready()
        try:
            resp = self.client.search(
                index=self.alias, size=limit, allow_no_indices=True,
                query={"bool": {"filter": [
                    {"term": {"source": source}},
                    {"range": {"collected_at": {"gte": since.isoformat()}}},
                ]}},
                sort=[{"collected_at": "desc"}],
                source=["collected_at", "published_at", "enrichment.language.code", "title", "body"],
            )
        except NotFoundError:
            return []
        out = []
        for hit in resp["hits"]["hits"]:
            doc = hit["_source"]
            when = datetime.fromisoformat(doc["collected_at"].replace("Z", "+00:00"))
            lang = ((doc.get("enrichment") or {}).get("language") or {}).get("code") or "und"
            out.append(ItemFacts(
                when if when.tzinfo else when.replace(tzinfo=UTC), bool(doc.get("published_at")),
                len(doc.get("title") or ""), len(doc.get("body") or ""), lang,
            ))
        return out

    def write_source_health(self, docs: Sequence[dict[str, Any]]) -> None:
        """Overwrites `<ns>-sources/_doc/<source key>` with each check (index template
        `ns-sources`, mapping `es_templates.SOURCES_MAPPINGS`); refreshed so the dashboard
        and `veille sources status` see the check at once."""
        self._ready()
        actions = [{"_op_type": "index", "_index": sources_index(self.namespace),
                    "_id": doc["source"], "_source": doc} for doc in docs]
        if not actions:
            return
        _, errors = helpers.bulk(self.client, actions, raise_on_error=False, refresh=True)
        if errors:
            raise StoreUnavailable(f"source health not written: {errors[:3]}")

    def close(self) -> None:
        self.client.close()
