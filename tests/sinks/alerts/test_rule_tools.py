"""The operators' rule tools, in process: `rules test` on the store with counts per rule and
per rule type (through the AlertEngine), `rules mute/unmute/list`, `alerts failed --json`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sinks.alerts.ledger import SqliteLedger
from sinks.alerts.model import Alert
from sinks.sqlite_store import SqliteStore
from tests.support.rule_streams import T0, rules_file, spreading, surge
from veille.cli import app
from veille.settings import ConfigError, reset_settings

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("VEILLE_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "60")
    for name in ("VEILLE_KAFKA_BOOTSTRAP", "VEILLE_ES_URL", "VEILLE_REDIS_URL", "VEILLE_RULES"):
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    yield home
    reset_settings()


def _json(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_rules_test_on_the_store_counts_per_rule_and_type(home: Path, tmp_path: Path) -> None:
    store = SqliteStore(home / "store.db")
    store.upsert([*spreading(True), *surge(True)])
    store.close()
    rules = str(rules_file(tmp_path))
    result = runner.invoke(app, ["rules", "test", "--rules", rules, "--json"])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    *decisions, last = _json(result.output)
    summary = last["summary"]
    assert summary["items"] == 3 + 14 + 6
    assert summary["per_rule"]["spreading"] == {"raised": 1}
    assert summary["per_rule"]["surge"] == {"raised": 1}
    assert summary["per_rule"]["new-group"] == {}
    assert summary["per_type"]["frequency"] == {"raised": 1}
    # rfi, maliweb, anadolu (one report each on day 0) and un-news (stops on day 13) go quiet
    assert summary["per_type"]["flatline"] == {"raised": 4}
    spread = [d for d in decisions if d["rule"] == "spreading"]
    assert spread[0]["reasons"][0].startswith("3 sources of this story within 2h")

    one = runner.invoke(app, ["rules", "test", "--rules", rules, "--rule", "surge", "--json"])
    assert set(_json(one.output)[-1]["summary"]["per_rule"]) == {"surge"}
    table = runner.invoke(app, ["rules", "test", "--rules", rules], env={"COLUMNS": "160"})
    assert "Counts per rule type" in table.output and "frequency" in table.output
    recent = runner.invoke(app, ["rules", "test", "--rules", rules, "--since", "7d", "--json"])
    assert _json(recent.output)[-1]["summary"]["items"] == 0  # collected in January
    assert not (home / "alerts.db").exists(), "a dry run keeps nothing"

    unknown = runner.invoke(app, ["rules", "test", "--rules", rules, "--rule", "spraeding"])
    assert isinstance(unknown.exception, ConfigError)
    assert "no rule 'spraeding'" in str(unknown.exception) and "spreading" in str(unknown.exception)


def test_mute_is_listed_kept_and_lifted(home: Path, tmp_path: Path) -> None:
    rules = str(rules_file(tmp_path))
    muted = runner.invoke(app, ["rules", "mute", "surge", "--for", "2h", "--rules", rules])
    assert muted.exit_code == 0 and "muted surge until" in muted.output, muted.output
    listed = {r["rule"]: r for r in _json(runner.invoke(
        app, ["rules", "list", "--rules", rules, "--json"]).output)}
    assert listed["surge"]["muted_until"] and listed["surge"]["type"] == "spike"
    assert listed["spreading"]["muted_until"] is None
    assert "unmuted surge" in runner.invoke(app, ["rules", "unmute", "surge"]).output
    assert "was not muted" in runner.invoke(app, ["rules", "unmute", "surge"]).output
    listed = {r["rule"]: r for r in _json(runner.invoke(
        app, ["rules", "list", "--rules", rules, "--json"]).output)}
    assert listed["surge"]["muted_until"] is None
    checked = _json(runner.invoke(app, ["rules", "check", rules, "--json", "--no-secrets"]).output)
    assert [(r["name"], r["type"]) for r in checked] == [
        ("spreading", "frequency"), ("surge", "spike"), ("new-group", "new_term"),
        ("quiet-source", "flatline")]
    bad = runner.invoke(app, ["rules", "mute", "surge", "--for", "soon", "--rules", rules])
    assert bad.exit_code == 2 and "not a duration" in bad.output


def test_alerts_failed_json_keys_paste_into_retry(home: Path) -> None:
    key = "al-0123456789abcdef01234567:team-chat-with-a-long-name"
    alert = Alert(id="al-0123456789abcdef01234567", rule="surge", item_id="i", story_id="s",
                  created_at=T0, channels=["team-chat-with-a-long-name"], title="t")
    ledger = SqliteLedger(home / "alerts.db")
    ledger.mark_failed(key, alert, "team-chat-with-a-long-name", "HTTP 500", 3, "slack")
    ledger.close()
    rows = _json(runner.invoke(app, ["alerts", "failed", "--json"]).output)
    assert [(r["key"], r["attempts"], r["rule"]) for r in rows] == [(key, 3, "surge")]
    table = runner.invoke(app, ["alerts", "failed"]).output  # 60 columns wide
    assert key in table.splitlines()[[i for i, line in enumerate(table.splitlines())
                                      if key[:20] in line][0]], "the key is on one line"
