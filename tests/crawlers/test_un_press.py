"""The UN press spider: one item per document code and language, translations both ways.

Rounds run against the recorded press.un.org (tests/fixtures/sites/un-press), whose feed
lists SC/15577 twice (blog post and .doc.htm page) and whose English pages link to French ones.
"""

from __future__ import annotations

import pytest

from crawlers.ids import press_id
from crawlers.spiders.un_press import code_series, doc_type_for, english_code
from tests.support.sites import crawl
from veille.schema import DocType


@pytest.fixture(scope="module")
def press_round(tmp_path_factory, mirror):
    home = tmp_path_factory.mktemp("un-press")
    first = crawl(home, mirror.env_value(), "un-press")
    second = crawl(home, mirror.env_value(), "un-press")
    return first, second


def test_round_is_clean(press_round):
    (stats, items, errors), _ = press_round
    assert stats.status == "ok"
    assert errors == []
    assert stats.items == len(items) == 8


def test_blog_post_and_document_page_are_one_item(press_round):
    (_, items, _), _ = press_round
    sc = [i for i in items if i["symbol"] in ("SC/15577", "CS/15577")]
    assert sorted(i["id"] for i in sc) == ["un-press:SC/15577:en", "un-press:SC/15577:fr"]
    english = next(i for i in sc if i["lang"] == "en")
    assert english["url"] == "https://press.un.org/en/2024/sc15577.doc.htm"
    # the full page's body, not the blog post's shorter one
    assert "The representative of Mali said" in english["body"]
    assert not any("/blog/" in i["url"] for i in items)


def test_french_version_is_a_translation_both_ways(press_round):
    (_, items, _), _ = press_round
    by_id = {i["id"]: i for i in items}
    en, fr = by_id["un-press:SC/15577:en"], by_id["un-press:SC/15577:fr"]
    assert en["translations"] == [fr["id"]]
    assert fr["translations"] == [en["id"]]
    assert fr["url"] == "https://press.un.org/fr/2024/cs15577.doc.htm"
    assert fr["symbol"] == "CS/15577"
    assert fr["lang"] == "fr"
    assert "Tombouctou, Boni et Léré" in fr["body"]
    # SG/SM codes are the same in both languages
    assert by_id["un-press:SG/SM/22100:fr"]["translations"] == ["un-press:SG/SM/22100:en"]
    # a page without a French version names no translation
    assert by_id["un-press:SC/15410:en"]["translations"] == []


def test_doc_type_and_issuer_follow_the_code_series(press_round):
    (_, items, _), _ = press_round
    by_id = {i["id"]: i for i in items}
    assert by_id[press_id("SC/15577", "fr")]["doc_type"] == "meeting_coverage"
    assert by_id[press_id("SC/15577", "fr")]["issuer"] == "unsc"
    assert by_id[press_id("SG/SM/22100", "en")]["doc_type"] == "statement"
    assert by_id[press_id("SG/SM/22100", "en")]["issuer"] == "un"
    assert by_id[press_id("SC/15410", "en")]["doc_type"] == "statement"  # a press statement


def test_second_round_publishes_nothing_new(press_round):
    (_, first_items, _), (stats, items, errors) = press_round
    assert stats.status == "ok" and errors == []
    assert stats.items == 0
    assert len(items) == len(first_items)


@pytest.mark.parametrize(
    ("code", "english", "series"),
    [("CS/15577", "SC/15577", "SC"), ("SG/SM/22100", "SG/SM/22100", "SG/SM"),
     ("AG/12345", "GA/12345", "GA"), ("sc/ 15577", "SC/15577", "SC")],
)
def test_codes(code, english, series):
    assert english_code(code) == english
    assert code_series(english_code(code)) == series


@pytest.mark.parametrize(
    ("code", "title", "kind"),
    [
        ("SC/15577", "Terrorist Groups Expanding from Sahel, Official Warns Security Council", DocType.meeting_coverage),
        ("CS/15577", "Les groupes terroristes s’étendent du Sahel", DocType.meeting_coverage),
        ("SC/15410", "Security Council Press Statement on Attacks in Northern Mali", DocType.statement),
        ("SG/SM/22100", "Secretary-General, Condemning Attack in Mali", DocType.statement),
        ("GA/12345", "General Assembly Adopts Budget", DocType.press_release),
    ],
)
def test_doc_type_for(code, title, kind):
    assert doc_type_for(code, title) == kind
