"""The offline mirror's sources: one collection round of a source, and what it must yield
(tests/fixtures/sites/<source>/expected.yaml)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from crawlers.mirror import FIXTURES
from veille.settings import REPO_ROOT, reset_settings


def crawl(
    home: Path,
    mirror_map: str,
    key: str,
    sources: Path | None = None,
    env: dict[str, str] | None = None,
    unset: tuple[str, ...] = (),
) -> tuple:
    """One collection round of source `key` against the mirror, in its own VEILLE_HOME.

    Returns (round stats, every item on veille.raw, the source's recorded errors).
    """
    from crawlers.crawl_round import run_round
    from crawlers.state import open_state
    from veille.bus.sqlite_bus import SqliteBus
    from veille.sources import configured_registry

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VEILLE_HOME", str(home))
        mp.setenv("VEILLE_MIRROR", mirror_map)
        for name in unset:
            mp.delenv(name, raising=False)
        if sources:
            mp.setenv("VEILLE_SOURCES", str(sources))
        for name, value in (env or {}).items():
            mp.setenv(name, value)
        reset_settings()
        try:
            source = configured_registry().get(key)
            stats = run_round([source])[key]
            items = [m.json() for m in SqliteBus(home / "bus.db").read_all("veille.raw")]
            errors = open_state().recent_errors(key, limit=100)
        finally:
            reset_settings()
    return stats, items, errors


def expected_items(source_key: str) -> dict:
    return yaml.safe_load((FIXTURES / source_key / "expected.yaml").read_text(encoding="utf-8"))


def expected_id(entry: dict) -> str:
    """The id an expected.yaml entry must get: given, or its canonical URL."""
    from crawlers.ids import canonical_url

    return entry.get("id") or canonical_url(entry["url"])


def all_source_keys() -> list[str]:
    data = yaml.safe_load((REPO_ROOT / "sources.yaml").read_text(encoding="utf-8"))
    return [s["key"] for s in data["sources"]]


def un_documents_site(root: Path, french_pdf: bytes) -> Path:
    """A one-record un-documents site under `root/sites` (S/2020/476, its recorded English
    and Arabic PDFs) whose French PDF is `french_pdf`, and `root/sources.yaml` holding only
    that source pointed at it: for the tests of a bad PDF in a round. Returns `root`."""
    recorded = FIXTURES / "un-documents"
    site = root / "sites" / "un-documents"
    (site / "files").mkdir(parents=True)
    shutil.copy(recorded / "digitallibrary.un.org/search-symbol-S_2020_476.xml", site / "files/search.xml")
    for lang in ("en", "ar"):
        shutil.copy(recorded / f"documents.un.org/files/S_2020_476-{lang.upper()}.pdf",
                    site / f"files/{lang}.pdf")
    (site / "files/fr.pdf").write_bytes(french_pdf)
    routes = [{"url": "https://digitallibrary.un.org/search?p=S/2020/476&of=xm", "file": "files/search.xml"}]
    for lang in ("en", "fr", "ar"):
        routes.append({
            "url": f"https://documents.un.org/api/symbol/access?s=S/2020/476&l={lang}&t=pdf",
            "file": f"files/{lang}.pdf",
            "content_type": "application/pdf",
        })
    (site / "site.yaml").write_text(yaml.safe_dump({"routes": routes}), encoding="utf-8")
    registry = yaml.safe_load((REPO_ROOT / "sources.yaml").read_text(encoding="utf-8"))
    entry = next(s for s in registry["sources"] if s["key"] == "un-documents")
    entry["urls"] = ["https://digitallibrary.un.org/search?p=S/2020/476&f=symbol&of=xm"]
    (root / "sources.yaml").write_text(yaml.safe_dump({"sources": [entry]}), encoding="utf-8")
    return root
