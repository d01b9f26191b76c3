"""`veille sources …`: the registry (list, check), a new source's scaffolding (new) and
each source's health (status).

`status` runs a real check, not a read of the last one: it records it (state.db,
`<ns>-sources`, like the check after every round) and raises the "source-broken" alert for a
source that has just become broken, so an operator running it sees exactly what the
scheduler would act on. Exit status 1 when a source is broken, so it can serve as a cron or
CI probe.
"""

from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import typer

from veille.cli import output
from veille.cli.common import console, err, safe, usage_error
from veille.settings import get_settings
from veille.sources import configured_registry
from veille.textsafe import clean

sources_app = typer.Typer(no_args_is_help=True, help="The source registry (sources.yaml).")


@sources_app.command("list")
def sources_list(
    as_json: bool = typer.Option(False, "--json", help="one JSON object per source and line"),
) -> None:
    """Every source with its kind, languages, schedule and last round."""
    from crawlers.state import open_state

    registry = configured_registry()
    last = open_state().last_rounds()
    if as_json:  # the declared source and its last round, as stored
        return output.print_json([{**s.model_dump(mode="json"),
                                   "last_round": asdict(last[s.key]) if s.key in last else None}
                                  for s in registry.sources])
    table = output.table(f"Sources ({safe(get_settings().sources_path())})", "key", "name", "kind",
                         "spider", "languages", "schedule", "enabled", "last round")
    for s in registry.sources:
        r = last.get(s.key)
        table.add_row(safe(s.key), safe(s.name), safe(s.kind), safe(s.spider_name),
                      safe(",".join(s.languages)), safe(s.schedule), "yes" if s.enabled else "no",
                      safe(r.summary() if r else "never"))
    console.print(table)


@sources_app.command("check")
def sources_check(
    target: str = typer.Argument(
        None, metavar="[KEY|PATH]",
        help="a source key: fetch a few of its items and show what is extracted; a file: validate it; "
             "nothing: validate VEILLE_SOURCES",
    ),
    live: bool = typer.Option(False, "--live", help="fetch from the real site, not the offline mirror"),
    limit: int = typer.Option(3, min=1, help="items to fetch (KEY only)"),
    root: Path = typer.Option(None, help="repo whose tests/fixtures/sites the mirror serves; default this one"),
) -> None:
    """Validates a sources file, or dry-runs one source and says field by field what it extracts.

    `veille sources check` validates VEILLE_SOURCES; `veille sources check FILE` validates FILE (an existing path, or a name ending in .yaml/.yml).

    `veille sources check KEY` runs one round of that source (offline mirror, or the real site with --live) without touching the bus, the store or the collection state; it exits 1 when a field is missing or the round had errors.
    """
    from veille.sources import load_registry

    try:
        is_file = target is not None and Path(target).is_file()
    except OSError:  # a name too long for the file system is a key, not a file
        is_file = False
    if target is None or is_file or target.endswith((".yaml", ".yml")):
        registry = load_registry(Path(target) if target else get_settings().sources_path())
        console.print(f"[green]ok[/green]: {len(registry.sources)} sources, {len(registry.enabled())} enabled")
        return
    from crawlers.mirror import FIXTURES
    from crawlers.new_source import InvalidKey, check_key
    from crawlers.source_check import collect, report

    try:
        check_key(target)
    except InvalidKey as exc:
        usage_error(f"neither a file nor a source key: {exc}; see `veille sources list`")
    registry = configured_registry()
    if target not in {s.key for s in registry.sources}:
        usage_error(f"no source {target!r}: give one of {', '.join(s.key for s in registry.sources)} "
                    "(`veille sources list`), or a sources file")
    fixtures = root / "tests" / "fixtures" / "sites" if root else FIXTURES
    where = "the live site" if live else f"the offline mirror ({fixtures})"
    err.print(f"fetching up to {limit} items of {safe(target)} from {safe(where)}…")
    result = report(collect(target, live=live, limit=limit, fixtures=fixtures), where=where)
    for line in result.lines:
        typer.echo(clean(line, 2000))
    if not result.ok:
        raise typer.Exit(1)


