"""`veille kibana import`: loads veille's data views, panels and "Sahel overview" dashboard
into Kibana (objects and decisions in `sinks.kibana`, docs/dashboards.md).
"""

from __future__ import annotations

from pathlib import Path

import typer

from veille.cli import output
from veille.cli.common import console, err, safe
from veille.settings import ConfigError, get_settings

kibana_app = typer.Typer(no_args_is_help=True, help="Kibana dashboards (deploy/kibana).")


@kibana_app.callback()
def _kibana() -> None:
    """Kibana dashboards (deploy/kibana). A callback keeps `import` a subcommand even while it
    is the only one (Typer would otherwise run it as the app itself)."""


@kibana_app.command("import")
def kibana_import(
    url: str = typer.Option("http://127.0.0.1:5601", "--url", help="Kibana's base URL"),
    space: str = typer.Option(None, "--space", help="Kibana space id; default: the default space"),
    namespace: str = typer.Option(
        None, "--namespace", help="veille namespace whose indices the data views read; "
        "default VEILLE_NAMESPACE"),
    directory: Path = typer.Option(
        None, "--dir", help="folder of *.ndjson to import; default deploy/kibana, or the "
        "built-in objects when it is absent (the image)"),
    wait: float = typer.Option(
        180.0, "--wait", min=0, help="seconds to keep retrying while Kibana is unreachable or "
        "starting (503)"),
) -> None:
    """Imports the data views, panels and "Sahel overview" dashboard into Kibana.

    Objects are overwritten, so running it again is safe. Prints each object's outcome;
    exit 1 if any failed, 3 if Kibana could not be reached."""
    from sinks.kibana import (
        KibanaImportError,
        KibanaUnavailable,
        import_objects,
        load_objects,
        rewrite_namespace,
    )

    ns = namespace or get_settings().namespace
    try:
        objects = rewrite_namespace(load_objects(directory), ns)
    except (FileNotFoundError, ValueError) as exc:
        raise ConfigError(str(exc)) from None
    err.print(f"importing {len(objects)} saved objects for namespace {safe(repr(ns))} into {safe(url)}"
              + (f" (space {safe(space)})" if space else ""))
    try:
        result = import_objects(url, objects, space=space, wait=wait,
                                on_wait=lambda why: err.print(f"[dim]waiting for Kibana: {safe(why)}[/dim]"))
    except KibanaUnavailable as exc:
        err.print(f"[red]error[/red]: {safe(exc, 1000)}")
        raise typer.Exit(3) from None
    except KibanaImportError as exc:
        err.print(f"[red]error[/red]: {safe(exc, 1000)}")
        raise typer.Exit(1) from None
    table = output.table(f"Kibana import: {result.success_count} of {len(objects)} imported",
                         "type", "id", "title", "result")
    for obj in result.objects:
        table.add_row(safe(obj.type), safe(obj.id), safe(obj.title),
                      f"[green]{safe(obj.detail)}[/green]" if obj.ok else f"[red]{safe(obj.detail)}[/red]")
    console.print(table)
    if not result.success or result.errors:
        err.print(f"[red]{len(result.errors)} object(s) failed[/red]")
        raise typer.Exit(1)
