"""A collection round in a child process that resolves names with a stub (no DNS traffic)
and connects to loopback only: for tests of address checks and source ownership."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

_SITECUSTOMIZE = '''
"""Test stub (tests/crawlers/test_address_guard.py): fake DNS, loopback-only connections."""
import errno, ipaddress, json, os, socket

_ANSWERS = json.loads(os.environ["VEILLE_TEST_DNS"])
_CALLS = {}
_getaddrinfo = socket.getaddrinfo


def _answer(host):
    host = str(host).rstrip(".").lower()
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    if host not in _ANSWERS:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    n = _CALLS[host] = _CALLS.get(host, 0) + 1
    seq = _ANSWERS[host]
    return seq[min(n - 1, len(seq) - 1)]


def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
    if host is None:
        return _getaddrinfo(host, port, family, type, proto, flags)
    address = _answer(host.decode() if isinstance(host, bytes) else host)
    fam = socket.AF_INET6 if ":" in address else socket.AF_INET
    return [(fam, socket.SOCK_STREAM, 6, "", (address, port or 0))]


def gethostbyname(host):
    return _answer(host)


socket.getaddrinfo = getaddrinfo
socket.gethostbyname = gethostbyname


class _LoopbackOnly(socket.socket):
    def _refuse(self, address):
        host = address[0] if isinstance(address, tuple) else None
        return host is not None and not ipaddress.ip_address(host.split("%")[0]).is_loopback

    def connect(self, address):
        if self._refuse(address):
            raise ConnectionRefusedError(errno.ECONNREFUSED, "test: only loopback")
        return super().connect(address)

    def connect_ex(self, address):
        if self._refuse(address):
            return errno.ECONNREFUSED
        return super().connect_ex(address)


socket.socket = _LoopbackOnly
'''


def stub_dns_round(tmp_path: Path, monkeypatch, sources: list[dict], answers: dict[str, list[str]],
                   env: dict[str, str] | None = None):
    """Runs one round of `sources` (sources.yaml entries) with names answered by `answers`
    (name → answers; each lookup takes the next, the last repeats); returns (stats, items
    published on veille.raw, {source: recent errors})."""
    from crawlers.crawl_round import run_round
    from crawlers.state import open_state
    from veille.bus.sqlite_bus import SqliteBus
    from veille.settings import reset_settings
    from veille.sources import configured_registry

    stub = tmp_path / "stub"
    stub.mkdir(exist_ok=True)
    (stub / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(stub))
    monkeypatch.setenv("VEILLE_TEST_DNS", json.dumps(answers))
    monkeypatch.setenv("VEILLE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VEILLE_SOURCES", str(tmp_path / "sources.yaml"))
    for name in ("VEILLE_MIRROR", "VEILLE_ALLOW_PRIVATE_HOSTS", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    reset_settings()
    try:
        registry = configured_registry()
        stats = run_round(registry.sources)
        items = [m.json() for m in SqliteBus(tmp_path / "home" / "bus.db").read_all("veille.raw")]
        errors = {s["key"]: open_state().recent_errors(s["key"], limit=50) for s in sources}
    finally:
        reset_settings()
    return stats, items, errors


