"""Channel formatters (escaping, signatures) and real sends to local HTTP and SMTP servers.

The receivers here (`HttpReceiver`, `SmtpReceiver`, `make_alert`) are also used by
test_delivery.py and tests/integration/test_alert_delivery.py.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from sinks.alerts import channels
from sinks.alerts.channels import ChannelConfigError, DeliveryError, verify_signature
from sinks.alerts.model import Alert, EmailChannel, delivery_key
from tests.support.net import free_port
from tests.support.receiver import WebhookReceiver

TOKEN = "XyZzY-s3cr3t-T0KEN"
SECRET = "hmac-secret-4f9a"


def make_alert(**kw) -> Alert:
    base = dict(
        id="al-0123456789abcdef01234567", rule="mali-security", item_id="https://example.org/a/1",
        story_id="st-1", created_at=datetime(2024, 5, 2, 10, 0, tzinfo=UTC), severity=4,
        matched=["places", "event_types"], reasons=["place: Ménaka (ML-9)", "event: attack"],
        channels=["hook"], title="Attaque à Ménaka", url="https://example.org/a/1", source="example",
        language="fr", summary="Des hommes armés ont attaqué un poste.", places=["Ménaka"],
        event_types=["attack"], topics=["security"],
    )
    base.update(kw)
    return Alert(**base)


# -- receivers ------------------------------------------------------------------------------
@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self) -> dict:
        return json.loads(self.body)


class HttpReceiver(WebhookReceiver):
    """bench's webhook receiver, started at once, seen as the tests want it: raw bodies,
    `default` for the status after `script`, and a URL shaped like a Slack hook."""

    def __init__(self, script: list[int] | None = None, default: int = 200,
                 answer: bytes = b'{"ok":true}', pause: float = 0.0) -> None:
        super().__init__(status=default, script=script, answer=answer, pause=pause)
        self.start()

    @property
    def default(self) -> int:
        return self.status

    @default.setter
    def default(self, value: int) -> None:
        self.status = value

    @property
    def url(self) -> str:
        """A URL shaped like a Slack hook: the token in the path and in the query."""
        return f"http://127.0.0.1:{self.port}/services/T000/{TOKEN}?token={TOKEN}"

    @property
    def received(self) -> list[Received]:
        return [Received(d.path, d.headers, d.raw, d.status) for d in self.deliveries]

    @property
    def delivered(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]

    def close(self) -> None:
        self.stop()


class SmtpReceiver:
    """aiosmtpd on a free port; `messages` are the parsed emails, `envelopes` the raw ones.
    `refuse` makes RCPT TO answer 550 for that address; `data_status` answers DATA with it."""

    def __init__(self, login: tuple[str, str] | None = None) -> None:
        self.envelopes: list = []
        self.refuse: set[str] = set()
        self.data_status: list[str] = []
        receiver = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
                if address in receiver.refuse:
                    return "550 5.1.1 no such mailbox here"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                if receiver.data_status:
                    return receiver.data_status.pop(0)
                receiver.envelopes.append(envelope)
                return "250 Message accepted"

        kwargs: dict = {}
        if login:
            def authenticator(server, session, envelope, mechanism, auth_data):
                ok = (auth_data.login.decode(), auth_data.password.decode()) == login
                return AuthResult(success=ok, handled=False)

            kwargs = {"authenticator": authenticator, "auth_require_tls": False}
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=free_port(), **kwargs)
        self.controller.start()

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes]

    def channel(self, **kw) -> dict:
        return {"type": "email", "to": ["ops@example.org"], "from": "veille@example.org",
                "smtp_host": "127.0.0.1", "smtp_port": self.port, "timeout": 5, **kw}

    def close(self) -> None:
        self.controller.stop()


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    r = HttpReceiver()
    yield r
    r.close()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    s = SmtpReceiver()
    yield s
    s.close()


def parts(msg: email.message.EmailMessage) -> dict[str, str]:
    return {p.get_content_type(): p.get_content() for p in msg.walk() if not p.is_multipart()}


# -- formatters -----------------------------------------------------------------------------
def test_email_format_escapes_html_and_keeps_the_subject_on_one_line() -> None:
    alert = make_alert(title="<script>alert(1)</script>\r\nBcc: victim@example.org", summary='a "b" & <i>c</i>')
    channel = EmailChannel(type="email", to=["ops@example.org"])
    key = delivery_key(alert, "mail")
    msg = channels.format_email(alert, channel, key)

    assert msg.get_content_type() == "multipart/alternative"
    assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]
    assert msg["Subject"].startswith("[veille] mali-security: <script>")
    assert msg["Bcc"] is None
    assert msg["X-Veille-Delivery"] == key
    assert msg["Message-ID"] == channels.message_id(key)
    body = parts(msg)
    assert "<script>" not in body["text/html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body["text/html"]
    assert "a &#34;b&#34; &amp; &lt;i&gt;c&lt;/i&gt;" in body["text/html"]
    assert "<script>alert(1)</script>" in body["text/plain"]  # plain text shows it as it is
    assert "Ménaka" in body["text/plain"] and "- event: attack" in body["text/plain"]


def test_email_html_links_only_http_urls() -> None:
    alert = make_alert(url="javascript:alert(1)")
    html = parts(channels.format_email(alert, EmailChannel(type="email", to=["a@b.c"]), "k"))["text/html"]
    assert "href" not in html


def test_webhook_body_and_signature_verify() -> None:
    alert = make_alert()
    key = delivery_key(alert, "hook")
    body = channels.format_webhook(alert, key)
    payload = json.loads(body)
    assert payload["delivery_key"] == key
    assert payload["id"] == alert.id and payload["created_at"] == "2024-05-02T10:00:00Z"

    ts = str(int(time.time()))
    headers = channels.webhook_headers(key, body, SECRET, ts)
    assert headers["X-Veille-Delivery"] == key
    sig = headers["X-Veille-Signature"]
    assert sig.startswith("sha256=") and len(sig) == 7 + 64
    assert verify_signature(SECRET, ts, body, sig)
    assert not verify_signature("other secret", ts, body, sig)
    assert not verify_signature(SECRET, ts, body + b" ", sig)
    assert not verify_signature(SECRET, str(int(ts) + 1), body, sig)
    old = str(int(time.time()) - 3600)
    assert not verify_signature(SECRET, old, body, channels.sign(SECRET, old, body))
    assert verify_signature(SECRET, old, body, channels.sign(SECRET, old, body), max_age=None)
    assert "X-Veille-Signature" not in channels.webhook_headers(key, body, None)


def test_slack_payload_escapes_mrkdwn_and_mentions() -> None:
    alert = make_alert(title="<!channel> Tom & Jerry > @here", rule="r<1>", url="https://x.org/a?b=1&c=<2>|3",
                       reasons=["<@U123> said"])
    payload = channels.format_slack(alert)
    text = json.dumps(payload, ensure_ascii=False)
    assert "<!channel>" not in text and "<@U123>" not in text
    assert "&lt;!channel&gt; Tom &amp; Jerry &gt;" in payload["text"]
    assert "@here" not in text  # Mattermost would notify the whole channel
    assert "[veille] r&lt;1&gt;: " in payload["text"]
    assert "<https://x.org/a?b=1&amp;c=%3C2%3E%7C3|" in payload["text"]
    att = payload["attachments"][0]
    assert att["color"] == "#607d8b" and att["title_link"] == alert.url  # severity 4 of 100: low
    assert {f["title"] for f in att["fields"]} >= {"Lieux", "Source"}  # a French alert
    unsafe = channels.format_slack(make_alert(url="javascript:alert(1)"))
    assert "javascript" not in unsafe["text"] and "title_link" not in unsafe["attachments"][0]


def test_a_summary_keeps_its_lines() -> None:
    alert = make_alert(summary="• <b>first</b>\n• second & third")
    assert "\n• &lt;b&gt;first&lt;/b&gt;\n• second &amp; third\n" in channels.format_slack(alert)["attachments"][0]["text"]
    html = parts(channels.format_email(alert, EmailChannel(type="email", to=["a@b.c"]), "k"))["text/html"]
    assert ">• &lt;b&gt;first&lt;/b&gt;<br>• second &amp; third</p>" in html
    summary = channels.format_teams(alert)["attachments"][0]["content"]["body"][3]["items"][0]["text"]
    assert summary == "• <b>first</b>\n\n• second & third".replace("<", "\\<").replace(">", "\\>")


def test_teams_payload_is_an_adaptive_card_envelope() -> None:
    payload = channels.format_teams(make_alert(title="[click](https://evil.example) **now**"))
    assert payload["type"] == "message"
    att = payload["attachments"][0]
    assert att["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = att["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    title = card["body"][1]["items"][0]["text"]  # escaped, then linked to the report
    assert title == r"[\[click\]\(https://evil\.example\) \*\*now\*\*](https://example.org/a/1)"
    assert card["actions"][0] == {"type": "Action.OpenUrl", "title": "Lire l'article", "url": "https://example.org/a/1"}


def test_log_channel_logs_one_line_and_prints_a_clean_block(capsys, caplog) -> None:
    alert = make_alert(title="Title\x1b[31m red\nsecond line")
    with caplog.at_level(logging.INFO, logger="sinks.alerts.channels"):
        assert channels.send(alert, "console", {"type": "log"}) == "printed"
    out = capsys.readouterr().out
    assert "\x1b" not in out and "ALERT mali-security · severity 4" in out
    assert "Title [31m red second line" in out and "- place: Ménaka (ML-9)" in out
    [record] = caplog.records
    assert record.levelno == logging.INFO and "\n" not in record.getMessage()


def test_redact_url() -> None:
    url = f"https://user:pw@hooks.example.com:8443/services/T0/{TOKEN}?token={TOKEN}#frag"
    assert channels.redact_url(url) == "https://hooks.example.com:8443/…"
    assert channels.redact_url(url, secret=False) == f"https://hooks.example.com:8443/services/T0/{TOKEN}?…"
    assert channels.redact_url("not a url") == "(unparseable URL)"


# -- real sends over HTTP -------------------------------------------------------------------
def test_webhook_post_is_signed_and_carries_the_delivery_key(receiver, monkeypatch) -> None:
    monkeypatch.setenv("TEST_HOOK_SECRET", SECRET)
    alert = make_alert()
    answer = channels.send(alert, "hook", {"type": "webhook", "url": receiver.url, "secret_env": "TEST_HOOK_SECRET"})
    assert answer == "HTTP 200"
    [req] = receiver.received
    assert req.path == f"/services/T000/{TOKEN}?token={TOKEN}"
    key = delivery_key(alert, "hook")
    assert req.headers["Content-Type"] == "application/json"
    assert req.headers["X-Veille-Delivery"] == key
    assert verify_signature(SECRET, req.headers["X-Veille-Timestamp"], req.body, req.headers["X-Veille-Signature"])
    assert req.json() == {**alert.model_dump(mode="json"), "delivery_key": key,
                          **channels.webhook_words(alert)}
    assert req.json()["severity_band"] == "low" and req.json()["names"]["topics"] == {"security": "Sécurité"}


def test_slack_mattermost_and_teams_post_to_the_url_from_the_environment(receiver, monkeypatch) -> None:
    monkeypatch.setenv("TEST_CHAT_URL", receiver.url)
    for ctype in ("slack", "mattermost", "teams"):
        assert channels.send(make_alert(), "chat", {"type": ctype, "url_env": "TEST_CHAT_URL"}) == "HTTP 200"
    slack, mattermost, teams = (r.json() for r in receiver.received)
    assert slack == mattermost and "attachments" in slack
    assert teams["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"


def test_http_failure_says_channel_status_and_body_without_the_secret_url(receiver, monkeypatch, caplog) -> None:
    monkeypatch.setenv("TEST_CHAT_URL", receiver.url)
    receiver.default, receiver.answer = 500, b"upstream exploded: " + b"x" * 500
    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as err:
        channels.send(make_alert(), "ops-chat", {"type": "slack", "url_env": "TEST_CHAT_URL"})
    message = str(err.value)
    assert message.startswith(f"channel 'ops-chat' (slack) → http://127.0.0.1:{receiver.port}/…: HTTP 500: upstream exploded: xxx")
    assert len(err.value.cause) == len("HTTP 500: ") + 200
    assert not err.value.permanent
    assert TOKEN not in message and TOKEN not in caplog.text and "services/T000" not in message

    receiver.default, receiver.answer = 404, b"no_service"
    with pytest.raises(DeliveryError) as err:
        channels.send(make_alert(), "ops-chat", {"type": "slack", "url_env": "TEST_CHAT_URL"})
    assert err.value.permanent and "HTTP 404: no_service" in str(err.value)

    receiver.default = 429
    with pytest.raises(DeliveryError) as err:
        channels.send(make_alert(), "ops-chat", {"type": "slack", "url_env": "TEST_CHAT_URL"})
    assert not err.value.permanent


def test_a_plain_webhook_url_shows_its_path_but_not_its_query(receiver) -> None:
    receiver.default = 503
    with pytest.raises(DeliveryError) as err:
        channels.send(make_alert(), "hook", {"type": "webhook", "url": receiver.url})
    assert f"→ http://127.0.0.1:{receiver.port}/services/T000/" in str(err.value)
    assert f"token={TOKEN}" not in str(err.value)


def test_redirects_are_not_followed(receiver) -> None:
    receiver.default = 302
    with pytest.raises(DeliveryError) as err:
        channels.send(make_alert(), "hook", {"type": "webhook", "url": receiver.url})
    assert err.value.permanent and "redirect" in str(err.value)
    assert len(receiver.received) == 1


def test_connection_refused_is_a_retryable_error_naming_the_target(monkeypatch) -> None:
    port = free_port()
    monkeypatch.setenv("TEST_CHAT_URL", f"http://127.0.0.1:{port}/hook/{TOKEN}")
    with pytest.raises(DeliveryError) as err:
        channels.send(make_alert(), "team", {"type": "teams", "url_env": "TEST_CHAT_URL", "timeout": 2})
    assert str(err.value) == f"channel 'team' (teams) → http://127.0.0.1:{port}/…: connection refused"
    assert not err.value.permanent


def test_missing_environment_variables_are_named(monkeypatch) -> None:
    monkeypatch.delenv("NOPE_URL", raising=False)
    monkeypatch.delenv("NOPE_SECRET", raising=False)
    with pytest.raises(ChannelConfigError) as err:
        channels.send(make_alert(), "ops-slack", {"type": "slack", "url_env": "NOPE_URL"})
    assert "channel 'ops-slack' (slack)" in str(err.value)
    assert "environment variable NOPE_URL is not set" in str(err.value) and err.value.permanent
    with pytest.raises(ChannelConfigError, match="environment variable NOPE_SECRET is not set"):
        channels.send(make_alert(), "hook", {"type": "webhook", "url": "http://127.0.0.1:9/", "secret_env": "NOPE_SECRET"})
    with pytest.raises(ChannelConfigError, match="no url or url_env"):
        channels.send(make_alert(), "hook", {"type": "webhook"})
    monkeypatch.setenv("NOPE_URL", f"ftp://example.org/{TOKEN}")
    with pytest.raises(ChannelConfigError, match="environment variable NOPE_URL is not an http") as err:
        channels.send(make_alert(), "hook", {"type": "webhook", "url_env": "NOPE_URL"})
    assert TOKEN not in str(err.value)


# -- real sends over SMTP -------------------------------------------------------------------
def test_email_reaches_the_smtp_server_with_text_and_escaped_html(smtp) -> None:
    alert = make_alert(title="<script>alert('x')</script> at Gao\nX-Injected: yes")
    answer = channels.send(alert, "mail", smtp.channel(to=["ops@example.org", "desk@example.org"]))
    assert answer == "sent to 2 recipient(s)"
    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == ["ops@example.org", "desk@example.org"]
    assert envelope.mail_from == "veille@example.org"
    [msg] = smtp.messages
    # (the email package may fold a long subject right after "Subject:"; readers unfold it)
    assert msg["Subject"].strip() == "[veille] mali-security: <script>alert('x')</script> at Gao X-Injected: yes"
    assert msg["X-Injected"] is None
    assert msg["X-Veille-Delivery"] == delivery_key(alert, "mail")
    assert msg["Message-ID"] == channels.message_id(delivery_key(alert, "mail"))
    body = parts(msg)
    assert set(body) == {"text/plain", "text/html"}
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body["text/html"]
    assert "<script>" not in body["text/html"]
    assert "Des hommes armés" in body["text/plain"] and "Ménaka" in body["text/html"]


def test_email_login_reads_credentials_from_the_environment(monkeypatch) -> None:
    server = SmtpReceiver(login=("veille", "pa55word"))
    try:
        monkeypatch.setenv("TEST_SMTP_USER", "veille")
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "pa55word")
        config = server.channel(username_env="TEST_SMTP_USER", password_env="TEST_SMTP_PASSWORD")
        channels.send(make_alert(), "mail", config)
        assert len(server.envelopes) == 1
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong-pa55word")
        with pytest.raises(DeliveryError) as err:
            channels.send(make_alert(), "mail", config)
        assert err.value.permanent and "SMTP login refused: 535" in str(err.value)
        assert "wrong-pa55word" not in str(err.value)
        monkeypatch.delenv("TEST_SMTP_PASSWORD")
        with pytest.raises(ChannelConfigError, match="TEST_SMTP_PASSWORD is not set"):
            channels.send(make_alert(), "mail", config)
    finally:
        server.close()


def test_smtp_errors_are_reported_with_their_code(smtp) -> None:
    smtp.refuse.add("nobody@example.org")
    with pytest.raises(DeliveryError) as err:
        channels.send(make_alert(), "mail", smtp.channel(to=["nobody@example.org"]))
    assert err.value.permanent
    assert "recipients refused: nobody@example.org: 550 5.1.1 no such mailbox here" in str(err.value)
    assert f"smtp://127.0.0.1:{smtp.port} to nobody@example.org" in str(err.value)

    smtp.data_status.append("451 4.3.0 try again later")
    with pytest.raises(DeliveryError) as err:
        channels.send(make_alert(), "mail", smtp.channel())
    assert not err.value.permanent and "SMTP error 451 4.3.0 try again later" in str(err.value)

    with pytest.raises(DeliveryError, match="connection refused"):
        channels.send(make_alert(), "mail", smtp.channel(smtp_port=free_port()))
