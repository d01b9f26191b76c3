"""deploy/kibana/*.ndjson: well-formed, up to date with `sinks.kibana`, internally consistent,
and every field a panel uses exists, with a suitable type, in the REAL index mapping.

The mapping comes from the Elasticsearch of `deploy/local/services up` (a missing server
fails): the templates are PUT in a private namespace by `ElasticsearchStore`, one enriched
item and one alert are written so the indices exist, and `_field_caps` is asked what the
data views' patterns resolve to — what Kibana itself asks. No Kibana runs here: the Lens,
map and dashboard formats are not rendered, only checked for consistency.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from sinks.kibana import (
    DASHBOARD_ID,
    NDJSON_FILES,
    OBJECTS_DIR,
    SOURCES_DV,
    SOURCES_FIELDS,
    SOURCES_MAPPINGS,
    TYPE_MIGRATION_VERSIONS,
    field_uses,
    load_objects,
    ndjson_files,
    parse_ndjson,
    rewrite_namespace,
    saved_objects,
)
from tests.support.services import cleanup_es

pytestmark = pytest.mark.integration

STORY = Path(__file__).resolve().parents[1] / "fixtures" / "alerts_story.jsonl"
NUMERIC = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float",
           "unsigned_long"}
DATES = {"date", "date_nanos"}


# -- the files ------------------------------------------------------------------------------
def test_committed_files_are_the_generated_ones() -> None:
    """tools/build_kibana_objects.py writes them; a hand edit or a stale file fails here."""
    assert sorted(p.name for p in OBJECTS_DIR.glob("*.ndjson")) == sorted(NDJSON_FILES)
    for name, content in ndjson_files().items():
        assert (OBJECTS_DIR / name).read_text(encoding="utf-8") == content, (
            f"deploy/kibana/{name} is stale: run python tools/build_kibana_objects.py")


def test_every_line_is_a_saved_object() -> None:
    for path in sorted(OBJECTS_DIR.glob("*.ndjson")):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert lines, path
        for line in lines:
            obj = json.loads(line)
            assert {"id", "type", "attributes", "references"} <= obj.keys(), (path, obj.get("id"))
            assert obj["type"] in TYPE_MIGRATION_VERSIONS
            assert obj["typeMigrationVersion"] == TYPE_MIGRATION_VERSIONS[obj["type"]]
            assert obj["id"].startswith("veille-")
    objects = load_objects(OBJECTS_DIR)
    assert objects == saved_objects()
    keys = [(o["type"], o["id"]) for o in objects]
    assert len(keys) == len(set(keys)), "duplicate ids"


def _embedded_json(obj: dict) -> dict[str, object]:
    """Every JSON-in-a-string attribute of the object, parsed (raises if one does not)."""
    attrs = obj["attributes"]
    out: dict[str, object] = {}
    for key in ("panelsJSON", "optionsJSON", "layerListJSON", "mapStateJSON", "uiStateJSON",
                "fields", "fieldFormatMap", "runtimeFieldMap", "sourceFilters", "typeMeta"):
        if key in attrs:
            out[key] = json.loads(attrs[key])
    meta = attrs.get("kibanaSavedObjectMeta", {})
    if "searchSourceJSON" in meta:
        out["searchSourceJSON"] = json.loads(meta["searchSourceJSON"])
    return out


def test_embedded_json_parses() -> None:
    seen = set()
    for obj in saved_objects():
        parsed = _embedded_json(obj)
        seen.update(parsed)
        if obj["type"] == "lens":  # the state is an object, not a string, in Lens objects
            state = obj["attributes"]["state"]
            assert json.loads(json.dumps(state)) == state
    assert {"panelsJSON", "optionsJSON", "layerListJSON", "mapStateJSON",
            "searchSourceJSON"} <= seen


def test_every_reference_resolves() -> None:
    objects = saved_objects()
    by_key = {(o["type"], o["id"]): o for o in objects}
    for obj in objects:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in by_key, f"{obj['id']}: {ref} resolves to nothing"
        names = [ref["name"] for ref in obj["references"]]
        assert len(names) == len(set(names)), obj["id"]


def _refs(obj: dict) -> dict[str, dict]:
    return {ref["name"]: ref for ref in obj["references"]}


def test_names_used_inside_objects_have_references() -> None:
    """panelRefName, indexRefName, indexPatternRefName and Lens layers each name a reference."""
    objects = {o["id"]: o for o in saved_objects()}
    for obj in objects.values():
        refs, attrs = _refs(obj), obj["attributes"]
        if obj["type"] == "lens":
            state = attrs["state"]
            for layer_id, layer in state["datasourceStates"]["formBased"]["layers"].items():
                ref = refs[f"indexpattern-datasource-layer-{layer_id}"]
                assert ref["type"] == "index-pattern"
                assert list(layer["columns"]) == layer["columnOrder"]
            vis = state["visualization"]
            layer_ids = set(state["datasourceStates"]["formBased"]["layers"])
            columns = {c for layer in state["datasourceStates"]["formBased"]["layers"].values()
                       for c in layer["columns"]}
            if "layers" in vis:
                for vl in vis["layers"]:
                    assert vl["layerId"] in layer_ids
                    used = [vl.get("xAccessor"), vl.get("splitAccessor"), *vl.get("accessors", []),
                            *vl.get("primaryGroups", []), *vl.get("metrics", [])]
                    assert {u for u in used if u} <= columns, obj["id"]
            else:
                assert vis["layerId"] in layer_ids
                assert {c["columnId"] for c in vis["columns"]} <= columns
        elif obj["type"] == "search":
            source = json.loads(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"])
            assert refs[source["indexRefName"]]["type"] == "index-pattern"
        elif obj["type"] == "map":
            for layer in json.loads(attrs["layerListJSON"]):
                name = layer["sourceDescriptor"].get("indexPatternRefName")
                if name:
                    assert refs[name]["type"] == "index-pattern"
        elif obj["type"] == "dashboard":
            panels = json.loads(attrs["panelsJSON"])
            assert len(panels) == len(obj["references"]) >= 9
            for panel in panels:
                ref = refs[f"{panel['panelIndex']}:{panel['panelRefName']}"]
                assert ref["type"] == panel["type"]
                assert panel["gridData"]["i"] == panel["panelIndex"]
                assert panel["gridData"]["x"] >= 0 and panel["gridData"]["x"] + panel["gridData"]["w"] <= 48


def test_dashboard_has_the_promised_panels() -> None:
    dashboard = next(o for o in saved_objects() if o["id"] == DASHBOARD_ID)
    assert dashboard["attributes"]["title"] == "Sahel overview"
    by_id = {o["id"]: o for o in saved_objects()}
    used = {(u.object_id, u.field) for u in field_uses(saved_objects())}
    panel_ids = {ref["id"] for ref in dashboard["references"]}
    for field_name in ("enrichment.topics.label", "enrichment.event_types.label",
                       "enrichment.places.location", "issuer", "enrichment.language.code",
                       "enrichment.severity.score", "rule", "source", "last_new_item"):
        assert any(f == field_name and oid in panel_ids for oid, f in used), field_name
    assert {by_id[i]["type"] for i in panel_ids} == {"lens", "map", "search"}


# -- against the real mapping ----------------------------------------------------------------
@pytest.fixture(scope="module")
def mapped(services: dict[str, str], es: Elasticsearch) -> Iterator[tuple[str, dict[str, dict[str, dict]]]]:
    """(namespace, {pattern: field_caps fields}) for a private namespace holding one enriched
    item (with a place) and one alert."""
    from processors.classify import Classifier
    from sinks.alerts.model import Alert
    from sinks.alerts.store import ElasticsearchAlertStore
    from sinks.es_store import ElasticsearchStore
    from veille.schema import Item

    url = services["VEILLE_ES_URL"]
    ns = f"t{uuid.uuid4().hex[:8]}"
    store = alerts = None
    try:
        store = ElasticsearchStore(url, ns)
        raw = [Item.model_validate(json.loads(line)) for line in STORY.read_text().splitlines()]
        items = Classifier(None).enrich_many(raw[:1])
        assert items[0].enrichment.places, "the fixture item should name a place"
        assert store.upsert(items) == {}
        alerts = ElasticsearchAlertStore(url, ns)
        alerts.add([Alert(id="al-test", rule="violence", item_id=items[0].id,
                          story_id=items[0].enrichment.story_id or "s",
                          created_at=datetime(2026, 11, 22, 12, tzinfo=UTC),
                          title=items[0].title, source=items[0].source)])
        caps = {}
        for obj in rewrite_namespace(saved_objects(), ns):
            if obj["type"] == "index-pattern" and obj["id"] != f"{ns}-sources-dataview":
                pattern = obj["attributes"]["title"]
                caps[pattern] = es.field_caps(index=pattern, fields="*")["fields"]
        yield ns, caps
    finally:
        for client in (alerts, store):
            if client is not None:
                client.close()
        cleanup_es(es, ns)


def _suits(need: str, types: dict[str, dict]) -> bool:
    """Whether a field with these field_caps entries ({type: caps}) can serve `need`."""
    kinds = set(types) - {"unmapped"}
    if len(kinds) != 1:  # a conflict across indices breaks Kibana's aggregations
        return False
    kind = kinds.pop()
    caps = types[kind]
    return {
        "date": kind in DATES and caps.get("aggregatable", False),
        "numeric": kind in NUMERIC and caps.get("aggregatable", False),
        "geo_point": kind == "geo_point",
        "aggregatable": caps.get("aggregatable", False) and (kind in NUMERIC | DATES
                                                             or kind in {"keyword", "boolean"}),
        "any": True,
    }[need]


def test_every_field_exists_with_a_suitable_type(mapped) -> None:
    ns, caps = mapped
    objects = rewrite_namespace(saved_objects(), ns)
    patterns = {o["id"]: o["attributes"]["title"] for o in objects if o["type"] == "index-pattern"}
    uses = field_uses(objects)
    assert len(uses) > 30
    problems = []
    checked = 0
    for use in uses:
        if use.data_view == f"{ns}-sources-dataview":
            continue  # checked against SOURCES_FIELDS below
        fields = caps[patterns[use.data_view]]
        if use.field not in fields:
            problems.append(f"{use.object_id}: {use.field} is not in the mapping of "
                            f"{patterns[use.data_view]}")
        elif not _suits(use.need, fields[use.field]):
            problems.append(f"{use.object_id}: {use.field} is {sorted(fields[use.field])}, "
                            f"unfit for {use.need}")
        checked += 1
    assert not problems, "\n".join(problems)
    assert checked > 25


def test_the_panels_types_are_the_mapping_types(mapped) -> None:
    """The few fields whose type the panels depend on, spelled out."""
    ns, caps = mapped
    items, alerts = caps[f"{ns}-items*"], caps[f"{ns}-alerts*"]
    assert set(items["enrichment.places.location"]) == {"geo_point"}
    assert set(items["published_at"]) == {"date"}
    assert set(items["enrichment.topics.label"]) == {"keyword"}
    assert set(items["enrichment.severity.score"]) == {"float"}
    assert set(alerts["created_at"]) == {"date"}
    assert set(alerts["rule"]) == {"keyword"}
    # and the checker bites: text is not aggregatable, a keyword is no geo_point or date
    assert not _suits("aggregatable", items["title"])
    assert not _suits("geo_point", items["enrichment.places.name"])
    assert not _suits("date", items["source"])
    assert not _suits("numeric", items["enrichment.language.code"])


_SOURCES_NEEDS = {"date": {"date"}, "numeric": {"float"}, "aggregatable": {"keyword", "date", "float"},
                  "any": set(SOURCES_FIELDS.values()), "geo_point": set()}


def test_source_health_fields_are_the_declared_ones() -> None:
    """The panel is checked against SOURCES_FIELDS, which is also the mapping
    (SOURCES_MAPPINGS) of the `<ns>-sources` template the source-health writer uses
    (sinks.es_templates; the real index is checked in tests/test_source_health.py)."""
    uses = [u for u in field_uses(saved_objects()) if u.data_view == SOURCES_DV]
    assert {u.field for u in uses} >= {"source", "checked_at", "last_success", "last_new_item",
                                       "items_per_day", "completeness"}
    for use in uses:
        assert use.field in SOURCES_FIELDS, use
        assert SOURCES_FIELDS[use.field] in _SOURCES_NEEDS[use.need], use
    props = SOURCES_MAPPINGS["properties"]
    assert {name: spec["type"] for name, spec in props.items()} == SOURCES_FIELDS


def test_namespace_rewrite_keeps_everything_consistent() -> None:
    objects = rewrite_namespace(saved_objects(), "other")
    ids = {(o["type"], o["id"]) for o in objects}
    assert all(oid.startswith("other-") for _, oid in ids)
    for obj in objects:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in ids
    titles = {o["attributes"]["title"] for o in objects if o["type"] == "index-pattern"}
    assert titles == {"other-items*", "other-alerts*", "other-sources*"}
    assert rewrite_namespace(saved_objects(), "veille") == saved_objects()
    assert parse_ndjson(ndjson_files()["data_views.ndjson"]) == saved_objects()[:3]
