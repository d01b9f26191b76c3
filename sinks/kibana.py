"""Kibana saved objects for veille (data views, Lens panels, a map, a saved search and the
"Sahel overview" dashboard) and their import through Kibana's saved objects API.

Why the objects are built here, in Python, rather than kept only as hand-edited NDJSON:
one source of truth. `tools/build_kibana_objects.py` writes `deploy/kibana/*.ndjson` from
`saved_objects()`, a test checks the committed files equal that output, and another checks
every field a panel uses against the real index mapping (`sinks.es_templates`). Hand-written
Lens state silently breaks when a field is renamed; generated state fails a test instead.
The image does not ship `deploy/`, so `veille kibana import` falls back to these built-in
objects when the folder is absent: same content either way.

Objects are written for the default namespace `veille` (index patterns `veille-items*`,
`veille-alerts*`, `veille-sources*`; ids `veille-…`). `rewrite_namespace` turns them into
another namespace's objects (patterns, ids and titles), so two pipelines sharing a cluster
can have their own dashboards side by side in one Kibana space.

Decisions (see docs/dashboards.md):

* The items data view's time field is `published_at`: the dashboard is about when things
  happened and were said, and archives collected in bulk would otherwise pile up on the day
  they were crawled. Items without a publication date (rare: every spider falls back to the
  page's date) are not shown by time-filtered panels; "Items per source" also shows the last
  `collected_at`, which is the collection-health signal.
* Panels are Lens saved objects (type "lens") referenced from the dashboard, the map is a
  Maps saved object (type "map"), the statements list a saved search: each can be opened,
  edited and reused on its own, and the dashboard's references are checkable.
"""

from __future__ import annotations

import copy
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sinks.es_templates import SOURCES_FIELDS as SOURCES_FIELDS
from sinks.es_templates import SOURCES_MAPPINGS as SOURCES_MAPPINGS
from veille.json_lines import json_objects

DEFAULT_NAMESPACE = "veille"
OBJECTS_DIR = Path(__file__).resolve().parent.parent / "deploy" / "kibana"

# Versions stamped on the objects, as a Kibana 8.x export does. Kibana runs every migration
# newer than `typeMigrationVersion` on import, so these are deliberately the versions whose
# format the objects below are written in, all known to Kibana 8.19 (a version newer than
# the running Kibana makes the import fail).
CORE_MIGRATION_VERSION = "8.8.0"
TYPE_MIGRATION_VERSIONS: dict[str, str] = {
    "index-pattern": "8.0.0",
    "lens": "8.9.0",
    "search": "8.0.0",
    "map": "8.4.0",
    "dashboard": "8.7.0",
}
PANEL_VERSION = "8.19.0"  # the Kibana version recorded in each dashboard panel

# ids, stable so a re-import overwrites instead of duplicating.
ITEMS_DV = "veille-items-dataview"
ALERTS_DV = "veille-alerts-dataview"
SOURCES_DV = "veille-sources-dataview"
DASHBOARD_ID = "veille-dashboard-sahel-overview"

# The source-health index `<ns>-sources`: its fields (and Elasticsearch types), which the
# "Source health" panel relies on, and its mapping live with the other index templates in
# sinks.es_templates (one copy); re-exported here (imports at the top) for the panel and its
# tests.

NDJSON_FILES: dict[str, tuple[str, ...]] = {
    # file → object types it holds, written in this order (dependencies first).
    "data_views.ndjson": ("index-pattern",),
    "sahel_overview.ndjson": ("lens", "search", "map", "dashboard"),
}

RECORDS = "___records___"  # Lens' pseudo-field for "count of documents"


# -- Lens building blocks -------------------------------------------------------------------
def _date_histogram(source_field: str) -> dict[str, Any]:
    return {
        "label": source_field, "dataType": "date", "operationType": "date_histogram",
        "sourceField": source_field, "isBucketed": True, "scale": "interval",
        "params": {"interval": "auto", "includeEmptyRows": True, "dropPartials": False},
    }


def _count(label: str = "Items") -> dict[str, Any]:
    return {
        "label": label, "customLabel": True, "dataType": "number", "operationType": "count",
        "sourceField": RECORDS, "isBucketed": False, "scale": "ratio",
        "params": {"emptyAsNull": True},
    }


