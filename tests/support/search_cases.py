"""Crafted items and searches with their expected results, run against both item stores
(tests/sinks/test_search.py on SQLite, tests/integration/test_search_es.py on the real
Elasticsearch): one query model, the same answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from veille.schema import EnrichedItem, Label, Place

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _item(key: str, title: str, body: str, *, source: str = "minusma", lang: str = "fr",
          days_ago: float | None = 1, events: tuple[str, ...] = (),
          places: tuple[tuple[str, str], ...] = ()) -> EnrichedItem:
    item = EnrichedItem(
        id=f"https://example.org/{key}", source=source, url=f"https://example.org/{key}",
        title=title, body=body, lang=lang,
        published_at=None if days_ago is None else NOW - timedelta(days=days_ago),
        collected_at=NOW - timedelta(days=days_ago or 0.5),
    )
    item.enrichment.language.code = lang
    item.enrichment.event_types = [Label(label=e, score=0.9) for e in events]
    item.enrichment.places = [Place(name=name, country="ML", admin1=admin1) for name, admin1 in places]
    return item


ITEMS = [
    _item("a", "Attaque à Ménaka", "Le gouvernement condamne fermement l'attaque perpétrée à Ménaka.",
          events=("attack_on_civilians",), places=(("Ménaka", "Ménaka"),)),
    _item("b", "Kidal : retour de l'administration", "Le gouverneur de la région de Kidal annonce "
          "le retour des services [/bold] et [/] de l'État à Kidal.", source="maliweb",
          days_ago=20, places=(("Kidal", "Kidal"),)),
    _item("c", "Clashes near Gao", "Armed men clashed with the army near Gao and Kidal.",
          source="caj-news", lang="en", days_ago=3, events=("armed_clash",),
          places=(("Gao", "Gao"), ("Kidal", "Kidal"))),
    _item("d", "مالي: هجوم في ميناكا", "نزوح آلاف الأسر من منطقة ميناكا بعد الهجوم.",
          source="aljazeera", lang="ar", days_ago=None, events=("attack_on_civilians",),
          places=(("Ménaka", "Ménaka"),)),
    _item("e", "Tombouctou : marché rouvert", "Le marché de Tombouctou a rouvert, rien à Gao.",
          source="studio-tamani", days_ago=60, places=(("Tombouctou", "Tombouctou"),)),
    _item("f", "Bamako", "Réunion à Bamako.", source="oic"),
]
# Published at 12:30 in UTC+2, 10:30 UTC: 1 h 30 before NOW. As text, "12:30+02:00" would sort
# after NOW - 1 h; the stores compare instants.
ITEMS[-1].published_at = datetime(2024, 6, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))


def ids(*keys: str) -> set[str]:
    return {f"https://example.org/{k}" for k in keys}


# (words, filters, expected ids): the same in both stores.
CASES = [
    ("Kidal", {}, ids("b", "c")),
    ("condamne", {}, ids("a")),  # a lower-case word
    ("Kidal OR Tombouctou", {}, ids("b", "c", "e")),
    ("(Kidal OR Tombouctou) NOT Gao", {}, ids("b")),
    ("Gao NOT (Kidal OR Tombouctou)", {}, set()),
    ('"services [/bold]"', {}, ids("b")),
    ("Kidal", {"sources": ["caj-news"]}, ids("c")),
    ("Kidal", {"sources": ["caj-news,maliweb"]}, ids("b", "c")),
    ("Kidal", {"since": "7d"}, ids("c")),
    ("Kidal", {"since": "2024-05-01"}, ids("b", "c")),
    ("Kidal", {"langs": ["EN"]}, ids("c")),
    ("", {"event_types": ["attack_on_civilians"]}, ids("a", "d")),
    ("", {"event_types": ["attack_on_civilians"], "langs": ["ar"]}, ids("d")),
    ("", {"places": ["menaka"]}, ids("a", "d")),  # accents and case ignored
    ("", {"places": ["KIDAL", "Tombouctou"]}, ids("b", "c", "e")),
    ("Gao", {"places": ["Tombouctou"], "since": "90d"}, ids("e")),
    ("", {"since": "2d"}, ids("a", "d", "f")),  # d has no publication date: collected 12 h ago
    ("Bamako", {"since": "1h"}, set()),
    ("Bamako", {"since": "2h"}, ids("f")),
]
