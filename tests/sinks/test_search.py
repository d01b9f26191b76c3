"""The search model (sinks.search) and the embedded store's translation of it: the crafted
cases of tests/support/search_cases.py, which tests/integration/test_search_es.py runs on
Elasticsearch with the same expectations."""

from __future__ import annotations

from pathlib import Path

import pytest

from sinks.search import END_MARK, MARK, QuerySyntaxError, marked_parts, search_query
from sinks.sqlite_store import SqliteStore, fts_match
from tests.support.search_cases import CASES, ITEMS, NOW


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    s = SqliteStore(tmp_path / "store.db")
    s.upsert(ITEMS)
    return s


@pytest.mark.parametrize(("words", "filters", "expected"), CASES)
def test_words_and_filters_find_what_they_should(store: SqliteStore, words, filters, expected) -> None:
    hits = store.search(search_query(words, now=NOW, limit=50, **filters))
    assert {h.item["id"] for h in hits} == expected


def test_matched_words_are_marked_lower_case_included(store: SqliteStore) -> None:
    hit, = store.search("condamne")
    assert f"{MARK}condamne{END_MARK} fermement" in hit.snippet
    assert hit.matched() == ["condamne"]
    assert ("condamne", True) in marked_parts(hit.snippet)
    doc = hit.document()
    assert doc["matched"] == ["condamne"] and "body" not in doc
    assert MARK not in doc["snippet"] and "condamne fermement" in doc["snippet"]
    title_hit, = store.search("Ménaka NOT Kidal")
    assert f"{MARK}Ménaka{END_MARK}" in title_hit.title


def test_brackets_in_the_text_stay_text(store: SqliteStore) -> None:
    hit, = store.search("État")
    assert "[/bold] et [/]" in hit.snippet
    assert [p for p, matched in marked_parts(hit.snippet) if matched] == ["État"]


def test_without_words_the_newest_come_first(store: SqliteStore) -> None:
    hits = store.search(search_query(None, places=["Kidal"], now=NOW))
    assert [h.item["id"] for h in hits] == ["https://example.org/c", "https://example.org/b"]


def test_a_long_body_is_marked_without_fts_snippet(store: SqliteStore) -> None:
    from tests.support.search_cases import _item

    store.upsert([_item("long", "Long", "x " * 40_000 + "Tessalit est calme." + " y" * 100)])
    hit, = store.search("tessalit")
    assert f"{MARK}Tessalit{END_MARK}" in hit.snippet


def test_fts_translation_groups_and_quotes() -> None:
    assert fts_match(search_query('(Kidal OR "l\'AIGE") NOT Gao S/2020/476').root) == \
        '((("Kidal" OR "l\'AIGE") AND "S/2020/476") NOT "Gao")'


@pytest.mark.parametrize(("words", "filters", "message"), [
    ("Kidal AND", {}, "after AND, found the end of the query"),
    ("AND", {}, 'quote it: "AND"'),
    ("NOT Gao", {}, "NOT needs a word before it"),
    ("NOT Gao NOT Kidal", {}, "only NOT terms"),
    ("Gao OR", {}, "after OR"),
    ('"Kidal', {}, "is never closed"),
    ("(Kidal", {}, "'(' is never closed"),
    ("Kidal)", {}, "')' without a matching '('"),
    ("", {}, "search needs words or a filter"),
    ("Kidal", {"since": "last week"}, "--since 'last week': give a duration"),
    ("Kidal", {"limit": 0}, "--limit 0"),
])
def test_bad_queries_say_what_to_do(words, filters, message) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        search_query(words, **filters)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
