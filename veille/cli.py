"""`veille`: the front door. Every command reads the same settings and sources.yaml."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import uuid
from pathlib import Path

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from veille.cli_alerts import alerts_app, rules_app
from veille.cli_brief import brief
from veille.cli_kibana import kibana_app
from veille.cli_sources_status import sources_status
from veille.settings import ConfigError, get_settings, reset_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Monitoring of statements and news about Mali and the Sahel.")
sources_app = typer.Typer(no_args_is_help=True, help="The source registry (sources.yaml).")
app.add_typer(sources_app, name="sources")
app.add_typer(rules_app, name="rules")
app.add_typer(alerts_app, name="alerts")
app.add_typer(kibana_app, name="kibana")
sources_app.command("status")(sources_status)
app.command()(brief)
console = Console()
err = Console(stderr=True)


def _setup_logging(level: str | None = None) -> None:
    logging.basicConfig(
        level=(level or get_settings().log_level).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Client libraries narrate every connection at INFO; their warnings are what matters.
    for chatty in ("kafka", "elastic_transport", "urllib3"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def _registry():
    from veille.sources import load_registry

    return load_registry(get_settings().sources_path())


def _use_home(home: Path | None) -> None:
    if home is not None:
        os.environ["VEILLE_HOME"] = str(home)
        reset_settings()


# -- sources ---------------------------------------------------------------------------
@sources_app.command("list")
def sources_list() -> None:
    """Every source with its kind, languages, schedule and last round."""
    from veille.state import open_state

    registry = _registry()
    last = open_state().last_rounds()
    table = Table(title=f"Sources ({get_settings().sources_path()})")
    for col in ("key", "name", "kind", "spider", "languages", "schedule", "enabled", "last round"):
        table.add_column(col)
    for s in registry.sources:
        r = last.get(s.key)
        summary = f"{r.status}: {r.items} new, {r.error_count} errors" if r else "never"
        table.add_row(s.key, s.name, s.kind, s.spider_name, ",".join(s.languages), s.schedule,
                      "yes" if s.enabled else "no", summary)
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

    if target is None or Path(target).is_file() or target.endswith((".yaml", ".yml")):
        registry = load_registry(Path(target) if target else get_settings().sources_path())
        console.print(f"[green]ok[/green]: {len(registry.sources)} sources, {len(registry.enabled())} enabled")
        return
    from crawlers.source_check import collect, report
    from veille.mirror import FIXTURES

    _registry().get(target)  # an unknown key fails here, listing the known ones
    fixtures = root / "tests" / "fixtures" / "sites" if root else FIXTURES
    where = "the live site" if live else f"the offline mirror ({fixtures})"
    err.print(f"fetching up to {limit} items of {target} from {where}…")
    result = report(collect(target, live=live, limit=limit, fixtures=fixtures), where=where)
    for line in result.lines:
        typer.echo(line)
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
    from veille.new_source import create, plan
    from veille.settings import REPO_ROOT

    new = create(plan(key, kind, url=url, name=name, languages=languages.split(","), issuer=issuer,
                      sources_file=get_settings().sources_path(), root=root or REPO_ROOT))
    base = root or REPO_ROOT

    def shown(path: Path) -> str:
        return str(path.relative_to(base) if path.is_relative_to(base) else path)

    typer.echo(f"added {new.key} ({new.kind}) to {new.sources_file}")
    for path in new.written:
        typer.echo(f"  wrote {shown(path)}")
    if new.placeholder_url:
        typer.echo(f"no --url: the entry points at the placeholder {new.url}; put the real URL in "
                   "sources.yaml and record its pages", err=True)
    typer.echo(f"next: python -m pytest {shown(new.test_file)}; veille sources check {new.key}; "
               "then record the real pages (docs/adding-a-source.md)")


# -- search / export -------------------------------------------------------------------
@app.command()
def search(query: str, limit: int = typer.Option(10, help="results to show")) -> None:
    """Full-text search over stored items (words, "phrases", AND/OR/NOT)."""
    from sinks.store import open_store

    hits = open_store().search(query, limit)
    if not hits:
        console.print(f"no item matches {query!r}")
        raise typer.Exit(1)
    for hit in hits:
        date = (hit.get("published_at") or "")[:10]
        console.print(f"[bold]{hit['title']}[/bold]  [dim]{hit['source']} · {hit.get('lang') or '?'} · {date}[/dim]")
        console.print(f"  {hit['id']}")
        console.print(f"  {hit['snippet']}", highlight=False)


@app.command()
def export(
    format: str = typer.Option("jsonl", "--format", help="only jsonl so far"),
    output: Path = typer.Option(None, "--output", "-o", help="file to write; default stdout"),
) -> None:
    """Every stored item, one JSON object a line, with the schema's fields."""
    from sinks.store import open_store

    if format != "jsonl":
        raise ConfigError(f"--format {format!r}: only 'jsonl' is supported")
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    n = 0
    for doc in open_store().export():
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        n += 1
    if output:
        out.close()
        err.print(f"{n} items written to {output}")


