"""The keyword query of alert rules: syntax, precedence, errors, and matching on normalised
text across French, English and Arabic spellings."""

from __future__ import annotations

import pytest

from sinks.alerts.query import And, Document, Not, Query, QueryError, Term, positive_terms


def shape(node) -> object:
    """The tree as nested tuples of term texts, to compare precedence readably."""
    if isinstance(node, Term):
        return node.text
    if isinstance(node, Not):
        return ("NOT", shape(node.child))
    name = "AND" if isinstance(node, And) else "OR"
    return (name, *(shape(c) for c in node.children))


def found(query: str, text: str, lang: str = "fr", title: str = "") -> list[str] | None:
    return Query(query).match(Document(title, text, lang))


# -- syntax -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("query", "tree"), [
    ("a OR b c", ("OR", "a", ("AND", "b", "c"))),
    ("a b OR c", ("OR", ("AND", "a", "b"), "c")),
    ("a AND b OR c AND d", ("OR", ("AND", "a", "b"), ("AND", "c", "d"))),
    ("NOT a b", ("AND", ("NOT", "a"), "b")),
    ("NOT a OR b", ("OR", ("NOT", "a"), "b")),
    ("NOT (a OR b)", ("NOT", ("OR", "a", "b"))),
    ("(a OR b) c", ("AND", ("OR", "a", "b"), "c")),
    ("a AND NOT b", ("AND", "a", ("NOT", "b"))),
    ("NOT NOT a", ("NOT", ("NOT", "a"))),
    ('"camp militaire" OR base', ("OR", "camp militaire", "base")),
    ("«camp militaire» “army base”", ("AND", "camp militaire", "army base")),
])
def test_precedence_not_and_or(query: str, tree: object) -> None:
    assert shape(Query(query).root) == tree


def test_lower_case_operators_are_words() -> None:
    assert shape(Query("or and not").root) == ("AND", "or", "and", "not")
    assert found("or", "le cours de l'or monte") is not None
    assert found("attaque or", "une attaque") is None  # "or" is a required word here


def test_phrase_marks_its_term_as_quoted() -> None:
    (term,) = [Query('"camp   militaire"').root]
    assert isinstance(term, Term) and term.quoted and term.text == "camp militaire"


@pytest.mark.parametrize(("query", "position", "words"), [
    ("", 1, "empty query"),
    ("attaque AND", 12, "after AND, found the end"),
    ("attaque OR OR exercice", 12, "found OR"),
    ("(attaque OR attack", 1, "'(' is never closed"),
    ("attaque) exercice", 8, "')' without a matching '('"),
    ('attaque "camp militaire', 9, "never closed"),
    ('attaque ""', 9, "empty phrase"),
    ("NOT", 4, "after NOT"),
    ("attaque ()", 10, "found ')'"),
    ("attaque ---", 9, "no letters or digits"),
    ('"camp. militaire"', 1, "sentence break"),
])
def test_parse_errors_say_where(query: str, position: int, words: str) -> None:
    with pytest.raises(QueryError) as err:
        Query(query)
    assert err.value.position == position
    assert f"at character {position}" in str(err.value)
    assert words in str(err.value)


# -- normalised matching ----------------------------------------------------------------------
@pytest.mark.parametrize("text", ["بيان للأمم المتحدة بشأن مالي", "الامم المتحده تدين الهجوم",
                                  "وقالت الأمم المتحدة"])
def test_arabic_phrase_meets_clitics_hamza_and_taa_marbuta(text: str) -> None:
    assert found('"الأمم المتحدة"', text, "ar") is not None


def test_arabic_phrase_needs_both_words() -> None:
    assert found('"الأمم المتحدة"', "الأمم الأفريقية والولايات المتحدة", "ar") is None


@pytest.mark.parametrize("text", ["ATTAQUE À MENAKA", "attaque à Menaka", "à Ménaka."])
def test_names_meet_whatever_case_and_accents(text: str) -> None:
    assert found("Ménaka", text) is not None


@pytest.mark.parametrize("text", ["des attaques répétées", "l'attaque du camp", "L’ATTAQUE"])
def test_french_inflections_and_elisions(text: str) -> None:
    assert found("attaque", text) is not None


def test_words_match_whole_tokens_only() -> None:
    assert found("camp", "le campus universitaire") is None
    assert found("Gao", "Gaoua au Burkina") is None


def test_not_excludes() -> None:
    assert found("NOT exercice", "un exercice militaire à Gao") is None
    assert found("NOT exercice", "une attaque à Gao") == []
    assert found("attaque AND NOT exercice", "une attaque lors d'un exercice") is None
    assert found("attaque AND NOT exercice", "une attaque à Gao") == ["attaque"]


def test_phrase_does_not_cross_a_sentence_break() -> None:
    assert found('"camp militaire"', "Ils ont quitté le camp. Militaires et civils…") is None
    assert found('"camp militaire"', "Ils ont quitté le camp militaire.") is not None
    assert found('"military camp"', "Attack on a military camp", "en") is not None


def test_phrase_does_not_join_title_and_body() -> None:
    doc = Document("Attaque au camp", "Militaire tué", "fr")
    assert Query('"camp militaire"').match(doc) is None
    assert Query("camp militaire").match(doc) is not None


@pytest.mark.parametrize(("text", "lang"), [
    ("Une attaque à Gao", "fr"), ("Attacks near Gao", "en"), ("هجوم قرب غاو", "ar"),
    ("وهجومهم على غاو", "ar"), ("attaque kɛra Gao la", "bm"), ("attaque", "und"),
])
def test_multilingual_query_meets_each_language(text: str, lang: str) -> None:
    assert found("attaque OR attack OR هجوم", text, lang) is not None


def test_terms_are_normalised_with_the_items_rules() -> None:
    # In a text of unknown language only folding applies; the term is folded the same way.
    assert found("Attaque", "ATTAQUE signalée", "und") is not None
    assert found("attaques", "une attaque", "und") is None  # no stemmer for und: said plainly


def test_evidence_shows_terms_and_the_texts_own_words() -> None:
    evidence = found('(attaque OR assaut) "camp militaire" NOT exercice',
                     "Deux attaques contre le Camp Militaire de Boni")
    # case alone is no news: "Camp Militaire" is not shown beside the term
    assert evidence == ["attaque (attaques)", '"camp militaire"']


def test_evidence_leaves_out_negated_and_absent_terms() -> None:
    assert found("attaque OR assaut OR NOT drone", "une attaque") == ["attaque"]


def test_one_document_serves_several_queries() -> None:
    doc = Document("", "une attaque", "fr")
    assert Query("attaque").match(doc) == ["attaque"]
    assert Query("attaques OR drone").match(doc) == ["attaques (attaque)"]
    assert Query("drone").match(doc) is None
    assert Query("attaque").match(doc) == ["attaque"]


def test_positive_terms_are_the_words_a_match_can_show() -> None:
    """What a rule's evidence and `veille search` highlight: every term but those under NOT."""
    root = Query('(Kidal OR "camp militaire") AND NOT Gao AND attaque').root
    assert [t.text for t in positive_terms(root)] == ["Kidal", "camp militaire", "attaque"]
