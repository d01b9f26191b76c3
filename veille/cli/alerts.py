"""`veille rules …` and `veille alerts …`: the operators' commands on rules and alerts.

Thin: options are parsed here, the work is done in sinks/alerts (the dry run in
`sinks.alerts.dry_run`, retries in `sinks.alerts.delivery`, mutes in `sinks.alerts.windows`),
and the answers printed. Every listing takes `--json` (one JSON object per line).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from veille.cli import output
from veille.cli.common import console, safe, usage_error
from veille.settings import ConfigError

__all__ = ["alerts_app", "alerts_summary", "rules_app"]

rules_app = typer.Typer(no_args_is_help=True, help="Alert rules (rules.yaml).")
alerts_app = typer.Typer(no_args_is_help=True, help="Alerts raised and their delivery.")
RULES_OPTION = typer.Option(None, "--rules", help="rules file; default VEILLE_RULES or rules.yaml")


def _duration(text: str) -> object:
    from veille.durations import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@rules_app.command("check")
def rules_check(
    path: Path = typer.Argument(None, help="rules file; default VEILLE_RULES or rules.yaml"),
    secrets: bool = typer.Option(True, help="also fail when a channel an enabled rule uses lacks "
                                 "its secret in this environment (--no-secrets: off)"),
    as_json: bool = typer.Option(False, "--json", help="one JSON line per valid rule"),
) -> None:
    """Validates the rules file (and the sources and labels it names) and, with --secrets (the
    default), that every channel an enabled rule sends to finds its secret in the environment;
    exit 2 if not."""
    from sinks.alerts.stage import load_configured_rules

    ruleset = load_configured_rules(path)
    missing = ruleset.missing_secrets() if secrets else []
    if as_json:
        output.print_json([r.model_dump(mode="json", exclude_none=True) for r in ruleset.rules])
    table = output.table(f"{len(ruleset.rules)} rules, {len(ruleset.channels)} channels — valid",
                   "rule", "on", "type", "when", "channels", "throttle", "mode")
    for rule in ruleset.rules:
        table.add_row(safe(rule.name), "yes" if rule.enabled else "no", rule.type,
                      safe(rule.describe_when(), 2000, one_line=False),
                      safe(", ".join(rule.channels)), rule.describe_throttle(), rule.describe_mode())
    if not as_json:
        console.print(table)
    if missing:
        raise ConfigError(ruleset.missing_secrets_message(missing))


@rules_app.command("list")
def rules_list(
    rules: Path = RULES_OPTION,
    as_json: bool = typer.Option(False, "--json", help="one JSON line per rule"),
) -> None:
    """The rules, their type and channels, and which are muted (until when)."""
    from sinks.alerts.stage import load_configured_rules
    from sinks.alerts.windows import with_windows

    ruleset = load_configured_rules(rules)
    muted = with_windows(lambda windows: windows.mutes())
    rows = ruleset.listing(muted)
    if as_json:
        return output.print_json(rows)
    table = output.table(f"{len(rows)} rules in {safe(ruleset.path)}", "rule", "type", "on", "channels",
                   "muted until", "description")
    for row in rows:
        until = row["muted_until"]
        table.add_row(safe(row["rule"]), row["type"], "yes" if row["enabled"] else "no",
                      safe(", ".join(row["channels"])), until[:16].replace("T", " ") if until else "",
                      safe(row["description"], 200))
    console.print(table)


@rules_app.command("mute")
def rules_mute(
    rule: str = typer.Argument(..., help="rule name"),
    for_: str = typer.Option(..., "--for", help="how long: 30m, 2h, 1d …"),
    rules: Path = RULES_OPTION,
) -> None:
    """Stops a rule's deliveries for a while (its alerts are still kept, as "suppressed")."""
    from sinks.alerts.stage import load_configured_rules
    from sinks.alerts.windows import with_windows

    name = load_configured_rules(rules).named(rule).name
    until = datetime.now(UTC) + _duration(for_)
    with_windows(lambda windows: windows.mute(name, until))
    console.print(f"muted {safe(name)} until {until:%Y-%m-%d %H:%M} UTC")


@rules_app.command("unmute")
def rules_unmute(rule: str = typer.Argument(..., help="rule name")) -> None:
    """Delivers a muted rule's alerts again (from now on; what it raised while muted stays
    suppressed)."""
    from sinks.alerts.windows import with_windows

    was = with_windows(lambda windows: windows.unmute(rule))
    console.print(f"unmuted {safe(rule)}" if was else f"{safe(rule)} was not muted")


