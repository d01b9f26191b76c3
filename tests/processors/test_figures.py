"""Figures: the people killed, wounded, abducted and displaced that a text states."""

from __future__ import annotations

import pytest

from processors.figures import extract_figures


def counts(text: str, lang: str) -> dict[str, int]:
    figures = extract_figures(text, lang)
    return {k: v for k, v in figures.model_dump(exclude={"evidence", "approximate"}).items()
            if v is not None}


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("fr", "Au moins 12 morts dans une attaque près de Ménaka.", {"killed": 12}),
        (
            "fr",
            "Douze personnes ont été tuées et trois autres blessées mardi à Gao.",
            {"killed": 12, "wounded": 3},
        ),
        (
            "fr",
            "Selon OCHA, les combats ont fait 30 000 déplacés dans le cercle d'Ansongo.",
            {"displaced": 30000},
        ),
        (
            "fr",
            "L'enlèvement de 5 personnes a été signalé sur l'axe Ségou-Markala.",
            {"abducted": 5},
        ),
        ("fr", "Une dizaine de personnes ont été enlevées par des hommes armés.", {"abducted": 10}),
        (
            "fr",
            "Des hommes armés ont tué 12 civils et blessé 7 autres à Bankass.",
            {"killed": 12, "wounded": 7},
        ),
        (
            "fr",
            "Un soldat a été tué et deux autres blessés dans l'embuscade.",
            {"killed": 1, "wounded": 2},
        ),
        (
            "fr",
            "Vingt-cinq soldats maliens ont perdu la vie dans l'attaque de Boulkessi.",
            {"killed": 25},
        ),
        ("fr", "Quatre-vingt-dix civils tués, selon un élu local.", {"killed": 90}),
        (
            "fr",
            "Les affrontements ont entraîné le déplacement de plus de 1 200 personnes.",
            {"displaced": 1200},
        ),
        (
            "fr",
            "Le bilan provisoire de 3 blessés a été confirmé par la gendarmerie.",
            {"wounded": 3},
        ),
        ("en", "Gunmen killed at least 20 civilians in central Mali on Sunday.", {"killed": 20}),
        (
            "en",
            "20 civilians were killed and 15 wounded in the attack near Bandiagara.",
            {"killed": 20, "wounded": 15},
        ),
        ("en", "Militants abducted 3 aid workers near Timbuktu.", {"abducted": 3}),
        ("en", "The fighting displaced 30,000 people, UNHCR said.", {"displaced": 30000}),
        (
            "en",
            "A soldier was killed and dozens of people were injured.",
            {"killed": 1},
        ),
        ("en", "The death toll rose to 45 on Tuesday, officials said.", {"killed": 45}),
        ("en", "Twelve peacekeepers were wounded when their convoy hit a mine.", {"wounded": 12}),
        ("ar", "أسفر الهجوم عن سقوط 7 قتلى و3 جرحى.", {"killed": 7, "wounded": 3}),
        ("ar", "أعلن الجيش مقتل ١٥ شخصا في هجوم قرب ميناكا.", {"killed": 15}),
        ("ar", "اختطاف 5 أشخاص على الطريق بين غاو وميناكا.", {"abducted": 5}),
        ("ar", "أدى القتال إلى نزوح 30 ألف شخص.", {"displaced": 30000}),
        ("ar", "قُتل جنديين في الهجوم على الثكنة.", {"killed": 2}),
        ("ar", "قتل مسلحون 20 مدنيا على الأقل في قرية قرب موبتي.", {"killed": 20}),
        ("ar", "مقتل خمسة وعشرين جنديا وإصابة عشرات آخرين.", {"killed": 25}),
        ("ar", "لقي 12 شخصا حتفهم في الانفجار.", {"killed": 12}),
    ],
)
def test_figures_in_three_languages(lang: str, text: str, expected: dict[str, int]) -> None:
    assert counts(text, lang) == expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("fr", "Des dizaines de civils tués dans le centre du Mali.", {"killed": (20, 99)}),
        ("en", "A soldier was killed and dozens of people were injured.", {"wounded": (24, 119)}),
        ("en", "The attack killed dozens and displaced thousands, local officials said.",
         {"killed": (24, 119), "displaced": (2000, 9999)}),
        ("fr", "Des milliers de personnes ont fui les combats.", {"displaced": (2000, 9999)}),
        ("ar", "مقتل خمسة وعشرين جنديا وإصابة عشرات آخرين.", {"wounded": (20, 99)}),
        ("ar", "وصلت آلاف الأسر النازحة إلى موبتي خلال الأسابيع الماضية.", {"displaced": (2000, 9999)}),
        ("ar", "نزوح عشرات الآلاف من السكان بسبب المعارك.", {"displaced": (20000, 99999)}),
        ("ar", "قتل الآلاف في أعمال العنف.", {"killed": (2000, 9999)}),
    ],
)
def test_vague_quantities_are_ranges_not_counts(lang: str, text: str, expected: dict) -> None:
    """ "Dozens", "des milliers", "الآلاف" say how large, not how many: a range, never a figure."""
    figures = extract_figures(text, lang)
    assert not set(counts(text, lang)) & set(expected)
    assert {k: tuple(v) for k, v in figures.approximate.items()} == expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "Gunmen killed 12 villagers in Ogossagou on Sunday. Since 2012 the conflict has "
               "killed more than 10,000 people and displaced 400,000.", {"killed": 12}),
        ("fr", "Trois soldats ont été tués lundi près de Boni. Depuis 2012, les violences ont fait "
               "plus de 5 000 morts et 350 000 déplacés.", {"killed": 3}),
        ("fr", "Le Mali est confronté depuis le début de la crise à des attaques qui ont fait "
               "des milliers de morts.", {}),
        ("ar", "قتل 7 مدنيين في هجوم على قرية قرب باندياغارا. ومنذ عام 2012 قتل أكثر من 10 آلاف شخص.",
         {"killed": 7}),
        ("en", "Over the past decade, 2,000 people were killed in the region.", {}),
        ("en", "Soldiers killed 5 militants near Anderamboukane. Mali has been battling insurgents "
               "since 2012. The violence has spread to Burkina Faso and Niger, killing thousands "
               "and displacing millions across the Sahel.", {"killed": 5}),
        ("fr", "Deux civils ont été tués mardi à Diafarabé. Le village avait déjà été attaqué, "
               "une attaque qui avait fait 20 morts.", {"killed": 2}),
        ("ar", "قتل 4 جنود في كمين قرب ديورا. وسبق أن قتل 30 جنديا في هجوم على المعسكر نفسه.",
         {"killed": 4}),
        # an annual report counts its period: "last year" is not background
        ("en", "At least 78 children were abducted by armed groups in Mali last year, the report "
               "says.", {"abducted": 78}),
    ],
)
def test_background_sentences_do_not_count(lang: str, text: str, expected: dict) -> None:
    figures = extract_figures(text, lang)
    assert counts(text, lang) == expected
    assert not figures.approximate