def _terms(source_field: str, label: str, size: int, order_by: str | None,
           other: bool = True) -> dict[str, Any]:
    """Top values of a keyword; ordered by the column `order_by` (a metric), else by name."""
    order = ({"type": "column", "columnId": order_by} if order_by
             else {"type": "alphabetical", "fallback": True})
    return {
        "label": label, "customLabel": True, "dataType": "string", "operationType": "terms",
        "sourceField": source_field, "isBucketed": True, "scale": "ordinal",
        "params": {
            "size": size, "orderBy": order, "orderDirection": "desc" if order_by else "asc",
            "otherBucket": other, "missingBucket": False, "parentFormat": {"id": "terms"},
        },
    }


def _histogram(source_field: str, label: str) -> dict[str, Any]:
    return {
        "label": label, "customLabel": True, "dataType": "number", "operationType": "range",
        "sourceField": source_field, "isBucketed": True, "scale": "interval",
        "params": {
            "type": "histogram", "maxBars": "auto", "includeEmptyRows": True,
            "ranges": [{"from": 0, "to": 1000, "label": ""}],
            "parentFormat": {"id": "range", "params": {"template": "arrow_right",
                                                        "replaceInfinity": True}},
        },
    }


def _last_value(source_field: str, label: str, data_type: str, sort_field: str) -> dict[str, Any]:
    """The field's value in the document with the latest `sort_field` (a date). Works on
    any field type, dates included; the filter skips documents without the field, as Lens
    does by default."""
    return {
        "label": label, "customLabel": True, "dataType": data_type,
        "operationType": "last_value", "sourceField": source_field, "isBucketed": False,
        "scale": "ratio" if data_type == "number" else "ordinal",
        "filter": {"query": f'"{source_field}": *', "language": "kuery"},
        "params": {"sortField": sort_field, "showArrayValues": False},
    }


def _layer_ref(layer_id: str, data_view: str) -> dict[str, str]:
    return {"type": "index-pattern", "id": data_view,
            "name": f"indexpattern-datasource-layer-{layer_id}"}


def _lens(object_id: str, title: str, description: str, data_view: str, vis_type: str,
          layer_id: str, columns: dict[str, dict[str, Any]], visualization: dict[str, Any]
          ) -> dict[str, Any]:
    """A Lens saved object with one form-based layer on `data_view`."""
    return _saved_object("lens", object_id, {
        "title": title,
        "description": description,
        "visualizationType": vis_type,
        "state": {
            "datasourceStates": {"formBased": {"layers": {layer_id: {
                "columns": columns, "columnOrder": list(columns), "incompleteColumns": {},
            }}}},
            "visualization": visualization,
            "query": {"query": "", "language": "kuery"},
            "filters": [],
            "internalReferences": [],
            "adHocDataViews": {},
        },
    }, [_layer_ref(layer_id, data_view)])


def _xy(layer_id: str, series: str, x: str, y: list[str], split: str | None = None,
        legend: str = "right") -> dict[str, Any]:
    layer: dict[str, Any] = {"layerId": layer_id, "layerType": "data", "seriesType": series,
                             "xAccessor": x, "accessors": y, "position": "top",
                             "showGridlines": False}
    if split:
        layer["splitAccessor"] = split
    axes = {"x": True, "yLeft": True, "yRight": True}
    return {
        "legend": {"isVisible": True, "position": legend},
        "valueLabels": "hide",
        "fittingFunction": "None",
        "axisTitlesVisibilitySettings": {"x": False, "yLeft": True, "yRight": True},
        "tickLabelsVisibilitySettings": dict(axes),
        "gridlinesVisibilitySettings": dict(axes),
        "preferredSeriesType": series,
        "layers": [layer],
    }


def _datatable(layer_id: str, columns: Sequence[str], sort_by: str | None = None,
               direction: str = "desc") -> dict[str, Any]:
    vis: dict[str, Any] = {"layerId": layer_id, "layerType": "data",
                           "columns": [{"columnId": c, "isTransposed": False} for c in columns],
                           "rowHeight": "single", "rowHeightLines": 1}
    if sort_by:
        vis["sorting"] = {"columnId": sort_by, "direction": direction}
    return vis


