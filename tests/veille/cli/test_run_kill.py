"""`veille run` killed with SIGKILL mid-round and restarted ends with exactly the items of an
uninterrupted run: nothing lost, nothing doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from veille.bus.sqlite_bus import SqliteBus


def _env(home: Path, mirror) -> dict[str, str]:
    return {**os.environ, "VEILLE_HOME": str(home), "VEILLE_MIRROR": mirror.env_value(), "VEILLE_LOG_LEVEL": "WARNING"}


def _export(env) -> list[dict]:
    out = subprocess.run(["veille", "export"], env=env, capture_output=True, text=True, timeout=120, check=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


def _comparable(docs: list[dict]) -> dict[str, tuple]:
    return {d["id"]: (d["title"], d["body"], d["published_at"], d["enrichment"]["language"]["code"]) for d in docs}


def test_sigkill_mid_round_then_restart_equals_uninterrupted_run(tmp_path, mirror):
    reference_env = _env(tmp_path / "reference", mirror)
    subprocess.run(["veille", "run", "--once"], env=reference_env, check=True, timeout=600, capture_output=True)
    reference = _comparable(_export(reference_env))
    assert len(reference) > 50

    env = _env(tmp_path / "killed", mirror)
    proc = subprocess.Popen(["veille", "run"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bus_path = tmp_path / "killed" / "bus.db"
    deadline = time.monotonic() + 120
    published = 0
    while time.monotonic() < deadline:
        if bus_path.exists():
            published = SqliteBus(bus_path).count("veille.raw")
            if published >= 15:
                break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 15 <= published < len(reference), f"kill did not land mid-round ({published} published)"

    subprocess.run(["veille", "run", "--once"], env=env, check=True, timeout=600, capture_output=True)
    after = _comparable(_export(env))
    lost = set(reference) - set(after)
    assert lost == set(), f"lost after the restart: {_where(tmp_path / 'killed', lost)}"
    assert set(after) - set(reference) == set(), "not in the uninterrupted run"
    changed = {k: (after[k], reference[k]) for k in after if after[k] != reference[k]}
    assert changed == {}
    _every_alert_delivered(tmp_path / "killed")


def _every_alert_delivered(home: Path) -> None:
    """Deliveries queued in the in-process broker die with the process; the restart must
    send them (delivery ledger) so no alert raised before the kill is left unsent."""
    from sinks.alerts.ledger import SqliteLedger
    from sinks.alerts.model import delivery_key
    from sinks.alerts.store import SqliteAlertStore

    alerts = [a for a in SqliteAlertStore(home / "alerts.db").recent(10_000) if a.status == "pending"]
    assert alerts, "the bundled rules raised no alert: the check proves nothing"
    keys = [delivery_key(a.digest_id or a.id, channel) for a in alerts for channel in a.channels]
    states = SqliteLedger(home / "alerts.db").status(keys)
    assert {k for k, v in states.items() if v != "delivered"} == set()


def _where(home: Path, ids: set[str]) -> str:
    """Where the lost items got to, for the failure message."""
    import sqlite3

    bus = sqlite3.connect(home / "bus.db")
    state = sqlite3.connect(home / "state.db")
    lines = [f"group offsets {list(bus.execute('SELECT * FROM group_offsets'))}"]
    for item_id in ids:
        lines.append(f"{item_id}: bus {list(bus.execute('SELECT offset, topic, ts FROM messages WHERE key=?', (item_id,)))}")
        lines.append(f"  seen {list(state.execute('SELECT first_seen FROM seen WHERE id=?', (item_id,)))}")
    lines.append(f"last raw {list(bus.execute('SELECT offset, key, ts FROM messages ORDER BY offset DESC LIMIT 3'))}")
    lines.append(f"rounds {list(state.execute('SELECT source, status, started, finished FROM rounds ORDER BY started'))}")
    return "\n".join(lines)
