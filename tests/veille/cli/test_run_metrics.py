"""`veille run` exposes Prometheus metrics for every stage, child rounds included, and stops
cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request

from tests.support.net import free_port


def _metric(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_cover_collection_processing_and_indexing(tmp_path, mirror):
    port = free_port()
    env = {**os.environ, "VEILLE_HOME": str(tmp_path), "VEILLE_MIRROR": mirror.env_value(),
           "VEILLE_METRICS_PORT": str(port), "VEILLE_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(["veille", "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 180
        text = ""
        while time.monotonic() < deadline:
            time.sleep(1)
            try:
                text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
            except OSError:
                continue
            if (_metric(text, "veille_stage_messages_total", stage="indexer", outcome="ok") >= 60
                    and _metric(text, "veille_items_collected_total", source="caj-news") >= 7):
                break
        assert _metric(text, "veille_items_collected_total", source="caj-news") == 7
        assert _metric(text, "veille_stage_messages_total", stage="processor", outcome="ok") >= 60
        assert _metric(text, "veille_stage_messages_total", stage="indexer", outcome="ok") >= 60
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "stopped;" in out
