"""The operators' commands for alerting: `veille rules …` and `veille alerts …` (the alert
stage itself, `veille alert`, is in `veille.cli.stages`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from veille.cli.common import safe
from veille.settings import ConfigError

rules_app = typer.Typer(no_args_is_help=True, help="Alert rules (rules.yaml).")
alerts_app = typer.Typer(no_args_is_help=True, help="Alerts raised and their delivery.")
console = Console()


def _describe_when(rule) -> str:
    """One line per condition, lists joined: readable in a narrow table."""

    def flat(prefix: str, value) -> list[str]:
        if isinstance(value, dict):
            return [line for k, v in value.items() for line in flat(f"{prefix}.{k}", v)]
        if isinstance(value, list):
            if value and isinstance(value[0], dict):
                return [line for v in value for line in flat(prefix, v)]
            return [f"{prefix}: {', '.join(map(str, value))}"]
        return [f"{prefix}: {value}"]

    when = rule.when.model_dump(exclude_none=True, exclude_defaults=True)
    return "\n".join(line for k, v in when.items() for line in flat(k, v)) or "every item"


@rules_app.command("check")
def rules_check(
    path: Path = typer.Argument(None, help="rules file; default VEILLE_RULES or rules.yaml"),
    secrets: bool = typer.Option(True, help="also fail when a channel an enabled rule uses lacks "
                                 "its secret in this environment (--no-secrets: off)"),
) -> None:
    """Validates the rules file (and the sources and labels it names) and, with --secrets (the
    default), that every channel an enabled rule sends to finds its secret in the environment;
    exit 2 if not."""
    from sinks.alerts.stage import load_configured_rules

    ruleset = load_configured_rules(path)
    missing = ruleset.missing_secrets() if secrets else []
    table = Table(title=f"{len(ruleset.rules)} rules, {len(ruleset.channels)} channels — valid")
    for col in ("rule", "on", "when", "channels", "throttle", "mode"):
        table.add_column(col)
    from veille.durations import format_duration as duration

    for rule in ruleset.rules:
        every = rule.digest_every
        cap = rule.throttle.max_per_hour
        throttle = f"1 per story / {duration(rule.throttle.window.total_seconds())}" + (
            f"\nat most {cap}/hour" if cap else "")
        table.add_row(safe(rule.name), "yes" if rule.enabled else "no",
                      safe(_describe_when(rule), 2000, one_line=False),
                      safe(", ".join(rule.channels)), throttle,
                      f"digest every {duration(every.total_seconds())}" if every else "immediate")
    console.print(table)
    if missing:
        raise ConfigError(missing_secrets_line(ruleset.path, missing))


def missing_secrets_line(path: Path, missing: list[tuple[str, str, list[str]]]) -> str:
    """One line naming each channel whose secret is unset, its variable and who sends there."""
    parts = [f"channel {channel} needs {var} (used by {', '.join(users)})"
             for channel, var, users in missing]
    return (f"{path}: secret not set: {'; '.join(parts)}. Set it in the environment of the "
            "process that delivers (docker compose: .env, see .env.example), or disable the "
            "rule; `veille rules check --no-secrets` checks the file alone")


def _read_items(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line; a line that is not UTF-8, not JSON or
    not a JSON object is a ConfigError naming the file and the line."""
    try:
        stream = sys.stdin.buffer if str(path) == "-" else path.open("rb")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the items file ({exc.strerror or exc})") from None
    for number, raw in enumerate(stream, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}:{number}: not UTF-8 (byte {exc.start}); "
                              "items must be JSON lines in UTF-8") from None
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{number}: not a JSON line ({exc.msg})") from None
        if not isinstance(row, dict):
            raise ConfigError(f"{path}:{number}: not an item (a JSON {type(row).__name__}, "
                              "not an object with id, title and body)")
        yield number, row


