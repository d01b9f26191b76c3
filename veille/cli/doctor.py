"""`veille doctor`: checks what a deployment needs, without starting anything, and prints a
table: the settings and VEILLE_HOME, sources.yaml, rules.yaml, the demo sites, each server the
settings name (Kafka, Elasticsearch, Redis: a TCP connection), and each channel an enabled rule
sends to (its secrets in the environment; with --send-test, whether its SMTP server or webhook
host accepts a connection: `sinks/alerts/channel_check.py`). Exit 1 when a check fails."""

from __future__ import annotations

import typer

from veille.cli import output
from veille.cli.common import console, safe

OK, FAIL, SKIP = "[green]ok[/green]", "[red]FAIL[/red]", "[dim]-[/dim]"


def doctor(
    send_test: bool = typer.Option(False, "--send-test",
                                   help="also connect to each channel's SMTP server or webhook host"),
) -> None:
    """Checks config, servers and alert channels; prints a table; exit 1 if anything fails."""
    from crawlers.config import crawler_settings
    from veille.settings import ConfigError, get_settings

    rows: list[tuple[str, str, str]] = []
    try:  # the kernel's settings and the crawlers' (crawlers/config.py)
        settings, crawling = get_settings(), crawler_settings()
    except ConfigError as exc:
        rows.append(("settings", FAIL, str(exc)))
        _print(rows)
        raise typer.Exit(1) from None
    rows.append(("settings", OK, f"VEILLE_HOME={settings.home} (writable)"))

    from veille.sources import load_registry

    try:
        registry = load_registry(settings.sources_path())
        rows.append(("sources", OK, f"{settings.sources_path()}: {len(registry.sources)} sources, "
                                    f"{len(registry.enabled())} enabled"))
    except ConfigError as exc:
        rows.append(("sources", FAIL, str(exc)))
    ruleset = None
    try:
        from sinks.alerts.stage import load_configured_rules

        ruleset = load_configured_rules()
        rows.append(("rules", OK, f"{ruleset.path}: {len(ruleset.rules)} rules, "
                                  f"{len(ruleset.enabled)} enabled"))
    except ConfigError as exc:
        rows.append(("rules", FAIL, str(exc)))
    sites = crawling.demo_sites_path()
    rows.append(("demo sites", OK if sites.is_dir() else SKIP,
                 f"{sites}" if sites.is_dir() else f"{sites}: absent (only `veille demo` needs "
                 "them; VEILLE_DEMO_SITES)"))

    from veille.cli.errors import server_checks

    rows += [(server, SKIP if passed is None else OK if passed else FAIL, detail)
             for server, passed, detail in server_checks()]

    if ruleset is not None:
        from sinks.alerts.channel_check import check_channels

        rows += [(label, OK if passed else FAIL, detail)
                 for label, passed, detail in check_channels(ruleset, connect=send_test)]
    _print(rows)
    if any(status == FAIL for _, status, _ in rows):
        raise typer.Exit(1)


def _print(rows: list[tuple[str, str, str]]) -> None:
    table = output.table("veille doctor", "check", "status", "detail")
    for check, status, detail in rows:
        table.add_row(safe(check), status, safe(detail, 1000))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(doctor)
