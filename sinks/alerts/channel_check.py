"""Whether each channel the rules send to can deliver, checked before any alert (`veille
doctor`): its secrets are in this environment and, on request, its SMTP server or webhook host
accepts a connection. Nothing is posted: an SMTP server is asked NOOP, a webhook host only
connected to, so the check can run against production channels."""

from __future__ import annotations

import os
import smtplib
import socket
from typing import Any
from urllib.parse import urlsplit


def channel_target(config: Any) -> tuple[str, int] | None:
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


def reach(config: Any, target: tuple[str, int]) -> str | None:
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


def check_channels(ruleset: Any, connect: bool = False) -> list[tuple[str, bool, str]]:
    """(check, passed, detail) for each channel an enabled rule or a built-in alert sends to:
    its secrets set; with `connect`, its server answering."""
    missing = {(c, v) for c, v, _ in ruleset.missing_secrets()}
    used = sorted({c for r in ruleset.enabled for c in r.channels}
                  | {c for cs in ruleset.builtin_channels.values() for c in cs})
    rows: list[tuple[str, bool, str]] = []
    for name in used:
        config = ruleset.channels[name]
        label = f"channel {name} ({config.type})"
        lacking = [v for c, v in sorted(missing) if c == name]
        if lacking:
            rows.append((label, False, f"secret not set: {', '.join(lacking)} (docker compose: "
                                       ".env, see .env.example)"))
            continue
        target = channel_target(config)
        if not connect or target is None:
            detail = "secrets set" if ruleset.channel_secrets(name) else "no secret needed"
            if target is not None:
                detail += "; --send-test to connect"
            rows.append((label, True, detail))
            continue
        reason = reach(config, target)
        where = f"{target[0]}:{target[1]}"
        rows.append((label, reason is None,
                     f"cannot connect to {where} ({reason})" if reason else f"{where} answers"))
    return rows