def _enriched(rows: list[dict], path: Path | str = "items", numbers: list[int] | None = None) -> list:
    """Enriched items as they are; items without enrichment are classified first (so the
    output of a crawl or `veille export` both work). A row that is not an item is a
    ConfigError naming its line."""
    from pydantic import ValidationError

    from processors.classify import Classifier
    from veille.schema import EnrichedItem, Item

    numbers = numbers or list(range(1, len(rows) + 1))

    def parse(i: int, model, data: dict):
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(map(str, first.get("loc", ()))) or "item"
            raise ConfigError(f"{path}:{numbers[i]}: not an item ({where}: {first.get('msg')}; "
                              f"{exc.error_count()} error(s))") from None

    todo = [i for i, r in enumerate(rows) if not r.get("enrichment")]
    out: list = [None] * len(rows)
    for i, row in enumerate(rows):
        if row.get("enrichment"):
            out[i] = parse(i, EnrichedItem, row)
    if todo:
        items = [parse(i, Item, {"url": f"file:{rows[i].get('id')}", "source": "file", **rows[i]})
                 for i in todo]
        classifier = Classifier(None)
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
    from sinks.alerts.stage import load_configured_rules, story_of

    ruleset = load_configured_rules(path)
    numbered = list(_read_items(items))
    rows = [row for _, row in numbered]
    owner: dict[tuple[str, str], str] = {}
    table = Table(title=f"Dry run of {safe(path)} on {len(rows)} items")
    for col in ("item", "rule", "outcome", "why"):
        table.add_column(col, overflow="fold")
    alerts = 0
    for item, matches in dry_run(ruleset, _enriched(rows, items, [n for n, _ in numbered])):
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
                table.add_row(f"{safe(item.id)}\n{safe(item.title, 80)}", safe(match.rule.name),
                              safe(outcome), "\n".join(safe(r) for r in match.reasons))
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
        table.add_row(a.created_at.strftime("%Y-%m-%d %H:%M:%S"), safe(a.rule), str(a.severity),
                      f"{safe(a.title, 90)}\n[dim]{safe(a.source)} · {safe(a.language)} · {safe(a.story_id)}[/dim]",
                      "\n".join(safe(r) for r in a.reasons), safe(status))
    console.print(table)


def delivery_statuses(alerts: list, ledger) -> dict[str, str]:
    """alert id → what became of it: delivered / failed / sending, or held / suppressed."""
    from sinks.alerts.model import delivery_key

    keys = {a.id: [delivery_key(a.digest_id or a.id, ch) for ch in a.channels] for a in alerts
            if a.status == "pending"}
    found = ledger.status([k for ks in keys.values() for k in ks]) if keys else {}
    out: dict[str, str] = {}
    for a in alerts:
        if a.status != "pending":
            out[a.id] = {"digest": "held for digest"}.get(a.status, a.status)
            continue
        states = [found.get(k, "unknown") for k in keys[a.id]]
        if states and all(s == "delivered" for s in states):
            out[a.id] = "delivered" + (" (digest)" if a.digest_id else "")
        elif "failed" in states:
            out[a.id] = f"failed ({states.count('failed')}/{len(states)} channels)"
        else:
            out[a.id] = "sending"
    return out


@alerts_app.command("list")
def alerts_list(
    limit: int = typer.Option(20, min=1, help="how many, newest first"),
    rule: str = typer.Option(None, help="only this rule"),
    as_json: bool = typer.Option(False, "--json", help="one JSON line per alert"),
) -> None:
    """Recent alerts with their reasons and delivery status."""
    from sinks.alerts.ledger import open_ledger
    from sinks.alerts.store import open_alert_store

    store, ledger = open_alert_store(), open_ledger()
    try:
        alerts = store.recent(limit, rule=rule)
        statuses = delivery_statuses(alerts, ledger)
    finally:
        store.close()
        ledger.close()
    if as_json:
        for a in alerts:
            print(json.dumps({**a.model_dump(mode="json"), "delivery": statuses[a.id]}, ensure_ascii=False))
        return
    print_alerts(alerts, title="Recent alerts", statuses=statuses)


