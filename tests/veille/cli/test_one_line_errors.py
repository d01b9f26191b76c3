"""Every server, URL and setting failure ends `veille` with one line naming the setting, its
value (a password redacted) and what to do, and a non-zero exit; never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _veille(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    base.update({"VEILLE_HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO)}, **env)
    return subprocess.run([sys.executable, "-m", "veille.cli", *args], env=base, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)


def _one_line(result: subprocess.CompletedProcess, code: int, *needles: str) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr and "╭" not in result.stderr, result.stderr
    assert len(lines) == 1, f"not one line:\n{result.stderr}"
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_bad_log_level(tmp_path):
    result = _veille(tmp_path, {"VEILLE_LOG_LEVEL": "LOUD"}, "process")
    _one_line(result, 2, "VEILLE_LOG_LEVEL='LOUD'", "DEBUG, INFO, WARNING, ERROR, CRITICAL")


def test_es_url_without_scheme(tmp_path):
    result = _veille(tmp_path, {"VEILLE_ES_URL": "localhost:9200"}, "search", "Kidal")
    _one_line(result, 2, "VEILLE_ES_URL='localhost:9200'", "http://localhost:9200")


@pytest.mark.parametrize("var, value", [("VEILLE_REDIS_URL", "http://localhost:6379"),
                                        ("VEILLE_KAFKA_BOOTSTRAP", "kafka://localhost:9092")])
def test_server_url_of_the_wrong_kind(tmp_path, var, value):
    _one_line(_veille(tmp_path, {var: value}, "process"), 2, f"{var}={value!r}", "e.g.")


def test_unwritable_home(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = _veille(tmp_path, {"VEILLE_HOME": str(blocker / "home")}, "search", "Kidal")
    _one_line(result, 2, f"VEILLE_HOME='{blocker / 'home'}'", "cannot write there", "set VEILLE_HOME")


def test_unreachable_elasticsearch_in_a_query(tmp_path):
    """A command that reaches Elasticsearch through its client (no pre-flight): the client's
    connection error becomes the one line, the URL's password redacted."""
    url = f"http://elastic:s3cret@127.0.0.1:{_closed_port()}"
    result = _veille(tmp_path, {"VEILLE_ES_URL": url}, "search", "Kidal")
    line = _one_line(result, 1, "cannot reach Elasticsearch", "VEILLE_ES_URL=", "elastic:***@",
                     "veille doctor")
    assert "s3cret" not in result.stderr + result.stdout, line


@pytest.mark.parametrize("command, var, value, server", [
    ("index", "VEILLE_ES_URL", "http://127.0.0.1:{port}", "Elasticsearch"),
    ("process", "VEILLE_KAFKA_BOOTSTRAP", "127.0.0.1:{port}", "Kafka"),
    ("crawl", "VEILLE_REDIS_URL", "redis://:s3cret@127.0.0.1:{port}/0", "Redis"),
])
def test_unreachable_server_stops_a_stage_at_start(tmp_path, command, var, value, server):
    port = _closed_port()
    env = {var: value.format(port=port)}
    if command == "index":  # the indexer reads Kafka too: give it a live port for that
        listener = socket.create_server(("127.0.0.1", 0))
        env["VEILLE_KAFKA_BOOTSTRAP"] = f"127.0.0.1:{listener.getsockname()[1]}"
    try:
        result = _veille(tmp_path, env, command)
    finally:
        if command == "index":
            listener.close()
    _one_line(result, 1, f"cannot reach {server}", f"{var}=", "connection refused", f"correct {var}")
    assert "s3cret" not in result.stderr


RULES_WITH_SECRETS = """\
channels:
  console: {type: log}
  team-chat: {type: slack, url_env: VEILLE_TEST_SLACK_URL}
  ops-mail: {type: email, to: [a@example.org], from: b@example.org, smtp_host: localhost,
             username_env: VEILLE_TEST_SMTP_USER, password_env: VEILLE_TEST_SMTP_PASSWORD}
defaults:
  channels: [console]
rules:
  - name: chat-rule
    when: {orgs: [jnim]}
    channels: [team-chat]
  - name: mail-rule
    enabled: false
    when: {orgs: [jnim]}
    channels: [ops-mail]
"""


def test_rules_check_fails_on_an_enabled_rules_missing_secret(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_WITH_SECRETS, encoding="utf-8")
    result = _veille(tmp_path, {"COLUMNS": "200"}, "rules", "check", str(rules))
    line = _one_line(result, 2, "channel team-chat needs VEILLE_TEST_SLACK_URL", "chat-rule", ".env")
    assert "SMTP" not in line, "a disabled rule's channel is not checked"
    ok = _veille(tmp_path, {"VEILLE_TEST_SLACK_URL": "https://hooks.slack.com/services/x"},
                 "rules", "check", str(rules))
    assert ok.returncode == 0, ok.stderr
    assert _veille(tmp_path, {}, "rules", "check", "--no-secrets", str(rules)).returncode == 0
