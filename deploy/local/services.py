"""Single-node Kafka (KRaft), Elasticsearch 8 and Redis on this machine, without Docker.

Run through the wrapper next to this file:

    deploy/local/services up [kafka|elasticsearch|redis ...]   # start, wait until healthy
    deploy/local/services down [SERVICE ...]                   # SIGTERM, wait, SIGKILL
    deploy/local/services start|stop SERVICE ...               # aliases of up|down
    deploy/local/services status [SERVICE ...]                 # exit 0 only if all healthy
    deploy/local/services env                                  # the export lines only
    deploy/local/services reset [SERVICE ...]                  # down + delete the data

Progress goes to stderr and the export lines to stdout, so `eval "$(deploy/local/services up)"`
works. Standard library only: this runs before the project's dependencies are installed.
See deploy/README.md for the layout of the run folder, the ports and troubleshooting.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEPLOY = HERE.parent
POM = DEPLOY / "pom.xml"

KAFKA_VERSION = os.environ.get("VEILLE_LOCAL_KAFKA_VERSION") or "3.9.1"
# Newest 8.19.x of org.elasticsearch.distribution.integ-test-zip:elasticsearch on Maven Central.
ES_VERSION = os.environ.get("VEILLE_LOCAL_ES_VERSION") or "8.19.21"
ES_USER = os.environ.get("VEILLE_LOCAL_ES_USER") or "veille-es"
ES_FALLBACK_ROOT = Path("/var/tmp/veille-services")


def _port(name: str, default: int) -> int:
    value = os.environ.get(name) or str(default)
    try:
        return int(value)
    except ValueError:
        sys.exit(f"services: {name}={value!r} is not a port number")


KAFKA_PORT = _port("VEILLE_LOCAL_KAFKA_PORT", 19092)
KAFKA_CONTROLLER_PORT = _port("VEILLE_LOCAL_KAFKA_CONTROLLER_PORT", 19093)
ES_PORT = _port("VEILLE_LOCAL_ES_PORT", 19200)
ES_TRANSPORT_PORT = _port("VEILLE_LOCAL_ES_TRANSPORT_PORT", 19300)
REDIS_PORT = _port("VEILLE_LOCAL_REDIS_PORT", 16379)
TIMEOUT = float(os.environ.get("VEILLE_LOCAL_TIMEOUT") or 240)
HOST = "127.0.0.1"

RUN = Path(os.environ.get("VEILLE_LOCAL_DIR") or HERE / "run").expanduser().resolve()
LOGS = RUN / "logs"
PIDS = RUN / "pids"
IS_ROOT = os.geteuid() == 0


class ServiceError(Exception):
    """A service could not be installed, started or stopped; the message says why."""


def say(message: str) -> None:
    print(f"services: {message}", file=sys.stderr, flush=True)


def env_lines() -> list[str]:
    return [
        f"export VEILLE_KAFKA_BOOTSTRAP={HOST}:{KAFKA_PORT}",
        f"export VEILLE_ES_URL=http://{HOST}:{ES_PORT}",
        f"export VEILLE_REDIS_URL=redis://{HOST}:{REDIS_PORT}/0",
    ]


# --------------------------------------------------------------------------- helpers


def mkdir(path: Path, mode: int = 0o755) -> Path:
    """mkdir -p, with mode set on every folder it creates and on path (whatever the umask)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        with contextlib.suppress(PermissionError):
            folder.chmod(mode)
    with contextlib.suppress(PermissionError):
        path.chmod(mode)
    return path


def tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read().decode("utf-8", "replace")
    except OSError as exc:
        return f"(cannot read {path}: {exc})"
    return "\n".join(data.splitlines()[-lines:])


def port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""
    if state in ("Z", "X"):  # zombie or dead: as good as gone
        return ""
    return raw.replace(b"\0", b" ").decode("utf-8", "replace")


