"""The classifiers' figures on the labelled sets stay above floors set from measured values.

`items.jsonl` is the development set (lexicons are tuned on it); `heldout.jsonl` was written
after the lexicons and is never tuned on. `real/dev.jsonl` and `real/heldout.jsonl` are real
text written elsewhere (tests/eval/real/README.md): the first is tuned on, the second never. The floors are regression guards, a little under
what `veille eval` printed when they were set (docs/classifiers.md); raising them is welcome,
lowering one needs a reason in the commit.
"""

from __future__ import annotations

import pytest

from processors.evaluation import evaluate, load_set, pipeline_predictor
from veille.settings import REPO_ROOT

FLOORS = {
    "items.jsonl": {
        "event_types.macro_f1.ar": 0.91, "event_types.macro_f1.fr": 0.93,
        "event_types.macro_f1.en": 0.92,  # events round 5: 0.927 -> 0.931
        "topics.macro_f1.ar": 0.86, "topics.macro_f1.fr": 0.88, "topics.macro_f1.en": 0.87,
        "places.admin1_accuracy.ar": 0.99, "places.admin1_accuracy.fr": 0.99,
        "places.admin1_accuracy.en": 0.99,
        "language.accuracy": 1.0, "language.sahel_rejection": 1.0,
        "duplicates.precision": 0.95, "duplicates.recall": 0.9, "stories.precision": 0.9,
    },
    "heldout.jsonl": {
        # events round 5: 0.918 / 0.848 / 0.923 -> 0.931 / 0.858 / 0.931
        "event_types.macro_f1.ar": 0.92, "event_types.macro_f1.fr": 0.85,
        "event_types.macro_f1.en": 0.92,
        "topics.macro_f1.ar": 0.81, "topics.macro_f1.fr": 0.84, "topics.macro_f1.en": 0.82,
        "places.admin1_accuracy.ar": 0.99, "places.admin1_accuracy.fr": 0.99,
        "places.admin1_accuracy.en": 0.99,
        "language.accuracy": 1.0, "language.sahel_rejection": 1.0,
        "duplicates.precision": 0.95, "duplicates.recall": 0.8, "stories.precision": 0.9,
    },
    # Real text written elsewhere (tests/eval/real/README.md): dev is tuned on, held-out never.
    # Re-set on 2026-12-07 for the grown set (847 items) after the group audit moved 40
    # held-out records of events also in dev to dev (tests/eval/real/README.md).
    "real/dev.jsonl": {
        # events round 5 (docs/classifiers.md): 0.887 / 0.919 / 0.856
        "event_types.macro_f1.ar": 0.88, "event_types.macro_f1.fr": 0.91,
        "event_types.macro_f1.en": 0.85,
        "topics.macro_f1.ar": 0.76, "topics.macro_f1.fr": 0.75, "topics.macro_f1.en": 0.70,
        "places.admin1_accuracy.ar": 0.95, "places.admin1_accuracy.fr": 0.97,
        "places.admin1_accuracy.en": 0.98,
        # places round 8 (2026-12-07): 1st adm1 0.960 / 0.945 / 0.948, ≤25 km 0.908 / 0.878 / 0.912
        "places.first_admin1.ar": 0.95, "places.first_admin1.fr": 0.93,
        "places.first_admin1.en": 0.94,
        "places.first_within_25km.ar": 0.90, "places.first_within_25km.fr": 0.87,
        "places.first_within_25km.en": 0.90,
        "orgs.recall": 0.92, "orgs.armed_recall": 0.94, "language.accuracy": 1.0,
    },
    "real/heldout.jsonl": {
        # events round 5: 0.800 / 0.825 / 0.782 (looked at once, aggregate only)
        "event_types.macro_f1.ar": 0.79, "event_types.macro_f1.fr": 0.82,
        "event_types.macro_f1.en": 0.78,
        "topics.macro_f1.ar": 0.76, "topics.macro_f1.fr": 0.61, "topics.macro_f1.en": 0.71,
        "places.admin1_accuracy.ar": 0.94, "places.admin1_accuracy.fr": 0.98,
        "places.admin1_accuracy.en": 0.98,
        # lowered for English in places round 7: both held-out looks (aggregate only) gave
        # 1st adm1 0.887, ≤25 km 0.845 (0.901 / 0.862 before: one item each); docs/places-and-orgs.md
        "places.first_admin1.ar": 0.93, "places.first_admin1.fr": 0.95,
        "places.first_admin1.en": 0.88,
        "places.first_within_25km.ar": 0.89, "places.first_within_25km.fr": 0.86,
        "places.first_within_25km.en": 0.84,
        "orgs.recall": 0.89, "orgs.armed_recall": 0.90, "language.accuracy": 1.0,
    },
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_figures_stay_above_their_floors(name):
    report = evaluate(pipeline_predictor(), load_set(REPO_ROOT / "tests" / "eval" / name))
    figures = report.floors()
    below = {k: round(figures[k], 3) for k, floor in FLOORS[name].items() if figures[k] < floor}
    assert not below, f"{name}: below the floor: {below} (floors {FLOORS[name]})"
