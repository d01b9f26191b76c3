"""Issue 13, point 5: every channel payload stays under its service's limit, whatever the
scraped text holds (a 1 MiB title, a long summary, hundreds of reasons), and a non-http(s)
item URL is never sent as the webhook `url`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from sinks.alerts import channels
from sinks.alerts.model import Alert, WebhookChannel

MIB = 1 << 20


def _alert(**kw) -> Alert:
    base = dict(
        id="al-0123456789abcdef01234567", rule="mali-security", item_id="https://example.org/a/1",
        story_id="st-1", created_at=datetime(2024, 5, 2, 10, 0, tzinfo=UTC), severity=4,
        matched=["places"], reasons=["place: Ménaka (ML-9)"], channels=["hook"], title="Attaque à Ménaka",
        url="https://example.org/a/1", source="example", language="fr", summary="Des hommes armés.",
        places=["Ménaka"], event_types=["attack"], topics=["security"],
    )
    base.update(kw)
    return Alert(**base)


HUGE = _alert(title="Ménaka <@channel> " * (MIB // 18), summary="résumé & <x> " * 50_000,
              reasons=[f"raison {i} " + "x" * 2000 for i in range(500)], places=["P" * 500] * 300)


def test_slack_payload_within_40k_characters_and_3k_per_text() -> None:
    payload = channels.format_slack(HUGE)
    assert len(json.dumps(payload, ensure_ascii=False)) <= channels.SLACK_MAX_CHARS
    attachment = payload["attachments"][0]
    for text in (payload["text"], attachment["text"], attachment["title"], attachment["fallback"],
                 *(f["value"] for f in attachment["fields"])):
        assert len(text) <= channels.SLACK_MAX_TEXT
    assert attachment["title"].startswith("Ménaka") and "…" in attachment["title"]
    assert "<@channel>" not in json.dumps(payload)  # escaping survives the cut


def test_teams_card_within_28_kb() -> None:
    body = json.dumps(channels.format_teams(HUGE), ensure_ascii=False).encode()
    assert len(body) <= 28_000
    assert "Ménaka" in body.decode()


@pytest.mark.parametrize("max_bytes", [4096, 65_536, 262_144])
def test_webhook_body_within_the_channel_cap(max_bytes: int) -> None:
    body = channels.format_webhook(HUGE, "key", max_bytes)
    assert len(body) <= max_bytes
    payload = json.loads(body)
    assert payload["delivery_key"] == "key" and payload["title"].endswith("…")


def test_webhook_cap_is_a_channel_setting_with_a_default() -> None:
    assert WebhookChannel(type="webhook", url="https://h.test/").max_bytes == 262_144
    assert WebhookChannel(type="webhook", url="https://h.test/", max_bytes=8192).max_bytes == 8192


def test_small_alerts_are_sent_whole() -> None:
    alert = _alert()
    assert json.loads(channels.format_webhook(alert, "k", 4096))["title"] == alert.title
    assert channels.format_slack(alert)["attachments"][0]["title"] == "Attaque à Ménaka"


def test_email_subject_is_bounded_and_one_line() -> None:
    subject = channels.subject(HUGE)
    assert len(subject) <= channels.SUBJECT_MAX and "\n" not in subject and subject.endswith("…")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>x</script>",
                                 "file:///etc/passwd", "JAVASCRIPT:alert(1)"])
def test_a_non_http_url_is_never_sent_as_the_webhook_url(url: str) -> None:
    alert = _alert(url=url)
    assert json.loads(channels.format_webhook(alert, "k"))["url"] == ""
    assert json.loads(channels.format_webhook(alert, "k", 4096))["url"] == ""
    assert "title_link" not in channels.format_slack(alert)["attachments"][0]
    assert "actions" not in channels.format_teams(alert)["attachments"][0]["content"]
