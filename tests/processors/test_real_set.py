"""The real-text evaluation set stays valid, split by event, and free of ACLED text."""

from __future__ import annotations

import json

import pytest

from tools import real_set


def test_the_committed_set_is_valid_and_split_by_group() -> None:
    assert real_set.check() == []


def test_the_set_is_large_enough_and_holds_a_third_out() -> None:
    counts = {name: sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
              for name, path in real_set.SPLITS.items()}
    assert sum(counts.values()) >= 600
    assert 0.25 <= counts["heldout"] / sum(counts.values()) <= 0.42
    langs = {"ar": 0, "fr": 0, "en": 0}
    for path in real_set.SPLITS.values():
        for line in path.read_text(encoding="utf-8").splitlines():
            langs[json.loads(line)["labels"]["language"]] += 1
    assert min(langs.values()) >= 150, langs


def test_the_split_follows_the_group_not_the_file() -> None:
    groups = [f"2019-03-{day:02d}-ogossagou" for day in range(1, 31)]
    splits = [real_set.split_of(g) for g in groups]
    assert splits == [real_set.split_of(g.upper()) for g in groups]  # stable, case-blind
    assert 3 <= splits.count("heldout") <= 18


def _record(**changes) -> dict:
    record = {
        "id": "x-1", "lang": "fr", "url": "https://example.org/a", "title": "Attaque",
        "body": "Des hommes armés ont attaqué le village de Sinda, dans le cercle de Koro. " * 3,
        "provenance": {"publisher": "Example", "url": "https://example.org/a", "licence": "©"},
        "group": "2020-01-16-sinda",
        "labels": {"language": "fr", "event_types": ["attack_on_civilians"], "topics": ["security"],
                   "places": [{"name": "Sinda", "country": "ML", "admin1": "Mopti", "lat": 14.1,
                               "lon": -3.4}], "orgs": ["fama"], "figures": {"killed": 14}},
    }
    record.update(changes)
    return record


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"body": "Selon les données d'ACLED, 30 attaques ont eu lieu à Mopti en mars. " * 3}, "ACLED"),
        ({"body": "court"}, "body under"),
        ({"provenance": {"publisher": "Example", "url": "https://example.org/a"}}, "provenance.licence"),
        ({"labels": {"language": "fr", "event_types": ["massacre"]}}, "unknown ['massacre']"),
        ({"labels": {"language": "fr", "places": [{"name": "Sinda", "country": "ML",
                                                    "admin1": "Centre"}]}}, "not one of the 11"),
        ({"labels": {"language": "fr", "orgs": ["acled"]}}, "unknown ids"),
        ({"labels": {"language": "fr", "figures": {"killed": "dozens"}}}, "count or null"),
    ],
)
def test_a_bad_record_is_refused_with_the_reason(changes: dict, problem: str) -> None:
    problems = real_set.validate(_record(**changes), "parts/x.jsonl:1", real_set._org_ids())
    assert any(problem in p for p in problems), problems


def test_a_good_record_passes() -> None:
    assert real_set.validate(_record(), "parts/x.jsonl:1", real_set._org_ids()) == []


def test_one_event_under_two_keys_on_both_sides_is_found() -> None:
    """Versions of one event under two group keys (a date guessed a day off, a longer key)
    would sit on both sides of the split; the check names such pairs."""
    groups = {"2022-06-18-diallassagou": "dev", "2022-06-19-diallassagou": "heldout",
              "2022-06-03-anderamboukane": "dev", "2022-03-12-anderamboukane": "heldout",
              "2013-03-20-tombouctou-car-bomb": "dev", "2013-03-31-tombouctou": "heldout"}
    assert real_set.near_groups(groups) == [("2022-06-18-diallassagou", "2022-06-19-diallassagou")]
