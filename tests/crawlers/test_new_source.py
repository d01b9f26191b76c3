"""The operator's path to a new source, as docs/adding-a-source.md tells it, in a temp copy.

`veille sources new` on a copy of sources.yaml with `--root` a temp tree; the generated test
must pass in a fresh pytest process with no other change; `veille sources check KEY` must
find every field. Nothing here writes into the repo.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from veille.cli import app
from veille.settings import REPO_ROOT, ConfigError, reset_settings

runner = CliRunner()


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp 'repo': a copy of sources.yaml (VEILLE_SOURCES) and nothing else."""
    shutil.copy(REPO_ROOT / "sources.yaml", tmp_path / "sources.yaml")
    monkeypatch.setenv("VEILLE_SOURCES", str(tmp_path / "sources.yaml"))
    monkeypatch.setenv("VEILLE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("VEILLE_MIRROR", raising=False)
    reset_settings()
    yield tmp_path
    reset_settings()


def _new(tree: Path, *args: str):
    return runner.invoke(app, ["sources", "new", *args, "--root", str(tree)])


@pytest.mark.parametrize("kind", ["rss", "html", "api"])
def test_new_source_passes_its_own_test_and_check(tree: Path, kind: str) -> None:
    before = (tree / "sources.yaml").read_text(encoding="utf-8")
    result = _new(tree, "demo-src", "--kind", kind, "--languages", "fr,en", "--name", "Demo: a source")
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "tests/crawlers/test_source_demo_src.py" in result.output

    # (a) appended as text: the file's comments and every old byte are still there, and it loads.
    after = (tree / "sources.yaml").read_text(encoding="utf-8")
    assert after.startswith(before)
    assert "# The monitored sources, declared as data" in after
    from veille.sources import load_registry

    source = load_registry(tree / "sources.yaml").get("demo-src")
    assert (source.kind, source.name, source.languages) == (kind, "Demo: a source", ["fr", "en"])
    assert source.spider_name == {"rss": "feed", "html": "listing", "api": "json_api"}[kind]

    # (b) the recorded copy, in the mirror's layout, with expectations in expected_items()'s format.
    fixture = tree / "tests" / "fixtures" / "sites" / "demo-src"
    expected = yaml.safe_load((fixture / "expected.yaml").read_text(encoding="utf-8"))
    assert [i["lang"] for i in expected["items"]] == ["fr", "en"]
    assert {"url", "title", "lang", "published", "doc_type", "body_contains"} <= set(expected["items"][0])
    assert (fixture / "site.yaml").is_file() and (fixture / "demo-src.example").is_dir()

    # (c) the generated test passes as written, in its own pytest process.
    test_file = tree / "tests" / "crawlers" / "test_source_demo_src.py"
    env = {**os.environ, "VEILLE_SOURCES": str(tree / "sources.yaml")}
    env.pop("VEILLE_MIRROR", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(tree / "bt"),
         str(test_file)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "4 passed" in proc.stdout

    # `veille sources check KEY`: a dry run from the mirror showing every field present.
    result = runner.invoke(app, ["sources", "check", "demo-src", "--root", str(tree)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "all fields present on 2 items" in result.output
    for field in ("title", "url", "published_at", "lang", "doc_type", "issuer", "body"):
        assert f"\n  {field} " in result.output
    assert "2024-03-12T09:30:00" in result.output
    # A dry run: nothing left in the state folder's bus or collection state.
    assert not (tree / "home" / "bus.db").exists() and not (tree / "home" / "state.db").exists()


def test_check_names_what_is_missing(tree: Path) -> None:
    """A page without a date: the check says which field, on how many items, and where to look."""
    assert _new(tree, "demo-src", "--kind", "html").exit_code == 0
    fixture = tree / "tests" / "fixtures" / "sites" / "demo-src" / "demo-src.example"
    page = fixture / "veille-template" / "demo-src" / "article-2" / "index.html"
    text = page.read_text(encoding="utf-8")
    text = text.replace('<meta property="article:published_time" content="2024-03-05T16:45:00+00:00">', "")
    page.write_text(text.replace('<time datetime="2024-03-05T16:45:00+00:00">2024-03-05T16:45:00+00:00</time>', ""),
                    encoding="utf-8")
    result = runner.invoke(app, ["sources", "check", "demo-src", "--root", str(tree)])
    assert result.exit_code == 1, result.output
    assert "no published_at on 1 of 2 items: check the date selector (selectors.date)" in result.output


def test_check_without_key_still_validates_the_file(tree: Path) -> None:
    from veille.sources import load_registry

    count = f"ok: {len(load_registry(tree / 'sources.yaml').sources)} sources"
    result = runner.invoke(app, ["sources", "check"])
    assert result.exit_code == 0 and count in result.output
    result = runner.invoke(app, ["sources", "check", str(tree / "sources.yaml")])
    assert result.exit_code == 0 and count in result.output
    result = runner.invoke(app, ["sources", "check", "no-such-source"])  # an argument naming nothing
    assert result.exit_code == 2 and result.output.startswith("usage error: no source 'no-such-source'")


def test_with_url_the_copy_lives_under_the_real_host(tree: Path) -> None:
    url = "https://www.example-news.ml/fr/rss?cat=mali"
    result = _new(tree, "example-news", "--kind", "rss", "--url", url, "--issuer", "example")
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "placeholder" not in result.output
    fixture = tree / "tests" / "fixtures" / "sites" / "example-news"
    site = yaml.safe_load((fixture / "site.yaml").read_text(encoding="utf-8"))
    assert site["routes"][0]["url"] == url
    assert (fixture / site["routes"][0]["file"]).is_file()
    assert site["routes"][0]["file"].startswith("www.example-news.ml/")
    from veille.sources import load_registry

    source = load_registry(tree / "sources.yaml").get("example-news")
    assert source.urls[0].url == url and source.issuer == "example"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["wanep", "--kind", "rss"], "a source with key 'wanep' already exists"),
        (["Bad_Key", "--kind", "rss"], "invalid key 'Bad_Key'"),
        (["demo-src", "--kind", "pdf"], "unknown kind 'pdf': choose rss"),
        (["demo-src", "--kind", "rss", "--url", "ftp://x.org/feed"], "expected an http(s) URL"),
        (["demo-src", "--kind", "rss", "--languages", "french"], "expected codes like fr,en,ar"),
    ],
)
def test_refusals_are_clear_and_write_nothing(tree: Path, args: list[str], message: str) -> None:
    before = (tree / "sources.yaml").read_text(encoding="utf-8")
    result = _new(tree, *args)
    assert isinstance(result.exception, ConfigError), result.output
    assert message in str(result.exception)
    assert (tree / "sources.yaml").read_text(encoding="utf-8") == before
    assert not (tree / "tests").exists()


def test_existing_fixture_folder_is_not_overwritten(tree: Path) -> None:
    (tree / "tests" / "fixtures" / "sites" / "demo-src").mkdir(parents=True)
    result = _new(tree, "demo-src", "--kind", "rss")
    assert isinstance(result.exception, ConfigError)
    assert "already exists" in str(result.exception)


def test_operator_sees_the_error_and_exit_code(tree: Path) -> None:
    """What a shell shows: `configuration error: …` on stderr, exit 2 (veille.cli.main)."""
    env = {**os.environ, "VEILLE_SOURCES": str(tree / "sources.yaml"), "VEILLE_HOME": str(tree / "home")}
    proc = subprocess.run(
        [sys.executable, "-m", "veille.cli", "sources", "new", "caj-news", "--kind", "rss", "--root", str(tree)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert "configuration error" in proc.stderr and "'caj-news' already exists" in proc.stderr


def test_an_entry_that_does_not_fit_the_file_is_rolled_back(tree: Path) -> None:
    """Entries not led by `key:` at column 0: the appended text does not parse, the file is put back."""
    path = tree / "sources.yaml"
    path.write_text("sources:\n- name: A\n  key: a\n  issuer: a\n  languages: [fr]\n  kind: rss\n"
                    "  urls: [\"https://a.org/feed\"]\n", encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    result = _new(tree, "demo-src", "--kind", "rss")
    assert isinstance(result.exception, ConfigError), result.output
    assert "did not validate" in str(result.exception) and "left unchanged" in str(result.exception)
    assert path.read_text(encoding="utf-8") == before
    assert not (tree / "tests").exists()
