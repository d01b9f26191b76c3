"""Sahel languages: Bambara, Fulfulde, Hausa, Songhay, Tamasheq recognised; news never claimed.

The held-out measurement (tests/eval/sahel/heldout/, real public text never copied into the
profiles; sources in tests/eval/sahel/README.md) is held here: each language called ar/fr/en
in at most 2 % of its lines, whole and cut to its first 10 words (a headline, a short post),
with no declared language and with `fr` declared (Studio Tamani declares fr on its Bambara and
Tamasheq bulletins); news sentences in ar/fr/en never given a Sahel code, whole or cut. Figures
and method: docs/language-identification.md, `python bench/sahel_lang.py --words 10`.
"""

from __future__ import annotations

import pytest

from processors.language import identify
from processors.sahel_lang import detect_sahel
from tests.support.items import SENTENCES
from tests.support.sahel_sets import NEWS_LANGUAGES, SAHEL_SETS, cut, measure, news_set, sahel_set

# Sentences not in the training samples of processors/data/sahel_lang/.
SAHEL = {
    "bm": [
        "Sɔrɔdasiw ye marifatigi caman minɛ Sikaso mara la.",
        "Kalanso kura dɔ dayɛlɛla dugu in kɔnɔ bi.",
        "Ne fa bɛ sɛnɛ kɛ, ne ba bɛ feere kɛ sugu la.",
        "Jamana tigi ko kalata bɛna kɛ san nata daminɛ na.",
        "Mogow ye u ka dugu bila ka boli, u siranna kosebe.",  # without ɛ ɔ
    ],
    "ff": [
        "Hare ndee waɗii e wuro Jafaraabe, yimɓe njoyo mbaraama.",
        "Laamu ngu wiyi ko ɓe ndokkay ballal to yimɓe ɓe ndoggi ɓen.",
        "Miɗo yiɗi anndude ko waɗi e Mopti hannde.",
        "Aynaaɓe ɓee mbiyi ko na'i maɓɓe ngujjaama.",
    ],
    "ha": [
        "An kai hari a wani sansanin soja da ke arewacin Mali.",
        "Mutane da dama sun rasa rayukansu sakamakon ambaliyar ruwa.",
        "Shugaban gwamnatin riƙon ƙwarya ya yi jawabi ga al'ummar ƙasar.",
        "Ba a san adadin mutanen da suka mutu ba har yanzu.",
    ],
    "tmh": [
        "Ǝddunet ǝn ăɣrem ǝnnăn ăs ur ǝlin ăman.",
        "Ǝmǝnokal iǝnna ăs ad ǝgmăyăn ălxer dăɣ ăkal.",
        "Ilǝmmǝdăn ǝkkăn ǝlmǝdrăsăt dăɣ Tinbuktu.",
        "Ǝššǝɣǝl n ăɣrem ăjǝn.",  # four words, no frequent word: its letters decide
    ],
    "ses": [  # Koyraboro Senni and Zarma, from the held-out set
        "Nda hardi doo, a ga žiboo doori, koyraa adabbawey g'a haŋ, addamiinayzey da ga wirci.",
        "Woo ka kate Serwal, Barkan, MINUSMA nda soojakuru dumey kul kaŋ goo laboo ra.",
        "Ay nda ay kayne ga koy lokkol.",
    ],
}

# Tifinagh (U+2D30–U+2D7F): Tamasheq's own script; Neo-Tifinagh Tamazight counts the same.
TIFINAGH = [
    "ⴽⵓ ⵢⴰⵏ ⵉⵍⵍⴰ ⴷⴰⵔⵙ ⵓⵣⵔⴼ ⵖ ⵜⵓⴷⵔⵜ ⴷ ⵜⴷⵔⴼⵉⵜ ⴷ ⵜⵏⴼⵔⵓⵜ ⵜⴰⵏⵉⵎⴰⵏⵜ.",  # UDHR zgh, art. 3
    "ⵜⴰⵎⴰⵛⴰⵇ",  # one word: the script alone decides
    "Tinariwen ⵜⵉⵏⴰⵔⵉⵡⴻⵏ ⴰⵙⵓⴼ ⴷ ⴰⵍⵖⵓⵔ ⵏ ⴰⴷⵔⴰⵔ",
]

