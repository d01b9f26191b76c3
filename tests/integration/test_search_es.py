"""`veille search` on the real Elasticsearch: the crafted cases of tests/support/search_cases.py
give the same answers as in the embedded store (tests/sinks/test_search.py), matches come back
marked, and the command prints them through the distributed fixture's settings."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from sinks.es_store import ElasticsearchStore
from sinks.search import END_MARK, MARK, search_query
from tests.support.search_cases import CASES, ITEMS, NOW
from veille.cli import app

pytestmark = pytest.mark.integration


@pytest.fixture
def store(distributed) -> Iterator[ElasticsearchStore]:
    s = ElasticsearchStore(distributed.env["VEILLE_ES_URL"], distributed.namespace)
    assert s.upsert(ITEMS) == {}
    s.refresh()
    yield s
    s.close()


def test_every_case_gives_the_embedded_answer(store: ElasticsearchStore) -> None:
    wrong = []
    for words, filters, expected in CASES:
        found = {h.item["id"] for h in store.search(search_query(words, now=NOW, limit=50, **filters))}
        if found != expected:
            wrong.append((words, filters, sorted(found), sorted(expected)))
    assert wrong == []


def test_matches_are_marked_in_title_and_snippet(store: ElasticsearchStore) -> None:
    hit, = store.search("condamne")
    assert f"{MARK}condamne{END_MARK}" in hit.snippet and "condamne" in hit.matched()
    hit, = store.search("services")  # ES's standard tokenizer keeps "l'État" whole
    assert "[/bold] et [/]" in hit.snippet and hit.matched() == ["services"]
    hit, = store.search("Ménaka NOT Kidal NOT مالي")
    assert f"{MARK}Ménaka{END_MARK}" in hit.title


def test_the_command_searches_elasticsearch(store: ElasticsearchStore) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["search", "Kidal", "--json", "--source", "caj-news"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["https://example.org/c"]
    assert rows[0]["matched"] == ["Kidal"] and "body" not in rows[0]
    result = runner.invoke(app, ["search", "--event-type", "attack_on_civilians", "--lang", "ar"])
    assert result.exit_code == 0 and "ميناكا" in result.output
    result = runner.invoke(app, ["search", "Kidal AND"])
    assert result.exit_code == 2 and "usage error" in result.output
