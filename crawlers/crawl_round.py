"""One collection round: the given sources crawled concurrently by their spiders.

A round runs in a child process (`python -m crawlers.crawl_round`) because Twisted's reactor
cannot be restarted: the scheduler, the Dramatiq actor and `veille demo` can then start as
many rounds as they like, and a crashing round cannot take the caller down with it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import uuid

from crawlers.state import RoundStats, open_state
from veille.settings import REPO_ROOT
from veille.sources import Source, configured_registry
from veille.sqlite_db import CHECKED_ENV


def crawl_in_this_process(source_keys: list[str], round_id: str) -> None:
    os.environ["VEILLE_ROUND_ID"] = round_id
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    registry = configured_registry()
    process = CrawlerProcess(settings)
    loader = process.spider_loader
    state = open_state()
    for key in source_keys:
        source = registry.get(key)
        try:
            spider_cls = loader.load(source.spider_name)
        except KeyError:
            # One misconfigured source must not stop the others' round.
            state.start_round(round_id, key)
            state.record_error(round_id, key, "config", None,
                               f"spider {source.spider_name!r} does not exist (see `scrapy list`)")
            state.finish_round(round_id, key, "failed")
            continue
        process.crawl(spider_cls, source=key, registry=registry)
    process.start()
    # Every spider closed and every item left the pipeline: only now is the round over.
    from crawlers.round_report import CLOSE_REASONS

    for key in source_keys:
        if key in CLOSE_REASONS:
            state.finish_round(round_id, key, CLOSE_REASONS[key])


def run_round(sources: list[Source], round_id: str | None = None, env: dict[str, str] | None = None) -> dict[str, RoundStats]:
    """Crawls `sources` in a child process and returns what each did."""
    round_id = round_id or uuid.uuid4().hex[:12]
    if not sources:
        return {}
    returncode = start_round(sources, round_id, env).wait()
    state = open_state()
    stats = state.round_stats(round_id)
    for source in sources:
        entry = stats.get(source.key)
        if entry is None or entry.finished is None:
            # The round process died (or never reached this source): say so, so that
            # whoever waits for this round stops waiting and the scheduler retries it.
            status = f"crashed (exit {returncode})" if returncode else "not_started"
            if entry is None:
                state.start_round(round_id, source.key)
            state.finish_round(round_id, source.key, status)
    return state.round_stats(round_id)


def start_round(sources: list[Source], round_id: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Like run_round but returns at once, so the caller can show progress."""
    cmd = [sys.executable, "-m", "crawlers.crawl_round", "--round-id", round_id, *[s.key for s in sources]]
    child_env = {**os.environ, **(env or {})}
    child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), child_env.get("PYTHONPATH")]))
    child_env.setdefault(CHECKED_ENV, "1")  # this process quick_checked the files when it opened them
    return subprocess.Popen(cmd, env=child_env, cwd=REPO_ROOT, preexec_fn=_die_with_parent)


def _die_with_parent() -> None:
    """Linux: the round dies with its parent, so a killed runner leaves no orphan crawl."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--round-id", default=uuid.uuid4().hex[:12])
    parser.add_argument("sources", nargs="+")
    args = parser.parse_args()
    crawl_in_this_process(args.sources, args.round_id)


if __name__ == "__main__":
    main()