# Held-out floors. Called ar/fr/en: ≤ 2 % everywhere (issue 11), whole lines and first 10
# words, with and without a declared `fr`. Exact code: a little under the measured figures
# (whole lines bm 99 %, ff 92 %, ha 84 %, ses 69 %, tmh 99 %, Tifinagh 100 %; at 10 words
# bm 99 %, ff 94 %, ha 80 %, ses 67 %, tmh 99 %), so a regression shows; raise them when the
# figures rise.
MAX_NEWS_SHARE = 0.02
MIN_EXACT = {"bm": 0.95, "ff": 0.88, "ha": 0.8, "ses": 0.6, "tmh": 0.95, "tmh_tfng": 1.0}
SHORT_WORDS = 10
MIN_EXACT_SHORT = {"bm": 0.95, "ff": 0.88, "ha": 0.75, "ses": 0.6, "tmh": 0.95, "tmh_tfng": 1.0}
# ar/fr/en news sentences kept in their language by the whole identifier. English headlines
# of 5–8 words fall to `und` (lingua under MIN_CONFIDENCE, 12 of 200 held-out): not a Sahel
# matter, since no news sentence gets a Sahel code (test below).
MIN_KEPT = {"ar": 0.99, "fr": 0.99, "en": 0.93}

NEWS = [
    *SENTENCES["fr"],
    *SENTENCES["en"],
    *SENTENCES["ar"],
    "Des hommes armés ont attaqué un poste de la gendarmerie près de Ménaka, faisant plusieurs morts.",
    "Mali : le JNIM revendique l'attaque de Boulkessi, Amadou Koufa et la Katiba Macina mis en cause.",
    "Ansar Dine, Kel Adagh, Iyad Ag Ghaly, Ba Ag Moussa et Ag Intalla à Kidal.",
    "Bamako, le 12 juin. Communiqué du Gouvernement de la Transition sur la situation à Ségou et Kati.",
    "Moussa Traoré, Modibo Keïta, Amadou Toumani Touré et Ibrahim Boubacar Keïta.",
    "Dans la région de Ménaka, les populations de Tidermène, Inékar et Anderamboukane ont fui.",
    "Radio Kledu, Studio Tamani, Radio Jamana et Kunafoni ont relayé l'appel au calme.",
    "La Division des Affaires Politiques travaille à l'appui au dialogue politique et à la réconciliation.",
    "Réunion d'échange entre l'AIGE et la Société Civile : une étape vers des élections apaisées au Mali.",
    "Fulani herders and Dogon farmers clashed near Koro, the Dan Na Ambassagou militia said.",
    "Tuareg separatists of the CSP-DPA (Kel Ansar, Imghad) took control of Ber and Anefis.",
    "Jama'at Nusrat al-Islam wal-Muslimin (JNIM) claimed responsibility for the ambush.",
    "The withdrawal of MINUSMA is feared to cause a severe deterioration of the security situation.",
    "Sahel: Hausa, Fulfulde, Bambara and Tamasheq are spoken across the region, e.g. 'i ni ce'.",
    "رسالة مؤرخة 1 حزيران/يونيه 2020 موجهة من الأمين العام إلى رئيس مجلس الأمن",
    "اجتماع فريق الاتصال لمنظمة التعاون الإسلامي المعني بمالي على هامش الاجتماع التنسيقي السنوي",
    "قال المتحدث باسم الحكومة إن الهجوم أسفر عن مقتل عدة أشخاص في منطقة موبتي.",
]

OTHER_LANGUAGES = [
    "Watu kumi na wawili wameuawa katika shambulio karibu na mji wa Gao, maafisa walisema.",
    "Àwọn ọkùnrin tí wọ́n dìhámọ́ra kọlu abúlé kan ní ìhà àríwá Mali ní ọjọ́ Ìṣẹ́gun.",
    "Homens armados mataram doze pessoas numa aldeia perto de Gao, disseram as autoridades.",
    "Hombres armados mataron a doce personas en una aldea cerca de Gao, según las autoridades.",
    "Bewaffnete Männer haben zwölf Menschen in einem Dorf bei Gao getötet.",
    "Dowladda ayaa sheegtay in dad badan lagu dilay weerarka.",
]


@pytest.mark.parametrize(
    ("lang", "text"), [(lang, t) for lang, texts in SAHEL.items() for t in texts]
)
def test_sahel_languages_are_recognised(lang: str, text: str) -> None:
    found = detect_sahel(text)
    assert found is not None and found[0] == lang and 0.8 <= found[1] <= 1.0


