"""`veille`: the front door, and the composition root. It only registers the command groups,
one module each (as Scrapy keeps one module per command); every command reads the same
settings and sources.yaml, and every stage is built by `veille.cli.wiring.build_stages`.

Nothing outside `veille.cli` imports it (the import contract in pyproject.toml says so).
"""

from __future__ import annotations

import errno
import sys

import typer

from veille.cli import classifiers, demo, doctor, items, repair, stages
from veille.cli.alerts import alerts_app, rules_app
from veille.cli.brief import brief
from veille.cli.common import OneLineUsageErrors, err, safe
from veille.cli.errors import ServerUnreachable
from veille.cli.kibana import kibana_app
from veille.cli.sources import sources_app
from veille.settings import ConfigError
from veille.sqlite_db import StorageError

# `-h` as well as `--help`: click passes help_option_names down to every group and command.
app = typer.Typer(cls=OneLineUsageErrors, add_completion=False, no_args_is_help=True,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Monitoring of statements and news about Mali and the Sahel.")


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"veille {version('veille')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            typer.echo("veille (not installed: version unknown)")
        raise typer.Exit()


@app.callback()
def _veille(_version: bool = typer.Option(False, "--version", "-V", is_eager=True,
                                          callback=_print_version,
                                          help="print veille's version and exit")) -> None:
    """Monitoring of statements and news about Mali and the Sahel."""


app.add_typer(sources_app, name="sources")
app.add_typer(rules_app, name="rules")
app.add_typer(alerts_app, name="alerts")
app.add_typer(kibana_app, name="kibana")
app.command()(brief)
for group in (items, demo, classifiers, stages, repair, doctor):
    group.register(app)


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        err.print(f"[red]configuration error[/red]: {safe(exc, 2000, one_line=False)}")
        sys.exit(2)
    except ServerUnreachable as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(1)
    except StorageError as exc:  # a damaged file or a full disk: one line, what to do
        err.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(1)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            _server_failure(exc)
            raise
        err.print(f"disk full: {exc.filename or ''} {exc.strerror}; free space and run veille again",
                  markup=False, highlight=False)
        sys.exit(1)
    except Exception as exc:
        _server_failure(exc)
        raise


def _server_failure(exc: BaseException) -> None:
    """An unreachable Elasticsearch, Kafka or Redis: one line naming the setting, exit 1."""
    from veille.cli.errors import server_failure

    line = server_failure(exc)
    if line is not None:
        err.print(f"error: {line}", markup=False, highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