def find_pids(markers: list[str]) -> list[int]:
    """Pids of the live processes whose command line holds every marker."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        line = cmdline(int(entry.name))
        if line and all(marker in line for marker in markers):
            found.append(int(entry.name))
    return sorted(found)


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def java_binary() -> str:
    for home in (os.environ.get("ES_JAVA_HOME"), os.environ.get("JAVA_HOME")):
        if home and (Path(home) / "bin" / "java").exists():
            return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise ServiceError(
            "java not found: install a JDK 17 or newer (apt-get install openjdk-17-jdk-headless)"
        )
    return found


def java_home() -> str:
    return str(Path(java_binary()).resolve().parent.parent)


def run_maven(args: list[str], log: Path, what: str) -> None:
    mvn = shutil.which("mvn")
    if not mvn:
        raise ServiceError(f"mvn not found, needed to fetch {what} (apt-get install maven)")
    mkdir(log.parent)
    cmd = [mvn, "-B", "-q", "-f", str(POM), *args]
    say(f"fetching {what} with Maven (cached in ~/.m2) ...")
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(cmd)}\n".encode())
        out.flush()
        result = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise ServiceError(f"Maven could not fetch {what}; see {log}:\n{tail(log)}")


def signal_and_wait(pids: list[int], markers: list[str], grace: float) -> None:
    alive = [pid for pid in pids if cmdline(pid)]
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        alive = [pid for pid in alive if all(m in cmdline(pid) for m in markers)]
        if not alive:
            return
        time.sleep(0.25)
    for pid in alive:
        say(f"pid {pid} ignored SIGTERM for {grace:.0f}s: SIGKILL")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)


# --------------------------------------------------------------------------- services


class Service:
    name = ""
    port = 0
    grace = 60.0  # seconds between SIGTERM and SIGKILL

    def pid_file(self) -> Path:
        return PIDS / f"{self.name}.pid"

    def markers(self) -> list[str]:
        raise NotImplementedError

    def log_files(self) -> list[Path]:
        raise NotImplementedError

    def pids(self) -> list[int]:
        markers = self.markers()
        pid = read_pid(self.pid_file())
        found = set(find_pids(markers))
        if pid and all(m in cmdline(pid) for m in markers):
            found.add(pid)
        return sorted(found)

    def healthy(self) -> bool:
        raise NotImplementedError

    def install(self) -> None:
        """Fetch what is missing (cached afterwards)."""

    def start(self) -> None:
        raise NotImplementedError

    def failed_early(self) -> str | None:
        """A reason to stop waiting before the timeout (the process died), or None."""
        return None

    def stop(self) -> None:
        pids = self.pids()
        if not pids:
            say(f"{self.name}: not running")
        else:
            say(f"{self.name}: stopping pid {' '.join(map(str, pids))} ...")
            signal_and_wait(pids, self.markers(), self.grace)
            left = self.pids()
            if left:
                raise ServiceError(f"{self.name}: pid {left} still running after SIGKILL")
            say(f"{self.name}: stopped")
        with contextlib.suppress(FileNotFoundError):
            self.pid_file().unlink()

    def data_dirs(self) -> list[Path]:
        return []

    def busy_ports(self) -> list[int]:
        return [self.port]


class Kafka(Service):
    name = "kafka"
    port = KAFKA_PORT
    grace = 60.0

    def __init__(self) -> None:
        self.home = RUN / "kafka"
        self.libs = self.home / "libs"
        self.data = self.home / "data"
        self.config = self.home / "server.properties"
        self.log4j = self.home / "log4j.properties"
        self.logs = LOGS / "kafka"
        self.proc: subprocess.Popen | None = None

    def markers(self) -> list[str]:
        return ["kafka.Kafka", str(self.config)]

    def log_files(self) -> list[Path]:
        return [self.logs / "server.log", self.logs / "stdout.log"]

    def data_dirs(self) -> list[Path]:
        return [self.data]

    def busy_ports(self) -> list[int]:
        return [KAFKA_PORT, KAFKA_CONTROLLER_PORT]

    def healthy(self) -> bool:
        return kafka_metadata_ok(KAFKA_PORT)

    def install(self) -> None:
        stamp = self.libs / ".version"
        if stamp.exists() and stamp.read_text().strip() == KAFKA_VERSION:
            return
        if self.libs.exists():
            shutil.rmtree(self.libs)
        mkdir(self.libs)
        run_maven(
            [
                f"-Dkafka.version={KAFKA_VERSION}",
                "dependency:copy-dependencies",
                f"-DoutputDirectory={self.libs}",
            ],
            LOGS / "maven.log",
            f"Kafka {KAFKA_VERSION}",
        )
        stamp.write_text(KAFKA_VERSION + "\n")

    def write_config(self) -> None:
        mkdir(self.home)
        mkdir(self.logs)
        self.config.write_text(
            "# Written by deploy/local/services on every start: edit the script, not this file.\n"
            "process.roles=broker,controller\n"
            "node.id=1\n"
            f"listeners=PLAINTEXT://{HOST}:{KAFKA_PORT},CONTROLLER://{HOST}:{KAFKA_CONTROLLER_PORT}\n"
            f"advertised.listeners=PLAINTEXT://{HOST}:{KAFKA_PORT}\n"
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n"
            "inter.broker.listener.name=PLAINTEXT\n"
            "controller.listener.names=CONTROLLER\n"
            f"controller.quorum.bootstrap.servers={HOST}:{KAFKA_CONTROLLER_PORT}\n"
            f"log.dirs={self.data}\n"
            "num.partitions=3\n"
            "default.replication.factor=1\n"
            "offsets.topic.replication.factor=1\n"
            "transaction.state.log.replication.factor=1\n"
            "transaction.state.log.min.isr=1\n"
            "min.insync.replicas=1\n"
            "group.initial.rebalance.delay.ms=0\n"
            "auto.create.topics.enable=true\n"
            "delete.topic.enable=true\n"
            "num.network.threads=2\n"
            "num.io.threads=4\n"
            "log.retention.hours=168\n"
        )
        self.log4j.write_text(
            "# Written by deploy/local/services. ${kafka.logs.dir} is set on the java command line.\n"
            "log4j.rootLogger=INFO, kafkaAppender\n"
            "log4j.appender.kafkaAppender=org.apache.log4j.RollingFileAppender\n"
            "log4j.appender.kafkaAppender.File=${kafka.logs.dir}/server.log\n"
            "log4j.appender.kafkaAppender.MaxFileSize=20MB\n"
            "log4j.appender.kafkaAppender.MaxBackupIndex=4\n"
            "log4j.appender.kafkaAppender.layout=org.apache.log4j.PatternLayout\n"
            "log4j.appender.kafkaAppender.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
            "log4j.appender.controllerAppender=org.apache.log4j.RollingFileAppender\n"
            "log4j.appender.controllerAppender.File=${kafka.logs.dir}/controller.log\n"
            "log4j.appender.controllerAppender.MaxFileSize=20MB\n"
            "log4j.appender.controllerAppender.MaxBackupIndex=2\n"
            "log4j.appender.controllerAppender.layout=org.apache.log4j.PatternLayout\n"
            "log4j.appender.controllerAppender.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
            "log4j.logger.kafka=INFO\n"
            "log4j.logger.org.apache.kafka=INFO\n"
            "log4j.logger.kafka.request.logger=WARN\n"
            "log4j.logger.kafka.controller=INFO, controllerAppender\n"
            "log4j.additivity.kafka.controller=false\n"
            "log4j.logger.state.change.logger=INFO, controllerAppender\n"
            "log4j.additivity.state.change.logger=false\n"
        )

    def java_cmd(self, main: str, *args: str, heap: str = "-Xmx512m -Xms256m") -> list[str]:
        return [
            java_binary(),
            *heap.split(),
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            f"-Dkafka.logs.dir={self.logs}",
            f"-Dlog4j.configuration=file:{self.log4j}",
            "-cp",
            f"{self.libs}/*",
            main,
            *args,
        ]

    def format_storage(self) -> None:
        if (self.data / "meta.properties").exists():
            return
        mkdir(self.data)
        cluster_id = new_kafka_cluster_id()
        say(f"kafka: formatting {self.data} (cluster id {cluster_id})")
        cmd = self.java_cmd(
            "kafka.tools.StorageTool",
            "format",
            "--standalone",
            "-t",
            cluster_id,
            "-c",
            str(self.config),
            heap="-Xmx256m",
        )
        log = self.logs / "format.log"
        with log.open("ab") as out:
            result = subprocess.run(
                cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        if result.returncode != 0:
            raise ServiceError(f"kafka: formatting the storage failed; see {log}:\n{tail(log)}")

    def start(self) -> None:
        self.write_config()
        self.format_storage()
        mkdir(PIDS)
        stdout = (self.logs / "stdout.log").open("ab")
        self.proc = subprocess.Popen(
            self.java_cmd("kafka.Kafka", str(self.config)),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.STDOUT,
            cwd=self.home,
            start_new_session=True,
        )
        stdout.close()
        self.pid_file().write_text(f"{self.proc.pid}\n")
        say(f"kafka: started pid {self.proc.pid} (logs in {self.logs})")

    def failed_early(self) -> str | None:
        if self.proc is not None and self.proc.poll() is not None:
            return f"the broker exited with code {self.proc.returncode}"
        return None


class Elasticsearch(Service):
    name = "elasticsearch"
    port = ES_PORT
    grace = 60.0

    def __init__(self) -> None:
        self.dir, self.logs = self.locate()
        self.home = self.dir / f"elasticsearch-{ES_VERSION}"
        self.data = self.dir / "data"
        self.proc: subprocess.Popen | None = None

    @staticmethod
    def locate() -> tuple[Path, Path]:
        """Where the install, data and logs live.

        As root, Elasticsearch runs as the system user ES_USER, which must be able to reach its
        folder: when a parent of the run folder is closed to other users (a clone under /root, for
        instance), the Elasticsearch part goes to /var/tmp/veille-services/elasticsearch-<hash of
        the run folder>, and <run>/logs/elasticsearch becomes a link to its logs.
        """
        if os.environ.get("VEILLE_LOCAL_ES_DIR"):
            base = Path(os.environ["VEILLE_LOCAL_ES_DIR"]).expanduser().resolve()
            return base, base / "logs"
        if IS_ROOT and not others_can_traverse(RUN):
            tag = hashlib.sha1(str(RUN).encode()).hexdigest()[:8]
            base = ES_FALLBACK_ROOT / f"elasticsearch-{tag}"
            return base, base / "logs"
        return RUN / "elasticsearch", LOGS / "elasticsearch"

    def pid_file(self) -> Path:
        # Written by Elasticsearch itself, so it lives in a folder its user owns.
        return self.dir / "elasticsearch.pid"

    def markers(self) -> list[str]:
        return [f"-Des.path.home={self.home}"]

    def log_files(self) -> list[Path]:
        return [self.logs / "veille-local.log", self.logs / "console.log"]

    def data_dirs(self) -> list[Path]:
        return [self.data]

    def busy_ports(self) -> list[int]:
        return [ES_PORT, ES_TRANSPORT_PORT]

    def healthy(self) -> bool:
        url = f"http://{HOST}:{ES_PORT}/_cluster/health?wait_for_status=yellow&timeout=1s"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body = json.load(response)
        except (OSError, ValueError, urllib.error.URLError):
            return False
        return body.get("status") in ("yellow", "green") and not body.get("timed_out")

    def install(self) -> None:
        if (self.home / "bin" / "elasticsearch").exists():
            return
        mkdir(self.dir)
        downloads = mkdir(RUN / "downloads")
        archive = downloads / f"elasticsearch-{ES_VERSION}.zip"
        if not archive.exists():
            run_maven(
                [
                    "dependency:copy",
                    "-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:"
                    f"{ES_VERSION}:zip",
                    f"-DoutputDirectory={downloads}",
                ],
                LOGS / "maven.log",
                f"Elasticsearch {ES_VERSION}",
            )
        say(f"elasticsearch: unpacking {archive.name} into {self.dir}")
        staging = self.dir / f".unpack-{os.getpid()}"
        if staging.exists():
            shutil.rmtree(staging)
        unzip(archive, staging)
        (staging / f"elasticsearch-{ES_VERSION}").rename(self.home)
        shutil.rmtree(staging)
        archive.unlink()  # Maven keeps its own copy in ~/.m2

    def modules(self) -> set[str]:
        try:
            return {p.name for p in (self.home / "modules").iterdir()}
        except OSError:
            return set()

    def write_config(self) -> None:
        modules = self.modules()
        lines = [
            "# Written by deploy/local/services on every start: edit the script, not this file.",
            "cluster.name: veille-local",
            "node.name: veille-local-1",
            "discovery.type: single-node",
            f"network.host: {HOST}",
            f"http.port: {ES_PORT}",
            f"transport.port: {ES_TRANSPORT_PORT}",
            f"path.data: {self.data}",
            f"path.logs: {self.logs}",
            "cluster.routing.allocation.disk.threshold_enabled: false",
            "action.destructive_requires_name: false",
        ]
        # Settings of modules that are absent are unknown settings, which stop the node: the
        # integ-test-zip has only a few modules (see deploy/README.md).
        if "x-pack-core" in modules:
            lines.append("xpack.security.enabled: false")
        if "x-pack-ml" in modules:
            lines.append("xpack.ml.enabled: false")
        if "ingest-geoip" in modules:
            lines.append("ingest.geoip.downloader.enabled: false")
        (self.home / "config" / "elasticsearch.yml").write_text("\n".join(lines) + "\n")

    def prepare_dirs(self) -> None:
        mkdir(self.dir)
        mkdir(self.data)
        if self.logs != LOGS / "elasticsearch":
            mkdir(self.logs)
            link = LOGS / "elasticsearch"
            mkdir(LOGS)
            if not link.is_symlink():
                if link.exists():
                    shutil.rmtree(link)
                link.symlink_to(self.logs)
        else:
            mkdir(LOGS)
            mkdir(self.logs)
        if IS_ROOT:
            ensure_system_user(ES_USER)
            user = pwd.getpwnam(ES_USER)
            for path in (self.dir, self.logs):
                chown_tree(path, user.pw_uid, user.pw_gid)
            for path in sorted({*self.dir.parents, *self.logs.parents}):
                if path.exists() and not others_can_traverse(path, only_self=True):
                    raise ServiceError(
                        f"elasticsearch: user {ES_USER} cannot traverse {path}; "
                        "set VEILLE_LOCAL_ES_DIR to a folder every user can reach"
                    )

    def start(self) -> None:
        self.prepare_dirs()
        self.write_config()
        with contextlib.suppress(FileNotFoundError):
            self.pid_file().unlink()
        env = {
            "ES_JAVA_HOME": java_home(),
            "ES_JAVA_OPTS": os.environ.get("VEILLE_LOCAL_ES_JAVA_OPTS") or "-Xms512m -Xmx512m",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
        }
        cmd = [str(self.home / "bin" / "elasticsearch"), "-d", "-p", str(self.pid_file())]
        if IS_ROOT:
            env_args = [f"{k}={v}" for k, v in env.items()]
            runuser = sbin_tool("runuser")
            cmd = [
                runuser,
                "-u",
                ES_USER,
                "--",
                "/usr/bin/env",
                "-i",
                f"HOME={self.dir}",
                *env_args,
                *cmd,
            ]
            env = {**env, "HOME": str(self.dir)}
        else:
            env = {**os.environ, **env}
        console = (self.logs / "console.log").open("ab")
        # With -d the launcher returns once the node is up; the node itself keeps running.
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            cwd=self.dir,
            env=env,
            start_new_session=True,
        )
        console.close()
        who = f" as user {ES_USER}" if IS_ROOT else ""
        say(f"elasticsearch: starting {ES_VERSION}{who} (in {self.dir}, logs in {self.logs})")

    def failed_early(self) -> str | None:
        if self.proc is not None and self.proc.poll() not in (None, 0):
            return f"the launcher exited with code {self.proc.returncode}"
        return None


class Redis(Service):
    name = "redis"
    port = REDIS_PORT
    grace = 20.0

    def __init__(self) -> None:
        self.dir = RUN / "redis"
        self.logs = LOGS / "redis"

    def markers(self) -> list[str]:
        return ["redis-server", f"{HOST}:{REDIS_PORT}"]

    def log_files(self) -> list[Path]:
        return [self.logs / "redis.log"]

    def data_dirs(self) -> list[Path]:
        return [self.dir]

    def healthy(self) -> bool:
        try:
            with socket.create_connection((HOST, REDIS_PORT), timeout=2) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    @staticmethod
    def binary() -> str | None:
        return shutil.which("redis-server") or next(
            (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if Path(p).exists()),
            None,
        )

    def install(self) -> None:
        if self.binary():
            return
        if not IS_ROOT:
            raise ServiceError(
                "redis: redis-server is not installed; run: sudo apt-get install redis-server"
            )
        say("redis: installing Debian's redis-server (its own system service is not started)")
        apt_install(["redis-server"])
        if not self.binary():
            raise ServiceError("redis: apt-get did not install redis-server")

    def start(self) -> None:
        mkdir(self.dir)
        mkdir(self.logs)
        mkdir(PIDS)
        cmd = [
            self.binary() or "redis-server",
            "--port", str(REDIS_PORT),
            "--bind", HOST,
            "--dir", str(self.dir),
            "--daemonize", "yes",
            "--pidfile", str(self.pid_file()),
            "--logfile", str(self.logs / "redis.log"),
            "--save", "",
            "--appendonly", "yes",
        ]  # fmt: skip
        result = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if result.returncode != 0:
            raise ServiceError(
                f"redis: redis-server exited with code {result.returncode}: "
                f"{(result.stdout + result.stderr).strip()}\n{tail(self.logs / 'redis.log')}"
            )
        say(f"redis: started (log {self.logs / 'redis.log'})")


# --------------------------------------------------------------------------- small pieces


def new_kafka_cluster_id() -> str:
    """What kafka.tools.StorageTool random-uuid prints: 16 random bytes, base64url, no padding."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def kafka_metadata_ok(port: int) -> bool:
    """A real Metadata (v1) request: the broker answers once it is unfenced and serving."""
    client = b"veille-services"
    header = struct.pack(">hhih", 3, 1, 7, len(client)) + client
    body = struct.pack(">i", 0)  # an empty topic list: brokers and controller only
    request = header + body
    try:
        with socket.create_connection((HOST, port), timeout=3) as conn:
            conn.settimeout(5)
            conn.sendall(struct.pack(">i", len(request)) + request)
            size = struct.unpack(">i", recv_exactly(conn, 4))[0]
            payload = recv_exactly(conn, size)
    except (OSError, struct.error):
        return False
    try:
        correlation, brokers = struct.unpack_from(">ii", payload, 0)
        offset = 8
        for _ in range(brokers):
            offset += 4  # node id
            (host_len,) = struct.unpack_from(">h", payload, offset)
            offset += 2 + host_len + 4  # host, port
            (rack_len,) = struct.unpack_from(">h", payload, offset)
            offset += 2 + max(rack_len, 0)
        (controller,) = struct.unpack_from(">i", payload, offset)
    except struct.error:
        return False
    return correlation == 7 and brokers >= 1 and controller >= 0