@rules_app.command("test")
def rules_test(
    items: Path = typer.Argument(None, help="JSON lines (enriched, or raw items to classify "
                                 "first); - for stdin; default: the item store"),
    rule: str = typer.Option(None, "--rule", help="only this rule"),
    since: str = typer.Option(None, "--since", help="only items collected this recently (7d, 12h…)"),
    rules: Path = RULES_OPTION,
    as_json: bool = typer.Option(False, "--json", help="one JSON line per decision, then one "
                                 "with the counts"),
    limit: int = typer.Option(50, min=0, help="decisions shown in the table (counts are of all)"),
) -> None:
    """Dry run: what the rules would raise on the store's items (or a file's), oldest first,
    through the alert engine itself (once per story, caps, rule types); nothing is stored or
    sent. Prints each decision, then counts per rule and per rule type."""
    from sinks.alerts.dry_run import dry_run, items_to_test
    from sinks.alerts.stage import load_configured_rules

    ruleset = load_configured_rules(rules)
    if rule is not None:
        ruleset.named(rule)
    tested = items_to_test(items, _duration(since) if since else None)
    result = dry_run(ruleset, tested, rule)
    if as_json:
        output.print_json([o.as_json() for o in result.outcomes])
        output.print_json([{"summary": {"items": result.items, "alerts": result.alerts(),
                                  "per_rule": result.per_rule(), "per_type": result.per_type()}}])
        return
    table = output.table(f"Dry run of {safe(ruleset.path)} on {result.items} items", "item", "rule",
                   "outcome", "why")
    for o in result.outcomes[:limit]:
        table.add_row(f"{safe(o.item_id)}\n{safe(o.title, 80)}", f"{safe(o.rule)}\n({o.rule_type})",
                      safe(o.as_json()["outcome"]), "\n".join(safe(r) for r in o.reasons))
    if len(result.outcomes) > limit:
        table.caption = f"{len(result.outcomes) - limit} more decisions not shown (--limit)"
    console.print(table)
    for title, counts in (("per rule", result.per_rule()), ("per rule type", result.per_type())):
        summary = output.table(f"Counts {title}", title.removeprefix("per "), "alerts", "throttled",
                         "other outcomes")
        for key, c in counts.items():
            alerts, throttled, other = result.tally(c)
            summary.add_row(safe(key), str(alerts), str(throttled), safe(other))
        console.print(summary)
    console.print(f"{result.alerts()} alerts would be raised from {result.items} items")


def print_alerts(alerts: list, title: str = "Alerts", statuses: dict[str, str] | None = None) -> None:
    """A table of alerts with their reasons; `statuses` maps alert id → delivery status."""
    table = output.table(f"{title}: {len(alerts)}", "when", "rule", "sev", "item", "why", "status")
    for a in alerts:
        status = (statuses or {}).get(a.id, a.status)
        table.add_row(a.created_at.strftime("%Y-%m-%d %H:%M:%S"), safe(a.rule), str(a.severity),
                      f"{safe(a.title, 90)}\n[dim]{safe(a.source)} · {safe(a.language)} · {safe(a.story_id)}[/dim]",
                      "\n".join(safe(r) for r in a.reasons), safe(status))
    console.print(table)


@alerts_app.command("list")
def alerts_list(
    limit: int = typer.Option(20, min=1, help="how many, newest first"),
    rule: str = typer.Option(None, help="only this rule"),
    as_json: bool = typer.Option(False, "--json", help="one JSON line per alert"),
) -> None:
    """Recent alerts with their reasons and delivery status."""
    from sinks.alerts.ledger import recent_with_delivery

    alerts, statuses = recent_with_delivery(limit, rule)
    if as_json:
        return output.print_json([{**a.model_dump(mode="json"), "delivery": statuses[a.id]} for a in alerts])
    print_alerts(alerts, title="Recent alerts", statuses=statuses)


@alerts_app.command("failed")
def alerts_failed(
    limit: int = typer.Option(50, min=1, help="how many, newest first"),
    as_json: bool = typer.Option(False, "--json", help="one JSON line per failed delivery"),
) -> None:
    """Deliveries that failed after their last try, with the error (secrets redacted).
    Send one again with `veille alerts retry KEY` once the channel is fixed."""
    from sinks.alerts.ledger import failed_deliveries

    failed = failed_deliveries(limit)
    if as_json:
        return output.print_json([f.as_json() for f in failed])
    table = output.table(f"Failed deliveries: {len(failed)}", "failed at", "key", "channel", "attempts",
                   "alert", "error")
    key_width = max((len(safe(f.key)) for f in failed), default=3)
    table.columns[1].no_wrap, table.columns[1].min_width = True, key_width  # copy-paste whole
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
    from sinks.alerts.delivery import retry_failed
    from sinks.alerts.stage import load_configured_rules

    if bool(key) == all_failed:
        usage_error("name one delivery KEY or give --all (see `veille alerts failed`)")
    done = retry_failed(load_configured_rules(), key)
    if not done and all_failed:
        console.print("no failed delivery to retry")
    for line, failed in done:
        console.print(f"[red]{safe(line, 600)}[/red]" if failed else safe(line, 600))
    if any(failed for _, failed in done):
        raise typer.Exit(1)


def alerts_summary(alerts: list, statuses: dict[str, str], rules_path: Path) -> None:
    """Per rule, what its alerts became: the end of `veille demo`, whose console channel has
    already printed each delivered alert with its reasons; rule-type alerts with their reason."""
    from sinks.alerts.ledger import outcomes_per_rule

    table = output.table(f"Alerts raised ({rules_path.name}): {len(alerts)}", "rule", "alerts",
                   "what became of them")
    for rule, counts in outcomes_per_rule(alerts, statuses).items():
        table.add_row(safe(rule), str(sum(counts.values())),
                      safe(", ".join(f"{n} {status}" for status, n in counts.most_common())))
    console.print(table)
    typed = [a for a in alerts if a.rule_type != "any"]
    if typed:
        table = output.table(f"Raised by rules beyond one item: {len(typed)}", "rule", "type", "why")
        for a in sorted(typed, key=lambda a: (a.rule, a.created_at)):
            table.add_row(safe(a.rule), a.rule_type, safe(a.reasons[0] if a.reasons else a.title, 300))
        console.print(table)
