"""`veille kibana import` against an emulated Kibana saved-objects `_import` API.

No Kibana runs here (it is not among the local services): a small HTTP server in a thread
checks what Kibana checks — POST, path (with the space), `overwrite=true`, the `kbn-xsrf`
header, a multipart upload whose `file` part is NDJSON — records the objects, and answers
the way Kibana 8.x documents it (`success`, `successCount`, `successResults`, `errors`).
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from sinks.kibana import (
    OBJECTS_DIR,
    KibanaImportError,
    KibanaUnavailable,
    import_objects,
    load_objects,
    rewrite_namespace,
)
from tests.support.net import free_port
from veille.cli.kibana import kibana_app


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    filename: str = ""
    objects: list[dict[str, Any]] = field(default_factory=list)


class FakeKibana:
    """What the emulated Kibana will answer (`script`: a list of (status, body) consumed one
    per request, then `default`), and what it received."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.problems: list[str] = []
        self.script: list[tuple[int, dict[str, Any]]] = []
        self.fail: dict[tuple[str, str], dict[str, Any]] = {}  # (type, id) → error object
        self.stored: set[tuple[str, str]] = set()
        self.url = ""

    def answer(self, rec: Received) -> tuple[int, dict[str, Any]]:
        if self.script:
            return self.script.pop(0)
        ok, errors = [], []
        for obj in rec.objects:
            key = (obj["type"], obj["id"])
            meta = {"title": obj["attributes"].get("title", ""), "icon": obj["type"]}
            if key in self.fail:
                errors.append({"id": obj["id"], "type": obj["type"], "meta": meta,
                               "title": meta["title"], "error": self.fail[key]})
                continue
            entry: dict[str, Any] = {"type": obj["type"], "id": obj["id"], "meta": meta,
                                     "managed": False}
            if key in self.stored:
                entry["overwrite"] = True
            self.stored.add(key)
            ok.append(entry)
        body: dict[str, Any] = {"successCount": len(ok), "success": not errors, "warnings": [],
                                "successResults": ok}
        if errors:
            body["errors"] = errors
        return 200, body