# -- demo ------------------------------------------------------------------------------
def _round_table(title: str, registry, stats, stored) -> Table:
    table = Table(title=title)
    for col, justify in (("source", "left"), ("status", "left"), ("new", "right"), ("unchanged", "right"),
                         ("stored", "right"), ("languages", "left"), ("errors", "right")):
        table.add_column(col, justify=justify)
    for source in registry.enabled():
        st = stats.get(source.key)
        kept = stored.get(source.key, {"items": 0, "languages": {}})
        langs = " ".join(f"{k}:{v}" for k, v in sorted(kept["languages"].items()))
        errors = st.error_count if st else 0
        table.add_row(
            source.key,
            st.status if st else "waiting",
            str(st.items if st else 0),
            str(st.unchanged if st else 0),
            str(kept["items"]),
            langs,
            f"[red]{errors}[/red]" if errors else "0",
        )
    return table


@app.command()
def demo(
    home: Path = typer.Option(None, help="state folder; default $VEILLE_HOME/demo"),
    verbose: bool = typer.Option(False, help="show the crawlers' logs"),
) -> None:
    """Serves the offline mirror on localhost and runs one full round over every source."""
    import dramatiq

    from crawlers.crawl_round import start_round
    from processors.enrich_stage import processor_stage
    from sinks.alerts.stage import alert_stage
    from sinks.index_stage import indexer_stage
    from sinks.store import open_store
    from veille.bus import open_bus
    from veille.mirror import Mirror
    from veille.state import open_state

    _use_home(home or get_settings().home / "demo")
    _setup_logging("INFO" if verbose else "WARNING")
    registry = _registry()
    started = time.monotonic()
    with Mirror() as mirror:
        os.environ["VEILLE_MIRROR"] = mirror.env_value()
        reset_settings()
        bus, store, state = open_bus(), open_store(), open_state()
        alerter = alert_stage(bus)
        stages = [processor_stage(bus), indexer_stage(bus, store), alerter]
        from veille.broker import broker
        from veille.runner import finish_alerts, recover_alerts

        worker = dramatiq.Worker(broker, worker_threads=2, queues={"alerts"})
        worker.start()
        recover_alerts(alerter, broker)
        round_id = uuid.uuid4().hex[:12]
        env = {} if verbose else {"VEILLE_LOG_LEVEL": "ERROR"}
        console.print(f"[bold]veille demo[/bold]: {len(registry.enabled())} sources from the offline mirror "
                      f"({len(mirror.servers)} hosts on localhost); state in {get_settings().home}")
        child = start_round(registry.enabled(), round_id, env)
        with Live(console=console, refresh_per_second=4, transient=True) as live:
            while child.poll() is None:
                for stage in stages:
                    stage.run_once(timeout=0.05)
                live.update(_round_table("collecting…", registry, state.round_stats(round_id), store.counts_by_source()))
                time.sleep(0.1)
        for stage in stages:
            stage.drain()
        from veille.source_health import HealthChecker

        HealthChecker(registry, state, store)()
        finish_alerts(alerter, broker)
        worker.stop()
    stats = state.round_stats(round_id)
    elapsed = time.monotonic() - started
    console.print(_round_table(f"Round {round_id} in {elapsed:.1f}s", registry, stats, store.counts_by_source()))
    dead = bus.count("veille.dlq") if hasattr(bus, "count") else 0
    total_errors = sum(s.error_count for s in stats.values())
    from sinks.alerts.ledger import open_ledger
    from veille.cli_alerts import alerts_summary, delivery_statuses

    alerts = alerter.engine.store.recent(limit=10_000)
    alerts_summary(alerts, delivery_statuses(alerts, open_ledger()), get_settings().rules_path())
    console.print(f"{store.count()} items stored, {dead} dead letters. Try: [bold]veille search Kidal[/bold], "
                  f"[bold]veille alerts list[/bold] (with VEILLE_HOME={get_settings().home})")
    if child.returncode != 0 or total_errors:
        for e in state.recent_errors(limit=10):
            err.print(f"[red]{e['source']}[/red] {e['kind']} {e['url'] or ''}: {e['message']}")
        raise typer.Exit(1)


