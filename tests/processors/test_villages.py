"""Villages, hamlets and communes from OCHA's settlements (processors/data/settlements.tsv.gz):
found with a cue or their commune/cercle named, never as family names or words; places a text
introduces reported without a point; the new regions; the build's --check."""

from __future__ import annotations

from pathlib import Path

import pytest

from processors.places import find_places
from tools import build_settlements


def where(places) -> list[tuple]:
    return [(p.name, p.admin1, p.admin2) for p in places]


@pytest.mark.parametrize(("text", "lang", "name", "admin1", "admin2"), [
    ("Des hommes armés ont attaqué le village de Dinangourou.", "fr", "Dinangourou", "Mopti", "Koro"),
    ("Gunmen attacked civilians near Dinangourou on Sunday.", "en", "Dinangourou", "Mopti", "Koro"),
    ("La famille de Tin-Hama a fui.", "fr", None, None, None),  # no cue, no cercle: nothing
    ("Les habitants de Tin-Hama ont fui.", "fr", "Tin Hama", "Gao", "Ansongo"),  # residents of
    ("Attack near Tinhama, north of the river.", "en", "Tin Hama", "Gao", "Ansongo"),
])
def test_village_with_a_cue_has_its_admin_and_point(text, lang, name, admin1, admin2) -> None:
    places = find_places(text, lang)
    if name is None:
        assert places == []
        return
    assert where(places)[0] == (name, admin1, admin2)
    assert places[0].lat is not None and places[0].lon is not None


def test_village_counts_when_its_cercle_is_named() -> None:
    places = find_places("Tin-Hama et Ansongo ont été visés.", "fr")
    assert where(places)[0] == ("Tin Hama", "Gao", "Ansongo")


def test_villages_come_before_towns_and_cercles() -> None:
    places = find_places("Une attaque à Dinangourou, dans le cercle de Koro.", "fr")
    assert [p.name for p in places] == ["Dinangourou", "Koro"]


@pytest.mark.parametrize("text", [
    "M. Diallo et Moussa Traoré sont arrivés à Bamako.",   # Diallo is also a village
    "Le ministre a reçu à Coulibaly ses homologues.",
    "La Mission a visité le Camp.",                          # common words
    "The Woman and the King went to Were.",
    "Attaque à Madina.",                                     # a first name and 49 villages
    "le village de dinangourou",                            # must be written capitalised
])
def test_family_names_and_common_words_are_not_villages(text: str) -> None:
    assert all(p.admin1 in ("", "Bamako") for p in find_places(text, "fr"))
    assert all(p.name != "Dinangourou" for p in find_places(text, "fr"))


def test_shared_name_goes_to_the_village_of_the_cercle_named() -> None:
    # Two villages named Takoutalla: in the cercle of Kayes and in the cercle of Mopti.
    mopti = find_places("Le village de Takoutalla, dans le cercle de Mopti, a été attaqué.", "fr")
    assert where(mopti)[0] == ("Takoutalla", "Mopti", "Mopti")
    kayes = find_places("Inondations à Takoutalla, cercle de Kayes.", "fr")
    assert where(kayes)[0] == ("Takoutalla", "Kayes", "Kayes")
    # Neither named: the two are in different regions, so the name is not reported.
    assert find_places("Le village de Takoutalla a brûlé.", "fr") == []


def test_commune_phrase_is_its_own_context() -> None:
    [place] = find_places("La commune de Dangha a été touchée.", "fr")
    assert (place.name, place.admin1, place.admin2) == ("Dangha", "Tombouctou", "Diré")


def test_unknown_village_takes_the_admin1_of_the_cercle_named() -> None:
    places = find_places("Le village de Zorbaye, dans le cercle de Douentza, a été attaqué.", "fr")
    village = places[0]
    assert (village.name, village.admin1, village.admin2) == ("Zorbaye", "Mopti", "Douentza")
    assert (village.lat, village.lon) == (None, None)
    english = find_places("Gunmen burned the village of Zorbaye in the Mopti region.", "en")
    assert (english[0].name, english[0].admin1, english[0].admin2, english[0].lat) == (
        "Zorbaye", "Mopti", None, None)


def test_unknown_village_without_a_unit_named_is_not_reported() -> None:
    assert find_places("Le village de Zorbaye a été attaqué.", "fr") == []


