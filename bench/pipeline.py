"""End-to-end benchmark: N items through Kafka → processor → Elasticsearch on real servers.

    python bench/pipeline.py [--items 20000] [--processors 1] [--indexers 1] [--keep]
    python -m bench.pipeline …

What it measures, in one invocation and on the same items (`tests.support.items.synthetic_items`,
news-length, Arabic/French/English):

* pipeline: the real stage processes (`veille process`, `veille index`) run in a fresh
  namespace; once they are steady (consumer groups joined, warm-up items searchable), N items
  are published to `veille.raw` through `KafkaBus`. Latency is "publish → searchable": from
  the moment `KafkaBus.publish` returned for an item to the first search of the alias that
  returned it. It therefore includes the producer's linger, both stages' batching and
  commits, the bulk write and Elasticsearch's refresh interval (1 s), plus up to one poll
  period (0.25 s) of observation resolution. Throughput = N / (first publish → last item
  searchable).
* raw Kafka: kafka-python alone, producing the same N raw payloads (acks=all, idempotent,
  the bus's producer settings) into a fresh 3-partition topic while a consumer of a fresh
  group (joined before the clock starts) reads them back; N / (first send → last received).
* raw bulk: `elasticsearch.helpers.bulk` (chunks of 500) of the same N documents, enriched
  beforehand (outside the clock), into a fresh index made from the store's own templates
  (same mappings and settings); N / (bulk + final refresh). Run before and after the
  pipeline (`--bulk-runs`); the median is reported.
* enrichment alone: the processor's code (`enrich_many`, batches of 200, warmed up on 60
  other items) in this process, with neither Kafka nor Elasticsearch: the ceiling of one
  processor, as items/s and as CPU time per item. The pipeline's throughput is also given as
  a ratio to it (`ratio_enrich`), and the processors' CPU per item too.
* stages: each `veille process` / `veille index` has a VEILLE_HOME of its own, as on hosts
  of their own; with `VEILLE_REDIS_URL` (deploy/local/services sets it) the processors share
  the story index in Redis. `--processors N` (N > 1) measures scale-out: the pipeline runs
  with 1 processor, then with N, each in a namespace of its own (`<ns>p1`, `<ns>pN`), on the
  same items; printed side by side with the ratio N / 1. The processors' CPU per item (all
  processors' CPU seconds over the run, from /proc, / items) shows what the bus, the shared
  index and a second process cost, and holds on a loaded machine where throughput does not.
* load: `uptime`'s load averages before and after each run, to be written beside the figures.
* CPU: cores used during the pipeline run by the bench and its stages, by the servers and by
  anything else (a warning when other processes disturbed the run).

How the bench sees items become searchable, cheaply and without adding fields to the
items: every 0.25 s it searches the namespace's alias for documents whose `_seq_no` is above
what it has already seen contiguously in each index (`_source: false`, sorted by `_seq_no`),
and notes the first time each id shows up.

Everything the bench creates (topics, consumer groups, indices, templates) is removed at the
end unless `--keep`. Exits non-zero only on errors, never because of a threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # `python bench/pipeline.py`
    sys.path.insert(0, str(REPO_ROOT))

from elasticsearch import ApiError, Elasticsearch, helpers  # noqa: E402
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer  # noqa: E402
from kafka.admin import NewTopic  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from tests.support.items import synthetic_items  # noqa: E402
from tests.support.services import cleanup, cleanup_es, stop_stages  # noqa: E402,F401 - shared with the tests

console = Console(stderr=True)
POLL_EVERY = 0.25
BULK_CHUNK = 500


# -- servers and namespace ------------------------------------------------------------------
def services_env() -> dict[str, str]:
    """Server addresses from the environment, else from `deploy/local/services up`."""
    names = ("VEILLE_KAFKA_BOOTSTRAP", "VEILLE_ES_URL")
    if all(os.environ.get(n) for n in names):
        return {n: os.environ[n] for n in (*names, "VEILLE_REDIS_URL") if os.environ.get(n)}
    console.print("[dim]starting/checking the local servers: deploy/local/services up[/dim]")
    proc = subprocess.run(["bash", str(REPO_ROOT / "deploy" / "local" / "services"), "up"],
                          capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:
        raise SystemExit(f"`deploy/local/services up` failed:\n{proc.stderr[-3000:]}")
    env = dict(re.findall(r"^export (VEILLE_\w+)=(\S+)$", proc.stdout, re.M))
    missing = [n for n in names if n not in env]
    if missing:
        raise SystemExit(f"`deploy/local/services up` did not print {missing}")
    return env


def cleanup_redis(url: str, prefix: str) -> int:
    """Deletes the Redis keys whose name starts with `prefix` (a bench namespace: the story
    index, throttle, delivery ledger and Dramatiq queues); returns how many."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start:start + 1000])
        return len(keys)
    finally:
        client.close()


