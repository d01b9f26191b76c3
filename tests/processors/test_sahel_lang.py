"""Sahel languages: Bambara, Fulfulde, Hausa, Tamasheq recognised; news languages never claimed."""

from __future__ import annotations

import pytest

from bench.items import SENTENCES
from processors.sahel_lang import detect_sahel

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
    ],
}

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
