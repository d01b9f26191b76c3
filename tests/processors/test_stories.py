"""Near-duplicates and stories: same text → duplicate_of; same event, any language → story_id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from processors.minhash import BANDS, body_words, compact, estimated_jaccard, signature
from processors.stories import DUPLICATE_THRESHOLD, StoryIndex
from veille.schema import Figures
from veille.sqlite_db import DatabaseDamaged

DAY = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)
FR = (
    "Des hommes armés ont attaqué mardi un poste de la gendarmerie près de Ménaka, faisant au "
    "moins douze morts selon des sources locales. Le gouvernement de transition a annoncé "
    "l'ouverture d'une enquête et le renforcement du dispositif sécuritaire dans la région."
)
EN = (
    "Armed men attacked a gendarmerie post near Menaka on Tuesday, killing at least twelve "
    "people, local sources said. The transitional government announced an investigation."
)
AR = "هاجم مسلحون مركزا للدرك قرب ميناكا يوم الثلاثاء مما أسفر عن مقتل 12 شخصا على الأقل، بحسب مصادر محلية."
OTHER = (
    "La rencontre entre l'AIGE et la société civile s'est tenue au CICB de Bamako pour préparer "
    "les prochaines échéances électorales et le retour à l'ordre constitutionnel."
)
NONE = {"event_types": [], "places": [], "orgs": [], "figures": Figures()}


def attack(**overrides):
    base = {
        "published_at": DAY,
        "event_types": ["attack_on_civilians"],
        "places": [("Ménaka", "Ménaka")],
        "orgs": ["jnim"],
        "figures": Figures(killed=12),
    }
    return {**base, **overrides}


@pytest.fixture
def index() -> StoryIndex:
    with StoryIndex(None) as idx:
        yield idx


def test_a_republished_text_is_a_duplicate_of_the_first(index: StoryIndex) -> None:
    first = index.assign("rfi:1", FR, "fr", DAY, **NONE)
    again = index.assign("maliweb:9", FR + " Source : RFI.", "fr", DAY + timedelta(hours=3), **NONE)
    assert first[0] is None
    assert again == ("rfi:1", first[1])


def test_different_texts_are_not_duplicates(index: StoryIndex) -> None:
    index.assign("a", FR, "fr", DAY, **NONE)
    assert index.assign("b", OTHER, "fr", DAY, **NONE)[0] is None


def test_short_texts_are_never_duplicates(index: StoryIndex) -> None:
    index.assign("a", "Communiqué de presse", "fr", DAY, **NONE)
    assert index.assign("b", "Communiqué de presse", "fr", DAY, **NONE)[0] is None


def test_a_duplicate_of_a_duplicate_points_at_the_original(index: StoryIndex) -> None:
    index.assign("a", FR, "fr", DAY, **NONE)
    index.assign("b", FR + " Lire aussi.", "fr", DAY, **NONE)
    assert index.assign("c", FR + " Lire aussi. Partager.", "fr", DAY, **NONE)[0] == "a"


def test_reprocessing_gives_the_same_answer(index: StoryIndex) -> None:
    first = index.assign("a", FR, "fr", **attack())
    copy = index.assign("b", FR, "fr", **attack())
    assert index.assign("a", FR, "fr", **attack()) == first  # never its own duplicate
    assert index.assign("b", "texte modifié depuis", "fr", DAY, **NONE) == copy
    assert len(index) == 2


def test_the_same_event_in_three_languages_is_one_story(index: StoryIndex) -> None:
    _, story = index.assign("fr", FR, "fr", **attack())
    in_english = attack(published_at=DAY + timedelta(hours=5), orgs=["jnim", "fama"])
    assert index.assign("en", EN, "en", **in_english)[1] == story
    later = attack(published_at=DAY + timedelta(days=1), figures=Figures(killed=14))
    assert index.assign("ar", AR, "ar", **later) == (None, story)


def test_a_town_and_its_region_meet(index: StoryIndex) -> None:
    _, story = index.assign("a", FR, "fr", **attack(places=[("Tidermène", "Ménaka")], orgs=[]))
    assert index.assign("b", EN, "en", **attack(orgs=[], figures=Figures()))[1] == story


@pytest.mark.parametrize(
    "other",
    [
        {"places": [("Gao", "Gao")]},  # another region
        {"event_types": ["protest"]},  # another kind of event
        {"published_at": DAY + timedelta(days=3)},  # outside ±2 days
        {"figures": Figures(killed=40)},  # a very different toll: another attack
        {"places": [("Andéramboukane", "Ménaka")], "orgs": [], "figures": Figures()},
    ],
)
def test_different_events_are_different_stories(index: StoryIndex, other: dict) -> None:
    _, story = index.assign("a", FR, "fr", **attack(places=[("Inékar", "Ménaka")]))
    assert index.assign("b", EN, "en", **attack(**other))[1] != story


def test_items_without_event_or_place_are_their_own_story(index: StoryIndex) -> None:
    _, a = index.assign("a", FR, "fr", **attack(places=[]))
    _, b = index.assign("b", EN, "en", **attack(places=[]))
    assert a != b


def test_a_whole_country_needs_more_than_a_date(index: StoryIndex) -> None:
    niger = attack(places=[("Niger", "")], orgs=[], figures=Figures())
    _, story = index.assign("a", FR, "fr", **niger)
    assert index.assign("b", EN, "en", **niger)[1] != story
    town = attack(places=[("Tillabéri", "")], orgs=[], figures=Figures())
    _, story = index.assign("c", AR, "ar", **town)
    assert index.assign("d", OTHER, "fr", **town)[1] == story  # a place outside Mali's regions


def test_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "home" / "stories.db"
    with StoryIndex(path) as idx:
        first = idx.assign("a", FR, "fr", **attack())
    with StoryIndex(path) as idx:
        assert idx.assign("a", FR, "fr", **attack()) == first
        assert idx.assign("b", FR, "fr", DAY, **NONE) == ("a", first[1])
        assert idx.assign("c", EN, "en", **attack())[1] == first[1]


def test_flush_makes_assignments_durable_without_closing(tmp_path: Path) -> None:
    path = tmp_path / "stories.db"
    idx = StoryIndex(path)
    first = idx.assign("a", FR, "fr", DAY, **NONE)
    idx.flush()
    with StoryIndex(path) as other:
        assert other.assign("a", FR, "fr", DAY, **NONE) == first
    idx.close()


def test_prune_forgets_items_after_the_window(index: StoryIndex) -> None:
    now = datetime.now(UTC)
    index.assign("a", FR, "fr", **attack(published_at=now))
    index.assign("old", OTHER, "fr", now - timedelta(days=365), **NONE)  # an archive, collected now
    assert index.prune(now + timedelta(days=29)) == 0
    assert index.prune(now + timedelta(days=31)) == 2
    assert len(index) == 0
    assert index.assign("b", FR, "fr", **attack(published_at=now))[0] is None


def test_a_broken_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "stories.db"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(DatabaseDamaged, match=r"stories\.db is damaged .*veille repair.*rebuilt as items arrive"):
        StoryIndex(path)


def test_signature_estimates_jaccard() -> None:
    a, b = signature(FR), signature(FR + " Source : RFI.")
    assert a is not None and b is not None
    assert estimated_jaccard(compact(a), compact(b)) > 0.8
    assert estimated_jaccard(compact(a), compact(signature(OTHER))) < 0.3
    assert signature("trop court") is None


# A wire report and what other sites make of it: the lightly edited republications must be
# found (2-word shingles of the body, Jaccard ≥ 0.6), another report of the same attack not.
WIRE = """Mali : au moins quinze civils tués dans une attaque près de Bandiagara