# -- CPU accounting (the box is small and may be shared) --------------------------------------
_HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_by_process() -> dict[int, tuple[float, str]]:
    """{pid: (CPU seconds so far, command line)} for every process we may read (Linux)."""
    out: dict[int, tuple[float, str]] = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return out
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        out[int(entry.name)] = ((int(fields[11]) + int(fields[12])) / _HZ, cmd)
    return out


def load_averages() -> tuple[float, float, float]:
    """`uptime`'s load averages (1, 5, 15 min): how busy the box was, written beside figures."""
    return os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3


def fmt_load(load: tuple[float, float, float]) -> str:
    return ", ".join(f"{v:.2f}" for v in load)


def cpu_used(before: dict, after: dict, seconds: float, ours: set[int]) -> dict[str, float]:
    """Cores used in the window by: the bench and its stages, the servers, anything else."""
    used = {"bench+stages": 0.0, "servers": 0.0, "other": 0.0}
    for pid, (cpu, cmd) in after.items():
        delta = cpu - before.get(pid, (0.0, ""))[0]
        if pid in ours:
            kind = "bench+stages"
        elif "org.elasticsearch" in cmd or "kafka.Kafka" in cmd or "redis-server" in cmd:
            kind = "servers"
        else:
            kind = "other"
        used[kind] += delta
    return {k: round(v / seconds, 2) for k, v in used.items()}


# -- baselines --------------------------------------------------------------------------------
def raw_kafka(bootstrap: str, ns: str, payloads: list[tuple[bytes, bytes]], partitions: int) -> float:
    """Items/s of kafka-python alone: produce all (thread) while one consumer reads them back."""
    topic, group = f"{ns}.rawkafka", f"{ns}.rawkafka"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id=f"{ns}-admin")
    try:
        admin.create_topics([NewTopic(topic, partitions, 1)])
    finally:
        admin.close()
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
                             enable_auto_commit=False, auto_offset_reset="earliest",
                             fetch_max_bytes=32 * 1024 * 1024)
    deadline = time.monotonic() + 60
    while not consumer.assignment():  # join the group before the clock starts
        consumer.poll(timeout_ms=200)
        if time.monotonic() > deadline:
            raise RuntimeError("raw kafka consumer never got partitions")
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                             max_in_flight_requests_per_connection=5, linger_ms=5,
                             max_request_size=16 * 1024 * 1024)
    errors: list[BaseException] = []

    def produce() -> None:
        try:
            for key, value in payloads:
                producer.send(topic, key=key, value=value)
            producer.flush()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    n, got = len(payloads), 0
    start = time.perf_counter()
    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    deadline = time.monotonic() + 600
    while got < n:
        for batch in consumer.poll(timeout_ms=500, max_records=1000).values():
            got += len(batch)
        if errors:
            raise errors[0]
        if time.monotonic() > deadline:
            raise RuntimeError(f"raw kafka: only {got}/{n} messages came back")
    elapsed = time.perf_counter() - start
    thread.join()
    producer.close()
    consumer.commit()
    consumer.close()
    return n / elapsed


