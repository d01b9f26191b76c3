"""`veille brief`: writes the brief to a file and/or mails it (sinks/brief/produce.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from veille.cli.common import err, safe


def brief(
    since: str = typer.Option(
        None, help="length of the window: 24h, 7d, 90m, 2w; default: since the last brief (at "
                   "most 7 days), else 24h, else 7d when the last 24 hours hold no item"),
    until: str = typer.Option(
        "now", help="end of the window: now, latest (the newest item's date: for old data such "
                    "as the demo's), an ISO datetime, or a date (= the end of that day, UTC)"),
    top: int = typer.Option(10, min=1, help="stories listed, most widely reported first"),
    out: Path = typer.Option(None, "--out", "-o", help="HTML file to write (default brief.html "
                                                       "unless --mail is given)"),
    mail: list[str] = typer.Option(None, "--mail", help="mail the brief to this address (repeat "
                                                        "for more) over rules.yaml's e-mail channel"),
    channel: str = typer.Option(None, help="the rules.yaml e-mail channel to send with; default "
                                           "the first of type email"),
    title: str = typer.Option(None, help="page title; default 'Mali / Sahel brief — <date>'"),
    force: bool = typer.Option(False, help="replace an existing file (or send a mail) even if "
                                           "the brief is empty"),
) -> None:
    """The brief of a window, e-mail-safe: stories ranked by how widely they are reported
    (new and growing ones flagged), alerts, broken sources, a map and the week's chart."""
    from crawlers.source_health import last_health
    from sinks.alerts.channels import ChannelConfigError, DeliveryError
    from sinks.brief import produce
    from sinks.brief.mail import BriefMailError
    from veille.settings import get_settings

    settings = get_settings()
    export = produce.store_export(settings)
    now = datetime.now(UTC)
    kind = "mail" if mail else "page"
    try:
        window, ends_now = produce.choose_window(export, settings.home, kind, since, until, now)
    except produce.WindowOptionError as exc:
        raise typer.BadParameter(str(exc), param_hint=exc.option) from None
    made = produce.make_brief(export, window, top=top, title=title, now=now,
                              alerts=produce.period_alerts(settings),
                              health=last_health(settings))
    try:
        if out or not mail:
            target = out or Path("brief.html")
            produce.write_page(made, target, force=force)
            err.print(f"{safe(target)}: {made.items} items from {made.start:%Y-%m-%d %H:%M} to "
                      f"{made.end:%Y-%m-%d %H:%M} UTC ({safe(window.why)}; {len(made.page) // 1024} KiB)")
        if mail:
            answer = produce.mail_brief(made, mail, settings.rules_path(), channel, force=force)
            err.print(f"brief mailed ({made.items} items): {safe(answer)}")
    except produce.BriefRefused as exc:
        err.print(f"[red]{safe(exc)}[/red]")
        raise typer.Exit(1) from None
    except (DeliveryError, ChannelConfigError, BriefMailError) as exc:
        err.print(f"[red]brief not mailed: {safe(exc)}[/red]")
        raise typer.Exit(1) from None
    if ends_now:
        produce.record_brief(settings.home, kind, window.end)
    if not made.items:
        err.print("[yellow]no item in the window[/yellow]; for old data try --until latest or a longer --since")
