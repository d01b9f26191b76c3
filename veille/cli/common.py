"""What every command module shares: the consoles, logging, `--home` (the registry is
`veille.sources.configured_registry`, which the rooms read too)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from veille.settings import get_settings, reset_settings
from veille.textsafe import clean

console = Console()
err = Console(stderr=True, soft_wrap=True)  # a message stays one line, whatever the width


def safe(text: object, limit: int | None = 300, *, one_line: bool = True) -> str:
    """Text from an item, an alert, a config file or an error, ready for `console.print` or a
    rich Table cell: control characters and ESC sequences removed, rich markup escaped (a title
    holding `[/]` or `[/bold]` neither crashes nor styles the output), at most `limit` characters.
    Every command that prints such text goes through it."""
    return escape(clean(text, limit, one_line=one_line))


def usage_error(message: object) -> NoReturn:
    """A command given options or arguments it cannot run: one line `usage error: …` saying
    what to type instead, exit 2 (as click does for a missing argument). A configuration
    file or variable that is wrong is a ConfigError instead (`veille.cli.main`)."""
    err.print(f"[red]usage error[/red]: {safe(message, 2000)}")
    raise typer.Exit(2)


class OneLineUsageErrors(TyperGroup):
    """The root group of `veille` (`typer.Typer(cls=…)`): click's own parse errors (an unknown
    option or command, `--limit x`, a missing argument), raised while this group or any command
    below it parses its arguments, end in `usage_error` like the commands' own usage errors,
    instead of Typer's boxed "Error" panel. One place, so every command gets it, also under
    CliRunner (which does not go through `veille.cli.main`). A bare group still prints its help."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _one_line_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _one_line_usage_errors():
            return super().invoke(ctx)


@contextmanager
def _one_line_usage_errors() -> Iterator[None]:
    try:
        yield
    except NoArgsIsHelpError:
        raise
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "veille"
        usage_error(f"{exc.format_message()} (see {where} -h)")


def setup_logging(level: str | None = None) -> None:
    logging.basicConfig(
        level=(level or get_settings().log_level).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Client libraries narrate every connection at INFO; their warnings are what matters.
    for chatty in ("kafka", "elastic_transport", "urllib3"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def use_home(home: Path | None) -> None:
    if home is not None:
        os.environ["VEILLE_HOME"] = str(home)
        reset_settings()