def test_unknown_arabic_village_with_its_region() -> None:
    places = find_places("هاجم مسلحون قرية زورباي في منطقة موبتي", "ar")
    assert (places[0].name, places[0].admin1, places[0].lat) == ("زورباي", "Mopti", None)
    assert [p.name for p in find_places("قرية صغيرة في منطقة موبتي", "ar")] == ["Mopti"]


@pytest.mark.parametrize(("text", "name", "admin1", "admin2"), [
    ("Des éleveurs ont été attaqués près d'Ibahawane.", "Ibahawane", "Ménaka", "Andéramboukane"),
    ("Une caravane de sel est arrivée à Teghaza.", "Teghaza", "Taoudénit", None),
])
def test_new_regions_of_the_settlements(text: str, name: str, admin1: str, admin2) -> None:
    assert where(find_places(text, "fr"))[0] == (name, admin1, admin2)


def test_settlements_file_is_what_the_tool_builds(tmp_path: Path) -> None:
    assert build_settlements.main(["--check"]) == 0
    stale = tmp_path / "settlements.tsv.gz"
    stale.write_bytes(build_settlements.compress("# old\n"))
    assert build_settlements.main(["--check", "--output", str(stale)]) == 1


def test_variants() -> None:
    assert {"Tin-Hama", "Tinn-Hama", "Ti-n-Hama", "Tinhama"} <= set(
        build_settlements.variants("Tin-Hama"))
    assert "Dialasagu" in build_settlements.variants("Diallassagou") or "Dialasagou" in (
        build_settlements.variants("Diallassagou"))
    assert "Ngolobougou" in build_settlements.variants("N'Golobougou")
    assert "Koulogon" in build_settlements.variants("Koulogon-Peulh")  # the people's name dropped
    assert "Ganida" in build_settlements.variants("Ganidah")  # final h after a vowel


def test_village_named_without_its_people() -> None:
    # OCHA lists "Koulogon Habe" (commune) and "Koulogon-Peulh" (village); the press writes "Koulogon"
    places = find_places("Une tuerie a eu lieu dans le village de Koulogon, cercle de Bankass.", "fr")
    assert where(places)[0][:2] == ("Koulogon Habe", "Mopti") or where(places)[0][:2] == (
        "Koulogon-Peulh", "Mopti")
    assert places[0].lat is not None


def test_shared_name_goes_to_the_commune_seat_over_far_hamlets() -> None:
    # Naréna: commune, seat and village at one point (Kangaba), and a hamlet of Kéniéba
    places = find_places("Une mine d'or artisanale située à Naréna a été attaquée.", "fr")
    assert where(places)[0][:2] == ("Naréna", "Koulikoro")


def test_village_name_before_a_family_name_is_a_person() -> None:
    places = find_places("Le chef de village, Boukary Coulibaly, a parlé à Farabougou.", "fr")
    assert "Boukary" not in [p.name for p in places]


# --- Arabic names of villages matched by sound (processors/places.py, _translit_mentions) ---


def test_arabic_village_after_a_place_word_is_matched_by_sound() -> None:
    # "the villages of Karou and Ouattagouna", neither written as a curated Arabic name
    places = find_places("هاجم مسلحون قريتي كارو وأوتاغونا في منطقة غاو.", "ar")
    names = [(p.name, p.admin1, p.admin2) for p in places]
    assert ("Karou", "Gao", "Ansongo") in names
    assert any(n[0] in ("Ouatagouna", "Ouattagouna") for n in names)
    assert all(p.lat is not None for p in places if p.name in ("Karou", "Ouatagouna"))


def test_arabic_list_after_a_cue_takes_every_name() -> None:
    places = find_places("واستهدفت الهجمات قرى غواري وبانغادوغو وليبي في دائرة بانكاس بمنطقة موبتي.", "ar")
    names = [p.name for p in places]
    assert {"Gouari", "Pangadougou"} <= set(names)
    assert names.index("Gouari") < names.index("Bankass")


def test_arabic_word_that_sounds_like_a_village_is_not_one() -> None:
    # بلدة "town" sounds like the village Beleda; سقوط "fall" like Sekota
    places = find_places("قتل عشرة مدنيين في بلدة قريبة من سيكاسو بعد سقوط المدينة.", "ar")
    assert [p.name for p in places] == ["Sikasso"]


