"""`veille brief` as a command: its arguments and its registration on `veille`.
(The page itself: tests/sinks/brief/test_brief.py.)"""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from veille.cli.brief import brief


def test_brief_command_refuses_bad_arguments(home: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(brief)
    app.command("noop", hidden=True)(lambda: None)
    out = tmp_path / "b.html"
    bad = CliRunner().invoke(app, ["brief", "--since", "7", "--out", str(out)])
    assert bad.exit_code == 2 and not out.exists()
    bad = CliRunner().invoke(app, ["brief", "--until", "yesterday", "--out", str(out)])
    assert bad.exit_code == 2 and not out.exists()
    empty = CliRunner().invoke(app, ["brief", "--out", str(out)])  # empty store: a page anyway
    assert empty.exit_code == 0, empty.output
    assert "No item in the window" in out.read_text(encoding="utf-8")


def test_brief_is_registered_on_veille_cli() -> None:
    from veille.cli import app

    names = {c.name or (c.callback.__name__ if c.callback else None) for c in app.registered_commands}
    assert "brief" in names, "veille.cli does not register `brief`: add `app.command()(brief)`"
    result = CliRunner().invoke(app, ["brief", "--help"])
    assert result.exit_code == 0 and "--until" in result.output
