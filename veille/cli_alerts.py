"""The operators' commands for alerting: `veille rules …`, `veille alerts …`, `veille alert`.

Kept apart from `veille.cli` so the front door stays readable; the commands are registered
on the same Typer app and read the same settings.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from veille.settings import ConfigError, get_settings

rules_app = typer.Typer(no_args_is_help=True, help="Alert rules (rules.yaml).")
alerts_app = typer.Typer(no_args_is_help=True, help="Alerts raised and their delivery.")
console = Console()


def _load(path: Path | None):
    from sinks.alerts.rules import load_rules
    from veille.sources import load_registry

    settings = get_settings()
    registry = load_registry(settings.sources_path())
    return load_rules(path or settings.rules_path(), sources=[s.key for s in registry.sources])


def _describe_when(rule) -> str:
    when = rule.when.model_dump(exclude_none=True, exclude_defaults=True)
    return "; ".join(f"{k}={v}" for k, v in when.items()) or "every item"


@rules_app.command("check")
def rules_check(path: Path = typer.Argument(None, help="rules file; default VEILLE_RULES or rules.yaml")) -> None:
    """Validates the rules file (and the sources and labels it names); exit 2 if it is wrong."""
    ruleset = _load(path)
    table = Table(title=f"{len(ruleset.rules)} rules, {len(ruleset.channels)} channels — valid")
    for col in ("rule", "on", "when", "channels", "throttle", "mode"):
        table.add_column(col)
    from sinks.alerts.stage import digest_every

    for rule in ruleset.rules:
        every = digest_every(rule)
        table.add_row(rule.name, "yes" if rule.enabled else "no", _describe_when(rule),
                      ", ".join(rule.channels), str(rule.throttle.window),
                      f"digest every {every}" if every else "immediate")
    console.print(table)


def _read_items(path: Path) -> Iterator[dict]:
    stream = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{number}: not a JSON line ({exc.msg})") from None


def _enriched(rows: list[dict]) -> list:
    """Enriched items as they are; items without enrichment are classified first (so the
    output of a crawl or `veille export` both work)."""
    from processors.classify import Classifier
    from veille.schema import EnrichedItem, Item

    todo = [i for i, r in enumerate(rows) if not r.get("enrichment")]
    out: list = [None] * len(rows)
    for i, row in enumerate(rows):
        if row.get("enrichment"):
            out[i] = EnrichedItem.model_validate(row)
    if todo:
        classifier = Classifier(None)
        items = [Item.model_validate({"url": f"file:{rows[i].get('id')}", "source": "file", **rows[i]})
                 for i in todo]
        for i, enriched in zip(todo, classifier.enrich_many(items), strict=True):
            out[i] = enriched
    return out


@rules_app.command("test")
def rules_test(
    path: Path = typer.Argument(..., help="rules file"),
    items: Path = typer.Argument(..., help="JSON lines (enriched, or raw items to classify first); - for stdin"),
    as_json: bool = typer.Option(False, "--json", help="one JSON line per would-be alert"),
) -> None:
    """Dry run: which items would alert, under which rule, and why. Nothing is stored or sent.
    Reports of a story already alerted for a rule show as throttled, as on the stream."""
    from sinks.alerts.rules import dry_run
    from sinks.alerts.stage import story_of

    ruleset = _load(path)
    rows = list(_read_items(items))
    owner: dict[tuple[str, str], str] = {}
    table = Table(title=f"Dry run of {path} on {len(rows)} items")
    for col in ("item", "rule", "outcome", "why"):
        table.add_column(col, overflow="fold")
    alerts = 0
    for item, matches in dry_run(ruleset, _enriched(rows)):
        for match in matches:
            key = (match.rule.name, story_of(item))
            first = owner.setdefault(key, item.id)
            outcome = "alert" if first == item.id else f"throttled (story of {first})"
            alerts += first == item.id
            if as_json:
                print(json.dumps({"item": item.id, "rule": match.rule.name, "outcome": outcome,
                                  "matched": match.matched, "reasons": match.reasons},
                                 ensure_ascii=False))
            else:
                table.add_row(f"{item.id}\n{item.title[:80]}", match.rule.name, outcome,
                              "\n".join(match.reasons))
    if not as_json:
        console.print(table)
        console.print(f"{alerts} alerts would be raised from {len(rows)} items")


def print_alerts(alerts: list, title: str = "Alerts", statuses: dict[str, str] | None = None) -> None:
    """A table of alerts with their reasons; `statuses` maps alert id → delivery status."""
    table = Table(title=f"{title}: {len(alerts)}")
    for col in ("when", "rule", "sev", "item", "why", "status"):
        table.add_column(col, overflow="fold")
    for a in alerts:
        status = (statuses or {}).get(a.id, a.status)
        table.add_row(a.created_at.strftime("%Y-%m-%d %H:%M:%S"), a.rule, str(a.severity),
                      f"{a.title[:90]}\n[dim]{a.source} · {a.language} · {a.story_id}[/dim]",
                      "\n".join(a.reasons), status)
    console.print(table)
