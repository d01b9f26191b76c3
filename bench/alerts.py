"""Alert latency on the real servers: publish → webhook, veille beside ElastAlert2.

    python bench/alerts.py [--items 600] [--rate 50] [--every 6] [--run-every 1]
    python -m bench.alerts …

What it measures, in one run on the same items:

* veille: the real stage processes (`veille process`, `veille index`, `veille alert` with its
  delivery workers on Redis) in a fresh namespace, with one rule: a keyword query
  (`Tinfadimata`, a village name put into the title of one item in `--every`), delivered to
  a local webhook receiver (`tests.support.receiver.WebhookReceiver`). Each item is published to
  `veille.raw` with `collected_at` = now; latency is from the moment `publish` returned to
  the arrival of its alert's POST (wall clock, same machine). alerts/s = alerts delivered /
  (first publish → last delivery).
* ElastAlert2 (PyPI, in its own virtualenv, `bench.elastalert`): the equivalent rule
  (`type: any`, `query_string` title:Tinfadimata, `realert: 0`, http_post2 to another
  receiver) on the same `<ns>-items*` indices that veille's indexer fills, timestamp field
  `collected_at`, `run_every` `--run-every` seconds. Same latency definition.

With `--enriched` the items are enriched in the bench beforehand (outside the clock) and
published to `veille.enriched`: no `veille process`, so the figures are those of the alert
stage and delivery alone (and of the indexer and refresh for ElastAlert2), whatever CPU the
processor would get on a busy machine. The breakdown printed splits veille's latency at the
alert's `created_at` (when the alert stage decided): publish → raised, raised → webhook.

Both see every item: veille's rule has a 1 s throttle window and every item its own story,
so nothing is held back by design on either side. The ratio printed is ElastAlert2's p50 and
p95 over veille's. Exits non-zero only on errors, never because of a threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # `python bench/alerts.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from elasticsearch import Elasticsearch
from rich.console import Console
from rich.table import Table

from bench.elastalert import ElastAlertRun, percentile
from bench.pipeline import (
    cleanup,
    cleanup_redis,
    cpu_by_process,
    cpu_used,
    fmt_load,
    load_averages,
    services_env,
    start_stage,
    stop_stages,
    wait_groups,
)
from tests.support.items import synthetic_items
from tests.support.receiver import WebhookReceiver
from veille.bus.base import ENRICHED, RAW
from veille.bus.kafka_bus import KafkaBus

console = Console()
KEYWORD = "Tinfadimata"


def make_items(n: int, every: int, prefix: str = "al") -> tuple[list[dict], set[str]]:
    """Synthetic items that are each their own story: words shuffled per item (the generator
    draws sentences from a small pool, so unshuffled items would be near-duplicates) and
    publication dates three days apart. Otherwise veille would rightly raise one alert per
    story, not one per item, and the comparison with ElastAlert2 would not be like for like."""
    items = synthetic_items(n, prefix=f"{prefix}{uuid.uuid4().hex[:4]}")
    matching = set()
    for k, item in enumerate(items):
        rng = random.Random(k)
        words = item["body"].split()
        rng.shuffle(words)
        item["body"] = " ".join(words)
        # three days apart: no two items fall in one story's ±2-day window
        day = 3 * k + (0 if prefix == "al" else 3 * 10_000)
        item["published_at"] = (datetime(2000, 1, 1, tzinfo=UTC) + timedelta(days=day)).isoformat()
        if k % every == 0:
            item["title"] = f"{KEYWORD}: {item['title']}"
            matching.add(item["id"])
    return items, matching


def rules_file(path: Path, url: str) -> Path:
    rules = {
        "channels": {"bench": {"type": "webhook", "url": url}},
        "rules": [{"name": "bench-keyword", "channels": ["bench"], "when": {"query": KEYWORD},
                   "throttle": {"window": "1s"}}],
    }
    path.write_text(json.dumps(rules), encoding="utf-8")
    return path


def latencies(deliveries, published: dict[str, float], key) -> dict[str, float]:
    """Seconds from publish to the first arrival of each item's alert."""
    first: dict[str, float] = {}
    for d in deliveries:
        item = key(d.body)
        if item in published and item not in first:
            first[item] = d.at - published[item]
    return first


def sender(bus: KafkaBus, items: list[dict], enriched: bool) -> Callable[[dict], None]:
    """Publishes an item with `collected_at` = now: raw to `veille.raw`, or with `enriched`,
    enriched here beforehand (outside the clock) and published to `veille.enriched`, so the
    latency is the alert stage's and delivery's alone (the processor's CPU left out)."""
    done: dict[str, dict] = {}
    if enriched:
        from processors.enrich_stage import enrich_many
        from veille.schema import item_from_json

        for start in range(0, len(items), 200):
            for e in enrich_many([item_from_json(i) for i in items[start:start + 200]]):
                done[e.id] = e.model_dump(mode="json")

    def send(item: dict) -> None:
        now = datetime.now(UTC).isoformat()
        if enriched:
            bus.publish(ENRICHED, item["id"], json.dumps({**done[item["id"]], "collected_at": now},
                                                         ensure_ascii=False).encode())
        else:
            item["collected_at"] = now
            bus.publish(RAW, item["id"], json.dumps(item, ensure_ascii=False).encode())

    return send


