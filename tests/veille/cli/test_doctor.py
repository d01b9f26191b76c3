"""`veille doctor`: a table of config, servers and channels; exit 1 when a check fails."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.sinks.alerts.test_channels import HttpReceiver, SmtpReceiver

REPO = Path(__file__).resolve().parents[3]


def _doctor(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    base.update({"VEILLE_HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO), "COLUMNS": "250"},
                **env)
    return subprocess.run([sys.executable, "-m", "veille.cli", "doctor", *args], env=base,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)


def _row(out: str, check: str) -> str:
    return next(line for line in out.splitlines() if f"│ {check} " in line)


def test_embedded_default_is_healthy(tmp_path):
    out = _doctor(tmp_path, {})
    assert out.returncode == 0, out.stdout + out.stderr
    for check in ("settings", "sources", "rules", "demo sites", "channel console (log)"):
        assert "ok" in _row(out.stdout, check), check
    assert "embedded" in _row(out.stdout, "Kafka")


def test_doctor_reports_servers_secrets_and_reachability(tmp_path):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    es_port = closed.getsockname()[1]
    closed.close()
    smtp, hook = SmtpReceiver(), HttpReceiver()
    try:
        rules = tmp_path / "rules.yaml"
        rules.write_text(
            "channels:\n  console: {type: log}\n"
            f"  mail: {{type: email, to: [a@example.org], smtp_host: 127.0.0.1, smtp_port: {smtp.port}}}\n"
            f"  hook: {{type: webhook, url: 'http://127.0.0.1:{hook.port}/h', secret_env: VEILLE_TEST_HOOK_SECRET}}\n"
            "  chat: {type: slack, url_env: VEILLE_TEST_CHAT_URL}\n"
            "defaults:\n  channels: [console]\nrules:\n"
            "  - {name: a, when: {orgs: [jnim]}, channels: [mail, hook, chat]}\n", encoding="utf-8")
        env = {"VEILLE_RULES": str(rules), "VEILLE_TEST_HOOK_SECRET": "x",
               "VEILLE_ES_URL": f"http://elastic:s3cret@127.0.0.1:{es_port}"}
        out = _doctor(tmp_path, env, "--send-test")
        assert out.returncode == 1, out.stdout + out.stderr
        assert "FAIL" in _row(out.stdout, "Elasticsearch") and "s3cret" not in out.stdout
        assert "FAIL" in _row(out.stdout, "channel chat (slack)")
        assert "VEILLE_TEST_CHAT_URL" in _row(out.stdout, "channel chat (slack)")
        assert f"127.0.0.1:{smtp.port} answers" in _row(out.stdout, "channel mail (email)")
        assert f"127.0.0.1:{hook.port} answers" in _row(out.stdout, "channel hook (webhook)")
        assert not hook.received, "--send-test connects, it does not post"
        smtp.close()
        smtp = None
        out = _doctor(tmp_path, env, "--send-test")
        assert "FAIL" in _row(out.stdout, "channel mail (email)")
        assert "--send-test" in _row(_doctor(tmp_path, env).stdout, "channel hook (webhook)")
    finally:
        hook.close()
        if smtp is not None:
            smtp.close()