def _saved_object(obj_type: str, object_id: str, attributes: dict[str, Any],
                  references: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "id": object_id,
        "type": obj_type,
        "attributes": attributes,
        "references": references,
        "coreMigrationVersion": CORE_MIGRATION_VERSION,
        "typeMigrationVersion": TYPE_MIGRATION_VERSIONS[obj_type],
        "managed": False,
    }


# -- the objects ----------------------------------------------------------------------------
def _data_view(object_id: str, pattern: str, name: str, time_field: str) -> dict[str, Any]:
    return _saved_object("index-pattern", object_id, {
        "title": pattern,
        "name": name,
        "timeFieldName": time_field,
        "fields": "[]",  # Kibana reads the fields from the cluster (field_caps)
        "fieldFormatMap": "{}",
        "runtimeFieldMap": "{}",
        "sourceFilters": "[]",
        "typeMeta": "{}",
        "allowNoIndex": True,  # <ns>-sources may not exist yet; the panel then shows no data
    }, [])


def data_views() -> list[dict[str, Any]]:
    return [
        _data_view(ITEMS_DV, "veille-items*", "veille items", "published_at"),
        _data_view(ALERTS_DV, "veille-alerts*", "veille alerts", "created_at"),
        _data_view(SOURCES_DV, "veille-sources*", "veille source health", "checked_at"),
    ]


def _over_time_by(object_id: str, title: str, field_name: str, label: str,
                  data_view: str = ITEMS_DV, time_field: str = "published_at",
                  count_label: str = "Items") -> dict[str, Any]:
    layer = f"{object_id}-layer"
    columns = {
        "split": _terms(field_name, label, 10, "count"),
        "time": _date_histogram(time_field),
        "count": _count(count_label),
    }
    return _lens(object_id, title,
                 f"{count_label} per interval of {time_field}, split by the top 10 values of "
                 f"{field_name}.", data_view, "lnsXY", layer, columns,
                 _xy(layer, "bar_stacked", "time", ["count"], split="split"))


def lens_objects() -> list[dict[str, Any]]:
    out = [
        _over_time_by("veille-lens-items-by-topic", "Items over time by topic",
                      "enrichment.topics.label", "Topic"),
        _over_time_by("veille-lens-items-by-event-type", "Items over time by event type",
                      "enrichment.event_types.label", "Event type"),
        _over_time_by("veille-lens-alerts-by-rule", "Alerts over time by rule", "rule", "Rule",
                      data_view=ALERTS_DV, time_field="created_at", count_label="Alerts"),
        _over_time_by("veille-lens-items-by-source", "Items over time by source", "source",
                      "Source"),
    ]

    layer = "veille-lens-languages-layer"
    out.append(_lens(
        "veille-lens-languages", "Languages", "Items by detected language "
        "(enrichment.language.code).", ITEMS_DV, "lnsPie", layer,
        {"language": _terms("enrichment.language.code", "Language", 10, "count"),
         "count": _count()},
        {"shape": "donut", "layers": [{
            "layerId": layer, "layerType": "data", "primaryGroups": ["language"],
            "metrics": ["count"], "numberDisplay": "percent", "categoryDisplay": "default",
            "legendDisplay": "default", "nestedLegend": False,
        }]},
    ))

    layer = "veille-lens-severity-layer"
    out.append(_lens(
        "veille-lens-severity", "Severity distribution", "Items by severity score "
        "(enrichment.severity.score, 0-100).", ITEMS_DV, "lnsXY", layer,
        {"severity": _histogram("enrichment.severity.score", "Severity"), "count": _count()},
        _xy(layer, "bar", "severity", ["count"]),
    ))

    layer = "veille-lens-source-items-layer"
    columns = {
        "source": _terms("source", "Source", 100, "count", other=False),
        "count": _count(),
        "published": _last_value("published_at", "Latest published", "date", "published_at"),
        "collected": _last_value("collected_at", "Last collected", "date", "collected_at"),
    }
    out.append(_lens(
        "veille-lens-items-per-source", "Items per source", "Items per source in the time "
        "range, with the latest publication and collection dates.", ITEMS_DV, "lnsDatatable",
        layer, columns, _datatable(layer, list(columns), sort_by="count"),
    ))

    layer = "veille-lens-source-health-layer"
    columns = {
        "source": _terms("source", "Source", 100, None, other=False),
        "checked": _last_value("checked_at", "Last check", "date", "checked_at"),
        "success": _last_value("last_success", "Last success", "date", "checked_at"),
        "new_item": _last_value("last_new_item", "Last new item", "date", "checked_at"),
        "per_day": _last_value("items_per_day", "Items per day", "number", "checked_at"),
        "completeness": _last_value("completeness", "Completeness", "number", "checked_at"),
    }
    out.append(_lens(
        "veille-lens-source-health", "Source health", "Each source's latest health check "
        "(index veille-sources).", SOURCES_DV, "lnsDatatable", layer, columns,
        _datatable(layer, list(columns), sort_by="new_item", direction="asc"),
    ))
    return out


