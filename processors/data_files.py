"""Reading the classifiers' data files (lexicons, gazetteer, weights), which analysts edit by
hand: a missing file or broken YAML stops start-up with an error that names the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml(path: Path, error: type[Exception] = RuntimeError) -> Any:
    """The parsed file; `error` (the caller's own error type) when it cannot be read."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise error(f"{path}: cannot read: {exc}") from exc
