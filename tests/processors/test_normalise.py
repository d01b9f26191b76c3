"""Normalisation: the text and the lexicon phrases must meet, and evidence keeps the source's words."""

from __future__ import annotations

import pytest

from processors.normalise import BREAK, normalise_word, phrase_norms, rules_for, tokens


def norms(text: str, lang: str, level: str = "stem") -> list[str]:
    return [t.norm for t in tokens(text, lang, level)]


# -- Arabic ----------------------------------------------------------------------------------
def test_arabic_orthography_is_folded():
    # diacritics, tatweel, alef/hamza forms, taa marbuta, alef maqsura
    assert normalise_word("مُسَلَّحٌ", "ar", "fold") == normalise_word("مسلح", "ar", "fold")
    assert normalise_word("اشتبـــاكات", "ar", "fold") == normalise_word("اشتباكات", "ar", "fold")
    assert normalise_word("أمن", "ar", "fold") == normalise_word("امن", "ar", "fold")
    assert normalise_word("إرهاب", "ar", "fold") == normalise_word("ارهاب", "ar", "fold")
    assert normalise_word("آلاف", "ar", "fold") == normalise_word("الاف", "ar", "fold")
    assert normalise_word("مدينة", "ar", "fold") == normalise_word("مدينه", "ar", "fold")
    assert normalise_word("على", "ar", "fold") == normalise_word("علي", "ar", "fold")
    assert normalise_word("مسؤول", "ar", "fold") == normalise_word("مسوول", "ar", "fold")


def test_arabic_indic_digits_and_presentation_forms():
    assert norms("٢٠٢٤ ۱۲", "ar") == ["2024", "12"]
    # PDF text often comes out in presentation forms (ﻻ is the lam-alef ligature)
    assert norms("ﻻ", "ar") == norms("لا", "ar")


@pytest.mark.parametrize("word", [
    "باماكو", "كيدال", "فرنسا", "ليبيا", "بوركينا", "غاو", "موبتي", "تمبكتو", "ميناكا", "سيفاري",
    "مالي", "النيجر", "الجزائر", "موريتانيا", "كاي", "كوليكورو", "سيكاسو", "لبنان",
    "قرب", "اتفاق", "هجوم", "اشتباكات", "مدنيين", "فساد", "بلدية", "لاجئين", "وزير", "بعثة",
])
def test_arabic_clitics_meet_on_both_sides(word):
    """و ف ب ك ل and ال in front of a word (names that begin with one of these letters
    included) give the same norm as the word alone, so lexicon and text meet."""
    alone = normalise_word(word, "ar", "fold")
    bare = word[2:] if word.startswith("ال") else word
    for prefixed in (f"و{word}", f"ب{bare}", f"ل{bare}", f"وب{bare}", f"فال{bare}", f"وال{bare}",
                     f"بال{bare}", f"لل{bare}", f"كال{bare}"):
        assert normalise_word(prefixed, "ar", "fold") == alone, prefixed


def test_arabic_clitic_examples_from_the_issue():
    assert normalise_word("وبالقرب", "ar", "fold") == normalise_word("قرب", "ar", "fold")
    assert normalise_word("لمالي", "ar", "fold") == normalise_word("مالي", "ar", "fold")
    assert phrase_norms("وبالقرب من باماكو", "ar") == phrase_norms("القرب من وباماكو", "ar")


def test_arabic_short_words_keep_their_letters():
    # a clitic letter comes off only if 3 letters remain: negations and small words survive
    for word in ("لم", "لن", "لا", "بين", "بعد", "وقف", "بلد", "فقط"):
        assert normalise_word(word, "ar", "fold") == word


def test_arabic_words_that_would_collide_are_kept_whole():
    assert normalise_word("الفساد", "ar", "fold") != normalise_word("ساد", "ar", "fold")
    assert normalise_word("فدية", "ar", "fold") != normalise_word("بلدية", "ar", "fold")