def raw_bulk(es: Elasticsearch, index: str, docs: list[tuple[str, dict]]) -> float:
    """Items/s of `helpers.bulk` alone into a fresh index made by the store's templates."""
    es.indices.create(index=index)
    es.cluster.health(index=index, wait_for_status="yellow", timeout="30s")
    actions = ({"_index": index, "_id": _id, "_source": doc} for _id, doc in docs)
    start = time.perf_counter()
    ok, errors = helpers.bulk(es, actions, chunk_size=BULK_CHUNK, max_chunk_bytes=10 * 1024 * 1024,
                              raise_on_error=True)
    es.indices.refresh(index=index)
    elapsed = time.perf_counter() - start
    if ok != len(docs):
        raise RuntimeError(f"raw bulk: {ok}/{len(docs)} documents written: {errors[:3]}")
    es.indices.delete(index=index)
    return len(docs) / elapsed


# -- the pipeline -----------------------------------------------------------------------------
class Watcher:
    """Notes when each document first becomes searchable under the alias.

    Each poll asks for documents above the highest `_seq_no` seen contiguously in each index
    (one shard per index, so a refresh exposes a prefix of them, give or take the last bulk);
    a gap that stays open for 5 s (a replaced document) is skipped.
    """

    def __init__(self, es: Elasticsearch, alias: str) -> None:
        self.es, self.alias = es, alias
        self.seen: dict[str, float] = {}
        self._seqs: dict[str, set[int]] = {}
        self._floor: dict[str, int] = {}
        self._gap_since: dict[str, float] = {}

    def _query(self) -> dict[str, Any]:
        if not self._floor:
            return {"match_all": {}}
        should = [{"bool": {"filter": [{"term": {"_index": index}},
                                       {"range": {"_seq_no": {"gt": floor}}}]}}
                  for index, floor in self._floor.items()]
        known = list(self._floor)
        should.append({"bool": {"must_not": [{"terms": {"_index": known}}]}})
        return {"bool": {"should": should, "minimum_should_match": 1}}

    def poll(self) -> int:
        """One look; returns how many ids it saw for the first time."""
        now = time.perf_counter()
        try:
            resp = self.es.search(index=self.alias, query=self._query(), source=False,
                                  size=10_000, seq_no_primary_term=True,
                                  sort=[{"_seq_no": "asc"}], track_total_hits=False,
                                  allow_no_indices=True, ignore_unavailable=True)
        except ApiError as exc:
            # No index yet (404), or a shard just created and not yet started (503).
            if exc.meta.status in (404, 503):
                return 0
            raise
        new = 0
        for hit in resp["hits"]["hits"]:
            self._seqs.setdefault(hit["_index"], set()).add(hit["_seq_no"])
            if hit["_id"] not in self.seen:
                self.seen[hit["_id"]] = now
                new += 1
        for index, seqs in self._seqs.items():
            floor = self._floor.get(index, -1)
            while floor + 1 in seqs:
                floor += 1
                seqs.discard(floor)
            if seqs and time.perf_counter() - self._gap_since.setdefault(index, now) > 5.0:
                floor = min(seqs)  # a sequence number that will never show up
                seqs.discard(floor)
                self._gap_since.pop(index, None)
            elif not seqs:
                self._gap_since.pop(index, None)
            self._floor[index] = floor
        return new


