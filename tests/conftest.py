"""Shared fixtures: a private VEILLE_HOME per test and the offline mirror of the sources."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawlers.mirror import Mirror
from tests.support.services import SERVICES
from veille.settings import reset_settings


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


os.environ.setdefault("VEILLE_LOG_LEVEL", "WARNING")


# -- the real servers (distributed mode) --------------------------------------------------


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