def _handler(kibana: FakeKibana) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            kibana.problems.append(f"GET {self.path}")
            self._reply(404, {"statusCode": 404, "error": "Not Found", "message": "Not Found"})

        def do_POST(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            rec = Received("POST", parts.path, parse_qs(parts.query),
                           {k.lower(): v for k, v in self.headers.items()})
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            kibana.received.append(rec)
            problem = self._check(rec, body)
            if problem:
                kibana.problems.append(problem)
                self._reply(400, {"statusCode": 400, "error": "Bad Request", "message": problem})
                return
            self._reply(*kibana.answer(rec))

        def _check(self, rec: Received, body: bytes) -> str:
            if not rec.path.endswith("/api/saved_objects/_import"):
                return f"unexpected path {rec.path}"
            if rec.query.get("overwrite") != ["true"]:
                return f"overwrite=true missing: {rec.query}"
            if rec.headers.get("kbn-xsrf") is None:
                return "Request must contain a kbn-xsrf header."
            ctype = rec.headers.get("content-type", "")
            if not ctype.startswith("multipart/form-data"):
                return f"not multipart: {ctype}"
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {ctype}\r\n\r\n".encode() + body)
            files = [p for p in message.iter_parts() if p.get_param("name", header="content-disposition") == "file"]
            if len(files) != 1:
                return "[request body.file]: expected value of type [Stream] but got [undefined]"
            rec.filename = files[0].get_filename() or ""
            if not rec.filename.endswith(".ndjson"):
                return f"Invalid file extension {rec.filename}"
            text = files[0].get_payload(decode=True).decode("utf-8")
            rec.objects = [json.loads(line) for line in text.splitlines() if line.strip()]
            return ""

    return Handler


@pytest.fixture
def kibana() -> Iterator[FakeKibana]:
    fake = FakeKibana()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()
    assert not fake.problems, fake.problems


@pytest.fixture
def files() -> list[dict[str, Any]]:
    return load_objects(OBJECTS_DIR)


def _cli(*args: str) -> Any:
    return CliRunner().invoke(kibana_app, ["import", *args])


# -- the API call ---------------------------------------------------------------------------
def test_import_sends_the_files_and_reports_each_object(kibana: FakeKibana, files) -> None:
    result = import_objects(kibana.url, files, wait=1)
    assert result.success and result.success_count == len(files) and not result.errors
    assert [(o.type, o.id) for o in result.objects] == [(o["type"], o["id"]) for o in files]
    assert {o.detail for o in result.objects} == {"created"}
    (rec,) = kibana.received
    assert rec.path == "/api/saved_objects/_import"
    assert rec.query == {"overwrite": ["true"]}
    assert rec.headers["kbn-xsrf"] == "true"
    assert rec.objects == files  # byte for byte the objects of deploy/kibana/*.ndjson
    assert rec.objects[0]["type"] == "index-pattern"  # dependencies first
    assert rec.objects[-1]["type"] == "dashboard"


def test_import_is_idempotent(kibana: FakeKibana, files) -> None:
    first = import_objects(kibana.url, files, wait=1)
    second = import_objects(kibana.url, files, wait=1)
    assert first.success and second.success
    assert kibana.received[0].objects == kibana.received[1].objects
    assert {o.detail for o in second.objects} == {"overwritten"}


def test_space_goes_in_the_path(kibana: FakeKibana, files) -> None:
    import_objects(kibana.url + "/", files, space="sahel team", wait=1)
    assert kibana.received[0].path == "/s/sahel%20team/api/saved_objects/_import"
    import_objects(kibana.url, files, space="default", wait=1)
    assert kibana.received[1].path == "/api/saved_objects/_import"


def test_retries_while_kibana_starts(kibana: FakeKibana, files) -> None:
    starting = (503, {"statusCode": 503, "error": "Service Unavailable",
                      "message": "Kibana server is not ready yet"})
    kibana.script = [starting, starting]
    waits: list[str] = []
    result = import_objects(kibana.url, files, wait=10, pause=0.05, on_wait=waits.append)
    assert result.success and result.attempts == 3
    assert len(waits) == 2 and "503" in waits[0] and "not ready" in waits[0]


def test_gives_up_when_kibana_stays_unavailable(kibana: FakeKibana, files) -> None:
    kibana.script = [(503, {"statusCode": 503, "message": "not ready"})] * 50
    started = time.monotonic()
    with pytest.raises(KibanaUnavailable, match="HTTP 503"):
        import_objects(kibana.url, files, wait=0.3, pause=0.05)
    assert time.monotonic() - started < 5


def test_partial_errors_are_reported_per_object(kibana: FakeKibana, files) -> None:
    kibana.fail = {
        ("lens", "veille-lens-languages"): {
            "type": "missing_references",
            "references": [{"type": "index-pattern", "id": "veille-items-dataview"}]},
        ("map", "veille-map-places"): {"type": "unknown", "message": "map type disabled",
                                       "statusCode": 400},
    }
    result = import_objects(kibana.url, files, wait=1)
    assert not result.success
    assert result.success_count == len(files) - 2
    failed = {(o.type, o.id): o for o in result.errors}
    assert set(failed) == set(kibana.fail)
    assert failed[("lens", "veille-lens-languages")].detail == (
        "missing_references: index-pattern/veille-items-dataview")
    assert failed[("map", "veille-map-places")].detail == "unknown: map type disabled"
    assert failed[("map", "veille-map-places")].title == "Places"


def test_a_refused_request_is_an_import_error(kibana: FakeKibana, files) -> None:
    kibana.script = [(415, {"statusCode": 415, "error": "Unsupported Media Type",
                            "message": "Unsupported Media Type"})]
    with pytest.raises(KibanaImportError, match="HTTP 415 Unsupported Media Type"):
        import_objects(kibana.url, files, wait=1)


def test_unreachable_kibana_is_a_clear_error(files) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(KibanaUnavailable) as info:
        import_objects(url, files, wait=0.2, pause=0.05)
    message = str(info.value)
    assert url in message and "unreachable" in message and "--url" in message
    assert "Connection" in message or "refused" in message


# -- the command ----------------------------------------------------------------------------
def test_command_imports_and_prints_each_object(kibana: FakeKibana, files, home) -> None:
    result = _cli("--url", kibana.url, "--namespace", "veille")
    assert result.exit_code == 0, result.output
    assert f"{len(files)} of {len(files)} imported" in result.output
    assert "Sahel overview" in result.output
    assert kibana.received[0].objects == files


def test_command_rewrites_the_namespace(kibana: FakeKibana, files, home) -> None:
    result = _cli("--url", kibana.url, "--namespace", "mali2", "--space", "ops")
    assert result.exit_code == 0, result.output
    (rec,) = kibana.received
    assert rec.path == "/s/ops/api/saved_objects/_import"
    assert rec.objects == rewrite_namespace(files, "mali2")
    patterns = {o["attributes"]["title"] for o in rec.objects if o["type"] == "index-pattern"}
    assert patterns == {"mali2-items*", "mali2-alerts*", "mali2-sources*"}
    assert all(o["id"].startswith("mali2-") for o in rec.objects)
    assert all(r["id"].startswith("mali2-") for o in rec.objects for r in o["references"])
    dashboard = next(o for o in rec.objects if o["type"] == "dashboard")
    assert dashboard["attributes"]["title"] == "Sahel overview [mali2]"


def test_command_namespace_defaults_to_the_setting(kibana: FakeKibana, home, monkeypatch) -> None:
    from veille.settings import reset_settings

    monkeypatch.setenv("VEILLE_NAMESPACE", "fromenv")
    reset_settings()
    result = _cli("--url", kibana.url)
    reset_settings()
    assert result.exit_code == 0, result.output
    assert kibana.received[0].objects[0]["attributes"]["title"] == "fromenv-items*"


def test_command_exit_1_on_partial_errors(kibana: FakeKibana, home) -> None:
    kibana.fail = {("search", "veille-search-latest-statements"): {"type": "conflict"}}
    result = _cli("--url", kibana.url)
    assert result.exit_code == 1
    assert "conflict" in result.output and "1 object(s) failed" in result.output


def test_command_unreachable(home) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = _cli("--url", url, "--wait", "0")
    assert result.exit_code == 3
    assert f"Kibana is unreachable or not ready at {url}" in result.output.replace("\n", " ")