STATEMENT_COLUMNS = ["issuer", "title", "doc_type", "source"]


def saved_search() -> dict[str, Any]:
    """Latest statements: items whose issuer (the organisation speaking) is known."""
    search_source = {
        "query": {"query": "issuer:*", "language": "kuery"},
        "filter": [],
        "highlightAll": True,
        "version": True,
        "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index",
    }
    return _saved_object("search", "veille-search-latest-statements", {
        "title": "Latest statements by issuer",
        "description": "Items with a known issuer, newest publication first.",
        "columns": STATEMENT_COLUMNS,
        "sort": [["published_at", "desc"]],
        "grid": {},
        "hideChart": True,
        "isTextBasedQuery": False,
        "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(search_source)},
    }, [{"type": "index-pattern", "id": ITEMS_DV,
         "name": "kibanaSavedObjectMeta.searchSourceJSON.index"}])


def _static(value: Any) -> dict[str, Any]:
    return {"type": "STATIC", "options": value}


PLACES_GEO_FIELD = "enrichment.places.location"
MAP_TOOLTIP_FIELDS = ["title", "source", "published_at", "enrichment.places.name"]


def places_map() -> dict[str, Any]:
    """Places named by items: clusters (count) when zoomed out, the items themselves closer.

    The base map is Elastic Maps Service's: it needs internet access from the browser; the
    data layers work without it."""
    vector_style = {
        "type": "VECTOR",
        "isTimeAware": True,
        "properties": {
            "icon": _static({"value": "marker"}),
            "fillColor": _static({"color": "#D36086"}),
            "lineColor": _static({"color": "#FFFFFF"}),
            "lineWidth": _static({"size": 1}),
            "iconSize": _static({"size": 6}),
            "iconOrientation": _static({"orientation": 0}),
            "labelText": _static({"value": ""}),
            "labelColor": _static({"color": "#000000"}),
            "labelSize": _static({"size": 14}),
            "labelBorderColor": _static({"color": "#FFFFFF"}),
            "symbolizeAs": {"options": {"value": "circle"}},
            "labelBorderSize": {"options": {"size": "SMALL"}},
        },
    }
    clusters_style = copy.deepcopy(vector_style)
    clusters_style["properties"]["iconSize"] = {"type": "DYNAMIC", "options": {
        "field": {"name": "doc_count", "origin": "source"}, "minSize": 4, "maxSize": 32,
        "fieldMetaOptions": {"isEnabled": True, "sigma": 3}}}
    clusters_style["properties"]["labelText"] = {"type": "DYNAMIC", "options": {
        "field": {"name": "doc_count", "origin": "source"}}}
    layers = [
        {"id": "basemap", "type": "EMS_VECTOR_TILE", "label": None, "minZoom": 0, "maxZoom": 24,
         "alpha": 1, "visible": True, "style": {"type": "EMS_VECTOR_TILE", "color": ""},
         "sourceDescriptor": {"type": "EMS_TMS", "isAutoSelect": True}},
        {"id": "places-clusters", "type": "GEOJSON_VECTOR", "label": "Places (clusters)",
         "minZoom": 0, "maxZoom": 7, "alpha": 0.8, "visible": True, "style": clusters_style,
         "sourceDescriptor": {
             "type": "ES_GEO_GRID", "id": "veille-places-grid", "geoField": PLACES_GEO_FIELD,
             "requestType": "point", "resolution": "COARSE",
             "metrics": [{"type": "count", "label": "items"}],
             "applyGlobalQuery": True, "applyGlobalTime": True, "applyForceRefresh": True,
             "indexPatternRefName": "layer_1_source_index_pattern"}},
        {"id": "places-items", "type": "GEOJSON_VECTOR", "label": "Items", "minZoom": 7,
         "maxZoom": 24, "alpha": 1, "visible": True, "style": vector_style,
         "sourceDescriptor": {
             "type": "ES_SEARCH", "id": "veille-places-items", "geoField": PLACES_GEO_FIELD,
             "scalingType": "LIMIT", "limit": 1000, "filterByMapBounds": True,
             "sortField": "published_at", "sortOrder": "desc",
             "tooltipProperties": MAP_TOOLTIP_FIELDS,
             "applyGlobalQuery": True, "applyGlobalTime": True, "applyForceRefresh": True,
             "indexPatternRefName": "layer_2_source_index_pattern"}},
    ]
    map_state = {
        "zoom": 4.2, "center": {"lon": -2.0, "lat": 16.5},
        "timeFilters": {"from": "now-30d", "to": "now"},
        "refreshConfig": {"isPaused": True, "interval": 0},
        "query": {"query": "", "language": "kuery"}, "filters": [],
        "settings": {"autoFitToDataBounds": False, "initialLocation": "LAST_SAVED_LOCATION",
                     "fixedLocation": {"lat": 16.5, "lon": -2.0, "zoom": 4.2},
                     "browserLocation": {"zoom": 2}, "maxZoom": 24, "minZoom": 0,
                     "showSpatialFilters": True, "showTimesliderToggleButton": True,
                     "hideToolbarOverlay": False, "hideLayerControl": False,
                     "hideViewControl": False, "disableInteractive": False,
                     "disableTooltipControl": False, "projection": "mercator",
                     "showScaleControl": False, "spatialFiltersAlpa": 0.3,
                     "spatialFiltersFillColor": "#DA8B45",
                     "spatialFiltersLineColor": "#DA8B45", "backgroundColor": "#ffffff"},
    }
    return _saved_object("map", "veille-map-places", {
        "title": "Places",
        "description": "Places named in items (enrichment.places.location).",
        "layerListJSON": json.dumps(layers),
        "mapStateJSON": json.dumps(map_state),
        "uiStateJSON": json.dumps({"isLayerTOCOpen": True, "openTOCDetails": []}),
    }, [{"type": "index-pattern", "id": ITEMS_DV, "name": "layer_1_source_index_pattern"},
        {"type": "index-pattern", "id": ITEMS_DV, "name": "layer_2_source_index_pattern"}])


