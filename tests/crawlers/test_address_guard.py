"""SSRF closed at connect time (issue 13): every spelling of a private address is refused,
a name that changes its answer between the check and the connection (DNS rebinding) is never
fetched from loopback, names this machine cannot resolve are not handed to a proxy, and a
per-source `allow_private` list lets one source through and not another.

No DNS traffic: names are answered by a stub (`socket.getaddrinfo`/`gethostbyname` patched in
the test and, for whole rounds, in the round's child process through a `sitecustomize`), and
that child refuses to connect anywhere but loopback.
"""

from __future__ import annotations

import http.server
import ipaddress
import socket
import textwrap

import pytest
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from crawlers import address_guard
from crawlers.address_guard import (
    Allowance,
    BlockedAddress,
    ConnectGuard,
    GuardedResolver,
    check_url,
    is_public,
    normalise_host,
)
from tests.support.net import serving
from tests.support.stub_dns import stub_dns_round

PUBLIC = "93.184.216.34"  # never connected to: the stub answers it, the child refuses to dial it


@pytest.fixture
def stub_dns(monkeypatch):
    """name → list of answers; each lookup takes the next, the last one repeats."""
    answers: dict[str, list[str]] = {}
    calls: dict[str, int] = {}

    def answer(host: str) -> str:
        host = host.rstrip(".").lower()
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        n = calls.get(host, 0)
        calls[host] = n + 1
        seq = answers[host]
        return seq[min(n, len(seq) - 1)]

    def getaddrinfo(host, port, *args, **kwargs):
        address = answer(host)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "gethostbyname", answer)
    address_guard._resolve.cache_clear()
    yield answers
    address_guard._resolve.cache_clear()


# -- every name form ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://localhost./", "http://LOCALHOST/", "http://127.0.0.1./x", "http://169.254.169.254./latest",
        "http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/", "http://0x7f.1/", "http://127.1/",
        "http://017700000001/", "http://0xa9.0xfe.0xa9.0xfe/", "http://2852039166/",  # metadata, hex and decimal
        "http://[::127.0.0.1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:a9fe:a9fe]/",
        "http://[64:ff9b::169.254.169.254]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[64:ff9b::10.0.0.1]/",
        "http://[64:ff9b:1::a9fe:a9fe]/", "http://[2002:7f00:1::]/", "http://[2002:a9fe:a9fe::1]/",
        "http://[::1]/", "http://[fe80::1%25eth0]/", "http://[fd00:ec2::254]/",
        "http://１２７．０．０．１/", "http://127。0。0。1/", "http://1.2.3.999/", "http://foo.0x7f/",
        "http://metadata.google.internal./", "http://printer.local/", "http://router.home.arpa/",
    ],
)
def test_every_spelling_of_a_private_address_is_refused(url, stub_dns):
    with pytest.raises(BlockedAddress):
        check_url(url, {}, via_proxy=False)


def test_normalised_forms():
    assert normalise_host("0x7f.1") == "127.0.0.1"
    assert normalise_host("2130706433.") == "127.0.0.1"
    assert normalise_host("[::1]") == "::1"
    assert normalise_host("News.UN.org.") == "news.un.org"
    assert not is_public("::127.0.0.1")
    assert not is_public("64:ff9b::a9fe:a9fe")
    assert is_public("64:ff9b::5db8:d822")  # NAT64 of a public address stays public
    assert is_public(PUBLIC)


def test_names_resolving_to_private_addresses_are_refused(stub_dns):
    stub_dns["evil.test"] = ["10.0.0.7"]
    stub_dns["mapped.test"] = ["::ffff:127.0.0.1"]
    stub_dns["nat64.test"] = ["64:ff9b::a9fe:a9fe"]
    stub_dns["fine.test"] = [PUBLIC]
    for host in ("evil.test", "mapped.test", "nat64.test"):
        with pytest.raises(BlockedAddress, match="resolves to private address"):
            check_url(f"https://{host}/", {}, via_proxy=False)
    check_url("https://fine.test/", {}, via_proxy=False)


def test_unresolvable_names_are_not_passed_to_a_proxy(stub_dns, monkeypatch):
    with pytest.raises(BlockedAddress, match="not passed to the HTTP proxy"):
        check_url("http://anything.nip.io/", {}, via_proxy=True)
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with pytest.raises(BlockedAddress, match="not passed to the HTTP proxy"):
        check_url("http://10.0.0.1.nip.io/", {})
    # without a proxy, the downloader reports the DNS failure itself (its resolver checks too)
    check_url("http://anything.nip.io/", {}, via_proxy=False)


def test_allow_list_lets_its_own_source_through_only(stub_dns):
    stub_dns["intranet.example"] = ["10.0.0.5"]
    stub_dns["other.example"] = ["10.0.0.5"]
    stub_dns["wiki.example"] = ["10.9.9.9"]
    by_name = Allowance(["intranet.example"])
    by_address = Allowance(["10.0.0.5"])
    check_url("http://intranet.example/x", {}, allowance=by_name, via_proxy=False)
    check_url("http://10.0.0.5/x", {}, allowance=by_address, via_proxy=False)
    check_url("http://other.example/x", {}, allowance=by_address, via_proxy=False)
    with pytest.raises(BlockedAddress):
        check_url("http://intranet.example/x", {}, allowance=Allowance(), via_proxy=False)
    with pytest.raises(BlockedAddress):
        check_url("http://wiki.example/x", {}, allowance=by_name, via_proxy=False)
    with pytest.raises(BlockedAddress):
        check_url("http://169.254.169.254/", {}, allowance=Allowance(["169.254.0.0/16"]), via_proxy=False)


