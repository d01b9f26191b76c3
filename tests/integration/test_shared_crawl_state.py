"""The collection state shared in Redis (distributed mode, issue 14 point 2): the interface and
answers of the SQLite `state.db`, shared by crawl workers on separate hosts (separate
VEILLE_HOMEs) so an item is collected once, bounded by key expiry."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from crawlers.state import CrawlState, open_state
from crawlers.state_redis import ROUND_DAYS, SEEN_DAYS, RedisCrawlState
from tests.support.sites import crawl
from veille.settings import Settings

pytestmark = pytest.mark.integration



def _script(state, clock: list[float]) -> dict:
    """The same calls on either state; what they answer."""
    out: dict = {}
    state.save_validators("https://a.org/feed", '"e1"', "Mon, 07 Dec 2026 10:00:00 GMT")
    state.save_validators("https://a.org/other", None, "Mon, 07 Dec 2026 11:00:00 GMT")
    out["validators"] = [state.validators(u) for u in
                         ("https://a.org/feed", "https://a.org/other", "https://a.org/none")]
    state.mark_seen("a", "s", "d1")
    clock[0] += 3600
    state.mark_seen("b", "s", "d1")
    state.mark_seen("a", "s", "d2")  # an update: not new
    out["seen"] = [state.seen_digest(i) for i in ("a", "b", "c")]
    out["owner"] = [state.seen_source(i) for i in ("a", "c")]
    out["new"] = state.new_items("s", clock[0] - 60)
    for n, (items, unchanged, errors, status) in enumerate(
        [(2, 0, [], "ok"), (0, 1, ["http_404"], "ok"), (0, 0, ["timeout", "timeout"], "ok"),
         (3, 0, [], "crashed (exit 1)"), (1, 0, [], None)]
    ):
        clock[0] += 600
        state.start_round(f"r{n}", "s")
        state.start_round(f"r{n}", "t")
        for _ in range(items):
            state.bump(f"r{n}", "s", "items")
        for _ in range(unchanged):
            state.bump(f"r{n}", "s", "unchanged")
        for kind in errors:
            state.record_error(f"r{n}", "s", kind, "https://a.org/x", f"{kind} on x")
        state.defer(f"r{n}", "s", n)
        clock[0] += 30
        if status:
            state.finish_round(f"r{n}", "s", status)
        state.finish_round(f"r{n}", "t", "ok")
        out[f"round{n}"] = state.round_stats(f"r{n}")
    state.record_error(None, "u", "dns", None, "no such host")
    out["last"] = state.last_rounds()
    out["recent"] = state.recent_errors()
    out["recent_s"] = state.recent_errors("s", limit=2)
    # (SQLite's source_rounds leaves `deferred` at 0: the health check does not read it)
    out["source_rounds"] = [(r.source, r.items, r.unchanged, r.errors, r.status, r.started,
                             r.finished) for r in state.source_rounds("s")]
    out["last_success"] = state.last_success("s"), state.last_success("t"), state.last_success("x")
    out["productive"] = state.productive_round_starts("s", 0)
    out["by_kind"] = state.errors_by_kind("s", 0)
    state.save_health([("s", "broken", clock[0], clock[0], json.dumps({"status": "broken"})),
                       ("t", "ok", None, clock[0], json.dumps({"status": "ok"}))])
    out["health"] = state.health_records(), state.health_docs()
    out["interrupted"] = state.mark_interrupted(), state.round_stats("r4")["s"].status
    return out


def test_the_redis_state_answers_as_the_sqlite_one(services, namespace, tmp_path: Path,
                                                   monkeypatch) -> None:
    answers, start = [], time.time()
    for state in (CrawlState(tmp_path / "state.db"),
                  RedisCrawlState(services["VEILLE_REDIS_URL"], namespace)):
        clock = [start]
        monkeypatch.setattr("crawlers.state.time.time", lambda c=clock: c[0])
        monkeypatch.setattr("crawlers.state_redis.time.time", lambda c=clock: c[0])
        answers.append(_script(state, clock))
        state.close()
    sqlite, shared = answers
    for key in sqlite:
        assert sqlite[key] == shared[key], key


def test_every_key_is_bounded(services, namespace) -> None:
    state = RedisCrawlState(services["VEILLE_REDIS_URL"], namespace)
    state.save_validators("https://a.org/feed", '"e"', None)
    state.mark_seen("a", "s", "d")
    state.start_round("r", "s")
    state.finish_round("r", "s", "ok")
    client = state.r
    ttls = {k.decode(): client.ttl(k) for k in client.scan_iter(match=f"{namespace}:state:*")}
    assert 29 * 86400 < ttls[f"{namespace}:state:val:https://a.org/feed"] <= 30 * 86400
    assert ttls[f"{namespace}:state:seen:a"] > (SEEN_DAYS - 1) * 86400
    assert ttls[f"{namespace}:state:round:r:s"] <= ROUND_DAYS * 86400
    # sets trimmed on write, one per source; the rest expire
    unbounded = {k for k, t in ttls.items() if t == -1}
    assert unbounded <= {f"{namespace}:state:{k}" for k in
                         ("seen-by:s", "rounds:s", "running", "sources", "success:s")}
    state.close()


def test_open_state_picks_redis_when_it_is_set(services, namespace, tmp_path: Path) -> None:
    shared = open_state(Settings(home=tmp_path, redis_url=services["VEILLE_REDIS_URL"],
                                 namespace=namespace))
    embedded = open_state(Settings(home=tmp_path, redis_url=""))
    assert isinstance(shared, RedisCrawlState) and isinstance(embedded, CrawlState)
    shared.close()
    embedded.close()


def test_an_unreachable_redis_is_one_clear_error() -> None:
    with pytest.raises(RuntimeError, match=r"VEILLE_REDIS_URL=redis://u:\*\*\*@127\.0\.0\.1:1/0"):
        RedisCrawlState("redis://u:secret@127.0.0.1:1/0", "t")


def test_two_workers_on_two_hosts_collect_each_item_once(services, namespace, mirror,
                                                          tmp_path: Path) -> None:
    env = {"VEILLE_REDIS_URL": services["VEILLE_REDIS_URL"], "VEILLE_NAMESPACE": namespace}
    first, items, errors = crawl(tmp_path / "host-a", mirror.env_value(), "caj-news", env=env)
    assert first.status == "ok" and items and not errors
    second, again, _ = crawl(tmp_path / "host-b", mirror.env_value(), "caj-news", env=env)
    assert second.status == "ok"
    assert again == [], "the second host re-published what the first collected"
    assert not (tmp_path / "host-a" / "state.db").exists()
    # without the shared state, the second host collects everything again
    alone, everything, _ = crawl(tmp_path / "host-c", mirror.env_value(), "caj-news",
                                 unset=("VEILLE_REDIS_URL",))
    assert len(everything) == len(items)