# (panel index, object type, object id, x, y, w, h), on Kibana's 48-column grid.
DASHBOARD_LAYOUT: list[tuple[str, str, str, int, int, int, int]] = [
    ("1", "lens", "veille-lens-items-by-topic", 0, 0, 24, 12),
    ("2", "lens", "veille-lens-items-by-event-type", 24, 0, 24, 12),
    ("3", "map", "veille-map-places", 0, 12, 24, 16),
    ("4", "search", "veille-search-latest-statements", 24, 12, 24, 16),
    ("5", "lens", "veille-lens-languages", 0, 28, 12, 11),
    ("6", "lens", "veille-lens-severity", 12, 28, 18, 11),
    ("7", "lens", "veille-lens-alerts-by-rule", 30, 28, 18, 11),
    ("8", "lens", "veille-lens-items-by-source", 0, 39, 24, 12),
    ("9", "lens", "veille-lens-items-per-source", 24, 39, 24, 12),
    ("10", "lens", "veille-lens-source-health", 0, 51, 48, 12),
]


def dashboard() -> dict[str, Any]:
    panels, references = [], []
    for index, obj_type, obj_id, x, y, w, h in DASHBOARD_LAYOUT:
        config: dict[str, Any] = {"enhancements": {}}
        if obj_type == "map":
            config.update({"mapCenter": {"lat": 16.5, "lon": -2.0, "zoom": 4.2},
                           "isLayerTOCOpen": False, "hiddenLayers": [], "openTOCDetails": []})
        panels.append({
            "version": PANEL_VERSION, "type": obj_type, "panelIndex": index,
            "gridData": {"x": x, "y": y, "w": w, "h": h, "i": index},
            "embeddableConfig": config, "panelRefName": f"panel_{index}",
        })
        references.append({"type": obj_type, "id": obj_id, "name": f"{index}:panel_{index}"})
    return _saved_object("dashboard", DASHBOARD_ID, {
        "title": "Sahel overview",
        "description": "What is reported about Mali and the Sahel: topics, event types, places, "
                       "statements, languages, severity, alerts and the health of the sources.",
        "panelsJSON": json.dumps(panels),
        "optionsJSON": json.dumps({"useMargins": True, "syncColors": False, "syncCursor": True,
                                   "syncTooltips": False, "hidePanelTitles": False}),
        "timeRestore": True,
        "timeFrom": "now-30d",
        "timeTo": "now",
        "refreshInterval": {"pause": True, "value": 60000},
        "version": 1,
        "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(
            {"query": {"query": "", "language": "kuery"}, "filter": []})},
    }, references)


