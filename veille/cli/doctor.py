"""`veille doctor`: checks what a deployment needs, without starting anything, and prints a
table: the settings and VEILLE_HOME, sources.yaml, rules.yaml, the demo sites, each server the
settings name (Kafka, Elasticsearch, Redis: a TCP connection), and each channel an enabled rule
sends to (its secrets in the environment; with --send-test, whether its SMTP server or webhook
host accepts a connection). Exit 1 when a check fails."""

from __future__ import annotations

import os
import smtplib
import socket
from urllib.parse import urlsplit

import typer
from rich.table import Table

from veille.cli.common import console, safe

OK, FAIL, SKIP = "[green]ok[/green]", "[red]FAIL[/red]", "[dim]-[/dim]"


def _channel_target(config) -> tuple[str, int] | None:
    """(host, port) a channel connects to, or None (log channel, URL unset)."""
    if config.type == "log":
        return None
    if config.type == "email":
        return config.smtp_host, config.smtp_port
    url = config.url or os.environ.get(config.url_env or "", "")
    if not url:
        return None
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def _reach(config, target: tuple[str, int]) -> str | None:
    """None when the channel's server accepts a connection (SMTP: answers NOOP), else why."""
    host, port = target
    try:
        if config.type == "email":
            smtp_class = smtplib.SMTP_SSL if config.ssl else smtplib.SMTP
            with smtp_class(host, port, timeout=config.timeout) as smtp:
                code, _ = smtp.noop()
                if code != 250:
                    return f"SMTP NOOP answered {code}"
        else:
            socket.create_connection((host, port), timeout=config.timeout).close()
    except (OSError, smtplib.SMTPException) as exc:
        return (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__).lower()
    return None


def doctor(
    send_test: bool = typer.Option(False, "--send-test",
                                   help="also connect to each channel's SMTP server or webhook host"),
) -> None:
    """Checks config, servers and alert channels; prints a table; exit 1 if anything fails."""
    from veille.settings import ConfigError, get_settings, redact

    rows: list[tuple[str, str, str]] = []
    try:
        settings = get_settings()
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
    sites = settings.demo_sites_path()
    rows.append(("demo sites", OK if sites.is_dir() else SKIP,
                 f"{sites}" if sites.is_dir() else f"{sites}: absent (only `veille demo` needs "
                 "them; VEILLE_DEMO_SITES)"))

    from veille.cli.errors import SERVER_NAMES, probe, unreachable

    for field, server in SERVER_NAMES.items():
        value = getattr(settings, field)
        if not value:
            embedded = {"kafka_bootstrap": "SQLite bus", "es_url": "SQLite store",
                        "redis_url": "in-process broker"}[field]
            rows.append((server, SKIP, f"VEILLE_{field.upper()} not set: embedded ({embedded})"))
            continue
        reason = probe(field)
        rows.append((server, FAIL if reason else OK,
                     unreachable(server, field, reason) if reason
                     else f"VEILLE_{field.upper()}={redact(value)} answers"))

    if ruleset is not None:
        missing = {(c, v) for c, v, _ in ruleset.missing_secrets()}
        used = sorted({c for r in ruleset.enabled for c in r.channels}
                      | {c for cs in ruleset.builtin_channels.values() for c in cs})
        for name in used:
            config = ruleset.channels[name]
            label = f"channel {name} ({config.type})"
            lacking = [v for c, v in sorted(missing) if c == name]
            if lacking:
                rows.append((label, FAIL, f"secret not set: {', '.join(lacking)} (docker compose: "
                                          ".env, see .env.example)"))
                continue
            target = _channel_target(config)
            if not send_test or target is None:
                detail = "secrets set" if ruleset.channel_secrets(name) else "no secret needed"
                if target is not None:
                    detail += "; --send-test to connect"
                rows.append((label, OK, detail))
                continue
            reason = _reach(config, target)
            where = f"{target[0]}:{target[1]}"
            rows.append((label, FAIL if reason else OK,
                         f"cannot connect to {where} ({reason})" if reason else f"{where} answers"))
    _print(rows)
    if any(status == FAIL for _, status, _ in rows):
        raise typer.Exit(1)


def _print(rows: list[tuple[str, str, str]]) -> None:
    table = Table(title="veille doctor")
    for col in ("check", "status", "detail"):
        table.add_column(col, overflow="fold")
    for check, status, detail in rows:
        table.add_row(safe(check), status, safe(detail, 1000))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(doctor)
