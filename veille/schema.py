"""The item every stage passes on: one schema, versioned, so a consumer can tell what it reads.

Collectors build `Item`s; processors add an `Enrichment`; sinks store the `EnrichedItem`.
`SCHEMA_VERSION` changes when a field's meaning changes; readers accept older versions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from veille.textsafe import TITLE_MAX, strip_controls, truncate

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

    @model_validator(mode="after")
    def _bounded_title(self) -> Item:
        # A title holds no terminal control (ESC sequences, C0/C1) and at most TITLE_MAX
        # characters; a longer one is cut with an ellipsis and kept whole at the top of the body,
        # so search and classifiers still read it (docs/limits.md).
        title = strip_controls(self.title).strip()
        if len(title) > TITLE_MAX:
            if not self.body.startswith(title):
                self.body = f"{title}\n\n{self.body}".strip()
            title = truncate(title, TITLE_MAX)
        self.title = title
        return self


def primary_language(tag: str | None) -> str | None:
    """`en-US`, `fr_FR`, `EN` → `en`: sources declare regional variants, while language
    identification, lexicons and translations are per language. None for an empty tag."""
    if not tag or not tag.strip():
        return None
    return tag.strip().replace("_", "-").split("-")[0].lower()


class Language(BaseModel):
    code: str = "und"
    score: float = 0.0


# The one list of labels the classifiers give (processors' lexicons name exactly these) and
# the alert rules, the evaluation and the story index read. Order is stable: the story index
# and the evaluation report list them in this order.
EVENT_TYPES: tuple[str, ...] = (
    "armed_clash", "attack_on_civilians", "abduction", "explosion_ied", "shelling", "air_strike",
    "protest", "riot", "arrest", "looting_property_destruction", "agreement",
)
TOPICS: tuple[str, ...] = (
    "security", "peace_process", "elections", "governance", "humanitarian", "human_rights",
    "peacekeeping", "terrorism", "health", "regional_diplomacy",
)


class Label(BaseModel):
    """An event type or topic, with the words that produced it (analysts check them)."""

    label: str
    score: float = Field(ge=0, le=1)
    evidence: list[str] = Field(default_factory=list)


class Place(BaseModel):
    name: str = Field(description="canonical name (French spelling for Mali)")
    country: str = Field(description="ISO 3166-1 alpha-2")
    admin1: str = Field(default="", description="Mali: one of the 11 regions of BRIEF; else ''")
    admin2: str | None = Field(default=None, description="cercle, when known")
    lat: float | None = Field(default=None, description="None: a place the text introduces "
                              "that no gazetteer knows, or a name shared by several villages")
    lon: float | None = None
    evidence: list[str] = Field(default_factory=list)


class Org(BaseModel):
    id: str
    name: str
    evidence: list[str] = Field(default_factory=list)


class Severity(BaseModel):
    score: int = Field(default=0, ge=0, le=100)
    reasons: list[str] = Field(default_factory=list)


class Figures(BaseModel):
    """People counted in the text; None when the text gives no figure."""

    killed: int | None = None
    wounded: int | None = None
    abducted: int | None = None
    displaced: int | None = None
    approximate: dict[str, tuple[int, int]] = Field(
        default_factory=dict,
        description="vague quantities ('dozens killed', 'des milliers de déplacés') as a range "
                    "(low, high) per category: not counts, so not in the fields above",
    )
    evidence: list[str] = Field(default_factory=list)


class Enrichment(BaseModel):
    """What the processors add (the enrichment contract of BRIEF, plus figures and stories)."""

    model_config = ConfigDict(extra="allow")

    language: Language = Field(default_factory=Language)
    event_types: list[Label] = Field(default_factory=list, description="most likely first")
    topics: list[Label] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list, description="most specific first")
    orgs: list[Org] = Field(default_factory=list)
    figures: Figures = Field(default_factory=Figures)
    symbols: list[str] = Field(default_factory=list, description="UN symbols, resolutions cited")
    severity: Severity = Field(default_factory=Severity)
    duplicate_of: str | None = Field(default=None, description="id of the earlier same text")
    story_id: str | None = Field(default=None, description="same event across sources/languages")
    merged_stories: list[str] = Field(
        default_factory=list,
        description="earlier stories this report showed to be its own event (it matched a report "
                    "of each): their reports now count with story_id")
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