# -- classifiers ------------------------------------------------------------------------
@app.command()
def classify(
    file: Path = typer.Argument(None, help="JSON lines; default stdin"),
    batch: int = typer.Option(200, min=1, help="items classified together"),
) -> None:
    """JSON lines in ({"id","title","body","url"?,"lang"?,"source"?}), one enriched JSON line out
    per input, in order: the input's fields plus the enrichment contract's, at the top level."""
    from processors.classify import Classifier
    from veille.schema import item_from_json

    classifier = Classifier(stories_path=None)
    source = file.open(encoding="utf-8") if file else sys.stdin
    out = sys.stdout

    def flush(rows: list[tuple[int, dict]]) -> None:
        items = []
        for number, data in rows:
            filled = {"url": f"stdin:{number}", "source": "classify", **data}
            try:
                items.append(item_from_json(filled))
            except ValueError as exc:
                err.print(f"[red]line {number}[/red]: not an item ({str(exc).splitlines()[0]}); "
                          "expected JSON with at least id, title and body")
                raise typer.Exit(2) from None
        for (_, data), enrichment in zip(rows, classifier.classify_many(items), strict=True):
            result = {**data, **enrichment.model_dump(mode="json", exclude={"processed_at"})}
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()

    rows: list[tuple[int, dict]] = []
    for number, line in enumerate(source, 1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            err.print(f"[red]line {number}[/red]: not JSON ({exc})")
            raise typer.Exit(2) from None
        if len(rows) >= batch:
            flush(rows)
            rows = []
    if rows:
        flush(rows)


@app.command(name="eval")
def eval_(
    set_path: Path = typer.Option(None, "--set", help="labelled items; default tests/eval/items.jsonl"),
    as_json: bool = typer.Option(False, "--json", help="the full report as JSON"),
) -> None:
    """Runs the classifiers over the labelled set; per-label precision/recall/F1 per language,
    place admin1 accuracy, organisations, figures, duplicates and stories."""
    from processors.evaluation import main as evaluation_main

    argv = (["--set", str(set_path)] if set_path else []) + (["--json"] if as_json else [])
    raise typer.Exit(evaluation_main(argv))


# -- long-lived processes ---------------------------------------------------------------
@app.command()
def run(once: bool = typer.Option(False, help="one round of every due source, then stop")) -> None:
    """Every stage in this process: scheduled collection, processing, indexing; until stopped."""
    from veille.runner import run_all

    _setup_logging()
    stored = run_all(once=once, announce=console.print)
    console.print(f"stopped; {stored} items stored")


@app.command()
def crawl(
    workers: int = typer.Option(2, min=1, help="collection jobs run at once by this process"),
    schedule: bool = typer.Option(True, help="take part in scheduling (one leader at a time)"),
    once: bool = typer.Option(False, help="one round of every due source, then stop"),
) -> None:
    """Collection only: runs `crawl_source` jobs from the broker (Redis with VEILLE_REDIS_URL)
    and, while it holds the leader lease, schedules them. Start any number."""
    from veille.runner import run_crawl

    _setup_logging()
    run_crawl(workers=workers, schedule=schedule, once=once)


@app.command()
def process(batch: int = typer.Option(200, min=1, help="messages per batch")) -> None:
    """Processor stage only: veille.raw → enrichment → veille.enriched. Start any number."""
    from veille.runner import run_stage

    _setup_logging()
    run_stage("processor", batch)


@app.command()
def index(batch: int = typer.Option(500, min=1, help="messages per bulk write")) -> None:
    """Indexer stage only: veille.enriched → the item store (Elasticsearch with VEILLE_ES_URL)."""
    from veille.runner import run_stage

    _setup_logging()
    run_stage("indexer", batch)


@app.command()
def alert(
    batch: int = typer.Option(200, min=1, help="messages per batch"),
    deliver: bool = typer.Option(True, help="also run delivery workers in this process"),
) -> None:
    """Alert stage only: veille.enriched → rules.yaml → alerts (store, veille.alerts topic) →
    delivery (Dramatiq on Redis with VEILLE_REDIS_URL). Start any number; more delivery
    workers: `dramatiq sinks.alerts.delivery`."""
    from veille.runner import run_stage

    _setup_logging()
    run_stage("alerter", batch, deliver=deliver)


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        err.print(f"[red]configuration error[/red]: {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