def saved_objects() -> list[dict[str, Any]]:
    """Every object, dependencies first (data views, panels, then the dashboard)."""
    return [*data_views(), *lens_objects(), saved_search(), places_map(), dashboard()]


# -- NDJSON ---------------------------------------------------------------------------------
def to_ndjson(objects: Iterable[dict[str, Any]]) -> str:
    """One object a line, keys sorted (as Kibana's export does), so diffs stay readable."""
    return "".join(json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                   + "\n" for obj in objects)


def ndjson_files(objects: Sequence[dict[str, Any]] | None = None) -> dict[str, str]:
    """{file name: content} of deploy/kibana."""
    objects = saved_objects() if objects is None else objects
    return {name: to_ndjson(o for o in objects if o["type"] in types)
            for name, types in NDJSON_FILES.items()}


def write_ndjson(directory: Path = OBJECTS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in ndjson_files().items():
        path = directory / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def parse_ndjson(text: str, origin: str = "ndjson") -> list[dict[str, Any]]:
    """Objects of an NDJSON export; the export-details line Kibana appends is skipped."""
    return [obj for _, obj in json_objects(text.splitlines(), origin, "a saved object")
            if not ("exportedCount" in obj and "type" not in obj)]


def load_objects(directory: Path | None = None) -> list[dict[str, Any]]:
    """The objects of `directory`'s *.ndjson (the known files first, in dependency order);
    the built-in objects when no directory is given and deploy/kibana is absent (the image
    ships only the Python packages)."""
    if directory is None:
        if not OBJECTS_DIR.is_dir():
            return saved_objects()
        directory = OBJECTS_DIR
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory}: no such folder")
    known = [directory / name for name in NDJSON_FILES if (directory / name).exists()]
    others = sorted(p for p in directory.glob("*.ndjson") if p not in known)
    objects: list[dict[str, Any]] = []
    for path in [*known, *others]:
        objects.extend(parse_ndjson(path.read_text(encoding="utf-8"), str(path)))
    if not objects:
        raise FileNotFoundError(f"{directory}: no saved object in *.ndjson")
    return objects


# -- namespaces -----------------------------------------------------------------------------
def _rename(object_id: str, namespace: str) -> str:
    prefix = f"{DEFAULT_NAMESPACE}-"
    return namespace + "-" + object_id[len(prefix):] if object_id.startswith(prefix) else object_id


def rewrite_namespace(objects: Sequence[dict[str, Any]], namespace: str) -> list[dict[str, Any]]:
    """The objects for namespace `namespace`: index patterns `veille-…*` → `<ns>-…*`, ids
    `veille-…` → `<ns>-…` (references too, so another namespace's import never overwrites
    the default one's objects), titles suffixed with ` [<ns>]`."""
    objects = copy.deepcopy(list(objects))
    if namespace == DEFAULT_NAMESPACE:
        return objects
    prefix = f"{DEFAULT_NAMESPACE}-"
    for obj in objects:
        obj["id"] = _rename(obj["id"], namespace)
        for ref in obj.get("references", []):
            ref["id"] = _rename(ref["id"], namespace)
        attrs = obj.get("attributes", {})
        if obj["type"] == "index-pattern":
            patterns = attrs.get("title", "").split(",")
            attrs["title"] = ",".join(
                namespace + "-" + p[len(prefix):] if p.startswith(prefix) else p for p in patterns)
            if attrs.get("name"):
                attrs["name"] = f"{attrs['name']} [{namespace}]"
        elif attrs.get("title"):
            attrs["title"] = f"{attrs['title']} [{namespace}]"
    return objects