def test_arabic_sound_alike_of_a_town_abroad_is_left_alone() -> None:
    # تنزواتين: Tinzaouaten of Mali and Tinzaouatine of Algeria sound alike
    places = find_places("وقعت اشتباكات في بلدة تنزواتين على الحدود مع الجزائر.", "ar")
    assert all(p.admin1 != "Kidal" for p in places)


def test_curated_village_placed_roughly_takes_ochas_point() -> None:
    # places_curated.yaml guesses Farabougou (Niono) at 14.25, -6.45; OCHA has it at 14.88, -6.14
    places = find_places("L'armée a été attaquée à Farabougou, dans le cercle de Niono.", "fr")
    assert (places[0].name, places[0].admin1) == ("Farabougou", "Ségou")
    assert abs(places[0].lat - 14.882) < 0.01 and abs(places[0].lon + 6.144) < 0.01


def test_the_capital_does_not_make_a_village_far_off() -> None:
    # a dateline or a ministry in Bamako, the event in a village 600 km away
    text = ("GENEVA / BAMAKO (1 February 2019) - The expert follows the violence in the village "
            "of Koulogon-Peulh when armed groups attacked displaced person camps.")
    places = find_places(text, "en")
    assert where(places)[0][:2] == ("Koulogon-Peulh", "Mopti")


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("Ces incidents se sont déroulés dans les villages de Gangafani 2 et de Yoro.", "fr",
     ["Gangafani", "Yoro"]),
    ("Gunmen attacked the villages of Gangafani and Yoro in the Mopti region.", "en",
     ["Gangafani", "Yoro"]),
    ("Les localités de Koumbia et Tiéré ont été visées.", "fr", ["Koumbia", "Tieré"]),
])
def test_a_list_after_a_cue_is_cued(text, lang, expected) -> None:
    assert set(expected) <= {p.name for p in find_places(text, lang)}


def test_di_is_also_written_dj() -> None:
    assert "Inadjatafane" in build_settlements.variants("Inadiatafane")
    assert build_settlements.variants("Faladje") == ["Faladje"]  # not Faladié (Bamako)
    places = find_places("Des frappes ont visé la localité d'Inadjatafane.", "fr")
    assert where(places)[0] == ("Inadiatafane", "Tombouctou", "Gourma-Rharous")
    assert places[0].lat is not None


@pytest.mark.parametrize(("text", "lang", "name", "admin1"), [
    ("Les attaques ont visé Gangafani 2, dans le cercle de Koro.", "fr", "Gangafani", "Mopti"),
    ("The cars were attacked near the village of Kobe, 35 km from Gao.", "en", "Kobé", "Gao"),
    ("Barrick's Loulo-Gounkoto mine in Mali.", "en", "Loulo", "Kayes"),
    ("Des hommes armés ont attaqué Sobane-Kou, dans le cercle de Bandiagara.", "fr", "Sobane Da",
     "Mopti"),
    ("Gunmen set fire to homes in the village of Yarou, Bandiagara.", "en", "Yaro", "Mopti"),
    # the UN's spellings of 2019: Sobanou-Kou, Sobanou-Dah (not cut at the hyphen to "Sobanou")
    ("Dozens were killed when gunmen raided Sobanou-Kou village, Mopti region.", "en", "Sobane Da",
     "Mopti"),
    ("Armed men attacked the village of Sobanou-Dah, north-east of Bandiagara.", "en", "Sobane Da",
     "Mopti"),
])
def test_curated_villages_the_press_names(text, lang, name, admin1) -> None:
    places = find_places(text, lang)
    assert (places[0].name, places[0].admin1) == (name, admin1)
    assert places[0].lat is not None


def test_curated_villages_that_are_words_need_context() -> None:
    assert find_places("Kobe Bryant a marqué 40 points.", "fr") == []
    assert "Yaro" not in [p.name for p in find_places("Mamadou Dackouo alias Yaro à Kadiolo.", "fr")]



def test_hard_c_is_also_written_k() -> None:
    assert "Banikane" in build_settlements.variants("Banicane")
    assert build_settlements.variants("Coro") == ["Coro"]  # not a first C: Koro is curated
    places = find_places("Le bateau a été pris pour cible dans la commune de Banikane "
                         "(cercle de Gourma-Rharous).", "fr")
    assert (places[0].admin1, places[0].admin2) == ("Tombouctou", "Gourma-Rharous")