@alerts_app.command("failed")
def alerts_failed(limit: int = typer.Option(50, min=1, help="how many, newest first")) -> None:
    """Deliveries that failed after their last try, with the error (secrets redacted).
    Send one again with `veille alerts retry KEY` once the channel is fixed."""
    from sinks.alerts.ledger import open_ledger

    ledger = open_ledger()
    try:
        failed = ledger.failed(limit)
    finally:
        ledger.close()
    table = Table(title=f"Failed deliveries: {len(failed)}")
    for col in ("failed at", "key", "channel", "attempts", "alert", "error"):
        table.add_column(col, overflow="fold")
    for f in failed:
        table.add_row(f.failed_at.strftime("%Y-%m-%d %H:%M:%S"), safe(f.key),
                      f"{safe(f.channel)} ({safe(f.channel_type)})", str(f.attempts),
                      f"{safe(f.alert.rule)}: {safe(f.alert.title, 60)}", safe(f.error, 1000))
    console.print(table)


@alerts_app.command("retry")
def alerts_retry(
    key: str = typer.Argument(None, help="delivery key from `veille alerts failed`"),
    all_failed: bool = typer.Option(False, "--all", help="every failed delivery"),
) -> None:
    """Sends failed deliveries again, with the channel as rules.yaml defines it now: at once in
    this process in the embedded default (exit 1 if one fails again), through the delivery
    queue on Redis (VEILLE_REDIS_URL; `veille alert` workers send it)."""
    from sinks.alerts.ledger import open_ledger
    from sinks.alerts.stage import load_configured_rules
    from veille.settings import get_settings

    if bool(key) == all_failed:
        raise ConfigError("name one delivery KEY or give --all (see `veille alerts failed`)")
    ruleset = load_configured_rules()
    ledger = open_ledger()
    try:
        failed = ledger.failed(1_000_000)
        if key:
            failed = [f for f in failed if f.key == key]
            if not failed:
                raise ConfigError(f"no failed delivery with key {key!r} (see `veille alerts failed`)")
        gone = [f for f in failed if f.channel not in ruleset.channels]
        if key and gone:
            raise ConfigError(f"channel {failed[0].channel!r} is no longer defined in {ruleset.path}; "
                              "define it again or leave the delivery failed")
        todo = [f for f in failed if f.channel in ruleset.channels]
        for f in todo:
            ledger.clear_failed(f.key)
    finally:
        ledger.close()
    for f in gone:
        console.print(f"skipped {safe(f.key)}: channel {safe(f.channel)} is no longer in "
                      f"{safe(ruleset.path)}")
    if not todo:
        if all_failed:
            console.print("no failed delivery to retry")
        return
    if get_settings().redis_url:
        from sinks.alerts.delivery import enqueue_delivery

        for f in todo:
            alert = f.alert.model_copy(update={"channels": [f.channel]})
            enqueue_delivery(alert, {f.channel: ruleset.channels[f.channel]})
            console.print(f"queued {safe(f.key)} again on {safe(f.channel)} "
                          "(`veille alert` workers deliver it)")
        return
    from sinks.alerts.delivery import deliver_now

    errors = 0
    for f in todo:
        error = deliver_now(f.alert, f.channel, ruleset.channels[f.channel])
        if error is None:
            console.print(f"delivered {safe(f.key)} on {safe(f.channel)}")
        else:
            errors += 1
            console.print(f"[red]failed again[/red] {safe(f.key)}: {safe(error, 500)}")
    if errors:
        raise typer.Exit(1)


def alerts_summary(alerts: list, statuses: dict[str, str], rules_path: Path) -> None:
    """Per rule, what its alerts became: the end of `veille demo`, whose console channel has
    already printed each delivered alert with its reasons."""
    from collections import Counter

    by_rule: dict[str, Counter] = {}
    for a in alerts:
        by_rule.setdefault(a.rule, Counter())[statuses.get(a.id, a.status)] += 1
    table = Table(title=f"Alerts raised ({rules_path.name}): {len(alerts)}")
    for col in ("rule", "alerts", "what became of them"):
        table.add_column(col)
    for rule, counts in sorted(by_rule.items()):
        table.add_row(safe(rule), str(sum(counts.values())),
                      safe(", ".join(f"{n} {status}" for status, n in counts.most_common())))
    console.print(table)
