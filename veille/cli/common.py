"""What every command module shares: the consoles, logging, `--home`, the registry."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from rich.console import Console

from veille.settings import get_settings, reset_settings

console = Console()
err = Console(stderr=True)


def setup_logging(level: str | None = None) -> None:
    logging.basicConfig(
        level=(level or get_settings().log_level).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Client libraries narrate every connection at INFO; their warnings are what matters.
    for chatty in ("kafka", "elastic_transport", "urllib3"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def configured_registry():
    from veille.sources import load_registry

    return load_registry(get_settings().sources_path())


def use_home(home: Path | None) -> None:
    if home is not None:
        os.environ["VEILLE_HOME"] = str(home)
        reset_settings()
