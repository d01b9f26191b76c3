"""Distributed-mode tests: each in its own slice of the real Kafka, Elasticsearch and Redis.

`services` runs `deploy/local/services up` (a no-op when they are already healthy, as in CI
where `.ci/run` started them); a server that cannot be reached fails the test, never skips it.
Every test gets its own namespace, so topics, consumer groups, Dramatiq queues and indices
never mix between tests, and they are removed afterwards.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from elasticsearch import Elasticsearch

from tests.support.services import stop_stages
from veille.settings import reset_settings


@dataclass
class Distributed:
    """One test's slice of the servers: its namespace, its VEILLE_HOME, its processes."""

    env: dict[str, str]
    namespace: str
    home: Path
    es: Elasticsearch
    procs: list[subprocess.Popen] = field(default_factory=list)

    @property
    def alias(self) -> str:
        return f"{self.namespace}-items"

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """A `veille …` process with this test's environment; output goes to a log file."""
        log = (self.home / f"{args[0]}-{len(self.procs)}.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "veille.cli", *args],
            env={**self.env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-4000:]}" for p in sorted(self.home.glob("*.log")))

    def count(self) -> int:
        """Documents searchable under the alias now (after a refresh)."""
        if not self.es.indices.exists_alias(name=self.alias):
            return 0
        self.es.indices.refresh(index=self.alias)
        return self.es.count(index=self.alias)["count"]

    def ids(self) -> list[str]:
        self.es.indices.refresh(index=self.alias)
        hits = []
        body = {"size": 1000, "sort": [{"id": "asc"}], "_source": ["id"]}
        after = None
        while True:
            page = self.es.search(index=self.alias, **body, **({"search_after": after} if after else {}))
            rows = page["hits"]["hits"]
            if not rows:
                return hits
            hits += [r["_source"]["id"] for r in rows]
            after = rows[-1]["sort"]

    def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if predicate():
                    return
            except Exception:  # the server may be restarting under a fault test
                pass
            time.sleep(0.5)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{self.logs()}")

    def stop_all(self) -> None:
        stop_stages(self.procs)


@pytest.fixture
def distributed(services: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Distributed]:
    ns = f"t{uuid.uuid4().hex[:8]}"
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, **services, "VEILLE_NAMESPACE": ns, "VEILLE_HOME": str(home),
           "VEILLE_LOG_LEVEL": "INFO"}
    for name, value in {**services, "VEILLE_NAMESPACE": ns, "VEILLE_HOME": str(home)}.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    es = Elasticsearch(services["VEILLE_ES_URL"], request_timeout=60, retry_on_timeout=True, max_retries=5)
    d = Distributed(env, ns, home, es)
    try:
        yield d
    finally:
        d.stop_all()
        reset_settings()
        _remove_namespace(d)


def _remove_namespace(d: Distributed) -> None:
    from tests.support.services import cleanup

    with contextlib.suppress(Exception):  # cleanup only; a leftover namespace does no harm
        cleanup(d.es, d.env["VEILLE_KAFKA_BOOTSTRAP"], d.namespace)
    d.es.close()


@pytest.fixture
def namespace(services: dict[str, str]) -> Iterator[str]:
    """A fresh Redis key prefix for one test, its keys removed afterwards."""
    ns = f"t{uuid.uuid4().hex[:8]}"
    yield ns
    client = redis.Redis.from_url(services["VEILLE_REDIS_URL"])
    keys = list(client.scan_iter(match=f"{ns}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