@sources_app.command("new")
def sources_new(
    key: str = typer.Argument(..., help="the source's key: lower-case letters, digits and '-' (items carry it as `source`)"),
    kind: str = typer.Option(..., "--kind", help="rss (a feed), html (listing pages) or api (a JSON API)"),
    url: str = typer.Option(None, help="the feed, listing or API URL; default a placeholder to replace"),
    name: str = typer.Option(None, help="human name; default the key"),
    languages: str = typer.Option("fr", help="languages it publishes in, comma-separated: fr,en"),
    issuer: str = typer.Option(None, help="org id of who speaks; default the key"),
    root: Path = typer.Option(None, help="repo to write tests/fixtures/sites/KEY and tests/crawlers into; default this one"),
) -> None:
    """Adds a source: its sources.yaml entry, a template recorded copy of its site and its test.

    The generated test passes as written; then replace the template pages with recorded ones and update expected.yaml (docs/adding-a-source.md).
    """
    from crawlers.new_source import create, plan
    from veille.settings import REPO_ROOT

    new = create(plan(key, kind, url=url, name=name, languages=languages.split(","), issuer=issuer,
                      sources_file=get_settings().sources_path(), root=root or REPO_ROOT))
    base = root or REPO_ROOT

    def shown(path: Path) -> str:
        return str(path.relative_to(base) if path.is_relative_to(base) else path)

    typer.echo(clean(f"added {new.key} ({new.kind}) to {new.sources_file}", 2000))
    for path in new.written:
        typer.echo(clean(f"  wrote {shown(path)}", 2000))
    if new.placeholder_url:
        typer.echo(clean(f"no --url: the entry points at the placeholder {new.url}; put the real URL in "
                         "sources.yaml and record its pages", 2000), err=True)
    typer.echo(clean(f"next: python -m pytest {shown(new.test_file)}; veille sources check {new.key}; "
                     "then record the real pages (docs/adding-a-source.md)", 2000))


_STYLE = {"ok": "green", "degraded": "yellow", "broken": "bold red", "never": "dim"}


@sources_app.command("status")
def sources_status(
    as_json: bool = typer.Option(False, "--json", help="one JSON object per source, in a list"),
    source: list[str] = typer.Option(None, "--source", "-s", help="only these source keys"),
    alert: bool = typer.Option(True, "--alert/--no-alert",
                               help="raise the source-broken alert for sources that just broke"),
) -> None:
    """Health of every enabled source: status (ok, degraded, broken, never), last success,
    last new item, items per day, extraction completeness, errors by kind, and why."""
    from crawlers.source_health import check_sources
    from sinks.alerts.in_process import drain_deliveries
    from veille.cli.wiring import build_stages

    # The registry, collection state and health check `veille run` checks with, built once.
    pipeline = build_stages((), health=True)
    assert pipeline.registry is not None and pipeline.health is not None
    for key in source or []:
        pipeline.registry.get(key)  # an unknown key is a configuration error naming the known ones
    store = pipeline.store()  # without the indexer, build_stages leaves the store to open
    now = datetime.now(UTC)
    try:
        healths, raised = check_sources(pipeline.registry, pipeline.state, store, now,
                                        on_broken=pipeline.health.on_broken if alert else None,
                                        keys=source or None)
        if raised:
            # The log channel prints its block on stdout: keep --json output parseable.
            with contextlib.redirect_stdout(sys.stderr if as_json else sys.stdout):
                drain_deliveries(timeout=60.0)
    finally:
        pipeline.close()
        store.close()
    if as_json:
        typer.echo(json.dumps([h.document() for h in healths], ensure_ascii=False, indent=2))
    else:
        table = output.table(f"Source health at {now:%Y-%m-%d %H:%M} UTC", "source", "status",
                             "last success", "last new item", "items/day", "complete", "errors 24h",
                             "last round", "reasons", right=("items/day", "complete"))
        for h in healths:
            # one line a cell, but for the reasons: one a line
            row = {col: "\n".join(safe(line, 500) for line in text.split("\n"))
                   for col, text in h.summary(now).items()}
            row["status"] = f"[{_STYLE[h.status]}]{row['status']}[/]"
            table.add_row(*row.values())
        console.print(table)
        for a in raised:
            console.print(f"[bold red]alert raised[/]: {safe(a.title)} → {safe(', '.join(a.channels))}")
    if any(h.status == "broken" for h in healths):
        raise typer.Exit(1)