def recv_exactly(conn: socket.socket, size: int) -> bytes:
    chunks = []
    while size:
        chunk = conn.recv(size)
        if not chunk:
            raise OSError("connection closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def unzip(archive: Path, target: Path) -> None:
    """Extract keeping the Unix modes (zipfile alone drops the executable bits)."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, target))
            mode = (info.external_attr >> 16) & 0o7777
            if mode and not info.is_dir():
                path.chmod(mode)
            elif info.is_dir():
                path.chmod(0o755)


def others_can_traverse(path: Path, only_self: bool = False) -> bool:
    """True if a user other than the owner can enter path (and, unless only_self, its parents)."""
    paths = [path] if only_self else [path, *path.parents]
    for item in paths:
        try:
            mode = item.stat().st_mode
        except FileNotFoundError:
            continue  # created later by this script with mode 0755
        if not mode & stat.S_IXOTH:
            return False
    return True


def ensure_system_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
        return
    except KeyError:
        pass
    say(f"creating system user {name} to run Elasticsearch (it refuses to run as root)")
    nologin = "/usr/sbin/nologin" if Path("/usr/sbin/nologin").exists() else "/bin/false"
    result = subprocess.run(
        [sbin_tool("useradd"), "--system", "--no-create-home", "--home-dir", "/nonexistent",
         "--shell", nologin, "--user-group", name],
        capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0 and "already exists" not in result.stderr:
        raise ServiceError(f"useradd {name} failed: {result.stderr.strip()}")


def sbin_tool(name: str) -> str:
    """A system tool, found even when PATH lacks the sbin folders (non-login shells)."""
    path = os.environ.get("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin"
    found = shutil.which(name, path=path)
    if not found:
        raise ServiceError(f"{name} not found (it comes with Debian's util-linux/passwd)")
    return found


def chown_tree(path: Path, uid: int, gid: int) -> None:
    if path.exists():
        subprocess.run([sbin_tool("chown"), "-R", f"{uid}:{gid}", str(path)], check=True)


def apt_install(packages: list[str]) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Keep the package's own system service from starting: we run our own instance.
    policy = Path("/usr/sbin/policy-rc.d")
    created_policy = False
    if not policy.exists():
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
        created_policy = True
    try:
        cmd = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
        log = mkdir(LOGS) / "apt.log"
        with log.open("ab") as out:
            if subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT).returncode == 0:
                return
            subprocess.run(["apt-get", "update"], env=env, stdout=out, stderr=subprocess.STDOUT)
            if subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT).returncode == 0:
                return
        raise ServiceError(f"apt-get install {' '.join(packages)} failed; see {log}:\n{tail(log)}")
    finally:
        if created_policy:
            policy.unlink()


# --------------------------------------------------------------------------- commands

SERVICES = {"kafka": Kafka, "elasticsearch": Elasticsearch, "redis": Redis}
ALIASES = {"es": "elasticsearch", "elastic": "elasticsearch"}


def select(names: list[str]) -> list[Service]:
    chosen = []
    for name in names or list(SERVICES):
        key = ALIASES.get(name, name)
        if key not in SERVICES:
            raise ServiceError(f"unknown service {name!r} (known: {', '.join(SERVICES)})")
        if key not in [s.name for s in chosen]:
            chosen.append(SERVICES[key]())
    return chosen


def fail_message(service: Service, reason: str) -> str:
    parts = [f"{service.name}: {reason}"]
    for log in service.log_files():
        if log.exists():
            parts.append(f"--- last lines of {log} ---\n{tail(log)}")
    if len(parts) == 1:
        parts.append(f"(no log yet under {LOGS})")
    return "\n".join(parts)


def cmd_up(names: list[str]) -> int:
    services = select(names)
    mkdir(RUN)
    mkdir(LOGS)
    waiting: list[tuple[Service, float]] = []
    errors: list[str] = []
    for service in services:
        if service.healthy():
            ours = "" if service.pids() else " (not a process of this run folder)"
            say(f"{service.name}: already healthy on port {service.port}{ours}; left alone")
            continue
        started = time.monotonic()
        try:
            if service.pids():
                say(f"{service.name}: running but not healthy yet; waiting for it")
            else:
                busy = [p for p in service.busy_ports() if port_open(p)]
                if busy:
                    raise ServiceError(
                        f"{service.name}: port {busy} already in use by another program; "
                        "stop it or choose other ports (VEILLE_LOCAL_*_PORT)"
                    )
                service.install()
                started = time.monotonic()
                service.start()
        except (ServiceError, OSError, subprocess.CalledProcessError) as exc:
            errors.append(
                f"{service.name}: {exc}" if not isinstance(exc, ServiceError) else str(exc)
            )
            continue
        waiting.append((service, started))
    while waiting:  # poll every service in turn, each against its own deadline
        for service, started in list(waiting):
            if service.healthy():
                elapsed = time.monotonic() - started
                say(f"{service.name}: healthy on port {service.port} after {elapsed:.1f}s")
                waiting.remove((service, started))
                continue
            reason = service.failed_early()
            if reason is None and time.monotonic() > started + TIMEOUT:
                reason = f"not healthy after {TIMEOUT:.0f}s (VEILLE_LOCAL_TIMEOUT)"
            if reason:
                errors.append(fail_message(service, reason))
                waiting.remove((service, started))
        if waiting:
            time.sleep(0.5)
    if errors:
        for error in errors:
            print(f"services: ERROR {error}", file=sys.stderr)
        return 1
    print("\n".join(env_lines()))
    return 0


def cmd_down(names: list[str]) -> int:
    status = 0
    for service in reversed(select(names)):
        try:
            service.stop()
        except ServiceError as exc:
            print(f"services: ERROR {exc}", file=sys.stderr)
            status = 1
    return status


def cmd_status(names: list[str]) -> int:
    all_healthy = True
    for service in select(names):
        pids = service.pids()
        healthy = service.healthy()
        all_healthy &= healthy
        state = "running" if pids else ("foreign" if healthy else "stopped")
        pid = ",".join(map(str, pids)) if pids else "-"
        print(
            f"{service.name:<14} {state:<8} pid {pid:<14} port {service.port:<6} "
            f"{'healthy' if healthy else 'unhealthy'}"
        )
    return 0 if all_healthy else 1


def cmd_env(_names: list[str]) -> int:
    print("\n".join(env_lines()))
    return 0


def cmd_reset(names: list[str]) -> int:
    status = cmd_down(names)
    if status:
        return status
    for service in select(names):
        for path in service.data_dirs():
            if path.exists():
                say(f"{service.name}: deleting {path}")
                shutil.rmtree(path)
    return 0


COMMANDS = {
    "up": cmd_up,
    "start": cmd_up,
    "down": cmd_down,
    "stop": cmd_down,
    "status": cmd_status,
    "env": cmd_env,
    "reset": cmd_reset,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help") or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help", "help") else 2
    try:
        if argv[0] in ("status", "env"):
            return COMMANDS[argv[0]](argv[1:])
        # One up/down/reset at a time per run folder (parallel test fixtures, for instance).
        with (mkdir(RUN) / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return COMMANDS[argv[0]](argv[1:])
    except ServiceError as exc:
        print(f"services: ERROR {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