def stages_of(deliveries, published: dict[str, float]) -> tuple[list[float], list[float]]:
    """Each first delivery split at the alert's `created_at` (when the alert stage decided):
    publish → raised, and raised → arrival at the receiver."""
    raised, delivery, seen = [], [], set()
    for d in deliveries:
        item = _id(d.body)
        if item not in published or item in seen or not isinstance(d.body, dict):
            continue
        seen.add(item)
        at = datetime.fromisoformat(str(d.body.get("created_at"))).timestamp()
        raised.append(at - published[item])
        delivery.append(d.at - at)
    return raised, delivery


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "max": max(values) if values else float("nan"),
            "mean": statistics.fmean(values) if values else float("nan")}


def run(args: argparse.Namespace) -> int:
    env = services_env()
    if "VEILLE_REDIS_URL" not in env:
        raise SystemExit("bench/alerts.py needs Redis too (deploy/local/services up prints it)")
    ns = f"bal{uuid.uuid4().hex[:6]}"
    home = Path(tempfile.mkdtemp(prefix="veille-bench-alerts-"))
    items, matching = make_items(args.items, args.every)
    es = Elasticsearch(env["VEILLE_ES_URL"], request_timeout=60)
    procs = []
    with WebhookReceiver() as veille_rx, WebhookReceiver() as ea_rx:
        rules = rules_file(home / "rules.yaml", veille_rx.url + "/veille")
        stage_env = {**os.environ, **env, "VEILLE_NAMESPACE": ns, "VEILLE_HOME": str(home),
                     "VEILLE_RULES": str(rules), "VEILLE_LOG_LEVEL": "WARNING"}
        try:
            # The topics exist before any stage subscribes (see wait_groups).
            bus = KafkaBus(env["VEILLE_KAFKA_BOOTSTRAP"], ns, 3)
            names = ["index", "alert"] if args.enriched else ["process", "index", "alert"]
            console.print(f"namespace {ns}: starting veille {' / '.join(names)} …")
            batches = {"process": "50", "index": "200", "alert": "50"}
            procs += [start_stage(name, stage_env, home, 0, ["--batch", batches[name]]) for name in names]
            groups = {"process": "processor", "index": "indexer", "alert": "alerter"}
            wait_groups(env["VEILLE_KAFKA_BOOTSTRAP"], ns, {groups[n]: 1 for n in names}, procs)
            console.print("starting ElastAlert2 (installs into its own virtualenv the first time) …")
            with ElastAlertRun(env["VEILLE_ES_URL"], f"{ns}-items*",
                               {"query_string": {"query": f"title:{KEYWORD}"}}, "collected_at",
                               ea_rx.url + "/elastalert", run_every=args.run_every,
                               buffer_time=args.buffer) as ea:
                # Warm-up: the stages load their models and lexicons on the first batch.
                warm, warm_matching = make_items(3 * args.every, args.every, prefix="warm")
                send = sender(bus, [*warm, *items], args.enriched)
                for item in warm:
                    send(item)
                bus.flush()
                for rx in (veille_rx, ea_rx):
                    if not rx.wait_for(lambda ds: {_id(d.body) for d in ds} >= warm_matching, args.timeout):
                        raise SystemExit("warm-up alerts did not arrive; see the stage logs in " + str(home))
                veille_rx.clear()
                ea_rx.clear()
                published: dict[str, float] = {}
                load_before = load_averages()
                cpu_before = cpu_by_process()
                start = time.time()
                console.print(f"publishing {len(items)} items at {args.rate}/s, {len(matching)} match the rule …")
                for k, item in enumerate(items):
                    ahead = start + k / args.rate - time.time()
                    if ahead > 0:
                        time.sleep(ahead)
                    send(item)
                    bus.flush()
                    published[item["id"]] = time.time()
                bus.close()
                want = len(matching)
                for rx in (veille_rx, ea_rx):
                    rx.wait_for(lambda ds: len({_id(d.body) for d in ds} & matching) >= want, args.timeout)
                window = time.time() - start
                cpu_after = cpu_by_process()
                load_after = load_averages()
                ea_version = ea.version
        finally:
            stop_stages(procs)
            cleanup(es, env["VEILLE_KAFKA_BOOTSTRAP"], ns)
            cleanup_redis(env["VEILLE_REDIS_URL"], ns)
        ours = latencies(veille_rx.deliveries, {k: published[k] for k in matching}, _id)
        theirs = latencies(ea_rx.deliveries, {k: published[k] for k in matching}, _id)
        raised, delivery = stages_of(veille_rx.deliveries, {k: published[k] for k in matching})
        stage_cpu = {name: (cpu_after.get(p.pid, (0.0, ""))[0] - cpu_before.get(p.pid, (0.0, ""))[0])
                     for name, p in zip(names, procs, strict=True)}
        cores = cpu_used(cpu_before, cpu_after, window, {os.getpid(), *(p.pid for p in procs)})
        last = max((d.at for d in veille_rx.deliveries), default=start)
        rate = len(ours) / (last - start) if last > start else float("nan")

    topic = "veille.enriched (no processor)" if args.enriched else "veille.raw"
    table = Table(title=f"publish → webhook, {len(items)} items at {args.rate}/s to {topic}, "
                        f"{len(matching)} matching")
    for col in ("system", "alerts", "p50 s", "p95 s", "max s", "alerts/s"):
        table.add_column(col, justify="right")
    s_ours, s_theirs = summary(list(ours.values())), summary(list(theirs.values()))
    table.add_row("veille", str(s_ours["n"]), f"{s_ours['p50']:.2f}", f"{s_ours['p95']:.2f}",
                  f"{s_ours['max']:.2f}", f"{rate:.1f}")
    table.add_row(f"ElastAlert2 {ea_version or ''} (run_every {args.run_every}s)", str(s_theirs["n"]),
                  f"{s_theirs['p50']:.2f}", f"{s_theirs['p95']:.2f}", f"{s_theirs['max']:.2f}", "")
    console.print(table)
    ratio = {"p50": s_theirs["p50"] / s_ours["p50"], "p95": s_theirs["p95"] / s_ours["p95"]}
    console.print(f"ratio ElastAlert2 / veille: p50 {ratio['p50']:.2f}, p95 {ratio['p95']:.2f}")
    s_raised, s_delivery = summary(raised), summary(delivery)
    console.print(f"veille, where the time goes: publish → alert raised (Kafka, processor, alert stage) "
                  f"p50 {s_raised['p50']:.3f} s, p95 {s_raised['p95']:.3f} s; raised → webhook (alert "
                  f"store, Dramatiq on Redis, POST) p50 {s_delivery['p50']:.3f} s, p95 {s_delivery['p95']:.3f} s")
    per_item = {k: v / len(items) * 1000 for k, v in stage_cpu.items()}
    console.print("CPU per published item (ms): " + ", ".join(f"veille {k} {v:.2f}" for k, v in per_item.items())
                  + f"; cores busy during the run: bench+stages {cores['bench+stages']:.2f}, "
                  f"servers {cores['servers']:.2f}, other {cores['other']:.2f}")
    console.print(f"load average (1, 5, 15 min) before {fmt_load(load_before)}, after {fmt_load(load_after)}")
    extra = len(veille_rx.deliveries) - len(ours)
    console.print(f"veille deliveries beyond one per matching item: {extra}; "
                  f"ElastAlert2: {len(ea_rx.deliveries) - len(theirs)}")
    if args.verbose:
        order = sorted(ours, key=lambda i: published[i])
        console.print("veille, in publish order: " + " ".join(f"{ours[i]:.2f}" for i in order))
        order = sorted(theirs, key=lambda i: published[i])
        console.print("ElastAlert2, in publish order: " + " ".join(f"{theirs[i]:.2f}" for i in order))
    if args.json:
        print(json.dumps({"veille": s_ours, "elastalert2": s_theirs, "alerts_per_s": rate,
                          "ratio_elastalert2": ratio, "publish_to_raised": s_raised,
                          "raised_to_delivered": s_delivery, "cpu_ms_per_item": per_item,
                          "cores": cores, "load_before": load_before, "load_after": load_after,
                          "items": len(items), "matching": len(matching), "rate": args.rate,
                          "published_to": "veille.enriched" if args.enriched else "veille.raw"}))
    return 0


def _id(body) -> str:
    if not isinstance(body, dict):
        return ""
    return str(body.get("item_id") or body.get("id") or "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=600)
    parser.add_argument("--rate", type=float, default=50.0, help="items published per second")
    parser.add_argument("--every", type=int, default=6, help="one item in EVERY matches the rule")
    parser.add_argument("--run-every", type=float, default=1.0, help="ElastAlert2's run_every (s)")
    parser.add_argument("--buffer", type=float, default=60.0, help="ElastAlert2's buffer_time (s)")
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--enriched", action="store_true",
                        help="publish items enriched beforehand to veille.enriched: no processor on the path")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--verbose", action="store_true", help="print every latency in publish order")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
