"""How an alert reaches people and systems: per channel type, a formatter and a sender.

Formatters are pure functions (alert → payload) so their content — escaping above all — can be
tested without a server. Senders do one network exchange and either return a short
description of the receiver's answer or raise `DeliveryError` whose message is safe to log and
to show an operator: it names the channel, its type, its target with secrets removed, and the
cause (HTTP status and the start of the body, SMTP reply, connection refused…).

Why the care with secrets: Slack, Mattermost and Teams webhook URLs *are* credentials (anyone
holding one can post), so a URL read from `url_env` is shown as scheme and host only; headers
are never logged; the webhook secret and SMTP password never appear in any message.

Why `urllib.request` rather than requests/httpx: one POST per delivery needs nothing more, and
the project does not depend on either (requests is only present transitively).

Webhook signature (receivers verify it with `verify_signature`)::

    X-Veille-Timestamp: <unix seconds>
    X-Veille-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>

Signing the timestamp with the body lets a receiver refuse replays older than a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from pydantic import TypeAdapter

from sinks.alerts import email_body
from sinks.alerts.message import BANDS, digest_language, isolate, one_line, safe_link, view
from sinks.alerts.model import (
    Alert,
    ChannelConfig,
    DigestEntry,
    EmailChannel,
    LogChannel,
    Report,
    SlackChannel,
    TeamsChannel,
    WebhookChannel,
    delivery_key,
)
from sinks.alerts.wording import label_name, message_language, word
from veille.textsafe import truncate

log = logging.getLogger(__name__)

CHANNEL_ADAPTER: TypeAdapter[Any] = TypeAdapter(ChannelConfig)
USER_AGENT = "veille-alerts/0.1"
_BODY_EXCERPT = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# -- errors ---------------------------------------------------------------------------------
class DeliveryError(Exception):
    """A delivery that did not happen, with a message an operator can act on.

    `permanent` errors (a 4xx answer, a refused recipient, a missing environment variable) will
    not heal by retrying, so the delivery actor dead-letters them at once instead of waiting
    through its back-off.
    """

    def __init__(
        self, channel: str, channel_type: str, target: str, cause: str, *, permanent: bool = False
    ) -> None:
        self.channel = channel
        self.channel_type = channel_type
        self.target = target
        self.cause = cause
        self.permanent = permanent
        super().__init__(f"channel {channel!r} ({channel_type}) → {target}: {cause}")


class ChannelConfigError(DeliveryError):
    """The channel cannot be used as configured (missing env var, bad URL); never retried."""

    def __init__(self, channel: str, channel_type: str, cause: str, target: str = "(not configured)") -> None:
        super().__init__(channel, channel_type, target, cause, permanent=True)


def parse_channel(config: dict | Any) -> Any:
    """A channel model from its dict form (as carried in a delivery message)."""
    if isinstance(config, dict):
        return CHANNEL_ADAPTER.validate_python(config)
    return config


# -- redaction ------------------------------------------------------------------------------
def redact_url(url: str, *, secret: bool = True) -> str:
    """What of a URL may be shown: scheme and host (with port) always, the path only when the
    URL is not a secret; never the user info, query or fragment, where tokens usually sit."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "(unparseable URL)"
    if not parts.scheme or not host:
        return "(unparseable URL)"
    netloc = f"[{host}]" if ":" in host else host
    if port:
        netloc += f":{port}"
    shown = f"{parts.scheme}://{netloc}"
    if secret:
        return shown + ("/…" if parts.path not in ("", "/") or parts.query else "")
    return shown + parts.path + ("?…" if parts.query else "")


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """Text with every secret (and, for URLs, their path and query) replaced by '…': the last
    line of defence for messages built from library errors that may quote what they were given."""
    pieces: set[str] = set()
    for value in secrets:
        if not value:
            continue
        pieces.add(value)
        if "://" in value:
            try:
                parts = urlsplit(value)
            except ValueError:
                continue
            pieces.update(p for p in (parts.path, parts.query, parts.netloc) if p and len(p) > 3)
    for piece in sorted(pieces, key=len, reverse=True):
        if len(piece) >= 4:
            text = text.replace(piece, "…")
    return text


