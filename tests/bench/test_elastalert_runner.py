"""bench/elastalert.py: ElastAlert2 really runs against the local Elasticsearch.

The alert-latency benchmark compares veille's alerting with ElastAlert2's; that comparison is
only worth something if ElastAlert2 actually alerts on what it should and only on that, so
this runs the real thing (its own venv, installed once into the user's cache) against the
real server started by `deploy/local/services` (a missing server fails, never skips).
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from datetime import UTC, datetime

import pytest
from elasticsearch import Elasticsearch

from bench.elastalert import DEMO_MAPPING, WRITEBACK_SUFFIXES, ElastAlertRun, ensure_elastalert
from tests.support.receiver import WebhookReceiver

LABEL = "enrichment.event_types.label"


def _post(url: str, body: dict) -> int:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "X-Test": "1"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status


def test_receiver_records_posts_with_arrival_time() -> None:
    with WebhookReceiver() as rx:
        before = time.time()
        assert _post(rx.url + "/hook", {"id": "a"}) == 200
        assert _post(rx.url, {"id": "b"}) == 200
        assert rx.wait_for(lambda ds: len(ds) == 2, timeout=5)
        a, b = rx.deliveries
        assert (a.body, a.path, a.headers["X-Test"]) == ({"id": "a"}, "/hook", "1")
        assert b.body == {"id": "b"}
        assert before <= a.at <= b.at <= time.time()
        assert not rx.wait_for(lambda ds: len(ds) > 2, timeout=0.2)


def test_rule_file_from_query_string_and_dsl() -> None:
    run = ElastAlertRun("http://127.0.0.1:19200", "ns-items*", "title:coup", "collected_at",
                        "http://127.0.0.1:1/x")
    rule = run.rule()
    assert rule["filter"] == [{"query_string": {"query": "title:coup"}}]
    assert rule["realert"] == {"seconds": 0}  # every match alerts, like veille
    assert rule["http_post2_raw_fields"]["id"] == "id"
    assert set(rule["include"]) == {"id", "collected_at"}
    dsl = ElastAlertRun("http://127.0.0.1:19200", "i", {"term": {LABEL: "protest"}}, "collected_at",
                        "http://127.0.0.1:1/x").rule()
    assert dsl["filter"] == [{"term": {LABEL: "protest"}}]


@pytest.mark.integration
@pytest.mark.timeout(600)  # the venv is made on first use (~40 s), then cached
def test_elastalert_alerts_matching_doc_only(services: dict[str, str]) -> None:
    es_url = services["VEILLE_ES_URL"]
    ensure_elastalert()
    es = Elasticsearch(es_url, request_timeout=30)
    index = f"veille-test-ea-{uuid.uuid4().hex[:8]}"
    es.indices.create(index=index, mappings=DEMO_MAPPING,
                      settings={"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "1s"})
    try:
        with WebhookReceiver() as rx, ElastAlertRun(
            es_url, index, {"term": {LABEL: "protest"}}, "collected_at", rx.url + "/elastalert",
            run_every=1, buffer_time=60,
        ) as run:
            assert run.proc is not None and run.proc.poll() is None
            for suffix in WRITEBACK_SUFFIXES:
                assert es.indices.exists(index=run.writeback_index + suffix)
            now = datetime.now(UTC).isoformat()
            docs = {"match-1": "protest", "other-1": "sports"}
            ops: list[dict] = []
            for doc_id, label in docs.items():
                ops += [{"index": {"_index": index, "_id": doc_id}},
                        {"id": doc_id, "collected_at": now, "enrichment": {"event_types": [{"label": label}]}}]
            # one refresh for both: any search that sees the match also sees the other one
            assert not es.bulk(operations=ops, refresh="true")["errors"]

            def ids(ds: list) -> list:
                return [d.body.get("id") for d in ds if isinstance(d.body, dict)]

            assert rx.wait_for(lambda ds: "match-1" in ids(ds), timeout=60), run.log()[-4000:]
            time.sleep(7)  # a few more runs (1 s + up to 5 s of jitter apart): no repeat, no stray
            got = rx.deliveries
            assert ids(got) == ["match-1"], [d.body for d in got]
            body = got[0].body
            assert body["_id"] == "match-1" and body["_index"] == index and body["rule"] == run.name
            assert body["collected_at"].startswith(now[:19])
            assert got[0].path == "/elastalert"
            proc = run.proc
        assert proc.poll() is not None  # stopped on exit
        for suffix in WRITEBACK_SUFFIXES:  # and its writeback indices deleted
            assert not es.indices.exists(index=run.writeback_index + suffix)
    finally:
        es.indices.delete(index=index, ignore_unavailable=True)
        es.close()
