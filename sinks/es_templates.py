"""Elasticsearch index templates for veille's items and alerts, and where each item goes.

Everything here is a pure function of the namespace and of what the cluster offers, so the
bodies are unit-tested without a server; `sinks.es_store` PUTs them.

Layout for namespace `ns` (settings `namespace`, default "veille"):

* component templates `ns-settings` (shards, replicas, refresh interval), `ns-items-mappings`,
  `ns-alerts-mappings` and `ns-sources-mappings`;
* composable index templates `ns-items` and `ns-alerts` (patterns `ns-items-*`,
  `ns-alerts-*`, priority 200) composed of them, which also attach every new index to the
  alias `ns-items` / `ns-alerts`;
* the index template `ns-sources` for the single index `ns-sources` (no alias: one small
  document per source, `_id` = source key, overwritten by every health check; see
  `crawlers.source_health`). Its mapping is SOURCES_MAPPINGS, which the Kibana "Source
  health" panel is checked against (`sinks.kibana` imports it from here);
* yearly indices `ns-items-YYYY` (year of `published_at`, else `collected_at`, in UTC),
  created by the first write into them. Readers only ever use the alias.

Text analysis: the title, body and summary are always indexed with the `standard` analyzer
(works on every node). When the cluster offers the `arabic`, `french` and `english` analyzers
(module analysis-common: the official distribution has it, the integ-test zip does not), each
text field also gets the subfields `.ar`, `.fr`, `.en` analysed with them (stemming, Arabic
normalisation, French elision and accent folding). Without them there are no subfields; the
template's `_meta.analysis` says which ("language" or "standard") and
`_meta.language_analyzers` lists the analyzers used.

Mapping policy: `dynamic: false` at the root (so in `enrichment` too). Fields unknown to the
mapping — what a future classifier adds before the template knows it — are kept in `_source`
(so export returns them) but not indexed, and never make a document fail; a template update
makes them searchable in the next yearly index. Dynamic mapping (or dynamic templates) would
instead fix a field's type from its first value, per yearly index, and reject later documents
whose value disagrees: brittle. Keyword fields whose values may be long carry `ignore_above`
so a long value is stored but never rejects the document; `id` has none because export sorts
on it. URLs (`url`, `attachments`) stay indexed keywords: "which items cite this file" is a
cheap, useful exact lookup. Object arrays (places, orgs, event types…) are plain objects, not
`nested`, so Kibana can aggregate on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from veille.schema import SCHEMA_VERSION

# Analyzer of the analysis-common module → subfield name.
LANGUAGE_ANALYZERS: dict[str, str] = {"arabic": "ar", "french": "fr", "english": "en"}
TEMPLATE_PRIORITY = 200  # above the built-in logs-*/metrics-* templates (100)
REFRESH_INTERVAL = "1s"

_KW = {"type": "keyword", "ignore_above": 1024}
_KW_URL = {"type": "keyword", "ignore_above": 4096}
_FLOAT = {"type": "float"}
_DATE = {"type": "date"}


# The source-health index `<ns>-sources` (written by crawlers.source_health): the fields the
# Kibana "Source health" panel uses and what operators filter on, with their types.
SOURCES_FIELDS: dict[str, str] = {
    "source": "keyword",
    "status": "keyword",
    "reasons": "keyword",
    "checked_at": "date",
    "last_success": "date",
    "last_new_item": "date",
    "items_per_day": "float",
    "completeness": "float",
    "errors": "object",
}
SOURCES_MAPPINGS: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        name: ({"type": "keyword", "ignore_above": 1024} if kind == "keyword"
               else {"type": "object", "dynamic": False} if kind == "object"
               else {"type": kind})
        for name, kind in SOURCES_FIELDS.items()
    },
}


def sources_index(namespace: str) -> str:
    return f"{namespace}-sources"


def detect_language_analyzers(client: Any) -> frozenset[str]:
    """Which of the arabic, french and english analyzers this cluster offers.

    Asks `_analyze` for each; a node without them answers 400 ("failed to find global
    analyzer"). Any other error (connection, 5xx) propagates: the store is unavailable.
    """
    from elasticsearch import BadRequestError

    found = set()
    for name in LANGUAGE_ANALYZERS:
        try:
            client.indices.analyze(analyzer=name, text="veille")
        except BadRequestError:
            continue
        found.add(name)
    return frozenset(found)


def _text(analyzers: Iterable[str], raw: bool = False) -> dict[str, Any]:
    fields: dict[str, Any] = {
        LANGUAGE_ANALYZERS[name]: {"type": "text", "analyzer": name}
        for name in sorted(analyzers)
    }
    if raw:
        fields["raw"] = {"type": "keyword", "ignore_above": 512}
    body: dict[str, Any] = {"type": "text", "analyzer": "standard"}
    if fields:
        body["fields"] = fields
    return body


def _labels() -> dict[str, Any]:
    return {"properties": {"label": _KW, "score": _FLOAT, "evidence": _KW}}


def analysis_meta(analyzers: Iterable[str]) -> dict[str, Any]:
    used = sorted(set(analyzers) & LANGUAGE_ANALYZERS.keys())
    return {
        "veille_schema": SCHEMA_VERSION,
        "analysis": "language" if used else "standard",
        "language_analyzers": used,
    }


def text_fields(analyzers: Iterable[str]) -> list[str]:
    """The analysed fields a search should look in (title.ar, … only when they exist)."""
    subs = [LANGUAGE_ANALYZERS[name] for name in sorted(set(analyzers) & LANGUAGE_ANALYZERS.keys())]
    return [f"{field}{'.' + sub if sub else ''}"
            for field in ("title", "summary", "body") for sub in ["", *subs]]


def items_mappings(analyzers: Iterable[str]) -> dict[str, Any]:
    analyzers = set(analyzers) & LANGUAGE_ANALYZERS.keys()
    return {
        "dynamic": False,
        "_meta": analysis_meta(analyzers),
        "properties": {
            "schema_version": {"type": "short"},
            "id": {"type": "keyword"},
            "source": _KW,
            "url": _KW_URL,
            "title": _text(analyzers, raw=True),
            "body": _text(analyzers),
            "summary": _text(analyzers),
            "lang": _KW,
            "published_at": _DATE,
            "collected_at": _DATE,
            "doc_type": _KW,
            "issuer": _KW,
            "symbol": _KW,
            "translations": _KW_URL,
            "authors": _KW,
            "attachments": _KW_URL,
            "enrichment": {
                "properties": {
                    "language": {"properties": {"code": _KW, "score": _FLOAT}},
                    "processed_at": _DATE,
                    "event_types": _labels(),
                    "topics": _labels(),
                    "places": {
                        "properties": {
                            "name": _KW,
                            "country": _KW,
                            "admin1": _KW,
                            "admin2": _KW,
                            "lat": _FLOAT,
                            "lon": _FLOAT,
                            # Written by the store from lat/lon (see es_store.to_document).
                            "location": {"type": "geo_point"},
                            "evidence": _KW,
                        }
                    },
                    "orgs": {"properties": {"id": _KW, "name": _KW, "evidence": _KW}},
                    "severity": {"properties": {"score": _FLOAT, "reasons": _KW}},
                    "figures": {
                        "properties": {
                            "killed": {"type": "integer"},
                            "wounded": {"type": "integer"},
                            "abducted": {"type": "integer"},
                            "displaced": {"type": "integer"},
                            "evidence": _KW,
                        }
                    },
                    "symbols": _KW,
                    "duplicate_of": _KW_URL,
                    "story_id": _KW,
                    "merged_stories": _KW,  # stories this report joined (the brief lists them once)
                }
            },
        },
    }


def alerts_mappings(analyzers: Iterable[str]) -> dict[str, Any]:
    """Alerts: one document per rule firing on a story (`sinks.alerts.model.Alert`)."""
    analyzers = set(analyzers) & LANGUAGE_ANALYZERS.keys()
    return {
        "dynamic": False,
        "_meta": analysis_meta(analyzers),
        "properties": {
            "id": {"type": "keyword"},
            "rule": _KW,
            "rule_type": _KW,  # any, frequency, spike, new_term, flatline: a Kibana filter
            "item_id": _KW_URL,
            "story_id": _KW,
            "digest_id": _KW,
            "created_at": _DATE,
            "published_at": _DATE,
            "severity": {"type": "short"},
            "matched": _KW,
            "reasons": _text(analyzers),
            "status": _KW,
            "mode": _KW,
            "channels": _KW,
            "title": _text(analyzers),
            "url": _KW_URL,
            "source": _KW,
            "issuer": _KW,
            "language": _KW,
            "places": _KW,
            "event_types": _KW,
            "topics": _KW,
        },
    }


def settings_component(replicas: int = 0, shards: int = 1) -> dict[str, Any]:
    return {
        "template": {
            "settings": {
                "index": {
                    "number_of_shards": shards,
                    "number_of_replicas": replicas,
                    "refresh_interval": REFRESH_INTERVAL,
                }
            }
        },
        "_meta": {"veille_schema": SCHEMA_VERSION},
    }


def index_template(namespace: str, kind: str, analyzers: Iterable[str]) -> dict[str, Any]:
    alias = f"{namespace}-{kind}"
    return {
        "index_patterns": [f"{alias}-*"],
        "composed_of": [f"{namespace}-settings", f"{alias}-mappings"],
        "priority": TEMPLATE_PRIORITY,
        "version": SCHEMA_VERSION,
        "template": {"aliases": {alias: {}}},
        "_meta": analysis_meta(analyzers),
    }


def component_templates(
    namespace: str, analyzers: Iterable[str], replicas: int = 0
) -> dict[str, dict[str, Any]]:
    """{name: body} of the component templates, in the order they must be PUT."""
    analyzers = set(analyzers)
    meta = analysis_meta(analyzers)
    return {
        f"{namespace}-settings": settings_component(replicas),
        f"{namespace}-items-mappings": {
            "template": {"mappings": items_mappings(analyzers)}, "_meta": meta
        },
        f"{namespace}-alerts-mappings": {
            "template": {"mappings": alerts_mappings(analyzers)}, "_meta": meta
        },
        f"{namespace}-sources-mappings": {
            "template": {"mappings": SOURCES_MAPPINGS}, "_meta": meta
        },
    }


def sources_index_template(namespace: str, analyzers: Iterable[str]) -> dict[str, Any]:
    """Like the others but for one index named exactly `ns-sources` (no alias to manage)."""
    return {
        "index_patterns": [sources_index(namespace)],
        "composed_of": [f"{namespace}-settings", f"{namespace}-sources-mappings"],
        "priority": TEMPLATE_PRIORITY,
        "version": SCHEMA_VERSION,
        "_meta": analysis_meta(analyzers),
    }


def index_templates(namespace: str, analyzers: Iterable[str]) -> dict[str, dict[str, Any]]:
    analyzers = set(analyzers)
    out = {f"{namespace}-{kind}": index_template(namespace, kind, analyzers)
           for kind in ("items", "alerts")}
    out[f"{namespace}-sources"] = sources_index_template(namespace, analyzers)
    return out


def month_suffix(when: datetime) -> str:
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return f"{when.year:04d}.{when.month:02d}"


def item_index(namespace: str, published_at: datetime | None, collected_at: datetime) -> str:
    """`ns-items-YYYY` for the year the item was published (else collected), in UTC.

    Yearly, not monthly: archives reach back a decade and every index costs a shard; a
    year of Sahel news is far below what one shard holds well."""
    when = published_at or collected_at
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return f"{namespace}-items-{when.year:04d}"


def alert_index(namespace: str, created_at: datetime) -> str:
    return f"{namespace}-alerts-{month_suffix(created_at)}"
