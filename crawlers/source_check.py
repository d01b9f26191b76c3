"""A dry-run round of one source: what it extracts, field by field, and what is missing.

`veille sources check KEY` and the tests that `veille sources new` writes both call
`collect()`. It runs the very round `veille run` runs (`crawlers.crawl_round.run_round`: the
source's spider in a child process, the middlewares, the collect pipeline's validation), but
in a throwaway VEILLE_HOME with the SQLite bus forced, so nothing reaches the real bus, store
or collection state: the items are read back from the throwaway bus and the folder deleted.
Offline (the default) the child is pointed at a mirror of the fixtures folder served from
this process; `live=True` lets it reach the real site.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawlers.mirror import FIXTURES, Mirror
from veille.settings import get_settings, reset_settings
from veille.sources import Source, load_registry

# Read by crawlers/check_settings.py in the round's child process.
ITEM_LIMIT_ENV = "VEILLE_CHECK_ITEM_LIMIT"
# Settings that would send the dry run's items to real servers, or bind a port.
_NEUTRALISED = {"VEILLE_KAFKA_BOOTSTRAP": "", "VEILLE_ES_URL": "", "VEILLE_REDIS_URL": "",
                "VEILLE_METRICS_PORT": "0"}


@dataclass
class Collected:
    """What one dry-run round of a source produced."""

    source: Source
    status: str
    items: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0


@contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    """Sets VEILLE_* for this process (the round's parent reads state) and its child."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    reset_settings()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_settings()


def collect(
    key: str,
    *,
    live: bool = False,
    limit: int | None = 5,
    fixtures: Path = FIXTURES,
    sources: Path | None = None,
    home: Path | None = None,
) -> Collected:
    """One round of source `key` as `veille run` does it, without touching real state.

    limit: stop the spider after that many items (Scrapy's CLOSESPIDER_ITEMCOUNT; a few more
    may still arrive from pages already in flight, so the list is cut to `limit`).
    fixtures: the folder of recorded sites the offline mirror serves.
    home: where the throwaway bus and state go (kept: a test's tmp dir); default a temporary
    folder, deleted afterwards.
    """
    from crawlers.crawl_round import run_round
    from crawlers.state import open_state
    from veille.bus.sqlite_bus import SqliteBus

    sources_path = sources or get_settings().sources_path()
    source = load_registry(sources_path).get(key)
    own_home = home is None
    work = Path(tempfile.mkdtemp(prefix=f"veille-check-{key}-")) if own_home else Path(home)
    child_env = dict(_NEUTRALISED)
    if limit:
        child_env["SCRAPY_SETTINGS_MODULE"] = "crawlers.check_settings"
        child_env[ITEM_LIMIT_ENV] = str(limit)
    mirror = None if live else Mirror(fixtures)
    try:
        if mirror is not None:
            mirror.start()
        env = {"VEILLE_HOME": str(work), "VEILLE_SOURCES": str(sources_path),
               "VEILLE_MIRROR": mirror.env_value() if mirror is not None else "", **_NEUTRALISED}
        with _environ(env):
            stats = run_round([source], env=child_env)[key]
            bus_file = work / "bus.db"
            items = [m.json() for m in SqliteBus(bus_file).read_all("veille.raw")] if bus_file.exists() else []
            errors = open_state().recent_errors(key, limit=100)
    finally:
        if mirror is not None:
            mirror.stop()
        if own_home:
            shutil.rmtree(work, ignore_errors=True)
    items = [i for i in items if i.get("source") == key]
    return Collected(source, stats.status, items[:limit] if limit else items, errors, stats.unchanged)


# -- the report -----------------------------------------------------------------------------
# Fields every item should have, with what to look at when they are missing, per kind.
_HINTS: dict[str, dict[str, str]] = {
    "title": {
        "rss": "the feed's <title>, or the page's og:title/<h1>; set selectors.title",
        "html": "the page has no og:title, JSON-LD headline or <h1>: set selectors.title",
        "api": "map options.fields.title",
    },
    "published_at": {
        "rss": "check the feed's pubDate (or the page's article:published_time/<time>); set selectors.date",
        "html": "check the date selector (selectors.date) or the page's article:published_time/<time>/JSON-LD",
        "api": "map options.fields.published_at to the record's date",
    },
    "lang": {
        "rss": "declare the URL's language in sources.yaml ({url: …, lang: fr}) or check the page's <html lang>",
        "html": "declare the URL's language in sources.yaml ({url: …, lang: fr}) or check the page's <html lang>",
        "api": "map options.fields.lang, or declare the URL's language ({url: …, lang: fr})",
    },
    "body": {
        "rss": "the page's text was not found: set selectors.body, or fetch_article: always if the feed holds teasers",
        "html": "the page's text was not found: set selectors.body",
        "api": "map options.fields.body, or the article page's text was not found (selectors.body)",
    },
    "issuer": {"*": "set issuer in sources.yaml"},
    "doc_type": {"*": "set doc_type in sources.yaml"},
    "url": {"*": "the spider gave no URL"},
}
REQUIRED = ("title", "url", "published_at", "lang", "body", "issuer", "doc_type")
OPTIONAL = ("summary", "authors", "attachments", "translations", "symbol")
SHORT_BODY = 200  # characters: below this a "body" is most likely a teaser or a caption


def _hint(name: str, kind: str) -> str:
    hints = _HINTS.get(name, {})
    return hints.get(kind) or hints.get("*") or hints.get("html", "")


def _present(item: dict[str, Any], name: str) -> bool:
    value = item.get(name)
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def _show(value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return f"{len(value)}: " + ", ".join(str(v) for v in value[:3]) + (" …" if len(value) > 3 else "")
    return str(value)


@dataclass
class Report:
    lines: list[str]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def report(collected: Collected, where: str = "the offline mirror") -> Report:
    """Each item field by field, then every missing field with where to look."""
    source, items = collected.source, collected.items
    kind = "api" if source.kind in ("api", "documents") else source.kind
    live = where == "the live site"
    status = "stopped at the item limit" if collected.status == "closespider_itemcount" else collected.status
    lines = [f"{source.key} ({source.kind}, spider {source.spider_name}) from {where}: "
             f"round {status}, {len(items)} items"]
    for n, item in enumerate(items, 1):
        body = item.get("body") or ""
        preview = " ".join(body.split())[:200]
        lines += [
            "",
            f"item {n}/{len(items)}",
            f"  id            {item.get('id')}",
            f"  title         {_show(item.get('title'))}",
            f"  url           {_show(item.get('url'))}",
            f"  published_at  {_show(item.get('published_at'))}",
            f"  lang          {_show(item.get('lang'))}",
            f"  doc_type      {_show(item.get('doc_type'))}",
            f"  issuer        {_show(item.get('issuer'))}",
            f"  body          {len(body)} chars: {preview}{'…' if len(body) > 200 else ''}",
        ]
        lines += [f"  {name:<13} {_show(item.get(name))}" for name in OPTIONAL]
    problems: list[str] = []
    if not items:
        problems.append(
            "no items: check the URL, selectors.article_links (html), options.items_path (api), "
            "and the errors below" + ("" if live else "; offline, is the page recorded under "
                                      f"tests/fixtures/sites/{source.key}/?"))
    for name in REQUIRED:
        missing = sum(not _present(i, name) for i in items)
        if missing:
            problems.append(f"no {name} on {missing} of {len(items)} items: {_hint(name, kind)}")
    short = sum(0 < len(i.get("body") or "") < SHORT_BODY for i in items)
    if short:
        problems.append(f"body shorter than {SHORT_BODY} characters on {short} of {len(items)} items "
                        f"(a teaser?): {_hint('body', kind)}")
    for error in collected.errors:
        problems.append(f"round error {error['kind']} {error.get('url') or ''}: {error['message']}")
    if collected.status not in ("ok", "closespider_itemcount"):
        problems.append(f"the round ended {collected.status}")
    lines.append("")
    if items:
        counts = ", ".join(f"{name} {sum(_present(i, name) for i in items)}/{len(items)}" for name in OPTIONAL)
        lines.append(f"optional fields: {counts}")
    if problems:
        lines += ["missing:"] + [f"  - {p}" for p in problems]
    else:
        lines.append(f"all fields present on {len(items)} items ({', '.join(REQUIRED)})")
    return Report(lines, problems)