# -- the connect-time resolver --------------------------------------------------------------
class _Reactor:
    """Enough of a reactor for ThreadedResolver, resolving synchronously."""

    def getThreadPool(self):  # noqa: N802 - Twisted's name
        return None


def _resolve_now(resolver: GuardedResolver, name: str):
    results: list = []
    resolver.getHostByName(name).addBoth(results.append)
    return results[0]


@pytest.fixture
def resolver(stub_dns, monkeypatch):
    from scrapy import resolver as scrapy_resolver

    monkeypatch.setattr(scrapy_resolver.ThreadedResolver, "getHostByName",
                        lambda self, name, timeout=(): defer.maybeDeferred(socket.gethostbyname, name))
    scrapy_resolver.dnscache.clear()
    ConnectGuard.configure(allow_all=False, mirror=False)
    ConnectGuard.refused.clear()
    yield GuardedResolver(_Reactor(), cache_size=0, timeout=5)
    scrapy_resolver.dnscache.clear()


def test_resolver_refuses_the_rebound_answer(resolver, stub_dns):
    stub_dns["rebind.test"] = [PUBLIC, "127.0.0.1"]
    check_url("http://rebind.test/feed", {}, via_proxy=False)  # the early check sees the public answer
    failure = _resolve_now(resolver, "rebind.test")  # the connection sees loopback
    assert failure.check(DNSLookupError)
    assert "127.0.0.1" in ConnectGuard.refused["rebind.test"]


def test_resolver_checks_numeric_spellings_and_allows_allowed(resolver, stub_dns):
    assert _resolve_now(resolver, "2130706433").check(DNSLookupError)
    stub_dns["public.test"] = [PUBLIC]
    assert _resolve_now(resolver, "public.test") == PUBLIC
    stub_dns["intranet.example"] = ["10.0.0.5"]
    assert _resolve_now(resolver, "intranet.example").check(DNSLookupError)
    ConnectGuard.configure(allow_all=False, mirror=False, allowances=[Allowance(["intranet.example"])])
    assert _resolve_now(resolver, "intranet.example") == "10.0.0.5"
    ConnectGuard.configure(allow_all=False, mirror=False)


# -- whole rounds in a child process -----------------------------------------------------------
class _Site(http.server.BaseHTTPRequestHandler):
    requests: list[tuple[str, str]] = []
    port = 0

    def do_GET(self):  # noqa: N802 - http.server's name
        host = (self.headers.get("Host") or "").split(":")[0]
        _Site.requests.append((host, self.path))
        if not self.path.endswith("feed.xml"):
            self.send_response(404)
            self.end_headers()
            return
        prefix = self.path.rsplit("/", 1)[0]
        body = textwrap.dedent(f"""\
            <?xml version="1.0" encoding="utf-8"?>
            <rss version="2.0"><channel><title>t</title><link>http://{host}:{_Site.port}/</link>
            <item><title>Secret {host}{prefix}</title><link>http://{host}:{_Site.port}{prefix}/1.html</link>
            <pubDate>Tue, 12 Mar 2024 14:05:00 GMT</pubDate>
            <description>{"Le texte interne. " * 40}</description></item>
            </channel></rss>""").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    with serving(_Site):
        yield _Site


def _source(key: str, url: str, **extra) -> dict:
    return {"key": key, "name": key, "issuer": "test", "languages": ["fr"], "kind": "rss",
            "urls": [url], "robots": "ignore", "robots_reason": "test site", "fetch_article": "never", **extra}


def test_dns_rebinding_is_never_fetched_from_loopback(tmp_path, monkeypatch, site):
    site.requests.clear()
    # robots obeyed: robots.txt and the feed are both checked, and each connection refused
    source = _source("rebind", f"http://rebind.test:{site.port}/r/feed.xml")
    del source["robots"], source["robots_reason"]
    stats, items, errors = stub_dns_round(tmp_path, monkeypatch, [source], {"rebind.test": [PUBLIC, "127.0.0.1"]})
    assert not [r for r in site.requests if r[0] == "rebind.test"], "fetched from loopback"
    assert items == []
    kinds = {e["kind"] for e in errors["rebind"]}
    assert "blocked_address" in kinds, errors["rebind"]
    assert any("at connect time" in (e["message"] or "") for e in errors["rebind"])


def test_allow_private_lets_one_source_through_and_not_another(tmp_path, monkeypatch, site):
    site.requests.clear()
    allowed = _source("intra-ok", f"http://intranet.test:{site.port}/a/feed.xml",
                      allow_private=["intranet.test"], allow_private_reason="the ministry's intranet mirror")
    refused = _source("intra-no", f"http://intranet.test:{site.port}/b/feed.xml")
    stats, items, errors = stub_dns_round(tmp_path, monkeypatch, [allowed, refused], {"intranet.test": ["127.0.0.1"]})
    assert ("intranet.test", "/a/feed.xml") in site.requests
    assert ("intranet.test", "/b/feed.xml") not in site.requests
    assert [i["source"] for i in items] == ["intra-ok"]
    assert {e["kind"] for e in errors["intra-no"]} == {"blocked_address"}
    assert not errors["intra-ok"]
    assert ipaddress.ip_address("127.0.0.1").is_loopback
