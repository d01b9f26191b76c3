"""The operators' commands, run as operators run them: `veille rules …` and `veille alerts …`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from veille.settings import REPO_ROOT

STORY = REPO_ROOT / "tests" / "fixtures" / "alerts_story.jsonl"


def _veille(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VEILLE_HOME": str(home), "COLUMNS": "200"}
    for name in ("VEILLE_KAFKA_BOOTSTRAP", "VEILLE_ES_URL", "VEILLE_REDIS_URL", "VEILLE_RULES"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "veille.cli", *args], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)


def test_rules_check_lists_the_bundled_rules(tmp_path: Path) -> None:
    out = _veille(tmp_path, "rules", "check")
    assert out.returncode == 0, out.stderr
    assert "valid" in out.stdout and "violence-centre-north" in out.stdout
    assert "1 per story / 12h" in out.stdout and "digest every 1h" in out.stdout


def test_rules_check_names_the_rule_and_key_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("channels: {console: {type: log}}\nrules:\n  - name: x\n    channels: [console]\n"
                   "    when: {serverity_at_least: 60}\n", encoding="utf-8")
    out = _veille(tmp_path, "rules", "check", str(bad))
    assert out.returncode == 2
    message = " ".join(out.stderr.split())
    assert "rule 'x'" in message and "serverity_at_least" in message


def test_rules_test_is_a_dry_run_with_reasons_and_throttling(tmp_path: Path) -> None:
    out = _veille(tmp_path, "rules", "test", str(STORY), "--rules", "rules.yaml", "--json")
    assert out.returncode == 0, out.stderr
    *rows, summary = [json.loads(line) for line in out.stdout.splitlines()]
    violence = [r for r in rows if r["rule"] == "violence-centre-north"]
    assert [r["outcome"] for r in violence] == [
        "alert", "throttled (story of t-fr-1)", "throttled (story of t-fr-1)"]
    assert any("attack_on_civilians" in reason for reason in violence[0]["reasons"])
    assert not (tmp_path / "alerts.db").exists(), "a dry run stores nothing"
    counts = summary["summary"]["per_rule"]["violence-centre-north"]
    assert counts == {"raised": 1, "throttled": 2}
    assert summary["summary"]["per_type"]["any"]["throttled"] >= 2


def test_alerts_list_and_failed_on_a_fresh_home(tmp_path: Path) -> None:
    listed = _veille(tmp_path, "alerts", "list", "--json")
    assert listed.returncode == 0 and listed.stdout == "", listed.stderr
    failed = _veille(tmp_path, "alerts", "failed")
    assert failed.returncode == 0 and "Failed deliveries: 0" in failed.stdout
    retry = _veille(tmp_path, "alerts", "retry", "al-nothing:console")
    assert retry.returncode == 2 and "no failed delivery" in retry.stderr
