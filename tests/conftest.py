"""Shared fixtures: a private VEILLE_HOME per test and the offline mirror of the sources."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from veille.mirror import FIXTURES, Mirror
from veille.settings import REPO_ROOT, reset_settings


@pytest.fixture(autouse=True)
def _never_the_users_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test writes into ~/.veille: every test starts with a throwaway VEILLE_HOME (tests
    that need to know it use `home`)."""
    monkeypatch.setenv("VEILLE_HOME", str(tmp_path_factory.mktemp("home")))
    reset_settings()
    yield
    reset_settings()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VEILLE_HOME", str(tmp_path / "home"))
    reset_settings()
    yield tmp_path / "home"
    reset_settings()


@pytest.fixture(scope="session")
def mirror() -> Iterator[Mirror]:
    with Mirror() as m:
        yield m


@pytest.fixture
def mirrored(home: Path, mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> Mirror:
    """VEILLE_HOME private to the test and collectors pointed at the offline mirror."""
    monkeypatch.setenv("VEILLE_MIRROR", mirror.env_value())
    reset_settings()
    return mirror


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
    from veille.bus.sqlite_bus import SqliteBus
    from veille.settings import get_settings
    from veille.sources import load_registry
    from veille.state import open_state

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
            source = load_registry(get_settings().sources_path()).get(key)
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
    from veille.ids import canonical_url

    return entry.get("id") or canonical_url(entry["url"])


def all_source_keys() -> list[str]:
    data = yaml.safe_load((REPO_ROOT / "sources.yaml").read_text(encoding="utf-8"))
    return [s["key"] for s in data["sources"]]


os.environ.setdefault("VEILLE_LOG_LEVEL", "WARNING")


def free_port() -> int:
    """A localhost port nothing listens on now (for a process's /metrics and /healthz)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, timeout: float = 5) -> tuple[int, str]:
    """(status, body) of GET http://127.0.0.1:port/path; error statuses are answers too.
    Raises OSError when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


# -- the real servers (distributed mode) --------------------------------------------------
SERVICES = REPO_ROOT / "deploy" / "local" / "services"


@pytest.fixture(scope="session")
def services() -> dict[str, str]:
    proc = subprocess.run(["bash", str(SERVICES), "up"], capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:
        pytest.fail(
            f"`deploy/local/services up` failed (exit {proc.returncode}); distributed-mode tests "
            f"need the real servers:\n{proc.stderr[-3000:]}",
            pytrace=False,
        )
    env = dict(re.findall(r"^export (VEILLE_\w+)=(\S+)$", proc.stdout, re.M))
    for name in ("VEILLE_KAFKA_BOOTSTRAP", "VEILLE_ES_URL", "VEILLE_REDIS_URL"):
        if name not in env:
            pytest.fail(f"`deploy/local/services up` did not print {name}: {proc.stdout!r}", pytrace=False)
    return env


@pytest.fixture(scope="session")
def es(services: dict[str, str]) -> Iterator[object]:
    """A client of the test Elasticsearch, checked once: a missing server fails the test."""
    from elasticsearch import Elasticsearch

    url = services["VEILLE_ES_URL"]
    client = Elasticsearch(url, request_timeout=30)
    try:
        client.cluster.health(timeout="10s")
    except Exception as exc:  # a missing server is a failure, never a skip
        pytest.fail(f"no Elasticsearch at {url} ({type(exc).__name__}: {exc}); "
                    "start it with `deploy/local/services up`", pytrace=False)
    yield client
    client.close()


def services_cmd(*args: str, timeout: float = 600) -> None:
    """`deploy/local/services down|up SERVICE` for fault tests."""
    proc = subprocess.run(["bash", str(SERVICES), *args], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"services {' '.join(args)} failed:\n{proc.stderr[-3000:]}"


