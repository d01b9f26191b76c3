"""The names of labels and the fixed words of messages exist in every message language, for
every label the classifiers give (a new label without names would reach readers as an id)."""

from __future__ import annotations

import pytest

from sinks.alerts.wording import (
    LANGUAGES,
    is_rtl,
    label_name,
    label_names,
    message_language,
    word,
    word_keys,
)
from veille.schema import EVENT_TYPES, TOPICS


@pytest.mark.parametrize(("kind", "labels"), [("event_types", EVENT_TYPES), ("topics", TOPICS)])
def test_every_label_has_a_name_in_each_language(kind, labels) -> None:
    names = label_names(kind)
    assert set(names) == set(labels)
    for label, by_language in names.items():
        assert set(by_language) == set(LANGUAGES), label
        assert all(n.strip() and "_" not in n for n in by_language.values()), label


def test_every_message_word_exists_in_each_language() -> None:
    for key, by_language in word_keys().items():
        assert set(by_language) == set(LANGUAGES), key


def test_names_follow_the_alerts_language() -> None:
    assert label_name("event_types", "attack_on_civilians", "fr") == "Attaque contre des civils"
    assert label_name("event_types", "attack_on_civilians", "ar") == "هجوم على مدنيين"
    assert label_name("event_types", "attack_on_civilians", "bm") == "Attack on civilians"  # Bambara: English
    assert label_name("topics", "not_a_label", "fr") == "not a label"
    assert message_language("fr-ML") == "fr" and message_language("und") == "en"
    assert is_rtl("ar") and not is_rtl("fr")
    assert word("digest_title", "fr", n=3, rule="r") == "3 alertes pour la règle r"
