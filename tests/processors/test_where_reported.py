"""Where the event happened, as reporters write it (places round 7, docs/places-and-orgs.md):
the regions of 2023, lists called villages, where people fled, and the other rules of the
round, each in the languages where it applies. Sentences written here, not taken from the
evaluation sets."""

from __future__ import annotations

import pytest

from processors.labels import classify_labels
from processors.places import find_places


def found(text: str, lang: str) -> list[str]:
    """The places as the classifier asks for them: with the event labels' phrases and spans."""
    spans: list = []
    events, _ = classify_labels(text, lang, "", 2024, spans)
    places = find_places(text, lang, "", [(e, label.score) for label in events
                                          for e in label.evidence], spans)
    return [p.name for p in places]


@pytest.mark.parametrize(("text", "lang"), [
    ("Dans la région de Bandiagara, l'armée a riposté à une attaque à Diallassagou.", "fr"),
    ("In the Bandiagara region, the army repelled an attack at Diallassagou.", "en"),
    ("في ولاية باندياغارا، صد الجيش هجوما على ديالاساغو.", "ar"),
])
def test_a_region_of_2023_is_a_region_not_its_capital(text: str, lang: str) -> None:
    # a region named first no longer passes the town where the attack was
    assert found(text, lang) == ["Diallassagou", "Bandiagara"]


def test_a_region_of_2023_keeps_the_eleven_as_admin1() -> None:
    [place] = find_places("Des affrontements ont eu lieu dans la région de Koutiala.", "fr")
    assert (place.name, place.admin1, place.admin2) == ("Koutiala", "Sikasso", None)
    # its capital stays a town, not weighed down as the eleven's capitals are: Koutiala passes
    # Sikasso, named as often and first
    text = "Des tirs à Sikasso et à Koutiala. Koutiala et Sikasso sont calmes."
    assert [p.name for p in find_places(text, "fr")] == ["Koutiala", "Sikasso"]
    # the Arabic منطقة X is "the area of X": the town, as before
    [place] = find_places("هجوم في منطقة دوينتزا", "ar")
    assert place.name == "Douentza" and place.lat is not None


@pytest.mark.parametrize(("text", "lang"), [
    ("Des hommes armés ont incendié les villages de Dinangourou et d'Akoumbourou.", "fr"),
    ("Gunmen burned the villages of Dinangourou and Akoumbourou.", "en"),
    ("أحرق مسلحون قرى دينانغورو وأكومبورو", "ar"),
])
def test_places_listed_as_villages_keep_the_order_of_the_list(text: str, lang: str) -> None:
    # Dinangourou is a commune's seat: listed as one of the villages it ranks as a village,
    # and the list's first comes first
    assert found(text, lang) == ["Dinangourou", "Akoumbourou"]


def test_peoples_in_the_plural_are_not_villages() -> None:
    text = "Les chefs de villages Peulhs et Dogons se sont réunis à Koro."
    assert [p.name for p in find_places(text, "fr")] == ["Koro"]


@pytest.mark.parametrize(("text", "lang"), [
    ("Après l'attaque, les habitants ont fui pour se réfugier à Douentza. Le village de "
     "Sobane Da avait été attaqué la veille.", "fr"),
    ("After the attack, residents fled to Douentza. Gunmen had attacked the village of "
     "Sobane Da the day before.", "en"),
    ("بعد الهجوم فر السكان إلى مدينة دوينتزا. وكان مسلحون قد هاجموا قرية سوباني دا في "
     "اليوم السابق.", "ar"),
])
def test_where_people_fled_is_not_the_event_place(text: str, lang: str) -> None:
    # the town people fled to is not the place of the lead event: the village attacked stays first
    assert found(text, lang) == ["Sobane Da", "Douentza"]


def test_an_arabic_event_noun_then_which_occurred_anchors_the_place() -> None:
    # "الهجوم الذي وقع ... في X" (the attack which occurred in X) says where, as "وقع الهجوم"
    text = "قتل عشرة جنود في نيونو في الهجوم الذي وقع صباح الاثنين في ديابالي، بحسب سكان نيونو."
    assert found(text, "ar") == ["Diabaly", "Niono"]
    # another verb after the relative is no anchor: Niono, named twice, stays first
    assert found(text.replace("وقع صباح الاثنين في", "استهدف صباح الاثنين"), "ar") == [
        "Niono", "Diabaly"]


@pytest.mark.parametrize(("text", "lang"), [
    ("Gunmen attacked Sokolo on Monday, killing six soldiers. Another attack occurred overnight "
     "in Mopti.", "en"),
    ("Des hommes armés ont attaqué Sokolo lundi, tuant six soldats. Une autre attaque a eu lieu "
     "dans la nuit à Mopti.", "fr"),
    ("هاجم مسلحون سوكولو يوم الاثنين وقتلوا ستة جنود. ووقع الهجوم الثاني ليلا في موبتي.", "ar"),
])
def test_where_another_event_took_place_does_not_move_first(text: str, lang: str) -> None:
    assert found(text, lang) == ["Sokolo", "Mopti"]


def test_the_event_itself_taking_place_still_moves_first() -> None:
    text = ("Gunmen attacked Sokolo on Monday, killing six soldiers. The attack took place "
            "overnight in Mopti.")
    assert found(text, "en") == ["Mopti", "Sokolo"]
    # an adverb after the phrase is no other event ("occurred earlier than first reported")
    text = ("Gunmen attacked Sokolo on Monday, killing six soldiers. The attack occurred earlier "
            "than first reported, in Mopti.")
    assert found(text, "en") == ["Mopti", "Sokolo"]


