"""The feed poller behaves like a feed reader: conditional GET on the next round, 429 honoured."""

from __future__ import annotations

import yaml

from crawlers.crawl_round import run_round
from veille.settings import REPO_ROOT, reset_settings
from veille.sources import load_registry


def _hits(mirror, host, path_part):
    return [(t, p, s) for t, p, s in mirror.sites[host].hits if path_part in p]


def test_second_round_gets_304_and_fetches_no_article(mirrored):
    registry = load_registry(REPO_ROOT / "sources.yaml")
    source = registry.get("studio-tamani")  # summary-only feed: articles are fetched
    host = "www.studiotamani.org"
    first = run_round([source])["studio-tamani"]
    assert first.items == 4
    pages_before = len(mirrored.sites[host].hits)
    second = run_round([source])["studio-tamani"]
    assert second.items == 0 and second.error_count == 0
    new_hits = mirrored.sites[host].hits[pages_before:]
    feed_hits = [h for h in new_hits if h[1].startswith("/feed")]
    assert feed_hits and all(status == 304 for _, _, status in feed_hits)
    assert [h for h in new_hits if not h[1].startswith(("/feed", "/robots.txt"))] == []


def test_429_waits_for_retry_after(mirrored, tmp_path, monkeypatch):
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [{
        "key": "limited", "name": "Rate limited", "issuer": "t", "languages": ["fr"], "kind": "rss",
        "urls": ["https://bad.example.org/feeds/rate-limited.xml"]}]}), encoding="utf-8")
    monkeypatch.setenv("VEILLE_SOURCES", str(sources))
    reset_settings()
    before = len(_hits(mirrored, "bad.example.org", "rate-limited"))
    stats = run_round(load_registry(sources).enabled())["limited"]
    assert stats.errors == {"http_429": 1}
    times = [t for t, _, _ in _hits(mirrored, "bad.example.org", "rate-limited")][before:]
    assert len(times) == 4  # the first try and three retries, no storm
    assert all(b - a >= 0.9 for a, b in zip(times, times[1:], strict=False))
