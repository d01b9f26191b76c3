"""Shared fixtures: a private VEILLE_HOME per test and the offline mirror of the sources."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from veille.mirror import FIXTURES, Mirror
from veille.settings import REPO_ROOT, reset_settings


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


def expected_items(source_key: str) -> dict:
    return yaml.safe_load((FIXTURES / source_key / "expected.yaml").read_text(encoding="utf-8"))


def all_source_keys() -> list[str]:
    data = yaml.safe_load((REPO_ROOT / "sources.yaml").read_text(encoding="utf-8"))
    return [s["key"] for s in data["sources"]]


os.environ.setdefault("VEILLE_LOG_LEVEL", "WARNING")
