"""The offline mirror behaves like the real sites' servers (tests/fixtures/sites/README.md)."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from crawlers.mirror import from_mirror, to_mirror


def _get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_files_routes_and_conditional_get(mirror):
    ports = mirror.port_map()
    feed = to_mirror("https://cajnewsafrica.com/feed/", ports)
    status, headers, body = _get(feed)
    assert status == 200 and b"<rss" in body
    assert headers["Content-Type"].startswith("application/rss+xml")
    status, _, body = _get(feed, {"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""


def test_query_routes_match_on_their_parameters(mirror):
    ports = mirror.port_map()
    status, _, body = _get(to_mirror("https://www.oic-oci.org/news/?lan=ar&extra=1", ports))
    assert status == 200 and 'lang="ar"' in body.decode()


def test_unknown_paths_and_escapes_are_404(mirror):
    ports = mirror.port_map()
    assert _get(to_mirror("https://cajnewsafrica.com/nope/", ports))[0] == 404
    assert _get(to_mirror("https://cajnewsafrica.com/../../../../etc/passwd", ports))[0] == 404


def test_url_mapping_round_trips(mirror):
    ports = mirror.port_map()
    real = "https://www.rfi.fr/fr/afrique/rss?x=1"
    assert from_mirror(to_mirror(real, ports), ports) == real
    assert to_mirror("https://example.com/", ports) is None


@pytest.mark.parametrize("source", ["un-news", "minusma", "oic"])
def test_every_source_host_is_served(mirror, source):
    from tests.support.sites import expected_items

    for url in expected_items(source)["entry_urls"]:
        assert _get(to_mirror(url, mirror.port_map()))[0] == 200, url
