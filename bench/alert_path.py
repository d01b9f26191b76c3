"""The alert stage's own path, piece by piece, on the real Elasticsearch and Redis.

    python bench/alert_path.py [--items 60] [--gap 0.3] [--poll-ms 100]

Where `bench/alerts.py`'s "raised → webhook" goes: one process runs the alert engine of
`veille alert` (`sinks.alerts.stage.alert_engine`: the Elasticsearch alert store, the Redis
throttle, Dramatiq on Redis) and a Dramatiq worker for the delivery queue, as `veille alert`
does; each of `--items` enriched items (enriched beforehand, each matching the rule) is
handed to `engine.handle` alone, `--gap` seconds apart, and the bench times:

* claim: the throttle's claim of the story (Redis);
* store: `AlertStore.add` (Elasticsearch: the look-up of the id, the `create`);
* enqueue: the delivery message (the ledger's look-up, the enqueue on Redis);
* handle: all of `engine.handle` (the alert's decision, the three above);
* deliver: end of `handle` → the webhook's arrival at a local receiver (the worker's wait
  for the message, the delivery actor, the POST).

`--poll-ms` sets `veille.broker.REDIS_IDLE_POLL_MS` for this run (the longest idle wait of a
Redis consumer), to compare with Dramatiq's own 1,000 ms. Everything the bench makes (a
namespace's alert indices and Redis keys, a rules file) is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):  # `python bench/alert_path.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--gap", type=float, default=0.3, help="seconds between two items")
    parser.add_argument("--poll-ms", type=int, default=0,
                        help="REDIS_IDLE_POLL_MS for this run (default: veille's own)")
    args = parser.parse_args(argv)

    from bench.alerts import KEYWORD, make_items
    from bench.pipeline import cleanup_redis, fmt_load, load_averages, services_env

    env = services_env()
    if "VEILLE_REDIS_URL" not in env:
        raise SystemExit("bench/alert_path.py needs Redis (deploy/local/services up prints it)")
    ns = f"bap{uuid.uuid4().hex[:6]}"
    work = Path(tempfile.mkdtemp(prefix="veille-bench-alert-path-"))
    os.environ.update(env)
    os.environ.update(VEILLE_NAMESPACE=ns, VEILLE_HOME=str(work))
    from veille.settings import reset_settings

    reset_settings()  # read again, with this run's namespace and home

    import dramatiq
    from elasticsearch import Elasticsearch

    import veille.broker
    from processors.enrich_stage import enrich_many
    from tests.support.receiver import WebhookReceiver
    from tests.support.services import cleanup_es
    from veille.schema import item_from_json

    if args.poll_ms:
        veille.broker.REDIS_IDLE_POLL_MS = args.poll_ms
    import sinks.alerts.delivery  # noqa: F401 - declares the delivery actor
    from sinks.alerts.stage import alert_engine

    items, _ = make_items(args.items, 1, prefix="path")
    enriched = enrich_many([item_from_json(i) for i in items])
    times: dict[str, list[float]] = {k: [] for k in ("claim", "store", "enqueue", "handle", "deliver")}
    with WebhookReceiver() as rx:
        rules = work / "rules.json"
        rules.write_text(json.dumps({
            "channels": {"bench": {"type": "webhook", "url": rx.url + "/veille"}},
            "rules": [{"name": "bench-keyword", "channels": ["bench"], "when": {"query": KEYWORD},
                       "throttle": {"window": "1s"}}]}), encoding="utf-8")
        os.environ["VEILLE_RULES"] = str(rules)
        reset_settings()
        worker = dramatiq.Worker(veille.broker.broker, worker_threads=4, queues={"alerts"})
        worker.start()
        engine = alert_engine()

        def timed(name, fn):
            def call(*a, **k):
                t = time.perf_counter()
                try:
                    return fn(*a, **k)
                finally:
                    times[name].append(time.perf_counter() - t)
            return call

        engine.throttle.claim = timed("claim", engine.throttle.claim)
        engine.store.add = timed("store", engine.store.add)
        engine.enqueue = timed("enqueue", engine.enqueue)
        load_before = load_averages()
        try:
            for item in enriched:
                time.sleep(args.gap)
                before = len(rx.deliveries)
                start = time.time()
                engine.handle([item])
                handled = time.time()
                times["handle"].append(handled - start)
                if not rx.wait_for(lambda ds, n=before: len(ds) > n, 30):
                    raise SystemExit(f"no delivery for {item.id} within 30 s")
                times["deliver"].append(rx.deliveries[-1].at - handled)
        finally:
            worker.stop()
            engine.close()
            cleanup_es(Elasticsearch(env["VEILLE_ES_URL"]), ns)
            cleanup_redis(env["VEILLE_REDIS_URL"], ns)
    poll = getattr(veille.broker, "REDIS_IDLE_POLL_MS", 1000)  # 1000: Dramatiq's worker_timeout, uncapped
    print(f"alert path, {len(enriched)} alerts {args.gap:g} s apart, Redis idle poll ≤ {poll} ms, "
          f"load {fmt_load(load_before)} → {fmt_load(load_averages())}")
    for name, values in times.items():
        values.sort()
        p95 = values[max(0, int(round(0.95 * len(values))) - 1)]
        print(f"  {name:8s} p50 {statistics.median(values) * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