# -- what the panels use (checked against the mapping by the tests) --------------------------
@dataclass(frozen=True)
class FieldUse:
    """One field an object relies on: `need` is what the panel does with it — "date"
    (time field, date histogram), "aggregatable" (terms, last value, sort), "numeric"
    (histogram, average), "geo_point" (map layer) or "any" (a displayed column)."""

    object_id: str
    data_view: str
    field: str
    need: str


_NEEDS = {"date_histogram": "date", "terms": "aggregatable", "range": "numeric",
          "average": "numeric", "sum": "numeric", "median": "numeric",
          "min": "aggregatable", "max": "aggregatable", "last_value": "aggregatable",
          "unique_count": "aggregatable", "percentile": "numeric"}


def _refs(obj: dict[str, Any]) -> dict[str, str]:
    return {ref["name"]: ref["id"] for ref in obj.get("references", [])}


def field_uses(objects: Sequence[dict[str, Any]]) -> list[FieldUse]:
    """Every field every object uses, with the data view it is read from."""
    uses: list[FieldUse] = []
    for obj in objects:
        oid, attrs, refs = obj["id"], obj.get("attributes", {}), _refs(obj)
        if obj["type"] == "index-pattern" and attrs.get("timeFieldName"):
            uses.append(FieldUse(oid, oid, attrs["timeFieldName"], "date"))
        elif obj["type"] == "lens":
            layers = attrs["state"]["datasourceStates"].get("formBased", {}).get("layers", {})
            for layer_id, layer in layers.items():
                dv = refs[f"indexpattern-datasource-layer-{layer_id}"]
                for column in layer["columns"].values():
                    source = column.get("sourceField")
                    if source and source != RECORDS:
                        need = _NEEDS.get(column["operationType"], "any")
                        if column["operationType"] == "last_value":
                            need = {"number": "numeric", "date": "date"}.get(
                                column.get("dataType", ""), "aggregatable")
                        uses.append(FieldUse(oid, dv, source, need))
                    sort = (column.get("params") or {}).get("sortField")
                    if sort:
                        uses.append(FieldUse(oid, dv, sort, "date"))
        elif obj["type"] == "search":
            source = json.loads(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"])
            dv = refs[source["indexRefName"]]
            uses += [FieldUse(oid, dv, name, "any") for name in attrs.get("columns", [])]
            uses += [FieldUse(oid, dv, name, "aggregatable") for name, _ in attrs.get("sort", [])]
        elif obj["type"] == "map":
            for layer in json.loads(attrs["layerListJSON"]):
                desc = layer.get("sourceDescriptor", {})
                if "indexPatternRefName" not in desc:
                    continue
                dv = refs[desc["indexPatternRefName"]]
                uses.append(FieldUse(oid, dv, desc["geoField"], "geo_point"))
                uses += [FieldUse(oid, dv, name, "any")
                         for name in desc.get("tooltipProperties", [])]
                if desc.get("sortField"):
                    uses.append(FieldUse(oid, dv, desc["sortField"], "aggregatable"))
                uses += [FieldUse(oid, dv, m["field"], "numeric")
                         for m in desc.get("metrics", []) if m.get("field")]
    return uses


# -- import ---------------------------------------------------------------------------------
class KibanaUnavailable(RuntimeError):
    """Kibana could not be reached, or kept answering 503, until the deadline."""


class KibanaImportError(RuntimeError):
    """Kibana refused the import request as a whole (bad request, authentication…)."""


@dataclass
class ObjectResult:
    type: str
    id: str
    title: str
    ok: bool
    detail: str = ""


@dataclass
class ImportResult:
    """What Kibana answered: per-object outcome, plus its own `success`/`successCount`."""

    success: bool
    success_count: int
    objects: list[ObjectResult] = field(default_factory=list)
    attempts: int = 1

    @property
    def errors(self) -> list[ObjectResult]:
        return [o for o in self.objects if not o.ok]


def import_url(url: str, space: str | None = None) -> str:
    base = url.rstrip("/")
    if space and space != "default":
        base += f"/s/{quote(space, safe='')}"
    return f"{base}/api/saved_objects/_import?overwrite=true"


def multipart_body(ndjson: str, filename: str = "veille.ndjson") -> tuple[bytes, str]:
    """(body, content type) of a form upload with one `file` part, as the API expects."""
    boundary = f"veille-{uuid.uuid4().hex}"
    body = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/ndjson\r\n\r\n"
    ).encode() + ndjson.encode("utf-8") + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _error_detail(error: dict[str, Any]) -> str:
    kind = error.get("type", "error")
    if kind == "missing_references":
        missing = ", ".join(f"{r.get('type')}/{r.get('id')}" for r in error.get("references", []))
        return f"missing_references: {missing}"
    if error.get("message"):
        return f"{kind}: {error['message']}"
    return kind