Au moins quinze civils ont été tués dimanche soir dans l'attaque d'un village du cercle de Bandiagara, dans le centre du Mali, a-t-on appris lundi de sources locales et sécuritaires.

Selon un élu de la commune, des hommes armés arrivés à moto ont encerclé le village peu avant la tombée de la nuit, ouvert le feu sur les habitants et incendié plusieurs greniers. « Ils sont restés près de deux heures, personne n'est venu nous secourir », a raconté un rescapé joint par téléphone.

L'armée malienne a confirmé l'attaque dans un communiqué publié lundi, sans donner de bilan, et annoncé l'envoi de renforts dans la zone. L'attaque n'a pas été revendiquée dans l'immédiat.

Le centre du Mali est le théâtre depuis 2015 de violences entre groupes jihadistes, milices communautaires et forces armées, qui ont fait des milliers de morts et des centaines de milliers de déplacés.

(AFP)"""
REPUBLISHED = """Bandiagara : quinze civils tués dans l'attaque d'un village

BAMAKO - Au moins quinze civils ont été tués dimanche dans l'attaque d'un village du cercle de Bandiagara, dans le centre du pays, ont indiqué lundi des sources locales et sécuritaires.

Selon un élu de la commune, des hommes armés arrivés à moto ont encerclé le village peu avant la tombée de la nuit, ouvert le feu sur les habitants et incendié plusieurs greniers. "Ils sont restés près de deux heures, personne n'est venu nous secourir", a raconté un rescapé joint par téléphone.

L'armée malienne a confirmé l'attaque dans un communiqué publié lundi, sans donner de bilan, et annoncé l'envoi de renforts dans la zone. L'attaque n'a pas été revendiquée dans l'immédiat.

Source : APS"""
OTHER_REPORT = """Centre du Mali : un village attaqué dans le cercle de Bandiagara

Des hommes armés ont attaqué dimanche soir un village du cercle de Bandiagara, tuant au moins quinze civils, selon un bilan communiqué lundi par des responsables locaux à Studio Tamani.

Les assaillants, venus nombreux à moto, ont tiré sur les habitants et brûlé des greniers et des boutiques avant de se replier vers la brousse. Plusieurs blessés ont été évacués vers le centre de santé de Bandiagara, où les soignants manquent de moyens.

Dans un communiqué, l'état-major général des armées a confirmé l'attaque et indiqué que des renforts avaient été envoyés dans la zone. Les habitants réclament une présence permanente des forces de défense et de sécurité.

