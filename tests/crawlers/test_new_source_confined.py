"""Issue 13, point 6: `veille sources new` writes only inside the fixture folder (and its one
test module), and refuses bad keys and URLs in one line, leaving nothing behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from veille.settings import REPO_ROOT


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copy(REPO_ROOT / "sources.yaml", tmp_path / "sources.yaml")
    return tmp_path


def _new(tree: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VEILLE_SOURCES": str(tree / "sources.yaml"), "VEILLE_HOME": str(tree / "home"),
           "COLUMNS": "300"}
    env.pop("VEILLE_MIRROR", None)
    return subprocess.run([sys.executable, "-m", "veille.cli", "sources", "new", *args, "--root", str(tree)],
                          env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def _refused(tree: Path, result: subprocess.CompletedProcess, *words: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output and len(output.strip().splitlines()) == 1, output
    for word in words:
        assert word in output, output
    assert _files(tree) == {tree / "sources.yaml"}  # nothing written
    assert (tree / "sources.yaml").read_bytes() == (REPO_ROOT / "sources.yaml").read_bytes()


@pytest.mark.parametrize("url", [
    "https://h.test/../../../../x.xml",
    "https://h.test/feed/../../../etc/x.xml",
    "https://h.test/a/%2e%2e/%2E%2E/x.xml",
    "https://h.test/./feed.xml",
    "https://h.test/a\\..\\..\\x.xml",
])
def test_a_url_with_dot_segments_is_refused(tree: Path, url: str) -> None:
    _refused(tree, _new(tree, "trav-src", "--kind", "rss", "--url", url), "--url", "'..'")


@pytest.mark.parametrize(("key", "words"), [
    ("k" * 300, ["300 characters", "at most 64"]),
    ("k" * 65, ["65 characters", "at most 64"]),
    ("../evil", ["invalid key", "lower-case letters"]),
    ("Evil", ["invalid key"]),
    ("a/b", ["invalid key"]),
])
def test_bad_keys_are_refused_in_one_line(tree: Path, key: str, words: list[str]) -> None:
    _refused(tree, _new(tree, key, "--kind", "rss", "--url", "https://h.test/feed/"), *words)


def test_a_path_segment_too_long_for_the_disk_is_one_line(tree: Path) -> None:
    _refused(tree, _new(tree, "long-seg", "--kind", "rss", "--url", "https://h.test/" + "a" * 300 + ".xml"),
             "cannot write", "nothing was added")


def test_a_64_character_key_and_a_plain_url_are_written_inside_the_fixture_folder(tree: Path) -> None:
    key = "k" * 64
    result = _new(tree, key, "--kind", "rss", "--url", "https://h.test/feeds/all.xml?x=1")
    assert result.returncode == 0, result.stdout + result.stderr
    fixture = (tree / "tests" / "fixtures" / "sites" / key).resolve()
    test_file = (tree / "tests" / "crawlers" / f"test_source_{key}.py").resolve()
    for path in _files(tree) - {tree / "sources.yaml"}:
        assert path.resolve() == test_file or path.resolve().is_relative_to(fixture), path


def test_write_outside_the_fixture_folder_is_refused_even_if_a_path_slips_through(tmp_path: Path) -> None:
    from crawlers.new_source import NewSource, _write
    from veille.settings import ConfigError

    new = NewSource("k", "rss", "https://h.test/feed/", "k", ["fr"], "k", tmp_path / "sources.yaml",
                    tmp_path / "sites" / "k", tmp_path / "tests" / "test_source_k.py")
    _write(new.fixture_dir / "h.test" / "feed.xml", "ok", new)
    with pytest.raises(ConfigError, match="outside"):
        _write(new.fixture_dir / ".." / "other" / "x.xml", "no", new)
    assert not (tmp_path / "sites" / "other").exists()
