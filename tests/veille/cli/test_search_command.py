"""`veille search` as an analyst runs it (issue 15): the matched words shown (lower-case ones
too, in reverse video on a terminal), text holding `[/…]` printed as written, filters, --json,
and a bad query or option answered in one `usage error` line with exit 2."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from sinks.store import open_store
from tests.support.search_cases import ITEMS
from veille.cli import app

runner = CliRunner()


@pytest.fixture
def stored(embedded: Path) -> Path:
    store = open_store()
    store.upsert(ITEMS)
    store.close()
    return embedded


def test_a_lower_case_match_is_shown_and_highlighted(stored: Path, monkeypatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr("veille.cli.items.console",
                        Console(file=screen, force_terminal=True, color_system="standard", width=200))
    result = runner.invoke(app, ["search", "condamne"])
    assert result.exit_code == 0, result.output
    out = screen.getvalue()
    assert "\x1b[7mcondamne\x1b[0m" in out  # reverse video around the word, not dropped
    assert "fermement l'attaque" in out


def test_text_with_closing_tags_prints_as_written(stored: Path) -> None:
    result = runner.invoke(app, ["search", "État"])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    assert "services [/bold] et [/] de l" in result.output


def test_filters_and_json(stored: Path) -> None:
    result = runner.invoke(app, ["search", "Kidal", "--json", "-s", "maliweb,caj-news",
                                 "--place", "gao", "--since", "2024-05-01"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["https://example.org/c"]
    assert rows[0]["matched"] == ["Kidal"] and "Kidal" in rows[0]["snippet"]
    result = runner.invoke(app, ["search", "--event-type", "armed_clash", "--lang", "en"])
    assert result.exit_code == 0 and "Clashes near Gao" in result.output
    result = runner.invoke(app, ["search", "Tombouctou", "--lang", "ar"])
    assert result.exit_code == 1 and "no item matches 'Tombouctou' with these filters" in result.output


@pytest.mark.parametrize(("args", "words"), [
    (["Kidal AND"], ["after AND, found the end of the query"]),
    (["(Kidal"], ["'(' is never closed"]),
    (["Kidal", "--since", "hier"], ["--since 'hier'", "24h"]),
    ([], ["search needs words or a filter"]),
])
def test_bad_input_is_one_usage_error_line(stored: Path, args: list[str], words: list[str]) -> None:
    result = runner.invoke(app, ["search", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) <= 2
    message = " ".join(result.output.split())
    assert message.startswith("usage error:")
    for word in words:
        assert word in message