@pytest.mark.parametrize("text", NEWS + OTHER_LANGUAGES)
def test_news_and_other_languages_are_never_claimed(text: str) -> None:
    assert detect_sahel(text) is None


# Short French headlines, names of the region included: never a Sahel code, always fr.
FRENCH_HEADLINES = [
    "Mali : attaque meurtrière près de Ménaka",
    "Kidal : retour de l'administration",
    "Tombouctou : le blocus se poursuit",
    "Ségou : des déplacés arrivent à Niono",
    "Assimi Goïta reçoit la classe politique",
    "Le ministre attendu à Tessalit ce lundi",
    "Gao : la MINUSMA quitte le camp",
    "Bamako : hausse du prix du riz",
]


@pytest.mark.parametrize("text", FRENCH_HEADLINES)
def test_short_french_headlines_stay_french(text: str) -> None:
    assert detect_sahel(text) is None
    assert identify(text, "fr").code == "fr"


def test_too_short_or_empty_is_none() -> None:
    assert detect_sahel("I ni ce") is None
    assert detect_sahel("") is None
    assert detect_sahel("12 34 56 78") is None


def test_a_french_article_quoting_bambara_stays_french() -> None:
    text = (
        "« An ka jɛ », a lancé le ministre lors de la cérémonie à Bamako, appelant les Maliens à "
        "l'unité face aux défis sécuritaires que connaît le pays depuis plus de dix ans."
    )
    assert detect_sahel(text) is None


@pytest.mark.parametrize("text", TIFINAGH)
def test_tifinagh_is_tamasheq(text: str) -> None:
    assert detect_sahel(text) == ("tmh", 0.99)
    assert identify(text).code == "tmh"


def test_a_latin_text_with_one_tifinagh_name_is_not_tifinagh() -> None:
    text = "Le festival Tinariwen (ⵜⵉⵏⴰⵔⵉⵡⴻⵏ) aura lieu à Kidal en janvier avec plusieurs groupes."
    assert detect_sahel(text) is None


@pytest.mark.parametrize(("name", "expected"), list(SAHEL_SETS.items()))
def test_heldout_sahel_text_is_not_called_arabic_french_or_english(name: str, expected: str) -> None:
    texts = sahel_set(name)
    assert len(texts) >= 30, f"held-out set {name} too small"
    row = measure(name, texts, expected)
    assert row.news_by_veille <= MAX_NEWS_SHARE, f"{name}: {row.news_by_veille:.1%} called ar/fr/en"
    assert row.news_declared_fr <= MAX_NEWS_SHARE, f"{name}: {row.news_declared_fr:.1%} with fr declared"
    assert row.exact >= MIN_EXACT[name], f"{name}: {row.exact:.1%} given {expected}"


@pytest.mark.parametrize(("name", "expected"), list(SAHEL_SETS.items()))
def test_short_heldout_sahel_text_is_not_called_arabic_french_or_english(
    name: str, expected: str
) -> None:
    """The first 10 words of each held-out line: where the one-in-ten of issue 11 came from."""
    row = measure(name, sahel_set(name), expected, words=SHORT_WORDS)
    assert row.news_by_veille <= MAX_NEWS_SHARE, f"{name}: {row.news_by_veille:.1%} called ar/fr/en"
    assert row.news_declared_fr <= MAX_NEWS_SHARE, f"{name}: {row.news_declared_fr:.1%} with fr declared"
    assert row.exact >= MIN_EXACT_SHORT[name], f"{name}: {row.exact:.1%} given {expected}"


@pytest.mark.parametrize("words", [None, 10, 6])
@pytest.mark.parametrize("split", ["heldout", "train"])
@pytest.mark.parametrize("lang", NEWS_LANGUAGES)
def test_news_sentences_are_never_claimed(lang: str, split: str, words: int | None) -> None:
    texts = [cut(t, words) for t in news_set(lang, split)]
    assert len(texts) >= 100
    claimed = [t for t in texts if detect_sahel(t) is not None]
    assert not claimed, claimed[:3]


@pytest.mark.parametrize("lang", NEWS_LANGUAGES)
def test_news_sentences_keep_their_language(lang: str) -> None:
    row = measure(lang, news_set(lang), lang)
    assert row.exact >= MIN_KEPT[lang], f"{lang}: {row.exact:.1%} kept"
