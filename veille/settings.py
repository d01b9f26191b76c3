"""Process-wide settings, read once from `VEILLE_*` environment variables.

What several rooms need to know about where they run lives here (home, bus, store, broker,
namespace, metrics); a setting one room alone reads lives in that room's settings class
(`crawlers/config.py`, `sinks/brief/schedule.py`), read by the same `read_settings`. What to
collect lives in `sources.yaml` (see `veille.sources`). A bad value stops start-up with the
variable's name.
"""

from __future__ import annotations

import os
import re
import tempfile
from functools import cache, lru_cache
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
S = TypeVar("S", bound=BaseSettings)


class ConfigError(Exception):
    """A configuration problem the operator must fix; the message says where and how."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VEILLE_", extra="ignore")

    home: Path = Field(default=Path.home() / ".veille", description="where local state lives")
    sources: Path | None = Field(default=None, description="sources.yaml to read")
    rules: Path | None = Field(default=None, description="rules.yaml to read (alert rules)")
    disk_full_retries: int = Field(default=3, ge=0, description="writes retried on a full disk")
    disk_full_wait: float = Field(
        default=30.0, ge=0, description="seconds over which those retries are spread, then stop"
    )
    metrics_port: int = Field(default=0, ge=0, description="/metrics and /healthz port; 0 = off")
    metrics_host: str = Field(default="127.0.0.1", description="address /metrics listens on")
    log_level: str = "INFO"
    # Distributed mode: each one set switches that part from the embedded default to a server.
    kafka_bootstrap: str = Field(default="", description="host:port,… of Kafka; '' = SQLite bus")
    kafka_partitions: int = Field(default=3, gt=0, description="partitions of topics veille creates")
    es_url: str = Field(default="", description="Elasticsearch URL; '' = SQLite store")
    redis_url: str = Field(default="", description="Redis URL for Dramatiq; '' = in-process broker")
    namespace: str = Field(
        default="veille",
        pattern=r"^[a-z][a-z0-9_-]*$",
        description="prefix of topics (<ns>.raw), consumer groups and indices (<ns>-items)",
    )

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"not a log level; use one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("es_url")
    @classmethod
    def _es_url(cls, value: str) -> str:
        if value:
            parts = urlsplit(value)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise ValueError("an Elasticsearch URL needs its scheme and host, "
                                 "e.g. http://localhost:9200")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("a Redis URL starts with redis://, rediss:// or unix://, "
                             "e.g. redis://localhost:6379/0")
        return value

    @field_validator("kafka_bootstrap")
    @classmethod
    def _kafka_bootstrap(cls, value: str) -> str:
        if value and not all(_HOST_PORT.match(part.strip()) for part in value.split(",")):
            raise ValueError("Kafka bootstrap servers are host:port[,host:port…] without a scheme, "
                             "e.g. localhost:9092")
        return value

    def sources_path(self) -> Path:
        """VEILLE_SOURCES, else the checkout's sources.yaml (an installed veille has none: the
        image sets VEILLE_SOURCES=/etc/veille/sources.yaml)."""
        return self.sources or REPO_ROOT / "sources.yaml"

    def rules_path(self) -> Path:
        """VEILLE_RULES, else the checkout's rules.yaml (the image: /etc/veille/rules.yaml)."""
        return self.rules or REPO_ROOT / "rules.yaml"


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_HOST_PORT = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):[0-9]{1,5}$")
# Settings whose value may hold a password (user:password@ in a URL).
_URL_SETTINGS = {"es_url", "redis_url"}


def redact(value: object) -> str:
    """A setting's value fit to print: the password of a URL's user:password@ replaced by ***."""
    text = str(value)
    return re.sub(r"(://[^/@:\s]*:)[^/@\s]*@", r"\1***@", text)


def _problem(err: dict, prefix: str) -> str:
    name = "_".join(str(p) for p in err["loc"])
    value = err.get("input")
    if name in _URL_SETTINGS or not isinstance(value, str):
        value = redact(value) if isinstance(value, str) else value
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{prefix}{name}".upper() + f"={value!r}: {msg}"


def read_settings(cls: type[S]) -> S:
    """The settings class `cls` read from its environment variables: the kernel's `Settings`,
    or a room's own (`crawlers.config.CrawlerSettings`, `sinks.brief.schedule.BriefSettings`),
    so a bad value reads the same wherever it is declared: a ConfigError naming each variable,
    its value (a URL's password redacted) and what is wrong."""
    try:
        return cls()
    except ValidationError as exc:
        prefix = str(cls.model_config.get("env_prefix", ""))
        problems = "; ".join(_problem(err, prefix) for err in exc.errors())
        raise ConfigError(f"bad environment setting: {problems}") from None


@cache
def load_settings(cls: type[S]) -> S:
    """`read_settings(cls)` once per process (a room's settings read on every request or page);
    `reset_settings` forgets them all."""
    return read_settings(cls)


def _check_home(home: Path) -> None:
    """VEILLE_HOME must be a folder this process can create and write in."""
    try:
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=home):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"VEILLE_HOME={str(home)!r}: cannot write there ({reason}); set "
                          "VEILLE_HOME to a folder this user can create and write in") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = load_settings(Settings)
    _check_home(settings.home)
    return settings


def reset_settings() -> None:
    """Forget cached settings, the rooms' as well (tests and the CLI change VEILLE_* then
    re-read)."""
    get_settings.cache_clear()
    load_settings.cache_clear()


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes", "on"}
