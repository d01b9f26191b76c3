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
    from crawlers.config import CrawlerSettings
    from veille.settings import Settings

    fields = set(Settings.model_fields) | set(CrawlerSettings.model_fields)
    secrets = _channel_secrets()
    for stage in [*STAGE_SERVERS, "demo"]:
        env = _env(services[stage])
        unknown = {
            var for var in env if var.startswith("VEILLE_") and var[len("VEILLE_"):].lower() not in fields
        } - secrets
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


# -- the image's file set: what the Dockerfile copies, and nothing else -----------------------
DOCKERFILE = REPO / "Dockerfile"
VEILLE_SERVICES = ("crawl", "process", "index", "alert", "kibana-setup", "demo")


def _channel_secrets() -> set[str]:
    """The environment variables rules.yaml's channels read their secrets from (*_env keys)."""
    rules = yaml.safe_load((REPO / "rules.yaml").read_text(encoding="utf-8"))
    return {value for channel in rules["channels"].values() for key, value in channel.items()
            if key.endswith("_env")}


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    out, pending = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        word, _, rest = text.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def _dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in _instructions():
        if word == "ENV":
            for pair in rest.split():
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def _image_tree(root: Path) -> Path:
    """Lays out under `root` exactly the files the Dockerfile's COPY lines put in the image (no
    pip install: the code goes where the image's `pip install` takes it from). Returns that code
    folder, for PYTHONPATH."""
    workdir, code = Path("/"), None
    for word, rest in _instructions():
        if word == "WORKDIR":
            workdir = workdir / rest
        elif word == "COPY":
            *sources, dest = [a for a in rest.split() if not a.startswith("--")]
            target = root / (workdir / dest).relative_to("/")
            for source in sources:
                path = REPO / source
                assert path.exists(), f"COPY {source}: not in the build context"
                if path.is_dir():
                    shutil.copytree(path, target, dirs_exist_ok=True,
                                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
                else:
                    into = target if dest.endswith("/") or len(sources) > 1 else target.parent
                    into.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, into / path.name if into == target else target)
        elif word == "RUN" and "pip install" in rest and "--no-deps" in rest:
            args = rest.split("&&")[0].split()
            assert "-e" not in args and "--editable" not in args, "the image must not need an editable install"
            code = root / Path(args[-1]).relative_to("/")
    assert code is not None, "the Dockerfile never pip-installs veille"
    return code


def _in_image(root: Path, value: str) -> str:
    """An absolute path of the image, as laid out under `root`."""
    return str(root / value.lstrip("/")) if value.startswith("/") else value


LOAD_CONFIG = """
import sys
from veille.settings import get_settings, REPO_ROOT
from crawlers.config import crawler_settings
from veille.sources import load_registry
from sinks.alerts.stage import load_configured_rules
s = get_settings()
registry = load_registry(s.sources_path())
rules = load_configured_rules()
assert crawler_settings().demo_sites_path().is_dir(), crawler_settings().demo_sites_path()
assert not (REPO_ROOT / "tests").exists(), "the image ships tests/"
print(len(registry.sources), "sources,", len(rules.rules), "rules from", s.sources_path(), s.rules_path())
"""


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("image")
    return root, _image_tree(root)


def test_image_ships_config_and_demo_sites_but_not_tests(image):
    root, code = image
    env = _dockerfile_env()
    for var in ("VEILLE_SOURCES", "VEILLE_RULES", "VEILLE_DEMO_SITES"):
        assert var in env, f"the Dockerfile sets no {var}"
        assert Path(_in_image(root, env[var])).exists(), f"{var}={env[var]}: not copied into the image"
    assert not any(p.name == "tests" for p in root.rglob("tests")), "the image ships a tests/ folder"
    assert (code / "veille" / "cli" / "__init__.py").is_file()
    assert not (code / "sources.yaml").exists() and not (code / "rules.yaml").exists(), \
        "config must be found through VEILLE_SOURCES / VEILLE_RULES, not next to the code"


def _service_env(root: Path, service: dict) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_")}
    for key, value in {**_dockerfile_env(), **_env(service)}.items():
        if value.startswith("${"):  # a secret from .env: unset here
            continue
        env[key] = _in_image(root, value) if key.startswith("VEILLE_") else value
    return env


@pytest.mark.parametrize("mounted", [False, True], ids=["image-alone", "compose-mounts"])
@pytest.mark.parametrize("name", VEILLE_SERVICES)
def test_service_command_starts_from_the_image_files(services, image, tmp_path, name, mounted):
    """The config loads from exactly the image's files (and with compose's host mounts over
    them), and the service's command answers --help: what the missing rules.yaml broke."""
    root, code = image
    service = services[name]
    if mounted:
        root = tmp_path / "mounted"
        shutil.copytree(image[0], root, symlinks=True)
        for volume in service.get("volumes") or []:
            host, target, *_ = volume.split(":")
            if host.startswith("."):
                (root / target.lstrip("/")).write_bytes((REPO / host).read_bytes())
        code = root / code.relative_to(image[0])
    env = _service_env(root, service)
    env["PYTHONPATH"] = str(code)
    env.setdefault("VEILLE_HOME", str(root / "data"))
    cwd = root / "data"
    cwd.mkdir(exist_ok=True)
    loaded = subprocess.run([sys.executable, "-c", LOAD_CONFIG], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, f"{name}: config does not load from the image:\n{loaded.stderr}"
    command = service["command"]
    assert command[0] == "veille"
    result = subprocess.run([sys.executable, "-m", "veille.cli", *command[1:], "--help"], cwd=cwd,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{name}: {' '.join(command)} --help:\n{result.stderr}"


def test_config_is_mounted_from_the_host(services):
    env = _dockerfile_env()
    for name in [*STAGE_SERVERS, "demo"]:
        mounts = {v.split(":")[1]: v.split(":") for v in services[name]["volumes"]}
        for var, host in (("VEILLE_SOURCES", "./sources.yaml"), ("VEILLE_RULES", "./rules.yaml")):
            assert env[var] in mounts, f"{name}: {host} is not mounted on {env[var]}"
            source, _, *mode = mounts[env[var]]
            assert source == host and (REPO / host).is_file(), name
            assert mode == ["ro"], f"{name}: mount {host} read-only"


def test_env_example_lists_every_channel_secret(services):
    secrets = _channel_secrets()
    assert secrets, "rules.yaml names no channel secret"
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    listed = {line.split("=", 1)[0] for line in example.splitlines() if "=" in line and not line.startswith("#")}
    assert secrets <= listed, f".env.example lacks {sorted(secrets - listed)}"
    alert = _env(services["alert"])
    for var in secrets:
        assert alert.get(var) == f"${{{var}:-}}", f"the alert service does not pass {var} from .env"
    for var in secrets:  # given to the delivering service only
        assert var not in _env(services["process"]), var
    assert ".env" in (REPO / ".dockerignore").read_text().split(), "keep .env out of the build context"
