"""Real alerts for the message tests: the story fixture and a few French reports classified by
the real classifier, raised by the real alert engine (an immediate rule and a digest rule), so
the messages are checked on what the stage really puts in an alert."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from processors.classify import Classifier
from sinks.alerts.model import Alert, ChannelConfig, Report
from sinks.alerts.rules import load_rules
from sinks.alerts.stage import AlertEngine
from sinks.alerts.store import SqliteAlertStore
from sinks.alerts.throttle import SqliteThrottle
from veille.schema import EnrichedItem, Item

STORY = Path(__file__).resolve().parents[2] / "fixtures" / "alerts_story.jsonl"
NOON = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

# French reports beside the story's (fr-1, fr-2): an abduction, a protest, an agreement; the
# digest lists them, each with its own link, source and severity.
MORE_FR = [
    {"id": "t-fr-3", "source": "maliweb", "url": "https://www.maliweb.net/securite/enlevement-tombouctou-3.html",
     "title": "Tombouctou : deux agents humanitaires enlevés par des hommes armés",
     "body": "Deux agents d'une ONG ont été enlevés mardi par des hommes armés sur la route de Goundam, "
             "près de Tombouctou, selon des sources locales. Leurs ravisseurs n'ont pas été identifiés.",
     "lang": "fr", "published_at": "2026-11-22T08:30:00Z"},
    {"id": "t-fr-4", "source": "bbc-afrique", "url": "https://www.bbc.com/afrique/articles/manifestation-bamako",
     "title": "Bamako : des centaines de manifestants contre la vie chère",
     "body": "Des centaines de personnes ont manifesté samedi à Bamako contre la hausse des prix. "
             "La manifestation s'est déroulée dans le calme, selon la police.",
     "lang": "fr", "published_at": "2026-11-21T17:00:00Z"},
    {"id": "t-fr-5", "source": "studio-tamani", "url": "https://www.studiotamani.org/kidal-accord-5",
     "title": "Kidal : les communautés signent un accord de cessez-le-feu <local>",
     "body": "Les représentants des communautés de Kidal ont signé un accord de cessez-le-feu lundi, "
             "sous l'égide des autorités de la transition.",
     "lang": "fr", "published_at": "2026-11-22T06:15:00Z"},
]

RULES = """
channels:
  mail: {type: email, to: [desk@example.org]}
rules:
  - name: violence-ar
    when:
      languages: [ar]
      event_types: [attack_on_civilians, armed_clash]
    channels: [mail]
  - name: desk-fr
    when:
      languages: [fr]
    channels: [mail]
    mode: {digest: 1h}
"""


@cache
def classified() -> list[EnrichedItem]:
    raw = [Item.model_validate(json.loads(line)) for line in STORY.read_text().splitlines()]
    raw += [Item.model_validate(doc) for doc in MORE_FR]
    classifier = Classifier(None)
    try:
        return classifier.enrich_many(raw)
    finally:
        classifier.close()


def raised(items: list[EnrichedItem], tmp_path: Path) -> tuple[Alert, Alert]:
    """(the Arabic alert, the French digest) as the engine sends them."""
    sent: list[Alert] = []

    def enqueue(alert: Alert, channels: dict[str, ChannelConfig]) -> None:
        sent.append(alert)

    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    engine = AlertEngine(load_rules(path), SqliteAlertStore(tmp_path / "alerts.db"),
                         SqliteThrottle(tmp_path / "alerts.db"), enqueue, clock=lambda: NOON)
    try:
        engine.handle(items)
        engine.flush_due(force=True)
    finally:
        engine.close()
    [arabic] = [a for a in sent if a.rule == "violence-ar"]
    [digest] = [a for a in sent if a.rule == "desk-fr"]
    # The story's other reports, as the alert carries them (here: the French and English ones).
    others = [i for i in items if i.enrichment.story_id == arabic.story_id and i.id != arabic.item_id]
    arabic = arabic.model_copy(update={"reports": [
        Report(item_id=i.id, title=i.title, url=i.url, source=i.source, language=i.enrichment.language.code,
               published_at=i.published_at) for i in others]})
    return arabic, digest