Le centre du Mali est le théâtre depuis 2015 de violences entre groupes jihadistes, milices communautaires et forces armées."""


def test_a_lightly_edited_republication_is_a_duplicate(index: StoryIndex) -> None:
    # another headline, a reworded first sentence with a dateline, other quote marks, the
    # last paragraph trimmed, another credit line
    first = index.assign("afp:1", WIRE, "fr", DAY, **NONE)
    again = index.assign("aps:7", REPUBLISHED, "fr", DAY + timedelta(hours=2), **NONE)
    assert again == ("afp:1", first[1])


def test_another_report_of_the_same_event_is_not_a_duplicate(index: StoryIndex) -> None:
    # same event, same facts, a shared background sentence: a story, not the same text
    index.assign("afp:1", WIRE, "fr", DAY, **NONE)
    assert index.assign("tamani:3", OTHER_REPORT, "fr", DAY, **NONE)[0] is None


def test_edited_copies_are_above_the_threshold_and_other_reports_far_below() -> None:
    def similarity(a: str, b: str) -> float:
        return estimated_jaccard(compact(signature(a)), compact(signature(b)))

    assert similarity(WIRE, REPUBLISHED) >= DUPLICATE_THRESHOLD  # true Jaccard 0.69
    assert similarity(WIRE, OTHER_REPORT) <= 0.3  # true Jaccard 0.19


def test_the_headline_and_credit_lines_are_not_compared() -> None:
    body = WIRE.split("\n", 1)[1]
    assert body_words(WIRE) == body_words("Un tout autre titre\n" + body + "\n\nLire aussi")
    assert b"afp" not in body_words(WIRE)


def test_short_texts_keep_their_headline(index: StoryIndex) -> None:
    # two paywalled teasers: the same stub under different headlines are different items
    stub = "Cet article est réservé à nos abonnés. Abonnez-vous pour lire la suite de l'article."
    index.assign("a", "Mali : la transition prolongée de cinq ans par un décret\n" + stub, "fr", DAY, **NONE)
    other = "Niger : les prix du riz ont doublé sur les marchés de Niamey\n" + stub
    assert index.assign("b", other, "fr", DAY, **NONE)[0] is None


def test_copies_do_not_add_band_keys(index: StoryIndex) -> None:
    # a much republished text: every copy points at the original, the buckets stay small
    for n in range(5):
        assert index.assign(f"copy:{n}", WIRE, "fr", DAY, **NONE)[0] == (None if n == 0 else "copy:0")
    assert index._db.execute("SELECT count(*) FROM bands").fetchone()[0] == BANDS


def test_an_index_of_other_parameters_is_set_aside_and_rebuilt(tmp_path):
    import sqlite3

    path = tmp_path / "stories.db"
    StoryIndex(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value='3:128:9x13:1' WHERE key='params'")
    db.commit()
    db.close()
    index = StoryIndex(path)  # an upgrade must not stop the processor
    index.close()
    assert (tmp_path / "stories.db.old").exists()
    assert sqlite3.connect(path).execute("SELECT value FROM meta WHERE key='params'").fetchone()[0] != "3:128:9x13:1"



MENAKA_REGION = {"event_types": ["attack_on_civilians"], "places": [("Ménaka", "Ménaka")],
                 "orgs": ["isgs", "fama", "minusma"], "figures": Figures(killed=9)}


def _menaka(index):
    """The demo's Ménaka operation: maliweb names only the region (0.71 with anadolu's town
    report, below the threshold; 0.79 with rfi's), so maliweb then anadolu make two stories,
    and rfi (0.88 with anadolu) joins anadolu's and names maliweb's as the same event."""
    town = [("Andéramboukane", "Ménaka"), ("Ménaka", "Ménaka")]
    maliweb = index.assign_story("maliweb", "m", "fr", DAY, **MENAKA_REGION)
    anadolu = index.assign_story(
        "anadolu", "a", "en", DAY, ["armed_clash", "air_strike", "attack_on_civilians"], town,
        ["fama", "islamic-state", "isgs", "al-qaeda", "un", "minusma"], Figures())
    rfi = index.assign_story("rfi", "r", "fr", DAY, ["attack_on_civilians", "air_strike"], town,
                             ["fama", "isgs", "minusma", "mali-government"], Figures())
    return maliweb, anadolu, rfi


def test_a_report_matching_two_stories_names_the_other(index) -> None:
    maliweb, anadolu, rfi = _menaka(index)
    assert maliweb.story_id != anadolu.story_id
    assert rfi.story_id == anadolu.story_id
    assert rfi.merged_stories == (maliweb.story_id,)
    assert maliweb.merged_stories == anadolu.merged_stories == ()
    # stored answers do not change
    assert index.assign("maliweb", "m", "fr", DAY, **MENAKA_REGION)[1] == maliweb.story_id


def test_a_later_report_joins_the_merged_story(index: StoryIndex) -> None:
    """The SQLite index points the merged story's candidate rows at the story it joined."""
    _, anadolu, _ = _menaka(index)
    assert index.assign_story("later", "l", "fr", DAY, **MENAKA_REGION).story_id == anadolu.story_id