def test_evidence_quotes_the_source_words() -> None:
    figures = extract_figures("Selon la MINUSMA, au moins 12 MORTS et 3 blessés à Ménaka.", "fr")
    assert figures.evidence == ["12 MORTS", "3 blessés"]
    arabic = extract_figures("أعلن الجيش مقتل ١٥ شخصاً في الهجوم.", "ar")
    assert arabic.killed == 15 and arabic.evidence == ["مقتل ١٥ شخصا"]  # short vowels dropped


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("fr", "L'explosion n'a fait aucune victime, selon l'armée."),
        ("en", "No casualties were reported after the shelling of the camp."),
        ("ar", "لم يسفر الانفجار عن وقوع إصابات بحسب مصدر أمني."),
    ],
)
def test_an_explicit_negation_is_zero(lang: str, text: str) -> None:
    assert counts(text, lang) == {"killed": 0, "wounded": 0}


def test_silence_is_none_and_vague_words_are_no_figure() -> None:
    assert counts("Le Conseil de sécurité a prorogé le mandat de la mission.", "fr") == {}
    assert counts("Plusieurs personnes ont été tuées lundi.", "fr") == {}
    assert counts("أفادت التقارير بمقتل عدة أشخاص وإصابة آخرين في الهجوم قرب غاو.", "ar") == {}
    assert extract_figures("", "en").killed is None


def test_the_maximum_of_restated_figures_is_kept() -> None:
    text = "At least 12 people were killed in the attack. Later the death toll rose to 15."
    assert counts(text, "en") == {"killed": 15}


def test_a_stated_toll_beats_a_negation_elsewhere() -> None:
    text = "Aucune victime n'est à déplorer à Gao. À Ménaka, 4 morts ont été recensés."
    assert counts(text, "fr") == {"killed": 4, "wounded": 0}


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Armed men killed 3 days ago in Gao are being buried."),  # a unit follows
        ("en", "In 2019 displaced families started returning."),  # a year
        ("fr", "Les déplacés arrivés le 12 mars sont logés à l'école."),  # a date
        ("fr", "Le 12 mars, des blessés ont été évacués vers Sévaré."),
        ("en", "Resolution 2690 was adopted; the mission withdrew 13,000 troops."),
        ("ar", "قتل 3 أيام بعد وصوله إلى غاو."),
    ],
)
def test_units_dates_and_years_are_not_people(lang: str, text: str) -> None:
    assert counts(text, lang) == {}


def test_the_number_belongs_to_the_victims_not_to_the_attackers() -> None:
    assert counts("Two attacks killed 5 people near Gao.", "en") == {"killed": 5}
    assert counts("Two gunmen killed 20 villagers.", "en") == {"killed": 20}
    assert counts("Deux hommes armés ont tué 12 civils.", "fr") == {"killed": 12}


def test_digit_styles() -> None:
    assert counts("1,200 people were displaced.", "en") == {"displaced": 1200}
    assert counts("1 200 déplacés, dont 300 enfants.", "fr") == {"displaced": 1200}
    assert counts("Près de 1,5 million de déplacés internes au Sahel.", "fr") == {
        "displaced": 1500000
    }
    assert counts("نزوح ٣٠٠٠ شخص", "ar") == {"displaced": 3000}


def test_unknown_language_uses_the_script() -> None:
    assert counts("مقتل 4 أشخاص في غاو", "und") == {"killed": 4}
    assert counts("At least 9 killed, dont 2 enfants.", "und") == {"killed": 9}
