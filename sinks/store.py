"""What a searchable item store offers, whichever engine is behind it.

The embedded default keeps items in SQLite with FTS5 (`sinks.sqlite_store`); distributed
mode uses Elasticsearch (`sinks.es_store`, chosen by `VEILLE_ES_URL`). Writes are upserts keyed
on the item id, so re-indexing is harmless; an item of another source is never replaced.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from veille.schema import EnrichedItem

if TYPE_CHECKING:
    from sinks.search import Hit, SearchQuery

SOURCE_ITEMS_LIMIT = 200  # newest items per source a health check reads
STORY_ITEMS_LIMIT = 20  # reports of one story an alert message lists


class ItemFacts(NamedTuple):
    """What source health needs of one stored item (`crawlers.source_health`): enough to tell
    whether extraction still finds a title, a date, a body and a language, without moving
    the bodies themselves."""

    collected_at: datetime
    has_date: bool
    title_len: int
    body_len: int
    lang: str  # the identified language (enrichment), "und" when unknown


class ItemStore(ABC):
    @abstractmethod
    def upsert(self, items: Sequence[EnrichedItem]) -> dict[str, str]:
        """Writes the items; a later write of the same id by the same source replaces the
        earlier one. Sources own their items: an id already stored for another source is
        refused (reason `id_collision`), never overwritten.

        Returns {item id: reason} for the items the store refused on their own merits (a value
        its mapping cannot take, a document too large, another source's id…); every other item
        was written. Raises
        when the store itself is unavailable (unreachable, overloaded, failing), so the caller
        does not commit and writes the batch again.
        """

    @abstractmethod
    def search(self, query: SearchQuery | str, limit: int = 20) -> list[Hit]:
        """The items the query finds, best first (newest first with no words), at most
        `query.limit` (`limit` when given a string). The query model, its syntax and filters
        are `sinks.search`; a string is parsed with it and raises its QuerySyntaxError."""

    @abstractmethod
    def story_items(self, story_id: str, limit: int = STORY_ITEMS_LIMIT) -> list[dict[str, Any]]:
        """The stored reports of one story (`enrichment.story_id`), oldest first, at most
        `limit`, as JSON-ready dicts: the story's other reports an alert message lists."""

    @abstractmethod
    def export(self) -> Iterator[dict[str, Any]]:
        """Every stored item as a JSON-ready dict with the schema's fields, in id order."""

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def counts_by_source(self) -> dict[str, dict[str, Any]]:
        """{source: {"items": n, "languages": {lang: n}}} for status tables."""

    @abstractmethod
    def source_items(self, source: str, since: datetime,
                     limit: int = SOURCE_ITEMS_LIMIT) -> list[ItemFacts]:
        """The source's items collected at or after `since`, newest first, at most `limit`."""

    def write_source_health(self, docs: Sequence[dict[str, Any]]) -> None:  # noqa: B027
        """Publishes one health document per source where dashboards read it (the
        `<ns>-sources` index); the embedded default keeps health in state.db only."""

    def close(self) -> None:  # noqa: B027 - optional hook
        pass


def open_store(settings: Any = None) -> ItemStore:
    from veille.settings import get_settings

    settings = settings or get_settings()
    if settings.es_url:
        from sinks.es_store import ElasticsearchStore

        return ElasticsearchStore(settings.es_url, settings.namespace)
    from sinks.sqlite_store import SqliteStore

    return SqliteStore(settings.home / "store.db")
