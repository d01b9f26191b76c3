"""Issue 13, points 5 and 6: hostile text never crashes, styles or hangs the terminal, and bad
command-line input gets one line saying what to do (no traceback).

Titles with rich markup (`[/]`, `[/bold]`), ESC sequences (colours, OSC 8 links, clear-screen)
and a megabyte of text go through `veille search`, `alerts list`, `rules test`; FTS syntax
errors, JSON lines that are not items and over-long keys are refused in one line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veille.cli import app
from veille.settings import REPO_ROOT, reset_settings
from veille.textsafe import TITLE_MAX, clean, is_safe_url, strip_controls

runner = CliRunner()

HOSTILE = ("Attaque [/] à [/bold] Ménaka \x1b[31mrouge\x1b[0m \x1b]8;;https://evil.test/\x07lien\x1b]8;;\x07 "
           "\x1b[2J\x1b[H\x9b1m\x07\x08\r fin \\")
ESC_FREE = ("\x1b", "\x9b", "\x07", "\x08", "\r")


def _no_controls(text: str) -> None:
    for ch in ESC_FREE:
        assert ch not in text, f"{ch!r} reached the terminal: {text!r}"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VEILLE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("VEILLE_KAFKA_BOOTSTRAP", "VEILLE_ES_URL", "VEILLE_REDIS_URL", "VEILLE_MIRROR"):
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    yield tmp_path / "home"
    reset_settings()


def _store(items: list[dict]) -> None:
    from sinks.store import open_store
    from veille.schema import EnrichedItem

    store = open_store()
    store.upsert([EnrichedItem.model_validate(i) for i in items])
    store.close()


def _item(n: int, title: str, body: str = "Des hommes armés ont attaqué Ménaka.") -> dict:
    return {"id": f"https://example.org/a/{n}", "source": "example", "url": f"https://example.org/a/{n}",
            "title": title, "body": body, "lang": "fr",
            "published_at": datetime(2024, 5, 2, tzinfo=UTC).isoformat()}


def _veille(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The command as an operator runs it (configuration errors are printed by `main`)."""
    full = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run([sys.executable, "-m", "veille.cli", *args], env=full, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)


def _one_line_error(result, *words: str) -> str:
    """The command failed with exit 2, no traceback, and one line naming `words`."""
    if isinstance(result, subprocess.CompletedProcess):
        code, output = result.returncode, result.stdout + result.stderr
    else:
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
            repr(result.exception)
        code, output = result.exit_code, result.output
    assert code == 2, (code, output)
    assert "Traceback" not in output
    assert len(output.strip().splitlines()) <= 3, output  # one message (rich may wrap it)
    message = " ".join(output.split())
    for word in words:
        assert word in message, message
    return message


# -- the helpers --------------------------------------------------------------------------
def test_clean_strips_every_control_sequence_and_keeps_text() -> None:
    out = clean(HOSTILE)
    _no_controls(out)
    assert "rouge" in out and "lien" in out and "[/]" in out and "[/bold]" in out and "fin" in out
    assert "evil.test" not in out  # an OSC 8 link's target never shows
    assert strip_controls("a\tb\nc\x00d\x7fe\x85f") == "a\tb\ncdef"
    assert strip_controls("a\tb\nc", one_line=True) == "a b c"


def test_a_megabyte_title_is_cleaned_and_capped_fast() -> None:
    started = time.monotonic()
    out = clean("\x1b[31m" + "x" * (1 << 20), 300)
    assert len(out) == 300 and out.endswith("…")
    assert time.monotonic() - started < 1.0


def test_item_urls_limited_to_http() -> None:
    assert is_safe_url("https://example.org/a") and is_safe_url("http://example.org")
    for bad in ("javascript:alert(1)", "data:text/html,<script>", "file:///etc/passwd", "ftp://h/x",
                "JaVaScRiPt:alert(1)", "", None, "https://"):
        assert not is_safe_url(bad), bad


def test_titles_are_capped_at_collection_with_the_full_title_in_the_body() -> None:
    from veille.schema import Item

    long = "Très long titre " * 70_000  # about 1.1 MB
    item = Item.model_validate(_item(1, long + "\x1b[2J", body="Le corps."))
    assert len(item.title) == TITLE_MAX and item.title.endswith("…")
    assert "\x1b" not in item.title
    assert item.body.startswith(long.strip()) and item.body.endswith("Le corps.")
    again = Item.model_validate_json(item.model_dump_json())
    assert (again.title, again.body) == (item.title, item.body)  # stable when read back


# -- veille search ------------------------------------------------------------------------
def test_search_prints_hostile_titles_as_text(home: Path) -> None:
    _store([_item(1, HOSTILE), _item(2, "[bold red]faux[/] titre [link=https://evil.test]x[/link]")])
    result = runner.invoke(app, ["search", "Ménaka"])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    _no_controls(result.output)
    assert "[/]" in result.output and "[/bold]" in result.output and "[bold red]faux" in result.output


def test_search_of_a_megabyte_title_does_not_hang(home: Path) -> None:
    _store([_item(1, "Ménaka " + "x" * (1 << 20), body="Ménaka " * 200_000)])
    started = time.monotonic()
    result = runner.invoke(app, ["search", "Ménaka"])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    assert time.monotonic() - started < 20
    assert len(result.output) < 10_000


