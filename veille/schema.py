"""The item every stage passes on: one schema, versioned, so a consumer can tell what it reads.

Collectors build `Item`s; processors add an `Enrichment`; sinks store the `EnrichedItem`.
`SCHEMA_VERSION` changes when a field's meaning changes; readers accept older versions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = 1


class DocType(StrEnum):
    news = "news"
    press_release = "press_release"
    statement = "statement"
    report = "report"
    letter = "letter"
    meeting_coverage = "meeting_coverage"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Item(BaseModel):
    """A collected statement or article, as the source published it."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    id: str = Field(min_length=1, description="canonical URL, or un-doc:<symbol>:<lang>")
    source: str = Field(min_length=1, description="key of the source in sources.yaml")
    url: str = Field(min_length=1, description="where the text was read")
    title: str
    body: str = Field(description="clean text, paragraphs separated by blank lines")
    lang: str | None = Field(default=None, description="language declared by the source")
    published_at: datetime | None = None
    collected_at: datetime = Field(default_factory=utcnow)
    doc_type: DocType = DocType.news
    issuer: str | None = Field(default=None, description="organisation speaking (org id)")
    symbol: str | None = Field(default=None, description="UN document symbol or press code")
    translations: list[str] = Field(default_factory=list, description="ids of other languages")
    authors: list[str] = Field(default_factory=list)
    summary: str | None = None
    attachments: list[str] = Field(default_factory=list, description="URLs of linked files")

    @field_validator("published_at", "collected_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        # A naive datetime is ambiguous across the Sahel's and the servers' zones; take UTC.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @field_validator("title", "body")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("translations")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


class Language(BaseModel):
    code: str = "und"
    score: float = 0.0


class Enrichment(BaseModel):
    """What the processors add. Fields beyond `language` arrive with the classifiers."""

    model_config = ConfigDict(extra="allow")

    language: Language = Field(default_factory=Language)
    processed_at: datetime = Field(default_factory=utcnow)


class EnrichedItem(Item):
    enrichment: Enrichment = Field(default_factory=Enrichment)


def item_from_json(data: dict[str, Any]) -> Item:
    """Reads an item of any known schema version (there is one so far)."""
    version = data.get("schema_version", SCHEMA_VERSION)
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"item {data.get('id')!r} has schema_version {version}, newer than this veille "
            f"({SCHEMA_VERSION}); upgrade veille before processing it"
        )
    if "enrichment" in data:
        return EnrichedItem.model_validate(data)
    return Item.model_validate(data)