def test_an_arabic_place_word_with_the_article_introduces_no_name() -> None:
    # "من القرية مسرعين": out of the village (named before), hurrying; no place "مسرعين"
    text = "هاجم مسلحون قرية ديالاساغو في منطقة موبتي، ثم خرجوا من القرية مسرعين."
    assert [p.name for p in find_places(text, "ar")] == ["Diallassagou", "Mopti"]


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("Des accords de paix ont été signés dans les cercles de Macina, Djenné et San, selon un "
     "document officiel.", "fr", ["Macina", "Djenné", "San"]),
    ("Peace agreements were signed in the circles of Macina, Djenné and San, an official "
     "document says.", "en", ["Macina", "Djenné", "San"]),
    ("Des déplacés dans les cercles de Djenné et de Ténenkou, et à Niono.", "fr",
     ["Niono", "Djenné", "Ténenkou"]),
    ("Thousands were displaced in the circles of Bankass and Ténenkou, and in Niono.", "en",
     ["Niono", "Bankass", "Ténenkou"]),
    ("نزح آلاف السكان في دوائر بانكاس وتيننكو، وفي مدينة نيونو.", "ar",
     ["Niono", "Bankass", "Ténenkou"]),
])
def test_seats_listed_after_the_cercles_of_are_the_cercles(text, lang, expected) -> None:
    # cercles: in the list's order, after a town named elsewhere (more specific)
    assert found(text, lang) == expected


@pytest.mark.parametrize(("text", "lang", "where"), [
    ("Des hommes armés ont tué trois civils dans la région de Douentza, à 800 km de Bamako.",
     "fr", "Douentza"),
    ("Gunmen killed three civilians in the San region, around 250 miles from Bamako.", "en",
     "San"),
    ("قتل مسلحون ثلاثة مدنيين في ولاية دوينتزا، على بعد 800 كلم من باماكو.", "ar", "Douentza"),
])
def test_the_capital_measured_from_comes_after_the_events_place(text, lang, where) -> None:
    # "N km from Bamako" locates for the reader, as a dateline does: the region comes first
    assert found(text, lang) == [where, "Bamako"]


def test_the_capital_where_it_happened_stays_first() -> None:
    text = "Gunmen killed three civilians in Bamako, the army said in the San region."
    assert found(text, "en") == ["Bamako", "San"]


@pytest.mark.parametrize(("text", "expected"), [
    # English puts the noun after the name: an unknown name before "village" is a village,
    # with the admin1 of the town or commune named beside it and no point
    ("Unidentified gunmen raided Tenkodogo village near Bandiagara town overnight.",
     [("Tenkodogo", "Mopti", None), ("Bandiagara", "Mopti", 14.35005)]),
    ("Residents of Agharous village in Anchawadi commune fled after the raid.",
     [("Agharous", "Gao", None), ("Anchawadi", "Gao", 16.34113)]),
    # a people's name before "village" is no village's name
    ("Gunmen attacked a Fulani village in the Mopti region.", [("Mopti", "Mopti", 14.4843)]),
])
def test_an_english_name_before_village_is_a_village(text, expected) -> None:
    assert [(p.name, p.admin1, p.lat) for p in find_places(text, "en")] == expected


@pytest.mark.parametrize(("text", "lang"), [
    ("Violence flared in the region of Kidal. Aid still reaches people in Gao and Kidal.", "en"),
    ("Les violences ont repris dans la région de Kidal. L'aide parvient à Gao et à Kidal.", "fr"),
    ("تجددت أعمال العنف في ولاية كيدال. وتصل المساعدات إلى غاو وكيدال.", "ar"),
])
def test_a_town_counts_the_region_named_like_it(text: str, lang: str) -> None:
    # Kidal is named twice (region and town), Gao once: the report is about Kidal
    assert [p.name for p in find_places(text, lang)] == ["Kidal", "Gao"]
    # alone, two towns named once each keep the order of the text
    assert [p.name for p in find_places("Aid still reaches people in Gao and Kidal.", "en")] == [
        "Gao", "Kidal"]


@pytest.mark.parametrize(("text", "lang"), [
    ("Après l'attaque du camp de Gao samedi, un camp de la Minusma a été visé dimanche à Ménaka "
     "par des tirs d'obus.", "fr"),
    ("After the attack on the camp in Gao on Saturday, a UN camp was shelled on Sunday in Ménaka.",
     "en"),
    ("Five days after the suicide attack in Gao, gunmen attacked a camp in Ménaka.", "en"),
    ("بعد الهجوم على معسكر غاو يوم السبت، تعرض معسكر لبعثة الأمم المتحدة لقصف بقذائف الهاون في "
     "ميناكا.", "ar"),
])
def test_an_opening_after_clause_names_an_earlier_event(text: str, lang: str) -> None:
    # the place before the comma of "Après X, …" is the earlier event's; the sentence's own
    # event is after the comma
    assert found(text, lang) == ["Ménaka", "Gao"]


def test_after_later_in_the_sentence_moves_nothing() -> None:
    # "after" not opening the sentence is no clause
    assert found("Gunmen attacked a camp in Gao after a week of calm, and shelled Ménaka.",
                 "en") == ["Gao", "Ménaka"]