def _excerpt(body: bytes) -> str:
    text = body[: _BODY_EXCERPT * 4].decode("utf-8", "replace")
    text = _CONTROL.sub(" ", text).replace("\n", " ").replace("\r", " ").strip()
    return text[:_BODY_EXCERPT] or "(empty body)"


# -- secrets from the environment -----------------------------------------------------------
def _env(name: str, var: str, channel_type: str, what: str) -> str:
    value = os.environ.get(var, "")
    if not value:
        raise ChannelConfigError(
            name, channel_type, f"environment variable {var} is not set (it should hold {what})"
        )
    return value


def resolve_url(name: str, channel: WebhookChannel | SlackChannel | TeamsChannel) -> tuple[str, bool]:
    """(URL, is it secret) from `url` or the env var named by `url_env`; exactly one is needed.

    A Slack, Mattermost or Teams URL is always treated as secret, wherever it comes from."""
    if channel.url and channel.url_env:
        raise ChannelConfigError(name, channel.type, "set either url or url_env, not both")
    if channel.url_env:
        url, secret = _env(name, channel.url_env, channel.type, "the webhook URL"), True
    elif channel.url:
        url, secret = channel.url, channel.type != "webhook"
    else:
        raise ChannelConfigError(name, channel.type, "no url or url_env configured")
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    if scheme not in ("http", "https"):
        source = f"environment variable {channel.url_env}" if channel.url_env else "url"
        raise ChannelConfigError(name, channel.type, f"{source} is not an http(s) URL")
    return url, secret


# -- shared text ----------------------------------------------------------------------------
def subject(alert: Alert) -> str:
    """`[veille] <rule>: <title>`, on one line whatever the title holds (no header injection);
    a digest's title in its message language (`5 alertes pour la règle …`)."""
    title = one_line(alert.title[:4 * SUBJECT_MAX]) or alert.item_id
    if alert.entries and alert.story_id == "digest":
        title = view(alert).title
    return truncate(one_line(f"[veille] {alert.rule[:SUBJECT_MAX]}: {title}"), SUBJECT_MAX)


_safe_link = safe_link


# -- size limits ------------------------------------------------------------------------------
# What each service accepts (docs/alerts.md, "Payload limits"): Slack refuses a text over
# 40,000 characters and a block or attachment text over 3,000; Teams refuses a card over 28 KB;
# a webhook body is capped by the channel's `max_bytes`. A payload over its limit is rebuilt
# from the alert with ever shorter fields (title, summary, reasons, lists), never cut as JSON.
SLACK_MAX_CHARS = 40_000
SLACK_MAX_TEXT = 3_000
TEAMS_MAX_BYTES = 28_000 - 1_000  # room for the HTTP envelope Teams counts in its 28 KB
SUBJECT_MAX = 250
SLACK_DIGEST_ATTACHMENTS = 20  # Slack advises at most 20 attachments; more are summed up in one line

# (title, summary, number of reasons, reason length, list items) per step of shrinking.
_SHRINK_STEPS = (
    (None, None, None, None, None),
    (500, 2000, 50, 300, 50),
    (300, 1000, 20, 200, 20),
    (200, 300, 10, 120, 10),
    (100, 0, 3, 80, 5),
    (60, 0, 1, 60, 2),
)


