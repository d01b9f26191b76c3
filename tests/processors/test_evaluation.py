"""The scoring maths of processors.evaluation, on toy items and toy predictors.

(The floors the real classifiers must hold are a separate test; the last tests here only
check that the labelled set itself is well formed and covers what its README promises.)
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from rich.console import Console

from processors import evaluation as ev
from veille.schema import EnrichedItem, Enrichment, Label, Language, Org, Place


def item(ident, lang, events=(), topics=(), places=(), orgs=(), figures=None, date="2024-01-01T00:00:00Z", **extra):
    labels = {
        "language": lang, "event_types": list(events), "topics": list(topics),
        "places": [{"name": n, "country": c, "admin1": a} for n, c, a in places],
        "orgs": list(orgs),
        "figures": {"killed": None, "wounded": None, "abducted": None, "displaced": None, **(figures or {})},
        **extra,
    }
    return {"id": ident, "lang": lang, "source": "toy", "title": f"title {ident}", "body": f"body {ident}",
            "published_at": date, "labels": labels, "seed": None, "notes": ""}


GAO = ("Gao", "ML", "Gao")
MENAKA = ("Ménaka", "ML", "Ménaka")
KIDAL = ("Kidal", "ML", "Kidal")
MALI = ("Mali", "ML", "")
NIGER = ("Niger", "NE", "")

TOY = [
    item("fr-1", "fr", ["armed_clash"], ["security", "terrorism"], [MALI, GAO], ["fama", "jnim"], {"killed": 3}),
    item("fr-2", "fr", ["armed_clash", "abduction"], ["security"], [MENAKA], ["fama"], {"abducted": 2}),
    item("en-1", "en", ["protest"], ["governance"], [KIDAL, NIGER], ["un-security-council"]),
    item("en-2", "en", [], ["health"], [], ["who"]),
    item("ar-1", "ar", ["agreement"], ["peace_process"], [GAO], ["oic"]),
    item("bm-1", "bm"),
]


def perfect(record_by_id):
    def predict(data):
        g = record_by_id[data["id"]]["labels"]
        return {
            "language": {"code": g["language"], "score": 1.0},
            "event_types": [{"label": x, "score": 1.0, "evidence": []} for x in g["event_types"]],
            "topics": [{"label": x, "score": 1.0, "evidence": []} for x in g["topics"]],
            "places": [dict(p, lat=0.0, lon=0.0) for p in g["places"]],
            "orgs": [{"id": o, "name": o} for o in g["orgs"]],
            "figures": dict(g["figures"]),
            "duplicate_of": g.get("duplicate_of"),
            "story_id": g.get("story"),
        }
    return predict


def by_id(items):
    return {i["id"]: i for i in items}


def test_perfect_predictor_scores_one_everywhere():
    report = ev.evaluate(perfect(by_id(TOY)), TOY)
    for name, value in report.floors().items():
        assert value == 1.0, name
    assert report.macro_f1("event_types", "all") == 1.0
    assert report.orgs["all"].precision == report.orgs["all"].recall == 1.0
    assert report.countries["all"].recall == 1.0
    assert all(report.figures[f].value == 1.0 for f in ev.FIGURE_FIELDS)
    assert report.n_items == {"fr": 2, "en": 2, "ar": 1, "all": 5, "bm": 1}


def test_missing_one_label_lowers_its_recall_only():
    gold = by_id(TOY)
    base = perfect(gold)

    def predict(data):
        out = base(data)
        if data["id"] == "fr-2":
            out["event_types"] = [{"label": "abduction", "score": 1.0}]  # armed_clash missed
        return out

    report = ev.evaluate(predict, TOY)
    clash = report.labels["event_types"]["fr"]["armed_clash"]
    assert (clash.tp, clash.fp, clash.fn) == (1, 0, 1)
    assert clash.precision == 1.0 and clash.recall == 0.5
    assert clash.f1 == pytest.approx(2 / 3)
    # fr has two supported event labels: armed_clash (2/3) and abduction (1.0)
    assert report.macro_f1("event_types", "fr") == pytest.approx((2 / 3 + 1.0) / 2)
    assert report.macro_f1("event_types", "en") == 1.0
    assert report.labels["event_types"]["all"]["armed_clash"].recall == 0.5


def test_extra_label_lowers_precision_and_unsupported_labels_stay_out_of_the_macro():
    gold = by_id(TOY)
    base = perfect(gold)

    def predict(data):
        out = base(data)
        if data["id"] == "en-1":
            out["topics"].append({"label": "security", "score": 0.4})  # no en item has security
        if data["id"] == "en-2":
            out["topics"].append({"label": "governance", "score": 0.4})  # wrong on this item
        return out

    report = ev.evaluate(predict, TOY)
    gov = report.labels["topics"]["en"]["governance"]
    assert (gov.tp, gov.fp, gov.fn) == (1, 1, 0) and gov.precision == 0.5 and gov.recall == 1.0
    sec = report.labels["topics"]["en"]["security"]
    assert sec.support == 0 and sec.fp == 1 and sec.precision == 0.0
    # macro over en topics with support: governance (2/3) and health (1.0); security is not counted
    assert report.macro_f1("topics", "en") == pytest.approx((2 / 3 + 1.0) / 2)


def test_never_predicting_a_supported_label_scores_zero_for_it():
    report = ev.evaluate(lambda data: {"language": {"code": "fr"}}, TOY)
    assert report.macro_f1("event_types", "fr") == 0.0
    assert report.labels["topics"]["fr"]["security"].as_dict()["f1"] == 0.0


def test_admin1_accuracy_and_precision():
    items = [item("x", "fr", places=[GAO, MENAKA, MALI, NIGER]), item("y", "fr", places=[KIDAL])]

    def predict(data):
        if data["id"] == "x":  # Gao right (accent and case folded), Ménaka missed, Kidal wrong
            return {"places": [{"name": "Gao", "country": "ML", "admin1": "gao"},
                               {"name": "Kidal", "country": "ML", "admin1": "Kidal"},
                               {"name": "Tillabéri", "country": "NE", "admin1": "Tillabéri"}]}
        return {"places": [{"name": "Kidal", "country": "ML", "admin1": "Kidal"}]}

    report = ev.evaluate(predict, items)
    admin1 = report.admin1["fr"]
    assert (admin1.tp, admin1.fp, admin1.fn) == (2, 1, 1)
    assert report.admin1_accuracy("fr") == pytest.approx(2 / 3)
    assert report.admin1_precision("fr") == pytest.approx(2 / 3)
    # countries: x has {ML, NE} gold, {ML, NE} predicted; y has {ML}, {ML}
    assert report.countries["fr"].recall == 1.0 and report.countries["fr"].precision == 1.0


def test_admin1_spellings_fold_together():
    items = [item("x", "fr", places=[("Ségou", "ML", "Ségou"), ("Tombouctou", "ML", "Tombouctou")])]
    report = ev.evaluate(lambda d: {"places": [{"name": "Segou", "country": "ml", "admin1": "Segou"},
                                               {"name": "Timbuktu", "country": "ML", "admin1": "Timbuktu"}]}, items)
    assert report.admin1_accuracy("fr") == 1.0


def test_orgs_micro_scores_with_aliases():
    items = [item("x", "en", orgs=["un-security-council", "isgs", "fama"])]
    report = ev.evaluate(lambda d: {"orgs": [{"id": "UNSC", "name": "Security Council"}, {"id": "eigs", "name": ""},
                                             {"id": "minusma", "name": "MINUSMA"}]}, items)
    orgs = report.orgs["en"]
    assert (orgs.tp, orgs.fp, orgs.fn) == (2, 1, 1)


def test_language_accuracy_and_sahel_rejection():
    items = [item("a", "fr"), item("b", "ar"), item("c", "bm"), item("d", "ha")]
    answers = {"a": "fr", "b": "fr", "c": "und", "d": "fr"}
    report = ev.evaluate(lambda d: {"language": {"code": answers[d["id"]], "score": 0.9}}, items)
    assert report.language_accuracy("fr") == 1.0
    assert report.language_accuracy("ar") == 0.0
    assert report.language_accuracy("all") == 0.5  # over ar/fr/en items only
    assert report.language["bm"].value == 0.0      # exact code expected...
    assert report.sahel_rejection.as_dict() == {"hits": 1, "total": 2, "value": 0.5}  # ...but 'und' is not ar/fr/en
    assert report.floors()["language.sahel_rejection"] == 0.5


def test_sahel_items_are_kept_out_of_label_scores():
    items = [item("a", "fr", ["protest"]), item("c", "bm")]
    report = ev.evaluate(lambda d: {"event_types": [{"label": "protest", "score": 1}]}, items)
    assert report.labels["event_types"]["all"]["protest"].fp == 0


def test_figures_exact_match():
    items = [item("a", "fr", figures={"killed": 3, "wounded": 0}), item("b", "fr")]
    preds = {"a": {"figures": {"killed": 3, "wounded": None}}, "b": {"figures": {"killed": 1}}}
    report = ev.evaluate(lambda d: preds[d["id"]], items)
    assert report.figures["killed"].as_dict() == {"hits": 1, "total": 2, "value": 0.5}
    assert report.figures_stated["killed"].value == 1.0
    assert report.figures_stated["wounded"].as_dict() == {"hits": 0, "total": 1, "value": 0.0}
    assert report.figures["abducted"].value == 1.0  # None == None on both items


def test_duplicates_item_level():
    items = [item("o1", "fr", date="2024-01-01T00:00:00Z"), item("d1", "fr", date="2024-01-02T00:00:00Z", duplicate_of="o1"),
             item("o2", "en", date="2024-01-03T00:00:00Z"), item("d2", "en", date="2024-01-04T00:00:00Z", duplicate_of="o2"),
             item("x", "en", date="2024-01-05T00:00:00Z")]
    preds = {"d1": "o1", "d2": "o1", "x": "o2"}  # right, wrong target, false alarm
    report = ev.evaluate(lambda d: {"duplicate_of": preds.get(d["id"])}, items)
    dup = report.duplicates
    assert (dup.tp, dup.fp, dup.fn) == (1, 2, 1)
    assert dup.precision == pytest.approx(1 / 3) and dup.recall == 0.5


def test_stories_pairwise():
    items = [item("a", "fr", story="s"), item("b", "en", story="s"), item("c", "ar", story="s"),
             item("d", "fr"), item("e", "fr", duplicate_of="d")]
    # gold pairs: ab ac bc (story s) + de (duplicate) = 4
    preds = {"a": {"story_id": "k1"}, "b": {"story_id": "k1"}, "c": {"story_id": "k2"},
             "d": {"story_id": "k3"}, "e": {"duplicate_of": "d"}}
    report = ev.evaluate(lambda d: preds[d["id"]], items)
    stories = report.stories
    assert (stories.tp, stories.fp, stories.fn) == (2, 0, 2)  # ab and de found, ac bc missed
    assert stories.precision == 1.0 and stories.recall == 0.5

    everything = ev.evaluate(lambda d: {"story_id": "one"}, items)
    assert everything.stories.recall == 1.0
    assert everything.stories.precision == pytest.approx(4 / 10)


def test_predict_sees_items_in_time_order_without_labels():
    items = [item("late", "fr", date="2024-03-01T00:00:00Z"), item("early", "fr", date="2024-01-01T00:00:00Z"),
             item("same-day-first", "en", date="2024-02-01T00:00:00Z"), item("same-day-second", "en", date="2024-02-01T00:00:00Z")]
    seen = []

    def predict(data):
        assert "labels" not in data and "notes" not in data and "seed" not in data
        assert data["url"] and data["title"] and data["body"]
        seen.append(data["id"])
        return {}

    ev.evaluate(predict, items)
    assert seen == ["early", "same-day-first", "same-day-second", "late"]


def test_accepts_schema_objects_and_bare_strings():
    items = [item("a", "fr", ["protest"], ["governance"], [GAO], ["fama"])]
    enrichment = Enrichment(language=Language(code="fr", score=0.9),
                            event_types=[Label(label="protest", score=0.8)],
                            topics=[Label(label="governance", score=0.7)],
                            places=[Place(name="Gao", country="ML", admin1="Gao", lat=16.27, lon=-0.04)],
                            orgs=[Org(id="fama", name="FAMa")])
    assert ev.evaluate(lambda d: enrichment, items).floors()["event_types.macro_f1.fr"] == 1.0
    enriched = EnrichedItem(id="a", source="toy", url="eval:a", title="t", body="b", enrichment=enrichment)
    assert ev.evaluate(lambda d: enriched, items).admin1_accuracy("fr") == 1.0
    flat = {"id": "a", "event_types": ["protest"], "topics": ["governance"], "orgs": ["fama"]}
    report = ev.evaluate(lambda d: flat, items)
    assert report.macro_f1("event_types", "fr") == 1.0 and report.orgs["fr"].recall == 1.0


def test_read_predictions_and_score(tmp_path):
    items = [item("a", "en", ["riot"]), item("b", "en")]
    lines = [{"id": "a", "title": "t", "enrichment": {"event_types": [{"label": "riot", "score": 1}]}},
             {"id": "b", "language": {"code": "en"}, "event_types": []}]
    path = tmp_path / "out.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    report = ev.score(items, ev.read_predictions(path))
    assert report.labels["event_types"]["en"]["riot"].f1 == 1.0
    assert report.language["en"].hits == 1


def test_load_set_rejects_bad_records(tmp_path):
    path = tmp_path / "set.jsonl"
    good = json.dumps(item("a", "fr"))
    path.write_text(good + "\n" + good + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=":2: duplicate id"):
        ev.load_set(path)
    path.write_text(good + "\n" + json.dumps({"id": "b", "title": "", "body": ""}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=":2: missing 'labels'"):
        ev.load_set(path)


def test_report_renders_and_serialises():
    report = ev.evaluate(perfect(by_id(TOY)), TOY)
    console = Console(record=True, width=160)
    console.print(report.to_table())
    text = console.export_text()
    for title in ("Evaluation summary", "event_types — fr", "topics — ar", "topics — all",
                  "Language identification", "Figures", "Near-duplicates"):
        assert title in text
    data = json.loads(json.dumps(report.to_dict()))
    assert data["floors"] == report.floors()
    assert set(report.floors()) == {f"{k}.{lang}" for k in ("event_types.macro_f1", "topics.macro_f1",
                                                            "places.admin1_accuracy") for lang in ("ar", "fr", "en")} | {
        "language.accuracy", "language.sahel_rejection", "duplicates.precision", "duplicates.recall",
        "stories.precision", "orgs.recall", "orgs.armed_recall"}


# -- the labelled set itself -------------------------------------------------------------
@pytest.fixture(scope="module")
def labelled():
    return ev.load_set()


def test_labelled_set_covers_every_label_in_every_language(labelled):
    langs = Counter(r["labels"]["language"] for r in labelled)
    assert len(labelled) >= 240
    assert all(langs[lang] >= 75 for lang in ev.MAIN_LANGUAGES)
    assert sum(langs[lang] for lang in ev.SAHEL_LANGUAGES) >= 8
    for family, names in ev.FAMILIES.items():
        for lang in ev.MAIN_LANGUAGES:
            counts = Counter(x for r in labelled if r["labels"]["language"] == lang for x in r["labels"][family])
            assert set(counts) <= set(names)
            low = {n: counts[n] for n in names if counts[n] < 5}
            assert not low, f"{family}/{lang}: fewer than 5 positives: {low}"


def test_labelled_set_is_consistent(labelled):
    ids = {r["id"] for r in labelled}
    by = {r["id"]: r for r in labelled}
    assert sorted(r["seed"] for r in labelled if r["seed"]) == ["000", "001", "002", "003", "004"]
    stories = Counter(r["labels"]["story"] for r in labelled if r["labels"].get("story"))
    assert len(stories) >= 8 and min(stories.values()) >= 2
    dups = [r for r in labelled if r["labels"].get("duplicate_of")]
    assert len(dups) >= 10
    for r in dups:
        original = by[r["labels"]["duplicate_of"]]
        assert original["published_at"] < r["published_at"]
        assert original["labels"]["language"] == r["labels"]["language"]
    for r in labelled:
        labels = r["labels"]
        assert r["id"] in ids and r["title"] and r["body"]
        for place in labels["places"]:
            if place["country"] == "ML" and place["name"] != "Mali":
                assert place["admin1"] in ev.ADMIN1, (r["id"], place)
            else:
                assert place["admin1"] == "" and place["country"] in ev.SAHEL_COUNTRIES, (r["id"], place)
        assert set(labels["figures"]) == set(ev.FIGURE_FIELDS)
        if labels["language"] in ev.SAHEL_LANGUAGES:
            assert not (labels["event_types"] or labels["topics"] or labels["places"] or labels["orgs"])