def test_unknown_village_takes_the_admin1_of_a_town_named_next_to_it() -> None:
    # no cercle, commune or region named: the Mali town right after it (not Bamako)
    places = find_places("وكان ضحيتها بدو قرية ديغيبو، بمنطقة باندياجارا، في وسط البلاد", "ar")
    assert (places[0].name, places[0].admin1, places[0].lat) == ("ديغيبو", "Mopti", None)
    assert names_of(find_places("Le village de Koulbanou, à 300 km de Bamako.", "fr")) == ["Bamako"]
    # a comma ends the introducing phrase; a family name after a name makes it a person
    assert "Boukary" not in names_of(find_places(
        "Le chef de village, Boukary Coulibaly, a parlé près de Douentza.", "fr"))


def names_of(places) -> list[str]:
    return [p.name for p in places]


def test_residents_of_a_village_cue_it() -> None:
    places = find_places("Les habitants de Ouéléssébougou ont pensé à une maladie.", "fr")
    assert places[0].admin1 == "Koulikoro"
    assert find_places("Les habitants ont pensé à une maladie.", "fr") == []


def test_a_part_of_mali_named_chooses_among_namesakes() -> None:
    # Dogo: villages of that name in several regions; "central Mali" keeps Mopti's and Ségou's
    text = "Six men were arrested in the village of Dogo, the rights group said."
    assert "Dogo" not in names_of(find_places(text, "en"))
    places = find_places(text + " Civilians in central Mali are caught in the crossfire.", "en")
    assert (places[0].name, places[0].admin1) == ("Dogo", "Mopti")


def test_a_cued_village_of_another_region_than_the_unit_named_next_to_it_is_another_village() -> None:
    # OCHA's only Kobila is in Ségou: "in the Mopti region" makes it a village the list lacks,
    # reported without a point with the region named
    places = find_places("هاجم مسلحون قرية كوبيلا في ولاية موبتي", "ar")
    assert (places[0].name, places[0].admin1, places[0].lat) == ("كوبيلا", "Mopti", None)
    places = find_places("Des hommes armés ont attaqué le village de Kobila, dans le cercle de Koro.", "fr")
    assert (places[0].name, places[0].admin1, places[0].lat) == ("Kobila", "Mopti", None)
    # in its own region it keeps its point
    places = find_places("هاجم مسلحون قرية كوبيلا في ولاية سيغو", "ar")
    assert (places[0].name, places[0].admin1) == ("Kobila", "Ségou") and places[0].lat is not None


def test_arabic_commune_and_village_pair_introducers() -> None:
    places = find_places("هجوم على بلدية ديوغوي في ولاية موبتي", "ar")
    assert (places[0].name, places[0].admin1, places[0].lat) == ("ديوغوي", "Mopti", None)
    places = find_places("هجوم على قريتي دوغو وباري في ولاية موبتي", "ar")
    assert (places[0].name, places[0].admin1) == ("دوغو", "Mopti")


@pytest.mark.parametrize("text", [
    "هاجم مسلحون قرى عديدة في ولاية موبتي",
    "هاجم مسلحون قرى ومدن في ولاية موبتي",
    "هاجم مسلحون قرية يسكنها الفلان في ولاية موبتي",
])
def test_frequent_arabic_words_are_not_introduced_places(text: str) -> None:
    assert names_of(find_places(text, "ar")) == ["Mopti"]


def test_a_commune_phrase_locates_the_village_named_before_it() -> None:
    places = find_places("Attaque du village de Kobila dans la commune de Dinangourou", "fr")
    assert (places[0].name, places[0].admin1, places[0].lat) == ("Kobila", "Mopti", None)


# -- places round 6: how reporters say where an event happened ------------------------------
def test_a_name_with_an_apposition_is_a_place() -> None:
    # a settlement: the apposition is its cue ("La famille de Tin-Hama" alone gives nothing)
    places = find_places("La famille de Tin-Hama, un village du nord, a fui.", "fr")
    assert where(places)[0] == ("Tin Hama", "Gao", "Ansongo")
    # an unknown name takes the admin1 of the unit named next to it, without a point
    places = find_places("Terrorists assaulted a military camp in Sonkolo, a rural commune in "
                         "the south-central Segou region.", "en")
    assert (places[0].name, places[0].admin1, places[0].lat) == ("Sonkolo", "Ségou", None)
    # no apposition noun: not a place
    assert "Sonkolo" not in [p.name for p in find_places(
        "Sonkolo, a spokesman in the Segou region, said so.", "en")]


