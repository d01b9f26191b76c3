"""The five seed documents (BRIEF; ../shared/seeds) come out right, label by label.

Each seed's labels live in tests/eval/items.jsonl (records with "seed"), written from the
documents themselves; the classifier sees only what a collector would give it (text, source,
the source's issuer). One test per expected label, so a regression names the label it broke.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from processors.classify import Classifier
from processors.evaluation import fold, item_input, load_set
from veille.schema import Enrichment, Item

SEEDS_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"


@cache
def _records() -> dict[str, dict]:
    return {r["seed"]: r for r in load_set() if r.get("seed")}


@cache
def _enrichment(seed: str) -> Enrichment:
    return Classifier(None).classify(Item.model_validate(item_input(_records()[seed])))


def _squeeze(text: str) -> str:
    return " ".join(fold(text).split())


def _cases(kind: str) -> list[tuple[str, str]]:
    cases = []
    for seed, record in sorted(_records().items()):
        labels = record["labels"]
        if kind == "places":
            cases += [(seed, f"{p['name']}|{p['admin1']}") for p in labels["places"]]
        else:
            cases += [(seed, value) for value in labels[kind]]
    return cases


def test_the_seeds_are_the_shared_documents() -> None:
    # The labelled records carry the seed files' text (the title may come from the page, not
    # the text file): labels describe the real documents.
    assert sorted(_records()) == ["000", "001", "002", "003", "004"]
    for seed, record in _records().items():
        text = _squeeze(next(SEEDS_DIR.glob(f"{seed}_*.txt")).read_text(encoding="utf-8"))
        assert _squeeze(record["body"])[:300] in text


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_language(seed: str) -> None:
    assert _enrichment(seed).language.code == _records()[seed]["labels"]["language"]


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_issuer_is_among_the_organisations(seed: str) -> None:
    issuer = item_input(_records()[seed])["issuer"]
    orgs = {o.id for o in _enrichment(seed).orgs}
    # caj-news is a news agency, not an organisation of the contract: no org id for it
    assert issuer in orgs or issuer == "caj-news", (issuer, orgs)


@pytest.mark.parametrize(("seed", "org"), _cases("orgs"))
def test_organisation(seed: str, org: str) -> None:
    assert org in {o.id for o in _enrichment(seed).orgs}


@pytest.mark.parametrize(("seed", "place"), _cases("places"))
def test_place_with_its_admin1(seed: str, place: str) -> None:
    name, admin1 = place.split("|")
    found = {fold(p.name): fold(p.admin1 or "") for p in _enrichment(seed).places}
    assert fold(name) in found, (name, sorted(found))
    assert found[fold(name)] == fold(admin1), (name, found[fold(name)], admin1)


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_no_unexpected_place_and_most_specific_first(seed: str) -> None:
    gold = {fold(p["name"]) for p in _records()[seed]["labels"]["places"]}
    places = _enrichment(seed).places
    assert {fold(p.name) for p in places} <= gold
    # a place inside Mali's regions comes before the countries
    ranks = [0 if p.admin1 else 1 for p in places]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize(("seed", "topic"), _cases("topics"))
def test_topic(seed: str, topic: str) -> None:
    assert topic in {t.label for t in _enrichment(seed).topics}


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_no_topic_beyond_the_labels(seed: str) -> None:
    got = {t.label for t in _enrichment(seed).topics}
    assert got <= set(_records()[seed]["labels"]["topics"]), got


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_every_label_has_evidence(seed: str) -> None:
    e = _enrichment(seed)
    for label in [*e.topics, *e.event_types]:
        assert label.evidence, label
    for place in e.places:
        assert place.evidence, place