def parse_response(payload: dict[str, Any], sent: Sequence[dict[str, Any]]) -> ImportResult:
    """Per-object results from the `_import` answer; objects sent but named in neither
    `successResults` nor `errors` are reported as not confirmed."""
    titles = {(o["type"], o["id"]): o.get("attributes", {}).get("title", "") for o in sent}
    results: dict[tuple[str, str], ObjectResult] = {}
    for ok in payload.get("successResults", []) or []:
        key = (ok.get("type", ""), ok.get("id", ""))
        title = (ok.get("meta") or {}).get("title") or titles.get(key, "")
        detail = "overwritten" if ok.get("overwrite") else "created"
        if ok.get("destinationId"):
            detail += f" as {ok['destinationId']}"
        results[key] = ObjectResult(key[0], key[1], title, True, detail)
    for err in payload.get("errors", []) or []:
        key = (err.get("type", ""), err.get("id", ""))
        title = (err.get("meta") or {}).get("title") or err.get("title") or titles.get(key, "")
        results[key] = ObjectResult(key[0], key[1], title, False,
                                    _error_detail(err.get("error") or {}))
    success = bool(payload.get("success"))
    if success:  # Kibana omits successResults in some versions: trust its verdict
        for key, title in titles.items():
            results.setdefault(key, ObjectResult(key[0], key[1], title, True, "imported"))
    else:
        for key, title in titles.items():
            results.setdefault(key, ObjectResult(key[0], key[1], title, False,
                                                 "not confirmed by Kibana"))
    ordered = [results.pop(key) for key in titles if key in results] + list(results.values())
    return ImportResult(success, int(payload.get("successCount", 0) or 0), ordered)


def import_objects(
    url: str,
    objects: Sequence[dict[str, Any]],
    space: str | None = None,
    wait: float = 180.0,
    timeout: float = 60.0,
    pause: float = 2.0,
    on_wait: Callable[[str], None] | None = None,
) -> ImportResult:
    """POSTs the objects to Kibana's `_import` API with overwrite=true (idempotent: the
    stable ids make a second import replace the first).

    Kibana answers 503 while it starts (and refuses connections before that): both are
    retried every `pause` seconds for up to `wait` seconds, `on_wait` told why, then
    `KibanaUnavailable`. Any other non-200 answer raises `KibanaImportError` with Kibana's
    message; a 200 carries per-object results (some objects may have failed)."""
    target = import_url(url, space)
    body, content_type = multipart_body(to_ndjson(objects))
    deadline = time.monotonic() + wait
    attempts = 0
    while True:
        attempts += 1
        request = urllib.request.Request(target, data=body, method="POST", headers={
            "kbn-xsrf": "true", "Content-Type": content_type, "Accept": "application/json"})
        reason = ""
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                payload = json.loads(response.read().decode("utf-8") or "{}")
            result = parse_response(payload, objects)
            result.attempts = attempts
            return result
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            if exc.code not in (502, 503, 504):
                raise KibanaImportError(f"Kibana at {url} refused the import: HTTP {exc.code} "
                                        f"{_message(text)}") from None
            reason = f"HTTP {exc.code} {_message(text)}".strip()
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            cause = getattr(exc, "reason", exc)
            reason = f"{type(cause).__name__}: {cause}"
        except json.JSONDecodeError:
            raise KibanaImportError(f"Kibana at {url} answered the import with something that "
                                    "is not JSON: is this Kibana?") from None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise KibanaUnavailable(
                f"Kibana is unreachable or not ready at {url} after {attempts} attempt(s) over "
                f"{wait:g} s (last: {reason}). Is it running, and is --url right?")
        if on_wait:
            on_wait(reason)
        time.sleep(min(pause, remaining))


def _message(text: str) -> str:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return text[:300]
    if isinstance(data, dict):
        return str(data.get("message") or data.get("error") or data)[:300]
    return text[:300]