def shrunk(alert: Alert, step: int) -> Alert:
    """The alert with its free-text fields cut to the `step`-th size (0: unchanged)."""
    title, summary, n_reasons, reason_len, n_items = _SHRINK_STEPS[step]
    if title is None:
        return alert

    def items(values: list[str]) -> list[str]:
        kept = [truncate(v, 80) for v in values[:n_items]]
        return kept + ([f"… {len(values) - n_items} more"] if len(values) > n_items else [])

    reasons = [truncate(r, reason_len) for r in alert.reasons[:n_reasons]]
    if len(alert.reasons) > n_reasons:
        reasons.append(f"… {len(alert.reasons) - n_reasons} more")
    language = digest_language(alert.entries, alert.language)
    entries = [e.model_copy(update={
        "title": truncate(e.title, title), "source": truncate(e.source, 200),
        "url": e.url if len(e.url) <= 2000 else "", "places": items(e.places),
        "event_types": e.event_types[:n_items], "reasons": [truncate(r, reason_len) for r in e.reasons[:3]],
    }) for e in alert.entries[:n_items]]
    if len(alert.entries) > n_items:
        entries.append(DigestEntry(title=word("more", language, n=len(alert.entries) - n_items)))
    reports = [r.model_copy(update={
        "title": truncate(r.title, title), "source": truncate(r.source, 200),
        "url": r.url if len(r.url) <= 2000 else "",
    }) for r in alert.reports[:n_items]]
    if len(alert.reports) > n_items:
        reports.append(Report(title=word("more", message_language(alert.language), n=len(alert.reports) - n_items)))
    return alert.model_copy(update={
        "title": truncate(alert.title, title), "summary": truncate(alert.summary, summary) if summary else "",
        "reasons": reasons, "places": items(alert.places), "event_types": items(alert.event_types),
        "topics": items(alert.topics), "rule": truncate(alert.rule, 200), "source": truncate(alert.source, 200),
        "issuer": truncate(alert.issuer, 200) if alert.issuer else alert.issuer,
        "url": alert.url if len(alert.url) <= 2000 else "",
        "entries": entries, "reports": reports,
        "evidence": {truncate(k, 80): [truncate(v, 80) for v in vs[:n_items]]
                     for k, vs in list(alert.evidence.items())[:n_items]},
        "regions": {truncate(k, 80): truncate(v, 80) for k, v in list(alert.regions.items())[:n_items]},
    })


def fitted(alert: Alert, render, size, limit: int):  # noqa: ANN001 - render: Alert → payload
    """`render(alert)` at the first shrinking step whose `size` is within `limit` (the last
    step's payload if none is: the service then says why it refuses it)."""
    payload = None
    for step in range(len(_SHRINK_STEPS)):
        payload = render(shrunk(alert, step))
        if size(payload) <= limit:
            return payload
    log.warning("alert %s: payload still %d over the limit %d after shrinking", alert.id, size(payload), limit)
    return payload


def _json_size(payload: dict) -> int:
    return len(json.dumps(payload, ensure_ascii=False).encode())


def _json_chars(payload: dict) -> int:
    return len(json.dumps(payload, ensure_ascii=False))


# -- log ------------------------------------------------------------------------------------
def format_log(alert: Alert) -> str:
    """A readable block for the console of `veille demo` (control characters removed, so a
    title cannot move the cursor or recolour the terminal)."""
    m = view(alert)
    lines = [f"ALERT {one_line(alert.rule)} · severity {alert.severity} ({m.band.name})", f"  {m.title}"]
    if alert.url:
        lines.append(f"  {one_line(alert.url)}")
    lines += [f"  {k}: {v}" for k, v in m.facts if v != alert.rule]
    for e in m.entries:
        lines.append(f"  [{e.severity}] {e.title}" if not e.more else f"  {e.title}")
        lines += [f"    {x}" for x in (e.url or "", " · ".join(y for y in (e.source, e.language, e.published) if y)) if x]
    lines += [f"  - {r}" for r in m.reasons]
    for r in m.reports:
        meta = " · ".join(x for x in (r.source, r.language, r.published) if x)
        lines.append(f"  + {r.title}" + (f" — {meta}" if meta else "") + (f" {one_line(r.url)}" if r.url else ""))
    return "\n".join(lines)


def send_log(alert: Alert, name: str, channel: LogChannel, key: str) -> str:
    log.info(
        "alert %s rule=%s severity=%d channel=%s: %s",
        alert.id, one_line(alert.rule), alert.severity, name, one_line(alert.title)[:200],
    )
    print(format_log(alert), flush=True)
    return "printed"


