"""The settings only the crawlers read: what a collector sends, how much it fetches, how long
it waits, which addresses it may reach, whether it talks to the offline mirror, and what a PDF
may cost. `VEILLE_*` variables like the kernel's (`veille.settings`), read and validated by the
same `read_settings`: a bad value stops start-up with the variable's name.

Scrapy's own settings module, `crawlers/settings.py`, is built from these, so `scrapy crawl`
and `veille run` behave the same.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from veille.settings import load_settings


class CrawlerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VEILLE_", extra="ignore")

    user_agent: str = "veille/0.1 (+https://github.com/veille-sahel/veille; monitoring bot)"
    max_page_bytes: int = Field(default=10_000_000, gt=0)
    download_timeout: float = Field(default=20.0, gt=0)
    max_pages: int = Field(default=5, gt=0, description="listing pages per round, per entry")
    max_articles_per_round: int = Field(
        default=200, gt=0,
        description="article pages fetched per feed per round; the rest wait for the next round "
        "(sources.yaml: max_articles_per_round)",
    )
    max_round_seconds: float = Field(
        default=600.0, gt=0,
        description="wall time of a source's round; what is left waits for the next round "
        "(sources.yaml: max_round_seconds)",
    )
    allow_private_hosts: bool = Field(
        default=False, description="let collectors reach private addresses (never in production)"
    )
    mirror: str = Field(
        default="",
        description="'' (live), 'fixtures' (serve tests/fixtures/sites), or host=port,… map",
    )
    demo_sites: Path | None = Field(
        default=None,
        description="recorded sites `veille demo` serves; default the checkout's tests/fixtures/sites",
    )
    # PDFs are read in a child process held to these limits; a PDF over one is `pdf_too_large`.
    pdf_max_bytes: int = Field(default=10_000_000, gt=0, description="size of a PDF read")
    pdf_max_pages: int = Field(default=1000, gt=0, description="pages of a PDF read")
    pdf_max_inflated_bytes: int = Field(
        default=300_000_000, gt=0, description="bytes a PDF's streams may decompress to, in all"
    )
    pdf_max_memory_mb: int = Field(
        default=1024, gt=0, description="address space of the process reading a PDF (MiB)"
    )
    pdf_timeout: float = Field(default=120.0, gt=0, description="seconds to read one PDF")

    def demo_sites_path(self) -> Path:
        """VEILLE_DEMO_SITES, else the checkout's recorded sites (the image sets
        VEILLE_DEMO_SITES=/usr/share/veille/demo-sites)."""
        from crawlers.mirror import FIXTURES

        return self.demo_sites or FIXTURES


def crawler_settings() -> CrawlerSettings:
    """The crawlers' settings, read once per process (`veille.settings.reset_settings` forgets
    them with the kernel's); a bad value is a ConfigError naming the variable."""
    return load_settings(CrawlerSettings)
