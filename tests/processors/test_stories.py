"""Near-duplicates and stories: same text → duplicate_of; same event, any language → story_id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from processors.stories import StoryIndex, compact, estimated_jaccard, signature
from veille.schema import Figures

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
    with pytest.raises(RuntimeError, match="delete it"):
        StoryIndex(path)


def test_signature_estimates_jaccard() -> None:
    a, b = signature(FR), signature(FR + " Source : RFI.")
    assert a is not None and b is not None
    assert estimated_jaccard(compact(a), compact(b)) > 0.8
    assert estimated_jaccard(compact(a), compact(signature(OTHER))) < 0.3
    assert signature("trop court") is None
