"""The phrase matcher: whole words only, longest first, the text's language, case when asked."""

from __future__ import annotations

import pytest

from processors.matcher import Match, Matcher, MatcherGroup
from processors.normalise import analyse, tokens


@pytest.fixture
def places() -> Matcher:
    m = Matcher("fold")
    for name, key in (("Gao", "gao"), ("غاو", "gao"), ("Bamako", "bamako"), ("باماكو", "bamako"),
                      ("Tombouctou", "timbuktu"), ("Timbuktu", "timbuktu"), ("تمبكتو", "timbuktu"),
                      ("Burkina Faso", "bf"), ("Niger", "niger"), ("النيجر", "niger")):
        m.add(name, None, key)
    return m


def test_whole_words_only(places):
    assert places.find("Gaoussou Diarra a visité Gao.", "fr") == [
        Match("gao", 25, 28, "Gao", 4, 4)]
    assert places.find("Nigeria and Niger", "en")[0].surface == "Niger"


def test_all_three_languages_and_prefixed_arabic(places):
    assert [m.payload for m in places.find("Attaque près de Tombouctou", "fr")] == ["timbuktu"]
    assert [m.payload for m in places.find("Clashes near Timbuktu", "en")] == ["timbuktu"]
    found = places.find("وصل الوفد إلى باماكو ثم توجه إلى تمبكتو وبغاو والنيجر", "ar")
    assert [(m.payload, m.surface) for m in found] == [
        ("bamako", "باماكو"), ("timbuktu", "تمبكتو"), ("gao", "وبغاو"), ("niger", "والنيجر")]


def test_multi_word_phrase_and_offsets(places):
    text = "Au Burkina  Faso, puis à Bamako"
    (bf, bko) = places.find(text, "fr")
    assert bf.payload == "bf" and bf.surface == "Burkina  Faso" and text[bf.start:bf.end] == bf.surface
    assert (bf.first_token, bf.last_token) == (1, 2)
    assert bko.first_token == 5  # "Au Burkina Faso puis à Bamako": commas are no tokens


def test_longest_match_wins_and_order_is_textual():
    m = Matcher("stem")
    m.add("accord", "fr", "accord")
    m.add("accord de paix", "fr", "peace")
    m.add("paix", "fr", "paix")
    found = m.find("La paix, puis l'accord de paix et un accord.", "fr")
    assert [(x.payload, x.surface) for x in found] == [
        ("paix", "paix"), ("peace", "accord de paix"), ("accord", "accord")]


def test_same_phrase_several_payloads():
    m = Matcher()
    m.add("attack", "en", "a")
    m.add("attacks", "en", "b")  # same norm: both payloads, on the same span
    assert [x.payload for x in m.find("The attacked convoy", "en")] == ["a", "b"]


def test_phrases_stay_in_their_language():
    m = Matcher()
    m.add("attaque", "fr", "fr-only")
    m.add("MINUSMA", None, "everywhere")
    assert [x.payload for x in m.find("attaque de la MINUSMA", "fr")] == ["fr-only", "everywhere"]
    assert [x.payload for x in m.find("attaque on MINUSMA", "en")] == ["everywhere"]
    assert [x.payload for x in m.find("attaque MINUSMA", "bm")] == ["everywhere"]


def test_no_match_across_a_sentence_break():
    m = Matcher()
    m.add("armed clashes", "en", "x")
    assert m.find("They were armed. Clashes followed.", "en") == []
    assert len(m.find("They were armed\nclashes followed.", "en")) == 1  # a wrapped line


def test_case_sensitive_acronyms():
    m = Matcher("fold")
    m.add("AU", None, "african-union", case_sensitive=True)
    m.add("UA", None, "african-union", case_sensitive=True)
    text = "Au Mali, l'UA et l'AU ont parlé au peuple. AU."
    found = m.find(text, "fr")
    assert [x.surface for x in found] == ["UA", "AU", "AU"]
    assert m.find("au revoir", "fr") == []


def test_find_tokens_uses_the_tokens_language_and_level(places):
    text = "Des renforts arrivent à Gao"
    toks = tokens(text, "fr", "fold")
    assert places.find_tokens(toks, text) == places.find(text, "fr")
    with pytest.raises(ValueError, match="level"):
        places.find_tokens(tokens(text, "fr", "stem"), text)


def test_empty_inputs():
    m = Matcher()
    assert m.find("anything", "en") == []
    m.add("x ray", "en", 1)
    assert m.find("", "en") == []
    with pytest.raises(ValueError, match="no words"):
        m.add(" ... ", "en", 1)
    with pytest.raises(ValueError, match="level"):
        Matcher("lemma")


def test_a_group_scans_as_each_matcher_alone():
    """One pass for several matchers (the labels' cues, events, topics): each member's matches
    as its own `scan` gives them, with overlaps resolved within the member only, a phrase
    shared by members, case-sensitive phrases, and phrases added after the first scan."""
    cues, events, topics = Matcher("stem"), Matcher("stem"), Matcher("stem")
    cues.add("pas", "fr", "neg")
    cues.add("AU", "fr", "org", case_sensitive=True)
    events.add("attaque", "fr", "attack")
    events.add("attaque armée", "fr", "armed-attack")
    events.add("armée malienne", "fr", "army")
    topics.add("armée", "fr", "security")
    topics.add("attaque", "fr", "security")
    group = MatcherGroup(cues, events, topics)
    texts = ["Il n'y a pas eu d'attaque armée malienne au centre. AU et au Mali.",
             "L'armée malienne dément une attaque armée ; pas d'attaque, dit l'AU."]
    for text in texts:
        an = analyse(text, "fr", "stem")
        assert group.scan(an) == [cues.scan(an), events.scan(an), topics.scan(an)]
    assert [p for _, _, ps in group.scan(analyse(texts[1], "fr", "stem"))[1] for p in ps] == [
        "army", "armed-attack", "attack"]
    topics.add("dément", "fr", "politics")  # added after the group was built
    an = analyse(texts[1], "fr", "stem")
    assert group.scan(an)[2] == topics.scan(an)
    assert "politics" in [p for _, _, ps in group.scan(an)[2] for p in ps]
    with pytest.raises(ValueError):
        MatcherGroup(Matcher("stem"), Matcher("fold"))
