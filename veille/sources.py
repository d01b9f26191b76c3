"""The source registry: `sources.yaml` declares every monitored source as data.

Like a publisher table, most sources need no code: a kind (rss, html, api, documents), the URLs
to start from, and optional selectors. A source that needs code names its spider. The file is
validated at start; an error names the file, the source and the key.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from veille.durations import parse_duration
from veille.schema import DocType
from veille.settings import ConfigError, get_settings

Kind = Literal["rss", "html", "api", "documents"]

# The one kind → spider map: the spider an entry of each kind runs when it names none, and the
# one `veille sources new` writes. `api` and `documents` entries must still name theirs (an
# API's answer or a document catalogue has no common shape); `json_api` is the generic one.
SPIDERS: dict[str, str] = {"rss": "feed", "html": "listing", "api": "json_api"}
MUST_NAME_SPIDER = ("api", "documents")


class EntryUrl(BaseModel):
    """A URL a collector starts from, with the language of what it lists when known."""

    model_config = ConfigDict(extra="forbid")

    url: str
    lang: str | None = None

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


class Selectors(BaseModel):
    """CSS selectors for sites without good metadata; the extractors try metadata first."""

    model_config = ConfigDict(extra="forbid")

    article_links: str | None = None
    next_page: str | None = None
    title: str | None = None
    body: str | None = None
    date: str | None = None
    listing_date: str | None = None


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    issuer: str = Field(description="org id of the organisation speaking, e.g. un, wanep")
    languages: list[str] = Field(min_length=1)
    kind: Kind
    spider: str | None = None
    doc_type: DocType = DocType.news
    urls: list[EntryUrl] = Field(min_length=1)
    selectors: Selectors = Field(default_factory=Selectors)
    schedule: str = "30m"
    robots: Literal["obey", "ignore"] = "obey"
    robots_reason: str | None = None
    fetch_article: Literal["auto", "always", "never"] = "auto"
    archive: bool = Field(default=False, description="crawl once: the site no longer changes")
    max_articles_per_round: int | None = Field(
        default=None, gt=0, description="article pages fetched per feed per round (default: settings)"
    )
    max_round_seconds: float | None = Field(
        default=None, gt=0, description="wall time of a round of this source (default: settings)"
    )
    enabled: bool = True
    options: dict[str, Any] = Field(default_factory=dict)
    allow_private: list[str] = Field(
        default_factory=list,
        description="private hosts, addresses or networks this source may reach (needs allow_private_reason)",
    )
    allow_private_reason: str | None = None
    hosts: list[str] = Field(
        default_factory=list,
        description="hosts whose pages this source owns besides its URLs' (item ids are bound to them)",
    )

    @field_validator("urls", mode="before")
    @classmethod
    def _strings_are_urls(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"url": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("allow_private")
    @classmethod
    def _allow_private(cls, value: list[str]) -> list[str]:
        return [_private_entry(str(v)) for v in value]

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        out = []
        for host in value:
            name = str(host).strip().lower().rstrip(".")
            if not _HOSTNAME.match(name):
                raise ValueError(f"{host!r} is not a host name (write news.example.org, no scheme or path)")
            out.append(name)
        return out

    @model_validator(mode="after")
    def _robots_reason(self) -> Source:
        if self.robots == "ignore" and not (self.robots_reason or "").strip():
            raise ValueError("robots: ignore needs robots_reason saying why")
        if self.kind in MUST_NAME_SPIDER and not self.spider:
            raise ValueError(f"kind {self.kind} needs a spider")
        if self.allow_private and not (self.allow_private_reason or "").strip():
            raise ValueError("allow_private needs allow_private_reason saying why this source may reach them")
        return self

    @property
    def owned_hosts(self) -> set[str]:
        """Hosts whose URLs are this source's own: its URLs' hosts and `hosts:`, without `www.`."""
        found = {(urlsplit(u.url).hostname or "").lower().rstrip(".").removeprefix("www.") for u in self.urls}
        return {h for h in found | {h.removeprefix("www.") for h in self.hosts} if h}

    @property
    def spider_name(self) -> str:
        return self.spider or SPIDERS[self.kind]

    @property
    def interval(self) -> timedelta:
        return parse_duration(self.schedule)


_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$")
# Link-local holds cloud metadata services (169.254.169.254, fd00:ec2::254): never allowed,
# neither by an `allow_private` entry nor by the address guard (`crawlers/address_guard.py`).
LINK_LOCAL = tuple(ipaddress.ip_network(n) for n in ("169.254.0.0/16", "fe80::/10", "fd00:ec2::/32"))


def _private_entry(entry: str) -> str:
    """One `allow_private` entry, normalised; ValueError saying why when it cannot be used."""
    host = entry.strip().lower().strip("[]").rstrip(".")
    try:
        network = ipaddress.ip_network(host, strict=False)
    except ValueError:
        network = None
    if network is not None:
        if any(network.overlaps(n) for n in LINK_LOCAL if n.version == network.version):
            raise ValueError(f"{entry!r}: link-local and cloud metadata addresses are never allowed")
        if network.network_address.is_global and network.broadcast_address.is_global:
            raise ValueError(f"{entry!r} is a public address: allow_private lists private ones only")
        return str(network) if network.num_addresses > 1 else str(network.network_address)
    last = host.rsplit(".", 1)[-1]
    if not _HOSTNAME.match(host) or last.isdigit() or last.startswith("0x"):
        raise ValueError(f"{entry!r} is neither an address, a network (10.0.0.0/24) nor a host name")
    return host


class Registry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[Source]

    @model_validator(mode="after")
    def _unique_keys(self) -> Registry:
        seen: set[str] = set()
        for source in self.sources:
            if source.key in seen:
                raise ValueError(f"source key {source.key!r} appears twice")
            seen.add(source.key)
        return self

    def get(self, key: str) -> Source:
        for source in self.sources:
            if source.key == key:
                return source
        known = ", ".join(s.key for s in self.sources)
        raise ConfigError(f"no source {key!r} in the registry (known: {known})")

    def enabled(self) -> list[Source]:
        return [s for s in self.sources if s.enabled]


def _describe(error: dict[str, Any], raw: dict[str, Any]) -> str:
    loc = list(error["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        entries = raw.get("sources") or []
        entry = entries[loc[1]] if loc[1] < len(entries) else {}
        key = entry.get("key") if isinstance(entry, dict) else None
        where = f"source {key or '#' + str(loc[1] + 1)!r}"
        loc = loc[2:]
    field = ".".join(str(p) for p in loc) or "(entry)"
    return f"{where}, key {field!r}: {error['msg']}" if where else f"key {field!r}: {error['msg']}"


def load_registry(path: Path) -> Registry:
    """Reads and validates a sources file; every problem found is in the one error."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such sources file (set VEILLE_SOURCES)") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'sources' list")
    try:
        return Registry.model_validate(raw)
    except ValidationError as exc:
        problems = "\n  ".join(_describe(e, raw) for e in exc.errors())
        raise ConfigError(f"{path}: invalid sources file:\n  {problems}") from None


def configured_registry() -> Registry:
    """The registry this process is configured with: VEILLE_SOURCES, else the checkout's
    sources.yaml (`Settings.sources_path`), validated. What every room and command reads."""
    return load_registry(get_settings().sources_path())
