"""The usual Scrapy tools work from the repo: `scrapy list` and `scrapy check` (offline)."""

from __future__ import annotations

import os
import subprocess

from veille.settings import REPO_ROOT
from veille.sources import load_registry


def _scrapy(home, *args):
    env = {**os.environ, "VEILLE_HOME": str(home)}
    env.pop("VEILLE_MIRROR", None)
    return subprocess.run(["scrapy", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_scrapy_list_names_every_spider_sources_use(tmp_path):
    out = _scrapy(tmp_path, "list")
    assert out.returncode == 0, out.stderr
    spiders = set(out.stdout.split())
    needed = {s.spider_name for s in load_registry(REPO_ROOT / "sources.yaml").sources}
    assert needed <= spiders, f"missing spiders: {needed - spiders}"


def test_scrapy_check_passes_offline(tmp_path):
    out = _scrapy(tmp_path, "check")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "OK" in out.stderr
    assert "Ran 0 contracts" not in out.stderr
