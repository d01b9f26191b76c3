"""`veille demo`, run as a user runs it: every source collected, nothing stored twice, seeds right."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.sites import all_source_keys, expected_id, expected_items

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def _veille(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VEILLE_HOME": str(home)}
    env.pop("VEILLE_MIRROR", None)
    return subprocess.run(["veille", *args], env=env, capture_output=True, text=True, timeout=300)


def _export(home: Path) -> dict[str, dict]:
    out = _veille(home, "export", "--format", "jsonl")
    assert out.returncode == 0, out.stderr
    return {d["id"]: d for d in map(json.loads, out.stdout.splitlines())}


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo")
    first = _veille(home, "demo", "--home", str(home))
    assert first.returncode == 0, first.stdout + first.stderr
    return home, first.stdout


def test_demo_collects_every_source_without_errors(demo_home):
    home, stdout = demo_home
    items = _export(home)
    by_source: dict[str, int] = {}
    for doc in items.values():
        by_source[doc["source"]] = by_source.get(doc["source"], 0) + 1
    for key in all_source_keys():
        assert by_source.get(key, 0) >= 3, f"{key}: {by_source.get(key, 0)} items"
        assert key in stdout


def _alerts(home: Path) -> list[dict]:
    out = _veille(home, "alerts", "list", "--json", "--limit", "10000")
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_demo_prints_the_alerts_it_raised_with_their_reasons(demo_home):
    home, stdout = demo_home
    alerts = _alerts(home)
    rules = {a["rule"] for a in alerts}
    assert {"violence-centre-north", "armed-groups", "un-peacekeeping"} <= rules
    assert "Alerts raised (rules.yaml)" in stdout
    # one rule of each type beyond one item fires on the recorded sites, and is printed
    assert {"frequency", "spike", "new_term", "flatline"} <= {a["rule_type"] for a in alerts}
    assert "Raised by rules beyond one item" in stdout
    assert all(name in stdout for name in ("story-spreading", "region-surge", "un-quiet"))
    # the console channel printed each delivered alert, its reasons with their evidence
    assert stdout.count("ALERT violence-centre-north") >= 5
    assert "- event_types: " in stdout and "- places: " in stdout
    for a in alerts:
        assert a["reasons"], a["id"]
        assert a["delivery"] in {"delivered", "delivered (digest)", "suppressed"}, (a["id"], a["delivery"])


def test_demo_twice_stores_nothing_twice(demo_home):
    home, _ = demo_home
    before = _export(home)
    bus_before = _raw_count(home)
    alerts_before = sorted(a["id"] for a in _alerts(home))
    second = _veille(home, "demo", "--home", str(home))
    assert second.returncode == 0, second.stdout + second.stderr
    after = _export(home)
    assert sorted(after) == sorted(before)
    assert _raw_count(home) == bus_before, "the second round republished unchanged items"
    assert sorted(a["id"] for a in _alerts(home)) == alerts_before, "an alert was raised twice"


def _raw_count(home: Path) -> int:
    from veille.bus.sqlite_bus import SqliteBus

    return SqliteBus(home / "bus.db").count("veille.raw")


def _seed_entries():
    out = []
    for key in all_source_keys():
        for entry in expected_items(key)["items"]:
            if entry.get("seed"):
                out.append((key, entry))
    return out


def test_all_five_seeds_have_an_expected_page():
    seeds = {e["seed"] for _, e in _seed_entries()}
    assert seeds == {"000", "001", "002", "003", "004"}


@pytest.mark.parametrize(("source", "entry"), _seed_entries(), ids=lambda v: v if isinstance(v, str) else v["seed"])
def test_seed_is_stored_correctly(demo_home, source, entry):
    home, _ = demo_home
    items = _export(home)
    item_id = expected_id(entry)
    doc = items[item_id]
    assert doc["title"] == entry["title"]
    assert doc["enrichment"]["language"]["code"] == entry["lang"]
    assert doc["issuer"] == entry["issuer"]
    assert datetime.fromisoformat(doc["published_at"]).date().isoformat() == str(entry["published"])[:10]
    if "symbol" in entry:
        assert doc["symbol"] == entry["symbol"]
    assert entry["body_contains"] in doc["body"]
    if SEEDS.is_dir():  # shared/ beside the repo: compare with the seed itself
        seed_file = next(SEEDS.glob(f"{entry['seed']}_*.txt"))
        # The stored body holds the seed's text: its longest line appears in it, whitespace aside.
        # (List bullets "•" of the seed are <li> items on the page, without the character.)
        longest = max(seed_file.read_text(encoding="utf-8").splitlines(), key=len).strip().lstrip("•")
        assert " ".join(longest.split())[:200] in " ".join(doc["body"].split())
