"""docker-compose.yml: the whole distributed stack, checked without a Docker engine.

The file is read with PyYAML (anchors and `<<` merges resolved, as compose does), checked for
what the stack promises (official images, health checks, start order, named volumes), checked
against the code it runs (the stage commands exist in `veille.cli`, every VEILLE_* variable is
a real setting), and finally given to `docker compose config` / `docker-compose config`, which
validates it against the compose schema. That tool must be installed (CI: Debian's
docker-compose package); a missing one fails the test rather than skipping it.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"

SERVER_IMAGES = {
    "kafka": "apache/kafka",
    "elasticsearch": "docker.elastic.co/elasticsearch/elasticsearch",
    "kibana": "docker.elastic.co/kibana/kibana",
    "redis": "redis",
}
# Each stage, and the servers it must wait for (healthy) before starting.
STAGE_SERVERS = {
    "crawl": {"kafka", "redis"},
    "process": {"kafka"},
    "index": {"kafka", "elasticsearch"},
    "alert": {"kafka", "elasticsearch", "redis"},
}
SERVER_URL_VARS = {"VEILLE_KAFKA_BOOTSTRAP", "VEILLE_ES_URL", "VEILLE_REDIS_URL"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _image(service: dict) -> tuple[str, str]:
    name, _, tag = service["image"].rpartition(":")
    return name, tag


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def test_every_server_and_stage_is_a_service(services):
    assert set(SERVER_IMAGES) | set(STAGE_SERVERS) | {"demo"} <= set(services)
    assert "kibana-setup" in services


def test_servers_run_pinned_official_images(services):
    for name, repository in SERVER_IMAGES.items():
        image, tag = _image(services[name])
        assert image == repository, name
        assert tag and tag != "latest", f"{name}: pin a version"
    assert _image(services["kafka"])[1].startswith(("3.9.", "4."))
    es_version = _image(services["elasticsearch"])[1]
    assert es_version.startswith("8."), "Elasticsearch 8.x (the client major is pinned to it)"
    assert _image(services["kibana"])[1] == es_version, "Kibana must match Elasticsearch"


def test_kafka_is_a_single_kraft_node(services):
    env = _env(services["kafka"])
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    for key in ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"):
        assert env[key] == "1"
    stage_env = _env(services["process"])
    assert f"PLAINTEXT://{stage_env['VEILLE_KAFKA_BOOTSTRAP']}" in env["KAFKA_ADVERTISED_LISTENERS"]


def test_elasticsearch_is_single_node_without_security(services):
    env = _env(services["elasticsearch"])
    assert env["discovery.type"] == "single-node"
    assert env["xpack.security.enabled"] == "false"
    assert "-Xmx1g" in env["ES_JAVA_OPTS"]
    assert "http://elasticsearch:9200" in _env(services["kibana"])["ELASTICSEARCH_HOSTS"]


def test_every_long_lived_service_has_a_health_check(services):
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        if "profiles" in service or service.get("restart") == "no":  # one-shot helpers say so
            assert check == {"disable": True}, name
            continue
        assert not check.get("disable"), name
        assert check["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_stages_wait_for_healthy_servers(services):
    for stage, servers in STAGE_SERVERS.items():
        depends = services[stage]["depends_on"]
        assert set(depends) == servers, stage
        for server in servers:
            assert depends[server] == {"condition": "service_healthy"}, (stage, server)
    assert services["kibana"]["depends_on"] == {"elasticsearch": {"condition": "service_healthy"}}


def test_stages_are_built_from_the_dockerfile(services):
    assert (REPO / "Dockerfile").is_file()
    for stage in [*STAGE_SERVERS, "demo"]:
        service = services[stage]
        assert service["build"] == ".", stage
        assert service["image"] == "veille:dev", stage
        assert "container_name" not in service, f"{stage} must stay scalable"


@pytest.mark.parametrize("stage", sorted(STAGE_SERVERS))
def test_stage_command_is_a_real_cli_command(services, stage):
    from typer.testing import CliRunner

    from veille.cli import app

    command = services[stage]["command"]
    assert command == ["veille", stage]
    result = CliRunner().invoke(app, [*command[1:], "--help"])
    assert result.exit_code == 0, f"`veille {stage}` is not a CLI command:\n{result.output}"


def test_demo_runs_the_embedded_default(services):
    demo = services["demo"]
    assert demo["command"] == ["veille", "demo"]
    assert demo["profiles"] == ["demo"]
    assert not demo.get("depends_on")
    assert not SERVER_URL_VARS & set(_env(demo)), "the demo must not use the servers"


def test_stage_environment_names_real_settings(services):
    from veille.settings import Settings

    fields = set(Settings.model_fields)
    for stage in [*STAGE_SERVERS, "demo"]:
        env = _env(services[stage])
        unknown = {
            var for var in env if var.startswith("VEILLE_") and var[len("VEILLE_"):].lower() not in fields
        }
        assert not unknown, f"{stage}: not veille settings: {sorted(unknown)}"
        assert env["VEILLE_HOME"] == "/data"
    for stage in STAGE_SERVERS:
        env = _env(services[stage])
        assert env["VEILLE_KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert env["VEILLE_ES_URL"] == "http://elasticsearch:9200"
        assert env["VEILLE_REDIS_URL"] == "redis://redis:6379/0"
        assert int(env["VEILLE_METRICS_PORT"]) > 0, "the health check needs the metrics port"
        assert env["VEILLE_METRICS_HOST"] == "0.0.0.0", "/metrics must be reachable from outside"
        Settings(**{var[len("VEILLE_"):].lower(): value for var, value in env.items()})


def test_each_stage_container_keeps_its_own_metrics_files(services):
    """$VEILLE_HOME is one volume shared by every stage container (crawl's state.db), but the
    Prometheus multiprocess folder ($VEILLE_HOME/metrics/<pid>, and the pid is 1 in every
    container) must not be: a tmpfs over it keeps each container's counters apart."""
    for stage in STAGE_SERVERS:
        assert "/data/metrics" in services[stage]["tmpfs"], stage


def test_data_lives_in_named_volumes(compose, services):
    mounts = {
        "kafka": "/var/lib/kafka/data",
        "elasticsearch": "/usr/share/elasticsearch/data",
        "redis": "/data",
        **{stage: "/data" for stage in STAGE_SERVERS},
    }
    declared = set(compose["volumes"])
    for name, target in mounts.items():
        volumes = dict(v.split(":")[:2][::-1] for v in services[name]["volumes"])
        assert target in volumes, f"{name}: nothing mounted on {target}"
        assert volumes[target] in declared, f"{name}: {volumes[target]} is not a named volume"


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("status, healthy", [(200, True), (503, False)])
def test_stage_health_check_probes_healthz(services, status, healthy):
    """Runs the stages' health check command (python, as in the slim image) against /healthz."""
    test = services["process"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    handler = type("Handler", (_Health,), {"status": status})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {**os.environ, "VEILLE_METRICS_PORT": str(server.server_address[1])}
        result = subprocess.run([sys.executable, *test[2:]], env=env, capture_output=True, timeout=30)
    finally:
        server.shutdown()
        server.server_close()
    assert (result.returncode == 0) is healthy, result.stderr.decode()
    for stage in STAGE_SERVERS:
        assert services[stage]["healthcheck"]["test"] == test


def _compose_tools() -> list[list[str]]:
    """Every compose implementation installed: the v2 plugin (`docker compose`) and/or v1."""
    tools = []
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        tools.append([docker, "compose"])
    if shutil.which("docker-compose"):
        tools.append([shutil.which("docker-compose")])
    if not tools:
        pytest.fail("neither `docker compose` nor `docker-compose` is installed "
                    "(Debian: apt-get install -y docker-compose)")
    return tools


def test_docker_compose_config_accepts_the_file():
    """The compose tool's own validation (schema, anchors, interpolation); needs no engine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    for tool in _compose_tools():
        result = subprocess.run(
            [*tool, "-f", str(COMPOSE_FILE), "--profile", "demo", "config"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
        )
        assert result.returncode == 0, f"{' '.join(tool)} config:\n{result.stderr}"
        resolved = yaml.safe_load(result.stdout)["services"]
        assert set(SERVER_IMAGES) | set(STAGE_SERVERS) | {"demo"} <= set(resolved), tool
        for stage in STAGE_SERVERS:
            assert resolved[stage]["command"] == ["veille", stage], tool
