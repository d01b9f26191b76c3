"""`veille alerts retry` in the embedded default delivers at once (no `veille run` needed),
says what became of each delivery, and `--all` retries every failed one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sinks.alerts.ledger import SqliteLedger
from tests.sinks.alerts.test_channels import HttpReceiver, make_alert

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def receiver():
    r = HttpReceiver()
    yield r
    r.close()


def _setup(tmp_path: Path, receiver: HttpReceiver, n: int = 2) -> tuple[Path, list[str]]:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "channels:\n  console: {type: log}\n"
        f"  hook: {{type: webhook, url: 'http://127.0.0.1:{receiver.port}/hook'}}\n"
        "defaults:\n  channels: [console]\nrules:\n  - name: r\n    when: {orgs: [jnim]}\n"
        "    channels: [hook]\n", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    ledger = SqliteLedger(home / "alerts.db")
    keys = []
    for i in range(n):
        key = f"al-{i}:hook"
        ledger.mark_failed(key, make_alert(id=f"al-{i}", channels=["hook"]), "hook", "HTTP 503", 5,
                           channel_type="webhook")
        keys.append(key)
    ledger.close()
    return rules, keys


def _veille(tmp_path: Path, rules: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    env.update(VEILLE_HOME=str(tmp_path / "home"), VEILLE_RULES=str(rules), PYTHONPATH=str(REPO),
               VEILLE_ALLOW_PRIVATE_HOSTS="1", COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "veille.cli", *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)


def test_retry_delivers_at_once_in_the_embedded_default(tmp_path, receiver):
    rules, keys = _setup(tmp_path, receiver)
    out = _veille(tmp_path, rules, "alerts", "retry", keys[0])
    assert out.returncode == 0, out.stderr
    assert f"delivered {keys[0]}" in out.stdout
    assert len(receiver.delivered) == 1
    failed = _veille(tmp_path, rules, "alerts", "failed")
    assert keys[1] in failed.stdout and keys[0] not in failed.stdout


def test_retry_all_and_a_failure_again(tmp_path, receiver):
    rules, keys = _setup(tmp_path, receiver, n=3)
    receiver.default = 503
    out = _veille(tmp_path, rules, "alerts", "retry", "--all")
    assert out.returncode == 1
    assert out.stdout.count("failed again") == 3, out.stdout
    assert "Traceback" not in out.stderr
    assert all(k in _veille(tmp_path, rules, "alerts", "failed").stdout for k in keys)
    receiver.default = 200
    out = _veille(tmp_path, rules, "alerts", "retry", "--all")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count("delivered") == 3
    assert len(receiver.delivered) == 3
    assert "no failed delivery" in _veille(tmp_path, rules, "alerts", "retry", "--all").stdout


def test_retry_needs_a_key_or_all(tmp_path, receiver):
    rules, _ = _setup(tmp_path, receiver, n=0)
    out = _veille(tmp_path, rules, "alerts", "retry")
    assert out.returncode == 2 and "--all" in out.stderr