def start_stage(cmd: str, env: dict[str, str], home: Path, n: int, extra: list[str]) -> subprocess.Popen:
    """`veille <cmd>` in its own VEILLE_HOME (`home/<cmd>-<n>`), as on a host of its own: what
    processes share goes through the servers (Kafka, Elasticsearch, Redis), never a folder."""
    own = home / f"{cmd}-{n}"
    own.mkdir(parents=True, exist_ok=True)
    log = (home / f"{cmd}-{n}.log").open("w")
    env = {**env, "VEILLE_HOME": str(own)}
    return subprocess.Popen([sys.executable, "-m", "veille.cli", cmd, *extra], env=env, cwd=REPO_ROOT,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def assigned(group: dict) -> int:
    """Partitions handed out to the members of a described consumer group."""
    return sum(len(t.get("partitions", [])) for m in group.get("members", [])
               for t in (m.get("member_assignment") or {}).get("assigned_partitions", []))


def wait_groups(bootstrap: str, ns: str, members: dict[str, int], procs, timeout: float = 120,
                partitions: int = 3) -> None:
    """Until each consumer group is stable with its `members` and holds all `partitions`: a
    consumer that joined while its topic was being created can sit in a stable group with
    no partition until its next metadata refresh (5 min), and would then consume nothing."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id=f"{ns}-admin")
    try:
        deadline = time.monotonic() + timeout
        while True:
            described = admin.describe_groups([f"{ns}.{m}" for m in members])
            if all(described.get(f"{ns}.{m}", {}).get("group_state") == "Stable"
                   and len(described[f"{ns}.{m}"].get("members", [])) == k
                   and assigned(described[f"{ns}.{m}"]) == partitions
                   for m, k in members.items()):
                return
            if any(p.poll() is not None for p in procs):
                raise RuntimeError("a stage process exited during start-up")
            if time.monotonic() > deadline:
                raise RuntimeError(f"consumer groups not stable after {timeout:.0f} s: {described}")
            time.sleep(0.5)
    finally:
        admin.close()


def publish_all(bus, payloads: list[tuple[str, bytes]], times: dict[str, float], rate: float = 0) -> None:
    """Publishes every payload, as fast as possible or at `rate` items/s."""
    from veille.bus.base import RAW

    start = time.perf_counter()
    for n, (key, value) in enumerate(payloads):
        if rate:
            ahead = start + n / rate - time.perf_counter()
            if ahead > 0:
                time.sleep(ahead)
        bus.publish(RAW, key, value)
        times[key] = time.perf_counter()
    bus.flush()


def run_pipeline(args, env: dict[str, str], ns: str, payloads: list[tuple[str, bytes]],
                 es: Elasticsearch, home: Path, processors: int) -> dict[str, Any]:
    """One pipeline run with `processors` `veille process` in namespace `ns`, each stage in a
    VEILLE_HOME of its own under `home`."""
    from veille.bus.kafka_bus import KafkaBus

    bootstrap = env["VEILLE_KAFKA_BOOTSTRAP"]
    bus = KafkaBus(bootstrap, ns, args.partitions, client_id=f"{ns}-bench")  # creates the topics
    stage_env = {**os.environ, **env, "VEILLE_NAMESPACE": ns, "VEILLE_HOME": str(home),
                 "VEILLE_KAFKA_PARTITIONS": str(args.partitions), "VEILLE_LOG_LEVEL": "INFO",
                 "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    procs: list[subprocess.Popen] = []
    p_extra = ["--batch", str(args.process_batch)] if args.process_batch else []
    i_extra = ["--batch", str(args.index_batch)] if args.index_batch else []
    try:
        for k in range(processors):
            procs.append(start_stage("process", stage_env, home, k, p_extra))
        for k in range(args.indexers):
            procs.append(start_stage("index", stage_env, home, k, i_extra))
        wait_groups(bootstrap, ns, {"processor": processors, "indexer": args.indexers}, procs,
                    partitions=args.partitions)

        # Warm-up: lingua's models loaded, templates and the index created, every partition used.
        alias = f"{ns}-items"
        warm = synthetic_items(60, prefix="warmup")
        publish_all(bus, [(i["id"], json.dumps(i, ensure_ascii=False).encode()) for i in warm], {})
        watcher = Watcher(es, alias)
        deadline = time.monotonic() + 180
        while len(watcher.seen) < len(warm):
            if time.monotonic() > deadline:
                raise RuntimeError(f"warm-up items not searchable ({len(watcher.seen)}/{len(warm)})")
            time.sleep(POLL_EVERY)
            watcher.poll()
        time.sleep(2)
        watcher.poll()

        published: dict[str, float] = {}
        errors: list[BaseException] = []

        def publisher() -> None:
            try:
                publish_all(bus, payloads, published, args.rate)
            except BaseException as exc:
                errors.append(exc)

        want = {key for key, _ in payloads}
        thread = threading.Thread(target=publisher, daemon=True)
        load_before = load_averages()
        cpu_before = cpu_by_process()
        start = time.perf_counter()
        thread.start()
        deadline = time.monotonic() + max(300, len(payloads) / 50)
        while True:
            time.sleep(max(0.0, POLL_EVERY - (time.perf_counter() - start) % POLL_EVERY))
            watcher.poll()
            if errors:
                raise errors[0]
            if want.issubset(watcher.seen):
                break
            if any(p.poll() is not None for p in procs):
                raise RuntimeError("a stage process died during the run")
            if time.monotonic() > deadline:
                missing = len(want - watcher.seen.keys())
                raise RuntimeError(f"{missing} items still not searchable at the deadline")
        cpu_after = cpu_by_process()
        cpu = cpu_used(cpu_before, cpu_after, time.perf_counter() - start,
                       {os.getpid(), *(p.pid for p in procs)})
        processor_cpu = sum(cpu_after.get(p.pid, (0.0, ""))[0] - cpu_before.get(p.pid, (0.0, ""))[0]
                            for p in procs[:processors])
        load_after = load_averages()
        thread.join()
        first = min(published.values())
        last = max(watcher.seen[k] for k in want)
        latencies = sorted(watcher.seen[k] - published[k] for k in want)
        count = es.count(index=alias)["count"]
        if count != len(want) + len(warm):
            raise RuntimeError(f"the alias holds {count} documents, expected {len(want) + len(warm)}")
        return {
            "items_per_s": len(want) / (last - first),
            "elapsed_s": last - first,
            "publish_s": max(published.values()) - first,
            "p50_s": statistics.median(latencies),
            "p95_s": latencies[int(0.95 * (len(latencies) - 1))],
            "max_s": latencies[-1],
            "cpu_cores": cpu,
            "processor_cpu_ms_per_item": processor_cpu / len(want) * 1000,
            "processors": processors,
            "load_before": load_before,
            "load_after": load_after,
        }
    finally:
        stop_stages(procs)
        bus.close()


# -- main -------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=20_000, help="items to send (default 20000)")
    parser.add_argument("--processors", type=int, default=1, help="`veille process` processes")
    parser.add_argument("--indexers", type=int, default=1, help="`veille index` processes")
    parser.add_argument("--rate", type=float, default=0,
                        help="publish at this many items/s (default 0: as fast as possible)")
    parser.add_argument("--partitions", type=int, default=3, help="partitions of the topics")
    parser.add_argument("--process-batch", type=int, default=0, help="--batch of `veille process` (default: its own)")
    parser.add_argument("--index-batch", type=int, default=0, help="--batch of `veille index` (default: its own)")
    parser.add_argument("--bulk-runs", type=int, default=2,
                        help="raw bulk runs: the first before the pipeline, the others after (default 2)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="leave topics, groups, indices, templates")
    args = parser.parse_args(argv)
    if args.items < 1 or args.processors < 1 or args.indexers < 1 or args.bulk_runs < 1:
        parser.error("--items, --processors, --indexers and --bulk-runs must be at least 1")

    from processors.enrich_stage import enrich_many
    from sinks.es_store import ElasticsearchStore, doc_id, to_document
    from veille.schema import item_from_json

    env = services_env()
    if args.processors > 1 and not env.get("VEILLE_REDIS_URL"):
        console.print("[yellow]no VEILLE_REDIS_URL: each processor keeps its own story index, "
                      "so stories are not shared between them[/yellow]")
    ns = f"bench{uuid.uuid4().hex[:8]}"
    es = Elasticsearch(env["VEILLE_ES_URL"], request_timeout=120, retry_on_timeout=True, max_retries=3)
    home = Path(tempfile.mkdtemp(prefix=f"{ns}-"))
    console.print(f"namespace [bold]{ns}[/bold], {args.items} items, stage logs in {home}")

    items = synthetic_items(args.items, prefix="bench")
    raw_payloads = [(i["id"], json.dumps(i, ensure_ascii=False).encode()) for i in items]
    # The processor's own code on batches of 200, timed: the ceiling the pipeline cannot beat.
    # Its CPU time per item (this process's, lingua's threads included) holds on a loaded box.
    # Warmed up first, as the stages are: models and lexicons loaded, the first batch's costs paid.
    enrich_many([item_from_json(i) for i in synthetic_items(60, prefix="warmup")])
    load_enrich = load_averages()
    t0, c0 = time.perf_counter(), time.process_time()
    enriched = []
    for start in range(0, len(items), 200):
        enriched += enrich_many([item_from_json(json.loads(v)) for _, v in raw_payloads[start:start + 200]])
    enrich_rate = len(items) / (time.perf_counter() - t0)
    enrich_cpu_ms = (time.process_time() - c0) / len(items) * 1000
    docs = [(doc_id(e.id), to_document(e)) for e in enriched]
    del enriched
    console.print(f"enrichment alone (processor code, batches of 200, this process): "
                  f"{enrich_rate:,.0f} items/s, {enrich_cpu_ms:.2f} ms CPU per item (load {fmt_load(load_enrich)})")
    mean_kb = sum(len(v) for _, v in raw_payloads) / len(raw_payloads) / 1024
    # With --processors N > 1, a 1-processor run first: scale-out is N against 1, same items.
    counts = [1, args.processors] if args.processors > 1 else [1]
    run_ns = {k: f"{ns}p{k}" for k in counts}

    figures: dict[str, Any] = {"items": args.items, "rate": args.rate, "processors": args.processors,
                               "indexers": args.indexers, "mean_item_kb": round(mean_kb, 2),
                               "enrich_alone_items_per_s": enrich_rate,
                               "enrich_alone_cpu_ms_per_item": enrich_cpu_ms,
                               "load_during_enrichment": load_enrich}
    code = 0
    try:
        bulk_ns = f"{ns}-rawbulk"
        ElasticsearchStore(env["VEILLE_ES_URL"], bulk_ns, client=es)  # PUTs the same templates
        bulk_rates = [raw_bulk(es, f"{bulk_ns}-items-run0", docs)]
        console.print(f"raw bulk (before): {bulk_rates[0]:,.0f} items/s")
        kafka_rate = raw_kafka(env["VEILLE_KAFKA_BOOTSTRAP"], ns,
                               [(k.encode(), v) for k, v in raw_payloads], args.partitions)
        console.print(f"raw kafka-python: {kafka_rate:,.0f} items/s")
        pipes: dict[int, dict[str, Any]] = {}
        for k in counts:
            time.sleep(3)  # let the broker and the node settle (segment flushes, index deletion)
            pipes[k] = run_pipeline(args, env, run_ns[k], raw_payloads, es, home / f"p{k}", k)
            console.print(f"pipeline, {k} processor(s): {pipes[k]['items_per_s']:,.0f} items/s, "
                          f"processor CPU {pipes[k]['processor_cpu_ms_per_item']:.2f} ms per item "
                          f"(load {fmt_load(pipes[k]['load_after'])})")
        for run in range(1, args.bulk_runs):
            time.sleep(3)
            bulk_rates.append(raw_bulk(es, f"{bulk_ns}-items-run{run}", docs))
            console.print(f"raw bulk (after): {bulk_rates[-1]:,.0f} items/s")
        bulk_rate = statistics.median(bulk_rates)
        for pipe in pipes.values():
            pipe.update(ratio_enrich=pipe["items_per_s"] / enrich_rate,
                        ratio_bulk=pipe["items_per_s"] / bulk_rate,
                        ratio_kafka=pipe["items_per_s"] / kafka_rate,
                        processor_cpu_ratio_enrich=pipe["processor_cpu_ms_per_item"] / enrich_cpu_ms)
            pipe["cpu_ms_per_item"] = {k: round(v * pipe["elapsed_s"] / args.items * 1000, 3)
                                       for k, v in pipe["cpu_cores"].items()}
        pipe = pipes[args.processors]
        figures.update(pipeline=pipe, raw_kafka_items_per_s=kafka_rate,
                       raw_bulk_items_per_s=bulk_rate, raw_bulk_runs=bulk_rates,
                       ratio_enrich=pipe["ratio_enrich"], ratio_bulk=pipe["ratio_bulk"],
                       ratio_kafka=pipe["ratio_kafka"], cpu_ms_per_item=pipe["cpu_ms_per_item"])
        if len(pipes) > 1:
            figures["runs"] = {str(k): v for k, v in pipes.items()}
            figures["scale_out"] = pipe["items_per_s"] / pipes[1]["items_per_s"]
        pace = f"published at {args.rate:g}/s" if args.rate else "published at once"
        table = Table(title=f"veille pipeline, {args.items} items (~{mean_kb:.1f} kB, {pace}), "
                            f"{args.indexers} indexer(s)")
        table.add_column("measure")
        for k in counts:
            table.add_column(f"{k} processor{'s' if k > 1 else ''}", justify="right")

        def row(label: str, show) -> None:
            table.add_row(label, *(show(pipes[k]) for k in counts))

        row("pipeline throughput", lambda p: f"{p['items_per_s']:,.0f} items/s")
        row("  first publish → last searchable", lambda p: f"{p['elapsed_s']:.2f} s")
        row("  publishing took", lambda p: f"{p['publish_s']:.2f} s")
        row("latency publish → searchable p50", lambda p: f"{p['p50_s']:.2f} s")
        row("latency p95", lambda p: f"{p['p95_s']:.2f} s")
        row("latency max", lambda p: f"{p['max_s']:.2f} s")
        row("CPU during the run (cores)", lambda p: f"stages+bench {p['cpu_cores']['bench+stages']:.2f}, "
            f"servers {p['cpu_cores']['servers']:.2f}, other {p['cpu_cores']['other']:.2f}")
        row("CPU per item (ms)", lambda p: f"stages+bench {p['cpu_ms_per_item']['bench+stages']:.2f}, "
            f"servers {p['cpu_ms_per_item']['servers']:.2f}")
        row("[bold]processor CPU per item, all processors[/bold]",
            lambda p: f"[bold]{p['processor_cpu_ms_per_item']:.2f} ms[/bold]")
        row("  / enrichment alone's CPU per item", lambda p: f"{p['processor_cpu_ratio_enrich']:.2f}")
        row("[bold]ratio pipeline / enrichment alone[/bold]", lambda p: f"[bold]{p['ratio_enrich']:.2f}[/bold]")
        row("ratio pipeline / raw bulk", lambda p: f"{p['ratio_bulk']:.2f}")
        row("ratio pipeline / raw kafka", lambda p: f"{p['ratio_kafka']:.2f}")
        row("load average 1/5/15 min (after)", lambda p: fmt_load(p["load_after"]))
        Console().print(table)
        console.print(f"enrichment alone (no Kafka, no ES, one process): {enrich_rate:,.0f} items/s, "
                      f"{enrich_cpu_ms:.2f} ms CPU per item; raw kafka-python produce+consume "
                      f"{kafka_rate:,.0f} items/s; raw helpers.bulk (median) {bulk_rate:,.0f} items/s "
                      f"({', '.join(f'{r:,.0f}' for r in bulk_rates)})")
        if len(pipes) > 1:
            console.print(f"[bold]scale-out: {args.processors} processors / 1 = "
                          f"{figures['scale_out']:.2f}[/bold] (throughput), processor CPU per item "
                          f"{pipe['processor_cpu_ms_per_item'] / pipes[1]['processor_cpu_ms_per_item']:.2f}")
        for k, p in pipes.items():
            if p["cpu_cores"]["other"] > 0.2:
                console.print(f"[yellow]{k} processor(s): other processes used {p['cpu_cores']['other']:.2f} "
                              "cores during the run: throughput is disturbed (CPU per item holds better); "
                              "run again on a quiet machine[/yellow]")
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
    except Exception as exc:
        console.print_exception(max_frames=4)
        console.print(f"[red]benchmark failed:[/red] {type(exc).__name__}: {exc}")
        console.print(f"stage logs kept in {home}")
        code = 1
    finally:
        if not args.keep:
            try:
                for space in (ns, *run_ns.values()):
                    cleanup(es, env["VEILLE_KAFKA_BOOTSTRAP"], space)
                if env.get("VEILLE_REDIS_URL"):  # the shared story index
                    cleanup_redis(env["VEILLE_REDIS_URL"], ns)  # ns and ns<p…>
            except Exception as exc:
                console.print(f"[yellow]cleanup of {ns} incomplete:[/yellow] {exc}")
            if code == 0:
                shutil.rmtree(home, ignore_errors=True)
        es.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