# -- email ----------------------------------------------------------------------------------
def message_id(key: str) -> str:
    """Derived from the delivery key: a repeat after a crash carries the same Message-ID, which
    mail clients and list servers use to drop duplicates."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@veille.alerts>"


def format_email_text(alert: Alert) -> str:
    """The plain-text part (sinks.alerts.email_body.text)."""
    return email_body.text(view(alert))


def format_email_html(alert: Alert) -> str:
    """The HTML part: a table layout with inline styles, every value escaped by the template
    (sinks.alerts.email_body.html); right to left for Arabic."""
    return email_body.html(view(alert))


def format_email(alert: Alert, channel: EmailChannel, key: str) -> EmailMessage:
    """multipart/alternative: plain text for any client, HTML for the rest."""
    msg = EmailMessage()
    msg["Subject"] = subject(alert)
    msg["From"] = channel.sender
    msg["To"] = ", ".join(channel.to)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id(key)
    msg["X-Veille-Delivery"] = one_line(key)
    msg["X-Veille-Alert"] = one_line(alert.id)
    msg.set_content(format_email_text(alert))
    msg.add_alternative(format_email_html(alert), subtype="html")
    return msg


def send_email(alert: Alert, name: str, channel: EmailChannel, key: str) -> str:
    return send_message(format_email(alert, channel, key), name, channel)


def send_message(msg: EmailMessage, name: str, channel: EmailChannel) -> str:
    """Sends a composed message over the channel's SMTP settings (TLS, login from the
    environment, timeouts) to the message's To: the alert e-mails and the mailed brief
    (`sinks.brief.mail`) both go out here. Failures are `DeliveryError`s (one line, secrets
    scrubbed; permanent for 5xx replies and refused recipients)."""
    target = f"smtp://{channel.smtp_host}:{channel.smtp_port} to {msg['To']}"
    username = password = None
    if channel.username_env or channel.password_env:
        if not (channel.username_env and channel.password_env):
            raise ChannelConfigError(name, "email", "set both username_env and password_env, or neither", target)
        username = _env(name, channel.username_env, "email", "the SMTP user name")
        password = _env(name, channel.password_env, "email", "the SMTP password")

    def fail(cause: str, permanent: bool = False) -> DeliveryError:
        return DeliveryError(name, "email", target, scrub(cause, [password]), permanent=permanent)

    smtp_cls = smtplib.SMTP_SSL if channel.ssl else smtplib.SMTP
    kwargs: dict[str, Any] = {"timeout": channel.timeout}
    if channel.ssl:
        kwargs["context"] = ssl.create_default_context()
    try:
        with smtp_cls(channel.smtp_host, channel.smtp_port, **kwargs) as smtp:
            if channel.starttls and not channel.ssl:
                smtp.starttls(context=ssl.create_default_context())
            if username and password:
                smtp.login(username, password)
            refused = smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        detail = "; ".join(f"{rcpt}: {code} {_smtp_text(text)}" for rcpt, (code, text) in exc.recipients.items())
        raise fail(f"recipients refused: {detail}", permanent=True) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise fail(f"SMTP login refused: {exc.smtp_code} {_smtp_text(exc.smtp_error)}", permanent=True) from None
    except smtplib.SMTPResponseException as exc:
        raise fail(f"SMTP error {exc.smtp_code} {_smtp_text(exc.smtp_error)}", permanent=500 <= exc.smtp_code < 600) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise fail(f"SMTP server does not support it: {exc}", permanent=True) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise fail(_os_cause(exc)) from None
    if refused:
        return f"sent; refused for {', '.join(refused)}"
    return f"sent to {len(str(msg['To']).split(','))} recipient(s)"


def _smtp_text(text: bytes | str) -> str:
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return one_line(raw)[:_BODY_EXCERPT]


def _os_cause(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, socket.gaierror):
        return f"host name not resolved ({exc.strerror or exc})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"
    return f"{type(exc).__name__}: {one_line(str(exc))[:_BODY_EXCERPT]}"


# -- HTTP -----------------------------------------------------------------------------------
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected webhook is a misconfiguration: following it would resend the body (and
    signature) to wherever the redirect points, or silently turn the POST into a GET."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's API
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post_json(
    name: str, channel_type: str, url: str, body: bytes, headers: dict[str, str], *,
    timeout: float, secret_url: bool, secrets: Iterable[str | None] = (),
) -> str:
    """POSTs body; returns 'HTTP <status>' on 2xx, raises DeliveryError otherwise.

    4xx answers other than 408/425/429 are permanent (the receiver refuses this request and will
    refuse it again); 5xx, timeouts and refused connections are retried."""
    target = redact_url(url, secret=secret_url)
    hidden = [url, *secrets]
    request = urllib.request.Request(
        url, data=body, method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = response.status
            response.read(65536)
    except urllib.error.HTTPError as exc:
        try:
            excerpt = _excerpt(exc.read(_BODY_EXCERPT * 4))
        except Exception:  # a body cut short tells no more than the status
            excerpt = "(body unreadable)"
        permanent = 400 <= exc.code < 500 and exc.code not in (408, 425, 429)
        cause = f"HTTP {exc.code}: {excerpt}"
        if 300 <= exc.code < 400:
            cause = f"HTTP {exc.code} redirect (not followed; configure the final URL)"
            permanent = True
        raise DeliveryError(name, channel_type, target, scrub(cause, hidden), permanent=permanent) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        cause = _os_cause(reason) if isinstance(reason, BaseException) else one_line(str(reason))
        raise DeliveryError(name, channel_type, target, scrub(cause, hidden)) from None
    except (OSError, ValueError, urllib.error.ContentTooShortError) as exc:
        raise DeliveryError(name, channel_type, target, scrub(_os_cause(exc), hidden)) from None
    except Exception as exc:  # http.client errors (bad status line, invalid URL…) quote input
        cause = f"{type(exc).__name__}: {one_line(str(exc))[:_BODY_EXCERPT]}"
        raise DeliveryError(name, channel_type, target, scrub(cause, hidden)) from None
    return f"HTTP {status}"


# -- webhook --------------------------------------------------------------------------------
def format_webhook(alert: Alert, key: str, max_bytes: int | None = None) -> bytes:
    """The alert as JSON (what `Alert.model_dump(mode="json")` gives) plus `delivery_key`,
    which receivers use to drop the rare repeat (see docs/alerts-delivery.md). `url` is ""
    unless it is an http(s) URL; with `max_bytes`, long fields are cut to fit."""

    def render(a: Alert) -> bytes:
        payload = a.model_dump(mode="json")
        payload["url"] = _safe_link(a.url) or ""
        for entry in (*payload["entries"], *payload["reports"]):
            entry["url"] = _safe_link(entry["url"]) or ""
        payload["delivery_key"] = key
        payload.update(webhook_words(a))
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()

    return render(alert) if max_bytes is None else fitted(alert, render, len, max_bytes)


def webhook_words(alert: Alert) -> dict[str, Any]:
    """What a receiver needs to show the alert to a person without veille's tables: the
    severity band (0–100 scale, sinks.alerts.message.BANDS), the language the words are in,
    and the names of the alert's event types and topics in it."""
    m = view(alert)
    return {
        "severity_band": m.band.name,
        "message_language": m.language,
        "names": {
            "event_types": {x: label_name("event_types", x, m.language) for x in alert.event_types},
            "topics": {x: label_name("topics", x, m.language) for x in alert.topics},
        },
    }