def test_an_arabic_name_quoted_after_a_place_word_may_begin_like_the_article() -> None:
    places = find_places('قتل 5 جنود في منطقة "الاتونا"، بالقرب من الحدود مع موريتانيا', "ar")
    assert (places[0].name, places[0].admin1) == ("Alatona", "Ségou")
    assert find_places("قتل 5 جنود في منطقة الاتونا", "ar") == []  # unquoted: "the ..."


def test_a_verb_after_qarya_is_no_village() -> None:
    places = find_places("مجزرة في قرية تسكنها قبيلة دوغون بمنطقة شانغا.", "ar")
    assert [(p.name, p.admin1) for p in places] == [("Sangha", "Mopti")]


def test_villages_in_a_sentence_about_quarters_are_bamakos() -> None:
    text = ("À Bamako, les jeunes manifestent. Hier soir encore dans plusieurs quartiers, "
            "notamment à Sébénikoro et Lafiabougou.")
    found = {p.name: p.admin1 for p in find_places(text, "fr")}
    assert found["Sebenikoro"] == "Bamako" and found["Lafiabougou"] == "Bamako"
    # no word of quarters: the villages stay OCHA's settlements
    found = {p.name: p.admin1 for p in find_places(
        "À Bamako, les jeunes manifestent. Hier soir encore à Sébénikoro et Lafiabougou.", "fr")}
    assert found["Sebenikoro"] == "Koulikoro"


def test_a_dateline_place_comes_after_the_others() -> None:
    text = "BAMAKO, Mali (AP) — The man spoke by phone from the Menaka region."
    assert [p.name for p in find_places(text, "en")][:2] == ["Ménaka", "Bamako"]


def test_peoples_are_not_villages() -> None:
    assert "Dogon" not in [p.name for p in find_places("Attacks in Dogon villages near Bandiagara.", "en")]


def test_the_capital_off_the_event_gives_way_to_the_events_region() -> None:
    text = ("Quinze terroristes ont été tués lors d'une attaque de l'armée dans la région de "
            "Mopti. Le secrétaire général doit se rendre à Bamako.")
    assert [p.name for p in find_places(text, "fr", events=[("attaque", 1.0)])] == ["Mopti", "Bamako"]
    assert [p.name for p in find_places(text, "fr", events=None)] == ["Bamako", "Mopti"]  # not known


def test_a_town_the_text_calls_a_village_ranks_as_one() -> None:
    text = ("Plus de 50 000 déplacés à Ménaka. Nouveaux affrontements le 3 juin dans le village "
            "d'Anderamboukane. Ménaka reste tendue.")
    assert [p.name for p in find_places(text, "fr")] == ["Andéramboukane", "Ménaka"]
    assert [p.name for p in find_places(text.replace("le village d'", "à "), "fr")] == [
        "Ménaka", "Andéramboukane"]


@pytest.mark.parametrize("spelling", ["Aguel-Hoc", "Aguel Hoc", "Aguel'hoc", "Aguelhoc"])
def test_a_spelling_with_an_apostrophe_keeps_its_hyphenated_twin(spelling: str) -> None:
    # the build once kept only one of "Aguel'hoc" and "Aguel-Hoc" (the same words to it), but
    # the matcher reads the first as one word and the second as two
    places = find_places(f"Gunmen attacked the army post in {spelling} on Sunday.", "en")
    assert [(p.name, p.admin1) for p in places] == [("Aguelhok", "Kidal")]


@pytest.mark.parametrize(("text", "lang", "expected"), [
    # Doumba is a town of Koulikoro and a family name: a person's name alone is no place...
    ("Moussa Doumba, a teacher, was held overnight at a police post in Kita.", "en", ["Kita"]),
    ("Le journaliste Sidiki Doumba a été arrêté à Kita.", "fr", ["Kita"]),
    # ... the town with a cue still is
    ("Gunmen attacked a checkpoint in Doumba, Koulikoro region.", "en", ["Doumba", "Koulikoro"]),
    ("Des hommes armés ont attaqué un poste à Doumba.", "fr", ["Doumba"]),
])
def test_a_town_that_is_also_a_family_name_needs_a_cue(text, lang, expected) -> None:
    assert [p.name for p in find_places(text, lang)] == expected
