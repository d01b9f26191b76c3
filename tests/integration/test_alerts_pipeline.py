"""Alerts in distributed mode, end to end on the real Kafka, Elasticsearch and Redis.

- The same attack reported by three sources in Arabic, French and English goes through
  `veille process` and `veille alert`: exactly one alert, delivered once to a local webhook
  (signed) and once to a local SMTP server, with the rule's reasons in it; the alert is in
  `<ns>-alerts` and on `<ns>.alerts`.
- kill -9 of `veille alert` in the middle of its batches, then a restart: every alert is
  raised, stored and delivered, none twice (deliveries run in their own Dramatiq worker, as
  deployed; the delivery ledger and the throttle claims make the replay harmless).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from processors.classify import Classifier
from sinks.alerts.channels import verify_signature
from tests.sinks.alerts.test_channels import SECRET, HttpReceiver, SmtpReceiver
from veille.bus.base import ALERTS, ENRICHED, RAW
from veille.bus.kafka_bus import KafkaBus
from veille.schema import Item
from veille.settings import REPO_ROOT

pytestmark = pytest.mark.integration

STORY = REPO_ROOT / "tests" / "fixtures" / "alerts_story.jsonl"


def _rules(path: Path, hook: HttpReceiver, smtp: SmtpReceiver | None, rule: str) -> Path:
    channels = {"hook": {"type": "webhook", "url": f"http://127.0.0.1:{hook.port}/hook",
                         "secret_env": "VEILLE_TEST_HOOK_SECRET"}}
    if smtp:
        channels["mail"] = smtp.channel()
    path.write_text(json.dumps({"channels": channels, "rules": [json.loads(rule)]}), encoding="utf-8")
    return path


def _bus(d) -> KafkaBus:
    return KafkaBus(d.env["VEILLE_KAFKA_BOOTSTRAP"], d.namespace, 3)


def _worker(d, env: dict[str, str]) -> subprocess.Popen:
    log = (d.home / f"worker-{len(d.procs)}.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "sinks.alerts.delivery", "--processes", "1",
         "--threads", "4", "--queues", "alerts"],
        cwd=REPO_ROOT, env={**d.env, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    d.procs.append(proc)
    return proc


def _alerts_in_index(d) -> list[dict]:
    alias = f"{d.namespace}-alerts"
    if not d.es.indices.exists_alias(name=alias):
        return []
    d.es.indices.refresh(index=alias)
    return [h["_source"] for h in d.es.search(index=alias, size=1000)["hits"]["hits"]]


def test_one_story_in_three_languages_gives_one_alert_on_webhook_and_email(distributed, tmp_path):
    hook, smtp = HttpReceiver(), SmtpReceiver()
    try:
        rules = _rules(tmp_path / "rules.yaml", hook, smtp, json.dumps({
            "name": "menaka-violence", "channels": ["hook", "mail"],
            "when": {"event_types": ["attack_on_civilians"], "places": {"admin1": ["Ménaka"]}}}))
        env = {"VEILLE_RULES": str(rules), "VEILLE_TEST_HOOK_SECRET": SECRET}
        bus = _bus(distributed)
        for line in STORY.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            bus.publish(RAW, item["id"], line.encode())
        bus.close()
        distributed.start("process", "--batch", "1")
        distributed.start("alert", "--batch", "1", env=env)
        distributed.wait_for(lambda: hook.delivered and smtp.messages, "the webhook and the email", 180)
        time.sleep(5)  # a second alert or a second delivery would arrive now

        assert len(hook.delivered) == 1, [r.json()["title"] for r in hook.delivered]
        got = hook.delivered[0]
        body = got.json()
        assert body["rule"] == "menaka-violence"
        assert body["item_id"] in {"t-fr-1", "t-en-1", "t-ar-1"}  # whichever came first
        assert any("attack_on_civilians" in r for r in body["reasons"])
        assert any("Ménaka" in r for r in body["reasons"])
        headers = {k.lower(): v for k, v in got.headers.items()}
        assert verify_signature(SECRET, headers["x-veille-timestamp"], got.body, headers["x-veille-signature"])
        assert headers["x-veille-delivery"] == f"{body['id']}:hook"

        assert len(smtp.messages) == 1
        mail = smtp.messages[0]
        assert "menaka-violence" in mail["subject"] and body["title"][:40] in mail["subject"]
        text = mail.get_body(("plain",)).get_content()
        assert body["url"] in text
        # the event type in words in the alert's language, not its id (issue 15)
        assert body["names"]["event_types"]["attack_on_civilians"] in text and "attack_on_civilians" not in text

        alerts = _alerts_in_index(distributed)
        assert [a["id"] for a in alerts] == [body["id"]]
        published = _bus(distributed).consumer(ALERTS, "test-reader").poll(100, 5.0)
        assert [m.key for m in published] == [body["id"]]
    finally:
        hook.close()
        smtp.close()


N_STORIES = 400


def _enriched_stories(n: int) -> list[bytes]:
    """n distinct stories that all match the rule (one classified item, n story ids)."""
    base = json.loads(STORY.read_text(encoding="utf-8").splitlines()[0])
    enriched = Classifier(None).enrich_many([Item.model_validate(base)])[0]
    out = []
    for k in range(n):
        e = enriched.enrichment.model_copy(update={"story_id": f"story-kill-{k:04d}"})
        out.append(enriched.model_copy(update={"id": f"kill-{k:04d}", "enrichment": e}).model_dump_json().encode())
    return out


def test_kill_9_of_the_alert_process_loses_none_and_doubles_none(distributed, tmp_path):
    hook = HttpReceiver()
    try:
        rules = _rules(tmp_path / "rules.yaml", hook, None, json.dumps({
            "name": "menaka-violence", "channels": ["hook"],
            "when": {"places": {"admin1": ["Ménaka"]}}}))
        env = {"VEILLE_RULES": str(rules), "VEILLE_TEST_HOOK_SECRET": SECRET}
        bus = _bus(distributed)
        for k, value in enumerate(_enriched_stories(N_STORIES)):
            bus.publish(ENRICHED, f"kill-{k:04d}", value)
        bus.flush()
        bus.close()
        _worker(distributed, env)
        alerter = distributed.start("alert", "--batch", "20", "--no-deliver", env=env)
        distributed.wait_for(lambda: len(hook.delivered) >= N_STORIES // 10, "the first deliveries", 180)
        os.killpg(alerter.pid, signal.SIGKILL)
        alerter.wait()
        at_kill = len(hook.delivered)
        assert at_kill < N_STORIES, "the alert stage finished before the kill; the test proves nothing"
        distributed.start("alert", "--batch", "20", "--no-deliver", env=env)
        distributed.wait_for(lambda: len(hook.delivered) >= N_STORIES, f"{N_STORIES} deliveries", 300)
        time.sleep(5)  # doubles would arrive now

        items = Counter(r.json()["item_id"] for r in hook.delivered)
        assert set(items) == {f"kill-{k:04d}" for k in range(N_STORIES)}
        assert max(items.values()) == 1, [i for i, n in items.items() if n > 1][:5]
        alerts = _alerts_in_index(distributed)
        assert len(alerts) == len({a["id"] for a in alerts}) == N_STORIES
    finally:
        hook.close()
