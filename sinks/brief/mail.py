"""The brief as an e-mail: multipart/alternative (plain text, then HTML), the HTML part
multipart/related with the chart and the map as inline PNG parts its `cid:` URLs name.

Why this shape: Gmail, Outlook and iOS Mail show inline `cid:` images but drop `data:` URIs,
and keep only inline styles and table layout (which `sinks.brief.page` writes). The message
goes out through the alert e-mail channel's SMTP code (`sinks.alerts.channels.send_message`:
TLS, login from the environment, one-line errors), with the channel named in rules.yaml.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sinks.brief.page import Brief


class BriefMailError(ValueError):
    """No usable e-mail channel: the message says which file and what to add."""


def compose(brief: Brief, sender: str, to: Sequence[str]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = brief.title
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain="veille.brief")
    msg.set_content(brief.text)
    msg.add_alternative(brief.mail_html, subtype="html")
    html_part = msg.get_payload()[1]
    for name, png in brief.images.items():
        html_part.add_related(png, maintype="image", subtype="png", cid=f"<{name}@veille.brief>",
                              filename=f"{name}.png", disposition="inline")
    return msg


def email_channel(rules_path: Any, name: str | None = None) -> tuple[str, Any]:
    """(name, EmailChannel) from rules.yaml: the one named, else the first of type email."""
    from sinks.alerts.model import EmailChannel
    from sinks.alerts.rules import load_rules

    channels = load_rules(rules_path).channels
    emails = {n: c for n, c in channels.items() if isinstance(c, EmailChannel)}
    if name:
        if name not in emails:
            raise BriefMailError(f"{rules_path}: no e-mail channel {name!r} (e-mail channels: "
                                 f"{', '.join(emails) or 'none'})")
        return name, emails[name]
    if not emails:
        raise BriefMailError(f"{rules_path}: no channel of type email to send the brief with; "
                             "add one under `channels:` (docs/alerts.md)")
    first = next(iter(emails))
    return first, emails[first]


def send_brief(brief: Brief, to: Sequence[str], rules_path: Any, channel: str | None = None) -> str:
    """Mails the brief to `to` over the e-mail channel's SMTP; what the server answered."""
    from sinks.alerts.channels import send_message

    name, config = email_channel(rules_path, channel)
    return send_message(compose(brief, config.sender, to), name, config)
