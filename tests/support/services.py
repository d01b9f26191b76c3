"""The real servers of distributed mode (deploy/local/services) and the stage processes the
tests and benchmarks start on them: stopping them, cleaning a namespace up."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from typing import TYPE_CHECKING

from veille.settings import REPO_ROOT

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

SERVICES = REPO_ROOT / "deploy" / "local" / "services"


def services_cmd(*args: str, timeout: float = 600) -> None:
    """`deploy/local/services down|up SERVICE` for fault tests."""
    proc = subprocess.run(["bash", str(SERVICES), *args], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"services {' '.join(args)} failed:\n{proc.stderr[-3000:]}"


def cleanup_es(es: Elasticsearch, ns: str) -> None:
    """Removes the namespace's indices, index templates and component templates."""
    for index in es.indices.get(index=f"{ns}-*", allow_no_indices=True, expand_wildcards="all"):
        es.indices.delete(index=index)
    from elasticsearch import NotFoundError

    with contextlib.suppress(NotFoundError):  # 404 when none matches
        for t in es.indices.get_index_template(name=f"{ns}-*")["index_templates"]:
            es.indices.delete_index_template(name=t["name"])
    with contextlib.suppress(NotFoundError):
        for t in es.cluster.get_component_template(name=f"{ns}-*")["component_templates"]:
            es.cluster.delete_component_template(name=t["name"])


def cleanup(es: Elasticsearch, bootstrap: str, ns: str) -> None:
    """Removes the namespace's indices, templates, topics and consumer groups."""
    from kafka import KafkaAdminClient

    cleanup_es(es, ns)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id=f"{ns}-cleanup")
    try:
        groups = [g["group_id"] for g in admin.list_groups() if g["group_id"].startswith(f"{ns}.")]
        if groups:
            admin.delete_groups(groups)
        topics = [t for t in admin.list_topics() if t.startswith(f"{ns}.")]
        if topics:
            admin.delete_topics(topics)
    finally:
        admin.close()


def stop_stages(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
