"""The ReliefWeb spider: API pages through offsets; a refused or missing appname is reported.

Rounds run against the recorded API (tests/fixtures/sites/reliefweb: 7 reports on two pages
of 4 for the approved appname `veille-demo`; any other request gets ReliefWeb's 403).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crawlers.mirror import Mirror
from crawlers.spiders.reliefweb import appname_for, markdown_to_text
from tests.support.sites import crawl
from veille.settings import REPO_ROOT, reset_settings
from veille.sources import load_registry

ENV = "VEILLE_RELIEFWEB_APPNAME"


def crawl_reliefweb(home: Path, mirror: Mirror, env: dict[str, str] | None = None, options: dict | None = None) -> tuple:
    sources = None
    if options is not None:
        registry = yaml.safe_load((REPO_ROOT / "sources.yaml").read_text(encoding="utf-8"))
        entry = next(s for s in registry["sources"] if s["key"] == "reliefweb")
        entry["options"] = options
        home.mkdir(parents=True, exist_ok=True)
        sources = home / "sources.yaml"
        sources.write_text(yaml.safe_dump({"sources": [entry]}), encoding="utf-8")
    return crawl(home, mirror.env_value(), "reliefweb", sources=sources, env=env, unset=(ENV,))


@pytest.fixture(scope="module")
def api_round(tmp_path_factory, mirror):
    return crawl_reliefweb(tmp_path_factory.mktemp("reliefweb"), mirror)


def test_pages_through_offsets(api_round):
    stats, items, errors = api_round
    assert stats.status == "ok"
    assert errors == []
    assert stats.items == len(items) == 7  # 4 at offset 0, 3 at offset 4
    assert len({i["id"] for i in items}) == 7


def test_report_fields(api_round):
    _, items, _ = api_round
    by_url = {i["url"]: i for i in items}
    ocha = by_url["https://reliefweb.int/report/mali/mali-humanitarian-situation-report-march-2024"]
    assert ocha["id"] == ocha["url"]
    assert ocha["title"] == "Mali: Humanitarian Situation Report - March 2024"
    assert ocha["lang"] == "en"
    assert ocha["published_at"].startswith("2024-03-14")
    assert ocha["doc_type"] == "report"
    assert ocha["issuer"] == "un"  # OCHA speaks for the UN
    assert "**" not in ocha["body"] and "##" not in ocha["body"]
    assert "two humanitarian convoys were attacked on the Gao-Ménaka road" in ocha["body"]
    icrc = by_url["https://reliefweb.int/report/mali/mali-le-cicr-facilite-la-liberation-de-trois-personnes-detenues-dans-la-region-de-kidal"]
    assert (icrc["lang"], icrc["issuer"], icrc["doc_type"]) == ("fr", "icrc", "press_release")
    # date.original (the publisher's date), not date.created (ReliefWeb's posting)
    wfp = by_url["https://reliefweb.int/report/mali/wfp-scales-lean-season-assistance-northern-mali-amid-access-constraints"]
    assert wfp["published_at"].startswith("2024-03-05")


def test_max_pages_stops_paging(tmp_path, mirror):
    options = {"appname_env": ENV, "demo_appname": "veille-demo", "country_iso3": "MLI", "limit": 4, "max_pages": 1}
    stats, items, errors = crawl_reliefweb(tmp_path / "home", mirror, options=options)
    assert errors == []
    assert len(items) == 4


def test_refused_appname_is_reported(tmp_path, mirror):
    stats, items, errors = crawl_reliefweb(tmp_path / "home", mirror, env={ENV: "unapproved"})
    assert stats.status == "ok"
    assert items == []
    assert [e["kind"] for e in errors] == ["api_forbidden"]
    assert "ReliefWeb refused appname 'unapproved'" in errors[0]["message"]
    assert ENV in errors[0]["message"]


def test_missing_appname_is_a_config_error_and_nothing_is_requested(tmp_path, mirror):
    # No demo appname configured: offline or not, there is no appname to send.
    options = {"appname_env": ENV, "country_iso3": "MLI", "limit": 4, "max_pages": 4}
    stats, items, errors = crawl_reliefweb(tmp_path / "home", mirror, options=options)
    assert items == []
    # any request would have met the mirror's 403 (api_forbidden): only the config error
    assert [e["kind"] for e in errors] == ["config"]
    assert ENV in errors[0]["message"]


def test_demo_appname_only_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("VEILLE_HOME", str(tmp_path))
    monkeypatch.delenv(ENV, raising=False)
    source = load_registry(REPO_ROOT / "sources.yaml").get("reliefweb")
    try:
        monkeypatch.setenv("VEILLE_MIRROR", "")
        reset_settings()
        assert appname_for(source) is None
        monkeypatch.setenv("VEILLE_MIRROR", "fixtures")
        reset_settings()
        assert appname_for(source) == "veille-demo"
        monkeypatch.setenv(ENV, "my-approved-app")
        assert appname_for(source) == "my-approved-app"
    finally:
        reset_settings()


def test_markdown_to_text():
    text = markdown_to_text("## Key figures\n\n- 7.1 million **people**\n- 375,539 IDPs\n\nA [link](https://x.org) and\nmore.")
    assert text == "Key figures\n\n7.1 million people\n\n375,539 IDPs\n\nA link and more."
