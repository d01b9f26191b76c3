"""Small pieces the collectors rely on: ids, dates, charset detection, address guard, 429."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawlers.address_guard import BlockedAddress, check_url
from crawlers.dates import parse_date
from crawlers.extract import decode_html, extract_article
from crawlers.ids import canonical_url, document_id, press_id
from crawlers.middlewares import retry_after_seconds
from crawlers.scheduler import due_sources
from crawlers.state import RoundStats
from veille.sources import Source


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://News.UN.org/en/story/2024/03/1147321?utm_source=rss&utm_medium=x#top",
         "https://news.un.org/en/story/2024/03/1147321"),
        ("https://www.bbc.com/afrique/articles/c4nn?at_medium=RSS&at_campaign=rss",
         "https://www.bbc.com/afrique/articles/c4nn"),
        ("https://www.oic-oci.org/topic/?t_ref=2&t_id=1&lan=ar", "https://www.oic-oci.org/topic/?lan=ar&t_id=1&t_ref=2"),
        ("https://www.rfi.fr/fr/afrique/20240312-mali-m%c3%a9naka", "https://www.rfi.fr/fr/afrique/20240312-mali-m%C3%A9naka"),
        ("https://www.rfi.fr/fr/afrique/20240312-mali-ménaka", "https://www.rfi.fr/fr/afrique/20240312-mali-m%C3%A9naka"),
        ("https://example.org:443/a/", "https://example.org/a/"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_document_and_press_ids_are_stable():
    assert document_id("s/2020/476 ", "AR") == "un-doc:S/2020/476:ar"
    assert press_id("sc/15577", "en") == "un-press:SC/15577:en"


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("3 févr. 2024", "fr", datetime(2024, 2, 3, tzinfo=UTC)),
        ("mar, 12 mars 2024 - 14:05", "fr", datetime(2024, 3, 12, 14, 5, tzinfo=UTC)),
        ("24 سبتمبر 2019", "ar", datetime(2019, 9, 24, tzinfo=UTC)),
        ("٢٤ سبتمبر ٢٠١٩", "ar", datetime(2019, 9, 24, tzinfo=UTC)),
        ("05/03/2024", None, datetime(2024, 3, 5, tzinfo=UTC)),
        ("Tue, 12 Mar 2024 10:00:00 +0300", None, datetime(2024, 3, 12, 7, 0, tzinfo=UTC)),
        ("2023-07-19T10:14:22+02:00", None, datetime(2023, 7, 19, 8, 14, 22, tzinfo=UTC)),
    ],
)
def test_parse_date(text, lang, expected):
    assert parse_date(text, lang) == expected


def test_parse_date_rejects_noise():
    assert parse_date("Imprimer", "fr") is None
    assert parse_date("", None) is None


def test_decode_detects_windows_1256_without_charset():
    text = "<html><body><h1>مالي: نزوح آلاف الأسر من منطقة ميناكا</h1><p>" + "يقيمون في مخيمات عشوائية على أطراف المدينة. " * 5 + "</p></body></html>"
    decoded, encoding = decode_html(text.encode("cp1256"), "text/html")
    assert decoded == text
    assert encoding.replace("-", "").lower() in ("cp1256", "windows1256")


def test_decode_trusts_a_declared_charset():
    assert decode_html("é".encode("latin-1"), "text/html; charset=iso-8859-1")[0] == "é"


def test_extract_prefers_jsonld_and_meta():
    html = """<html lang="fr"><head><meta property="og:title" content="Titre og">
    <script type="application/ld+json">{"@type":"NewsArticle","headline":"Titre JSON-LD","datePublished":"2024-03-12T14:05:00+00:00"}</script>
    </head><body><h1>Autre</h1><article><p>Premier paragraphe assez long pour être retenu par l'extracteur de texte.</p>
    <p>Second paragraphe qui parle de Gao et de Tombouctou, avec assez de mots pour compter.</p></article></body></html>"""
    art = extract_article(html, "https://example.org/a")
    assert art.title == "Titre JSON-LD"
    assert art.published_at == datetime(2024, 3, 12, 14, 5, tzinfo=UTC)
    assert art.lang == "fr"
    assert "Tombouctou" in art.body


@pytest.mark.parametrize(
    "url",
    ["http://10.1.2.3/admin", "http://192.168.1.1/", "http://127.0.0.1:8080/", "http://[::1]/",
     "http://169.254.169.254/latest/meta-data", "http://localhost/", "file:///etc/passwd"],
)
def test_guard_blocks_private_and_local_targets(url):
    with pytest.raises(BlockedAddress):
        check_url(url, {})


def test_guard_in_offline_mode_only_lets_mirrored_hosts_through():
    ports = {"news.un.org": 40001}
    check_url("https://news.un.org/feed", ports)
    check_url("http://127.0.0.1:40001/feed", ports)
    with pytest.raises(BlockedAddress, match="not in the offline mirror"):
        check_url("https://example.com/", ports)
    with pytest.raises(BlockedAddress):
        check_url("http://127.0.0.1:22/", ports)


def test_retry_after_reads_seconds_and_dates():
    assert retry_after_seconds(b"7") == 7
    assert retry_after_seconds(None, default=3) == 3
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0


def _source(key, schedule="30m", archive=False):
    return Source(key=key, name=key, issuer="x", languages=["fr"], kind="rss", urls=["https://x.org/f"],
                  schedule=schedule, archive=archive)


def test_scheduler_follows_intervals_and_redoes_interrupted_rounds():
    now = 100_000.0
    sources = [_source("new"), _source("fresh"), _source("stale"), _source("killed"), _source("arch", archive=True),
               _source("crashed"), _source("crashed-long-ago")]
    last = {
        "fresh": RoundStats("fresh", status="ok", started=now - 60, finished=now - 50),
        "stale": RoundStats("stale", status="ok", started=now - 4000, finished=now - 3900),
        "killed": RoundStats("killed", status="interrupted", started=now - 30, finished=now - 20),
        "arch": RoundStats("arch", status="ok", started=now - 10**6, finished=now - 10**6),
        "crashed": RoundStats("crashed", status="crashed (exit 1)", started=now - 20, finished=now - 10),
        "crashed-long-ago": RoundStats("crashed-long-ago", status="failed", started=now - 900, finished=now - 800),
    }
    assert [s.key for s in due_sources(sources, last, now)] == ["new", "stale", "killed", "crashed-long-ago"]
