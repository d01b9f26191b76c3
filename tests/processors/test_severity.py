"""Severity: 0–100 from event types, casualties, place and actors, with readable reasons."""

from __future__ import annotations

from processors.severity import severity
from veille.schema import Figures, Label, Org, Place, Severity

MENAKA = Place(name="Ménaka", country="ML", admin1="Ménaka", lat=15.92, lon=2.4)
TIDERMENE = Place(name="Tidermène", country="ML", admin1="Ménaka", lat=16.3, lon=2.0)
BAMAKO = Place(name="Bamako", country="ML", admin1="Bamako", lat=12.65, lon=-8.0)
NIGER = Place(name="Niger", country="NE", admin1="", lat=17.6, lon=8.1)
JNIM = Org(id="jnim", name="JNIM")
UN = Org(id="un", name="United Nations")


def test_a_deadly_attack_by_an_armed_group_in_menaka_is_severe() -> None:
    result = severity(
        [Label(label="attack_on_civilians", score=0.9)],
        [Label(label="terrorism", score=0.8)],
        Figures(killed=12, wounded=3),
        [MENAKA],
        [JNIM],
    )
    assert result.score >= 80
    assert result.reasons[:2] == ["attack_on_civilians (0.9)", "12 killed"]
    assert {"place: Ménaka", "actor: jnim", "3 wounded", "topic: terrorism (0.8)"} <= set(
        result.reasons
    )


def test_ordering_of_typical_items() -> None:
    attack = severity(
        [Label(label="armed_clash", score=0.9)], [], Figures(killed=12), [MENAKA], [JNIM]
    )
    clash = severity([Label(label="armed_clash", score=0.9)], [], Figures(), [MENAKA], [])
    protest = severity([Label(label="protest", score=0.8)], [], Figures(), [BAMAKO], [])
    meeting = severity([], [Label(label="regional_diplomacy", score=0.9)], Figures(), [], [UN])
    assert attack.score > clash.score > protest.score > meeting.score >= 0
    assert meeting.score <= 5


def test_casualties_are_log_scaled() -> None:
    def killed(n: int) -> int:
        return severity([], [], Figures(killed=n), [], []).score

    assert 0 < killed(1) < killed(10) < killed(100)
    assert killed(10) - killed(1) > killed(100) - killed(10)


def test_nothing_is_zero_and_everything_is_at_most_100() -> None:
    assert severity([], [], Figures(), [], []).score == 0
    everything = severity(
        [Label(label=e, score=1.0) for e in ("attack_on_civilians", "explosion_ied", "abduction")],
        [Label(label="terrorism", score=1.0)],
        Figures(killed=500, wounded=300, abducted=50, displaced=100_000),
        [MENAKA],
        [JNIM, Org(id="isgs", name="EIGS"), Org(id="wagner", name="Wagner")],
    )
    assert 90 <= everything.score <= 100


def test_grave_items_keep_their_order_instead_of_all_sitting_at_100() -> None:
    """Two grave attacks, one far deadlier: the brief must be able to rank them."""
    def attack(killed: int, wounded: int) -> int:
        return severity(
            [Label(label="attack_on_civilians", score=0.95), Label(label="armed_clash", score=0.7)],
            [Label(label="terrorism", score=0.9)],
            Figures(killed=killed, wounded=wounded),
            [MENAKA],
            [JNIM, Org(id="isgs", name="EIGS")],
        ).score

    assert attack(134, 55) > attack(12, 3) > attack(2, 0)
    assert attack(134, 55) < 100


def test_a_vague_toll_counts_less_than_a_count() -> None:
    def score(figures: Figures) -> Severity:
        return severity([Label(label="attack_on_civilians", score=0.9)], [], figures, [], [])

    vague = score(Figures(approximate={"killed": (20, 99)}))
    counted = score(Figures(killed=20))
    nothing = score(Figures())
    assert nothing.score < vague.score < counted.score
    assert "20–99 killed (approximate)" in vague.reasons


def test_a_town_counts_through_its_region_and_spelling_does_not_matter() -> None:
    town = severity([], [], Figures(), [TIDERMENE], [])
    assert town.score == 10 and town.reasons == ["place: Tidermène (Ménaka)"]
    plain = Place(name="Menaka", country="ML", admin1="MENAKA", lat=15.92, lon=2.4)
    assert severity([], [], Figures(), [plain], []).score == 10
    assert severity([], [], Figures(), [NIGER], []).reasons == ["place: Niger"]


def test_actor_aliases_and_stated_absence_of_casualties() -> None:
    result = severity([], [], Figures(killed=0, wounded=0), [], [Org(id="eigs", name="EIGS")])
    assert "actor: isgs" in result.reasons and "no casualties stated" in result.reasons
    assert result.score == 15
