"""Issue 15, point 6: the command line keeps one set of conventions. `-h` as well as `--help`
on every command and group, `veille --version`, one long name per option across commands
(`--out` for a file written; `export --output` kept hidden as a deprecated alias), `--json`
on listing commands, and usage errors labelled as such with exit 2."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from veille.cli import app

runner = CliRunner()
ROOT = typer.main.get_command(app)


def _commands(group=ROOT, path: tuple[str, ...] = ()):
    """(path, command) of the root, every group and every command (Typer ships its own click:
    told apart by their attributes, not their classes)."""
    yield path, group
    for name, sub in getattr(group, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def _options(command) -> list:
    return [p for p in command.params if p.param_type_name == "option"]


ALL = list(_commands())


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=lambda p: " ".join(p) or "veille")
def test_every_command_answers_short_and_long_help(path: tuple[str, ...]) -> None:
    short, long = runner.invoke(app, [*path, "-h"]), runner.invoke(app, [*path, "--help"])
    assert short.exit_code == 0 and long.exit_code == 0, short.output
    assert "Usage:" in short.output and short.output == long.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"veille {version('veille')}"
    assert runner.invoke(app, ["-V"]).output == result.output


def test_one_long_name_per_option_across_commands() -> None:
    names: dict[str, set[tuple[str, ...]]] = {}
    for _, command in ALL:
        for param in _options(command):
            if not param.hidden:
                longs = tuple(sorted(o for o in param.opts if o.startswith("--")))
                names.setdefault(param.name, set()).add(longs)
    differing = {name: spellings for name, spellings in names.items() if len(spellings) > 1}
    assert differing == {}
    visible = {o for spellings in names.values() for s in spellings for o in s}
    assert "--out" in visible and "--output" not in visible  # a file written is --out


@pytest.mark.parametrize("path", [("search",), ("sources", "list"), ("sources", "status"),
                                  ("alerts", "list")])
def test_listing_commands_offer_json(path: tuple[str, ...]) -> None:
    command = dict(ALL)[path]
    assert any("--json" in p.opts for p in _options(command))


def test_sources_list_json_is_one_object_per_source(embedded: Path) -> None:
    from veille.sources import configured_registry

    result = runner.invoke(app, ["sources", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["key"] for r in rows] == [s.key for s in configured_registry().sources]
    assert all(r["last_round"] is None and r["schedule"] for r in rows)  # never crawled here


def test_export_writes_with_out_and_still_takes_the_old_output(embedded: Path, tmp_path: Path) -> None:
    from sinks.store import open_store
    from tests.support.search_cases import ITEMS

    store = open_store()
    store.upsert(ITEMS[:2])
    store.close()
    result = runner.invoke(app, ["export", "--out", str(tmp_path / "a.jsonl")])
    assert result.exit_code == 0 and len((tmp_path / "a.jsonl").read_text().splitlines()) == 2
    result = runner.invoke(app, ["export", "--output", str(tmp_path / "b.jsonl")])
    assert result.exit_code == 0 and "--output is deprecated: use --out" in result.output
    assert (tmp_path / "b.jsonl").read_text() == (tmp_path / "a.jsonl").read_text()
    result = runner.invoke(app, ["export", "-h"])
    assert "--out" in result.output and "--output" not in result.output


@pytest.mark.parametrize("args", [["export", "--format", "csv"],
                                  ["export", "--out", "x", "--output", "y"],
                                  ["search", "Kidal AND"],
                                  ["alerts", "retry"]])
def test_usage_errors_are_called_usage_errors(embedded: Path, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("usage error: ") and "configuration error" not in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(("args", "words"), [
    (["--bogus"], ["No such option: --bogus", "veille -h"]),
    (["nosuch"], ["No such command 'nosuch'", "veille -h"]),
    (["search", "Kidal", "--limit", "x"], ["'--limit'", "veille search -h"]),
    (["sources", "list", "--bogus"], ["No such option: --bogus", "veille sources list -h"]),
    (["sources", "status", "--source"], ["'--source' requires an argument", " -h)"]),
    (["sources", "new"], ["Missing argument 'key'", "veille sources new -h"]),
])
def test_parse_errors_are_one_line_usage_errors(args: list[str], words: list[str]) -> None:
    """Click's own parse errors, on any command, come out as the commands' usage errors do:
    one line, no boxed panel, a hint to -h, exit 2."""
    result = runner.invoke(app, args, prog_name="veille")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("usage error: "), result.output
    assert len(result.output.strip().splitlines()) == 1 and "╭" not in result.output
    for word in words:
        assert word in result.output, result.output


def test_a_bare_group_still_shows_its_help() -> None:
    for args in ([], ["sources"]):
        result = runner.invoke(app, args, prog_name="veille")
        assert "Usage:" in result.output and "usage error" not in result.output


@pytest.mark.parametrize(("key", "words"), [
    ("k" * 80, ["invalid key", "80 characters", "at most 64"]),
    ("Bad Key!", ["invalid key 'Bad Key!'", "lower-case letters"]),
    ("no-such-source", ["no source 'no-such-source'", "un-news"]),
])
def test_sources_check_of_a_bad_key_is_a_usage_error(embedded: Path, key: str, words: list[str]) -> None:
    result = runner.invoke(app, ["sources", "check", key])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("usage error: ") and "configuration error" not in result.output
    for word in words:
        assert word in " ".join(result.output.split()), result.output
