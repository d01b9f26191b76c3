"""Fixtures of the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from veille.settings import reset_settings


@pytest.fixture
def embedded(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private VEILLE_HOME in the embedded mode (no server variables, whatever the shell
    exports) and a wide terminal, so a line is never wrapped under an assertion."""
    for name in ("VEILLE_KAFKA_BOOTSTRAP", "VEILLE_ES_URL", "VEILLE_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    reset_settings()
    return home