def sign(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>`."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str | bytes, timestamp: str, body: bytes, header: str, *,
    max_age: float | None = 300, now: float | None = None,
) -> bool:
    """What a receiver runs on `X-Veille-Timestamp`, the raw body and `X-Veille-Signature`:
    True when the signature matches (compared in constant time) and, unless max_age is None,
    the timestamp is within max_age seconds of now (refuses replays of old requests)."""
    if not header or not timestamp:
        return False
    if max_age is not None:
        try:
            age = abs((time.time() if now is None else now) - int(timestamp))
        except ValueError:
            return False
        if age > max_age:
            return False
    return hmac.compare_digest(sign(secret, timestamp, body), header.strip())


def webhook_headers(key: str, body: bytes, secret: str | None, timestamp: str | None = None) -> dict[str, str]:
    ts = timestamp or str(int(time.time()))
    headers = {"X-Veille-Delivery": one_line(key), "X-Veille-Timestamp": ts}
    if secret:
        headers["X-Veille-Signature"] = sign(secret, ts, body)
    return headers


def send_webhook(alert: Alert, name: str, channel: WebhookChannel, key: str) -> str:
    url, secret_url = resolve_url(name, channel)
    secret = _env(name, channel.secret_env, "webhook", "the signing secret") if channel.secret_env else None
    body = format_webhook(alert, key, channel.max_bytes)
    return post_json(
        name, "webhook", url, body, webhook_headers(key, body, secret),
        timeout=channel.timeout, secret_url=secret_url, secrets=[secret],
    )


# -- Slack / Mattermost ---------------------------------------------------------------------
def mrkdwn(text: str, multiline: bool = False) -> str:
    """Slack's required escaping (& < >), which also stops `<!channel>`-style mentions and
    forged links; '@' gets an invisible word joiner (U+2060) after it so Mattermost does not turn
    '@channel' or '@all' in a scraped title into a notification for everyone. Newlines are
    kept only in `multiline` text (a digest's summary lists one alert a line)."""
    if multiline:
        return "\n".join(mrkdwn(line) for line in (text or "").strip().splitlines())
    text = one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("@", "@\u2060")


def _slack_link(url: str, label: str) -> str:
    link = _safe_link(url)
    if not link:
        return label
    link = link.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{link}|{label}>"


def format_slack(alert: Alert) -> dict:
    """`text` plus legacy attachments: the subset both Slack and Mattermost incoming webhooks
    render (Mattermost ignores Block Kit `blocks`; both show attachments with colour and fields).
    The bar's colour is the severity band (sinks.alerts.message.BANDS); a digest gets one
    attachment per alert, each with its own colour, link, source and language. Every text
    within SLACK_MAX_TEXT characters, the payload within SLACK_MAX_CHARS."""
    return fitted(alert, _format_slack, _json_chars, SLACK_MAX_CHARS)


def _slack_meta(*parts: str) -> str:
    return " · ".join(mrkdwn(p) for p in parts if p)


def _format_slack(alert: Alert) -> dict:
    m = view(alert)
    cap = SLACK_MAX_TEXT
    title = truncate(isolate(mrkdwn(m.title)), cap // 2)
    head = f"*{m.severity}/100 {mrkdwn(m.band_name)}* · [veille] {mrkdwn(alert.rule)}"
    text = f"{head}: {_slack_link(m.url or '', title)}"
    body: list[str] = []
    if m.where:
        body.append(f"{mrkdwn(m.severity_line)} · {isolate(mrkdwn(m.where))}")
    else:
        body.append(mrkdwn(m.severity_line))
    body += [isolate(mrkdwn(line)) for line in m.summary_lines][:30]
    if m.evidence:
        body.append(f"*{mrkdwn(m.w('evidence'))}*")
        body += [f"• {mrkdwn(lab.name)}{m.colon}" + m.comma.join(f"“{isolate(mrkdwn(e))}”" for e in lab.evidence)
                 for lab in m.evidence]
    if m.reports:
        body.append(f"*{mrkdwn(m.w('other_reports'))}*")
        for r in m.reports:
            link = mrkdwn(r.title) if r.more else _slack_link(r.url or "", isolate(mrkdwn(r.title)))
            body.append(f"• {link}" + (f" — {_slack_meta(r.source, r.language, r.published)}" if not r.more else ""))
    if m.reasons:
        body.append(f"*{mrkdwn(m.w('why'))}*")
        body += [f"• {mrkdwn(r)}" for r in m.reasons[:50]]
    fields = [
        {"title": k, "value": truncate(isolate(mrkdwn(v)), cap), "short": len(v) < 40}
        for k, v in m.facts if v != alert.rule
    ]
    main = {
        "fallback": truncate(f"{m.severity}/100 [veille] {mrkdwn(alert.rule)}: {title}", cap),
        "color": m.band.colour,
        "title": title,
        "text": truncate("\n".join(body), cap),
        "fields": fields,
        "footer": truncate(f"veille · {mrkdwn(m.footer)} · {mrkdwn(m.legend)}", cap),
        "mrkdwn_in": ["text", "fields"],
    }
    if m.url:
        main["title_link"] = m.url
    attachments = [main]
    for e in m.entries[:SLACK_DIGEST_ATTACHMENTS]:
        if e.more:
            attachments.append({"fallback": mrkdwn(e.title), "text": mrkdwn(e.title), "color": BANDS[0].colour})
            continue
        entry_title = truncate(isolate(mrkdwn(e.title)), cap // 2)
        entry = {
            "fallback": truncate(f"{e.severity}/100 {entry_title}", cap),
            "color": e.band.colour if e.band else BANDS[0].colour,
            "title": entry_title,
            "text": truncate(f"*{e.severity}/100* · " + _slack_meta(e.source, e.language, e.published, e.details), cap),
            "mrkdwn_in": ["text"],
        }
        if e.url:
            entry["title_link"] = e.url
        attachments.append(entry)
    if len(m.entries) > SLACK_DIGEST_ATTACHMENTS:
        more = word("more", m.language, n=len(m.entries) - SLACK_DIGEST_ATTACHMENTS)
        attachments.append({"fallback": more, "text": mrkdwn(more), "color": BANDS[0].colour})
    return {"text": truncate(text, cap), "attachments": attachments}


def send_slack(alert: Alert, name: str, channel: SlackChannel, key: str) -> str:
    url, secret_url = resolve_url(name, channel)
    body = json.dumps(format_slack(alert), ensure_ascii=False).encode()
    return post_json(
        name, channel.type, url, body, {}, timeout=channel.timeout, secret_url=secret_url
    )


# -- Microsoft Teams ------------------------------------------------------------------------
_TEAMS_MD = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


def teams_text(text: str) -> str:
    """Adaptive Card TextBlocks render a Markdown subset: backslash-escape its punctuation so a
    title cannot forge a link or emphasis."""
    return _TEAMS_MD.sub(r"\\\1", one_line(text))


def format_teams(alert: Alert) -> dict:
    """An Adaptive Card (1.4) in a `message` envelope: the one format both the Teams
    Workflows webhook ("Post to a channel when a webhook request is received", the replacement
    for Office 365 connectors) and the remaining connector incoming webhooks accept; the older
    MessageCard is rejected by Workflows. Within TEAMS_MAX_BYTES of JSON."""
    return fitted(alert, _format_teams, _json_size, TEAMS_MAX_BYTES)


def _teams_link(url: str | None, label: str) -> str:
    """A Markdown link for a TextBlock (label already escaped); the URL's parentheses and
    spaces are percent-encoded so it cannot end the link early."""
    if not url:
        return label
    return f"[{label}]({url.replace('(', '%28').replace(')', '%29').replace(' ', '%20')})"


def _teams_block(text: str, **kw: Any) -> dict:
    return {"type": "TextBlock", "text": text, "wrap": True, **kw}


def _teams_container(items: list[dict], rtl: bool, **kw: Any) -> dict:
    """A Container; `rtl` sets Adaptive Cards 1.5's `rtl` (hosts on 1.4 ignore it, and the
    isolates around the text keep its punctuation in place there) and aligns it right."""
    if rtl:
        items = [{**i, "horizontalAlignment": "Right"} if i["type"] == "TextBlock" else i for i in items]
        kw["rtl"] = True
    return {"type": "Container", "items": items, **kw}


def _format_teams(alert: Alert) -> dict:
    m = view(alert)
    t = teams_text
    body: list[dict] = [
        _teams_block(f"veille · {t(m.w('rule'))} {t(alert.rule)}", size="Small", isSubtle=True),
        _teams_container([
            _teams_block(_teams_link(m.url, isolate(t(m.title))), size="Large", weight="Bolder"),
        ], m.text_rtl or (m.digest and m.rtl)),
        {"type": "ColumnSet", "columns": [
            {"type": "Column", "width": "auto", "items": [
                _teams_block(f"{m.severity}/100", weight="Bolder", color=m.band.teams, size="Medium")]},
            {"type": "Column", "width": "stretch", "verticalContentAlignment": "Center", "items": [
                _teams_block(f"{t(m.w('severity'))}: **{t(m.band_name)}**"
                             + (f" · {isolate(t(m.where))}" if m.where else ""))]},
        ]},
    ]
    if m.summary_lines:
        summary = "\n\n".join(isolate(t(line)) for line in m.summary_lines)
        body.append(_teams_container([_teams_block(summary[:2000])], m.text_rtl))
    for e in m.entries:
        if e.more:
            body.append(_teams_block(t(e.title), isSubtle=True, separator=True))
            continue
        meta = " · ".join(t(x) for x in (e.source, e.language, e.published, e.details) if x)
        body.append(_teams_container([
            _teams_block(f"**{e.severity}/100** " + _teams_link(e.url, isolate(t(e.title))),
                         color=e.band.teams if e.band else "Default"),
            _teams_block(meta, size="Small", isSubtle=True, spacing="None"),
        ], e.rtl, separator=True))
    facts = [{"title": k, "value": isolate(t(v))} for k, v in m.facts if v != alert.rule]
    if facts:
        body.append({"type": "FactSet", "facts": facts})
    if m.evidence:
        lines = [f"- {t(lab.name)}{m.colon}" + m.comma.join(f"“{isolate(t(e))}”" for e in lab.evidence)
                 for lab in m.evidence]
        body.append(_teams_block(f"**{t(m.w('evidence'))}**\n\n" + "\n".join(lines)))
    if m.reports:
        lines = [f"- {t(r.title)}" if r.more else
                 f"- {_teams_link(r.url, isolate(t(r.title)))} — " + " · ".join(
                     t(x) for x in (r.source, r.language, r.published) if x) for r in m.reports]
        body.append(_teams_block(f"**{t(m.w('other_reports'))}**\n\n" + "\n".join(lines)))
    if m.reasons:
        body.append(_teams_block(f"**{t(m.w('why'))}**\n\n" + "\n".join(f"- {t(r)}" for r in m.reasons[:50]),
                                 size="Small"))
    body.append(_teams_block(f"{t(m.legend)} · {t(m.footer)}", size="Small", isSubtle=True))
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "msteams": {"width": "Full"},
    }
    if m.rtl:
        card["rtl"] = True  # Adaptive Cards 1.5; 1.4 hosts ignore it (the isolates still hold)
    if m.url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": m.w("open"), "url": m.url}]
    return {
        "type": "message",
        "summary": subject(alert),
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def send_teams(alert: Alert, name: str, channel: TeamsChannel, key: str) -> str:
    url, secret_url = resolve_url(name, channel)
    body = json.dumps(format_teams(alert), ensure_ascii=False).encode()
    return post_json(name, "teams", url, body, {}, timeout=channel.timeout, secret_url=secret_url)


# -- dispatch -------------------------------------------------------------------------------
_SENDERS = {
    "log": send_log,
    "email": send_email,
    "webhook": send_webhook,
    "slack": send_slack,
    "mattermost": send_slack,
    "teams": send_teams,
}


def send(alert: Alert, name: str, channel: Any, key: str | None = None) -> str:
    """Delivers alert on channel `name` (a channel model or its dict form); returns a short
    description of the receiver's answer, raises DeliveryError."""
    channel = parse_channel(channel)
    return _SENDERS[channel.type](alert, name, channel, key or delivery_key(alert, name))


def target(name: str, channel: Any) -> str:
    """Where the channel delivers, safe to show (for `veille alerts` listings)."""
    channel = parse_channel(channel)
    if channel.type == "log":
        return "log"
    if channel.type == "email":
        return f"smtp://{channel.smtp_host}:{channel.smtp_port} to {', '.join(channel.to)}"
    if channel.url_env:
        return f"${channel.url_env}"
    return redact_url(channel.url or "", secret=channel.type != "webhook")