@pytest.mark.parametrize(("query", "words"), [
    ("AND", ["found AND", '"AND"']),
    ("Kidal AND", ["after AND", "end of the query"]),
    ("NOT Gao", ["NOT needs a word before it", '"NOT"']),
    ("Gao OR", ["after OR", "end of the query"]),
    ("Gao AND OR Kidal", ["after AND, found OR", '"OR"']),
    ('"Kidal', ["quote \" is never closed"]),
    ("(Kidal OR Gao", ["'(' is never closed"]),
    ("Kidal)", ["')' without a matching '('"]),
    ("Kidal OR NOT Gao", ["NOT needs a word before it"]),
])
def test_search_syntax_errors_get_one_line_saying_how_to_fix(home: Path, query: str, words: list[str]) -> None:
    _store([_item(1, "Gao et Kidal")])
    message = _one_line_error(runner.invoke(app, ["search", query]), "usage error", *words)
    assert "fts5" not in message and "configuration error" not in message


def test_search_still_takes_operators_and_quoted_operators(home: Path) -> None:
    _store([_item(1, "Gao et Kidal", body="AND OR NOT"), _item(2, "Gao seul", body="rien")])
    assert runner.invoke(app, ["search", "Gao NOT Kidal"]).exit_code == 0
    result = runner.invoke(app, ["search", '"AND"'])
    assert result.exit_code == 0 and "Gao et Kidal" in result.output


# -- veille alerts list / failed ------------------------------------------------------------
def test_alerts_list_and_failed_print_hostile_alerts_as_text(home: Path) -> None:
    from sinks.alerts.ledger import open_ledger
    from sinks.alerts.model import Alert
    from sinks.alerts.store import open_alert_store

    alert = Alert(id="al-0123456789abcdef01234567", rule="mali[/]", item_id="https://example.org/a/1",
                  story_id="st-[/bold]", created_at=datetime(2024, 5, 2, 10, 0, tzinfo=UTC), severity=4,
                  matched=["places"], reasons=["place: [/] \x1b[2J Ménaka"], channels=["console"],
                  title=HOSTILE, url="https://example.org/a/1", source="example", language="fr")
    store = open_alert_store()
    store.add([alert])
    store.close()
    result = runner.invoke(app, ["alerts", "list"])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    _no_controls(result.output)
    assert "mali[/]" in result.output and "rouge" in result.output

    ledger = open_ledger()
    ledger.mark_failed("key[/]", alert, "console[/bold]", "HTTP 400: \x1b[2J[/] refused", 3, "log")
    ledger.close()
    result = runner.invoke(app, ["alerts", "failed"])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    _no_controls(result.output)
    assert "key[/]" in result.output and "console[/bold]" in result.output and "refused" in result.output


# -- veille rules test ----------------------------------------------------------------------
def test_rules_test_prints_hostile_items_as_text(home: Path, tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    row = _item(1, HOSTILE + " attaque armée à Ménaka", body="Des hommes armés ont attaqué un poste à Ménaka, "
                "tuant cinq soldats. [/] [/bold]")
    items.write_text(json.dumps(row) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["rules", "test", str(items), "--rules", str(REPO_ROOT / "rules.yaml")])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    _no_controls(result.output)


NOT_ITEMS = [
    (b"42\n", ["items.jsonl:1", "not an item", "int"]),
    (b'{"id": "a", "title": "t", "body": "b"}\nnull\n', ["items.jsonl:2", "not an item", "NoneType"]),
    (b"\n[1, 2]\n", ["items.jsonl:2", "not an item", "list"]),
    (b'{"id": "a", "title": "caf\xe9", "body": "b"}\n', ["items.jsonl:1", "not UTF-8"]),
    (b"{not json\n", ["items.jsonl:1", "not a JSON line"]),
    (b'{"id": "a"}\n', ["items.jsonl:1", "not an item", "title"]),
]


@pytest.mark.parametrize(("content", "words"), NOT_ITEMS)
def test_rules_test_on_lines_that_are_not_items_names_the_line(
    home: Path, tmp_path: Path, content: bytes, words: list[str]
) -> None:
    items = tmp_path / "items.jsonl"
    items.write_bytes(content)
    result = _veille("rules", "test", str(items), "--rules", str(REPO_ROOT / "rules.yaml"),
                     env={"VEILLE_HOME": str(home), "COLUMNS": "500"})
    _one_line_error(result, "configuration error", *words)


@pytest.mark.parametrize(("content", "words"), NOT_ITEMS)
def test_classify_on_lines_that_are_not_items_names_the_line(
    tmp_path: Path, content: bytes, words: list[str]
) -> None:
    """`veille classify` reads JSON lines with the same reader as `rules test`
    (veille/json_lines.py), so the same bad lines get the same answer: file, line, why."""
    items = tmp_path / "items.jsonl"
    items.write_bytes(content)
    result = runner.invoke(app, ["classify", str(items)])
    message = _one_line_error(result, *words)
    assert str(tmp_path) in message  # the file as given, not only its name


# -- over-long keys ------------------------------------------------------------------------
def test_sources_check_of_an_over_long_key_is_one_line(home: Path) -> None:
    result = _veille("sources", "check", "k" * 300, env={"VEILLE_HOME": str(home), "COLUMNS": "2000"})
    message = _one_line_error(result, "usage error: neither a file nor a source key", "at most 64")
    assert "OSError" not in message and "File name too long" not in message