def test_arabic_light_stem_joins_singular_plural_and_adjectives():
    stem = lambda w: normalise_word(w, "ar", "stem")  # noqa: E731
    assert stem("اشتباكات") == stem("اشتباك") == stem("والاشتباكات")
    assert stem("مظاهرات") == stem("مظاهرة")
    assert stem("غارات") == stem("غارة")
    assert stem("مسلحين") == stem("مسلحون") == stem("مسلح")
    assert stem("الإرهابية") == stem("إرهابي") == stem("الإرهاب")
    assert stem("المدنيين") == stem("مدني")
    assert stem("المدنيين") != stem("المدن")  # civilians are not cities


# -- French and English ----------------------------------------------------------------------
def test_french_accents_elision_and_plurals():
    assert norms("L'Attaque", "fr") == norms("attaques", "fr") == norms("attaqué", "fr")
    assert norms("d'élections", "fr") == norms("élection", "fr")
    assert norms("qu'aujourd'hui", "fr", "fold") == ["aujourd'hui"]
    assert norms("Sévaré", "fr", "fold") == ["sevare"]
    assert norms("l’enlèvement", "fr") == norms("enlèvements", "fr")  # typographic apostrophe


def test_french_stemmer_exceptions_keep_army_apart_from_armed():
    assert norms("armée", "fr") != norms("armés", "fr")
    assert norms("l'armée", "fr") == norms("armées", "fr")


def test_english_inflections_possessive_and_negation():
    assert norms("attacked", "en") == norms("attacks", "en") == norms("attack", "en")
    assert norms("Mali's", "en") == norms("Mali", "en")
    assert norms("didn't", "en") == ["not"]
    assert norms("IEDs", "en") != norms("I", "en")  # no stem shorter than 3 letters


def test_fold_does_not_stem():
    assert norms("attacks", "en", "fold") == ["attacks"]
    assert norms("Élections", "fr", "fold") == ["elections"]


def test_unknown_language_folds_with_generic_rules():
    assert rules_for("bm") == "und" and rules_for("fr-FR") == "fr" and rules_for(None) == "und"
    assert norms("Bamakɔ ka l'AU", "bm") == ["bamakɔ", "ka", "au"]
    assert norms("attacks", "und") == ["attacks"]  # no stemmer for an unknown language
    assert norms("والهجوم", "und") == norms("الهجوم", "ar", "fold")  # Arabic script: Arabic rules


# -- tokens and offsets ----------------------------------------------------------------------
def test_offsets_point_at_the_original_words():
    text = "Selon l'UA, les Élections auront lieu."
    toks = tokens(text, "fr")
    assert [text[t.start:t.end] for t in toks] == ["Selon", "UA", "les", "Élections", "auront",
                                                   "lieu", "."]
    arabic = "وبالقرب من باماكو"
    assert [arabic[t.start:t.end] for t in tokens(arabic, "ar")] == ["وبالقرب", "من", "باماكو"]


def test_sentence_breaks_are_tokens_with_an_empty_norm():
    toks = tokens("Clashes in Gao. Calm in Kidal!\n\nNew paragraph", "en")
    assert [t.norm for t in toks].count(BREAK) == 3
    # a wrapped line (single newline) is no sentence break; decimals neither
    assert BREAK not in norms("armed\nclashes 2.5 million", "en")


def test_tokens_remember_language_and_level():
    toks = tokens("Des attaques", "fr", "fold")
    assert toks.lang == "fr" and toks.level == "fold"


def test_unknown_level_is_refused():
    with pytest.raises(ValueError, match="level"):
        tokens("x", "fr", "lemma")


@pytest.mark.parametrize("lang,language", [("fr", "french"), ("en", "english")])
def test_stemmer_is_the_compiled_one_with_snowballs_stems(lang, language):
    """PyStemmer (a dependency) is what snowballstemmer hands out; its stems are the pure
    Python Snowball stemmer's, so norms do not depend on which one is installed."""
    import importlib

    from processors.normalise import _STEMMERS

    assert type(_STEMMERS[lang]).__module__ == "Stemmer"
    pure = getattr(importlib.import_module(f"snowballstemmer.{language}_stemmer"),
                   f"{language.capitalize()}Stemmer")()
    words = ["attaques", "attaqué", "déplacés", "affrontements", "manifestations", "enlevés",
             "killed", "attacks", "displaced", "abductions", "demonstrators", "clashes"]
    assert [_STEMMERS[lang].stemWord(w) for w in words] == [pure.stemWord(w) for w in words]
