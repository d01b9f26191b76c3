"""Bad input never crashes a round: each case is a clear error of a known kind, counted, logged.

One round over tests/fixtures/sites/_bad (malformed and truncated feeds, an HTML page served
as a feed, 429 with Retry-After, a slow host, an unreachable host, broken HTML, windows-1256
and latin-1 pages without charset, a 60 MB page, a redirect to a private address, a 404).
"""

from __future__ import annotations

import socket
import time

import pytest
import yaml

from crawlers.ids import canonical_url
from tests.support.sites import crawl, expected_items

FEEDS = ["mixed", "malformed", "truncated", "not-a-feed", "rate-limited", "slow"]


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture(scope="module")
def bad_round(tmp_path_factory, mirror):
    tmp = tmp_path_factory.mktemp("bad")
    sources = tmp / "sources.yaml"
    urls = [f"https://bad.example.org/feeds/{f}.xml" for f in FEEDS] + ["https://dead.example.org/feed.xml"]
    source = {"key": "bad", "name": "Bad input", "issuer": "test", "languages": ["fr", "ar"], "kind": "rss", "urls": urls}
    sources.write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    mirror_map = f"{mirror.env_value()},dead.example.org={_closed_port()}"
    env = {"VEILLE_MAX_PAGE_BYTES": "5000000", "VEILLE_DOWNLOAD_TIMEOUT": "1.5"}
    started = time.monotonic()
    stats, raw, errors = crawl(tmp / "home", mirror_map, "bad", sources=sources, env=env)
    elapsed = time.monotonic() - started
    items = {i["id"]: i for i in raw}
    return stats, items, errors, elapsed


def _kinds(errors, url_part):
    return {e["kind"] for e in errors if url_part in (e["url"] or "")}


def test_round_finishes(bad_round):
    stats, _, _, elapsed = bad_round
    assert stats.status == "ok"
    assert elapsed < 60


def test_good_and_recoverable_pages_are_collected(bad_round):
    _, items, _, _ = bad_round
    pages = expected_items("_bad")["pages"]
    for url in ("good.html", "broken.html", "arabic-1256.html", "french-latin1.html"):
        full = f"https://bad.example.org/pages/{url}"
        item = items[canonical_url(full)]
        assert item["title"] == pages[full]["title"]
        assert pages[full]["body_contains"] in item["body"]
        if "body_not_contains" in pages[full]:
            assert pages[full]["body_not_contains"] not in item["body"]


def test_duplicate_link_with_tracking_params_is_one_item(bad_round):
    _, items, _, _ = bad_round
    assert sum(1 for k in items if "good.html" in k) == 1


@pytest.mark.parametrize(
    ("url_part", "kind"),
    [
        ("feeds/malformed.xml", "feed_malformed"),
        ("feeds/truncated.xml", "feed_malformed"),
        ("feeds/not-a-feed.xml", "feed_malformed"),
        ("feeds/rate-limited.xml", "http_429"),
        ("feeds/slow.xml", "timeout"),
        ("dead.example.org", "unreachable"),
        ("pages/huge.html", "too_large"),
        ("pages/to-private.html", "blocked_address"),
        ("pages/missing.html", "http_404"),
    ],
)
def test_each_bad_input_is_a_named_error(bad_round, url_part, kind):
    _, _, errors, _ = bad_round
    assert kind in _kinds(errors, url_part), f"{url_part}: got {_kinds(errors, url_part)}"


def test_private_redirect_is_refused_with_its_address(bad_round):
    _, _, errors, _ = bad_round
    blocked = [e for e in errors if e["kind"] == "blocked_address"]
    assert blocked and "10.1.2.3" in blocked[0]["message"]


def test_errors_are_counted_in_the_round(bad_round):
    stats, _, errors, _ = bad_round
    assert stats.error_count == len(errors) >= 9


# Decoding keeps good text: a few bad bytes in a UTF-8 page do not send it to detection.

_FR = (
    "<html><head><title>Dépêche : à Gao, la sécurité s'améliore</title></head><body>"
    "<h1>Dépêche : à Gao, la sécurité s'améliore</h1><p>"
    + "Les élèves ont retrouvé leurs écoles après des mois de fermeture forcée. " * 6
    + "</p></body></html>"
)
_AR = (
    "<html><head><title>مالي: نزوح آلاف الأسر من منطقة ميناكا</title></head><body><p>"
    + "يقيمون في مخيمات عشوائية على أطراف المدينة. " * 6
    + "</p></body></html>"
)


def _with_bad_bytes(text: str) -> bytes:
    """UTF-8 bytes with a stray latin-1 byte, a truncated character and a lone continuation."""
    data = text.encode("utf-8")
    cut = data.index(b"</p>")
    return data[:cut] + b" caf\xe9 \xd8 \x85 " + data[cut:]


@pytest.mark.parametrize("content_type", ["text/html", "text/html; charset=utf-8"])
@pytest.mark.parametrize("page", [_FR, _AR], ids=["french", "arabic"])
def test_a_few_bad_bytes_keep_a_utf8_page_utf8(page, content_type):
    from crawlers.extract import decode_html

    decoded, encoding = decode_html(_with_bad_bytes(page), content_type)
    assert encoding.replace("-", "").lower() == "utf8"
    assert decoded.count("\ufffd") == 3
    # every good character is kept: only the bad bytes became U+FFFD
    assert decoded.replace(" caf\ufffd \ufffd \ufffd ", "") == page


def test_french_page_with_bad_bytes_keeps_its_accents():
    from crawlers.extract import decode_html

    decoded, _ = decode_html(_with_bad_bytes(_FR), "text/html")
    assert "Dépêche" in decoded and "Ã" not in decoded


def test_page_declared_utf8_with_a_few_bad_bytes_in_a_meta_tag():
    from crawlers.extract import decode_html

    page = _FR.replace("<head>", '<head><meta charset="utf-8">')
    decoded, encoding = decode_html(_with_bad_bytes(page), None)
    assert encoding.lower().replace("-", "") == "utf8" and "Dépêche" in decoded


@pytest.mark.parametrize("declared", ["text/html", "text/html; charset=utf-8"])
def test_windows_1256_page_is_still_detected(declared):
    """A legacy page is nearly all bad bytes as UTF-8: detection, even when it says utf-8."""
    from crawlers.extract import decode_html

    decoded, encoding = decode_html(_AR.encode("cp1256"), declared)
    assert decoded == _AR
    assert encoding.replace("-", "").lower() in ("cp1256", "windows1256")
