"""The story and duplicate index shared in Redis (distributed mode, issue 14 point 2): the
same rules as the SQLite index, one story id when processors on two hosts race, bounded by
key expiry, and surviving restarts."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pytest

from processors.minhash import BANDS
from processors.stories import StoryIndex
from processors.stories_redis import RedisStoryIndex, open_story_index
from tests.processors.test_stories import (  # noqa: F401 - the same behaviour, on Redis
    AR,
    DAY,
    EN,
    FR,
    NONE,
    WIRE,
    attack,
    test_a_duplicate_of_a_duplicate_points_at_the_original,
    test_a_lightly_edited_republication_is_a_duplicate,
    test_a_report_matching_two_stories_names_the_other,
    test_a_republished_text_is_a_duplicate_of_the_first,
    test_a_town_and_its_region_meet,
    test_a_whole_country_needs_more_than_a_date,
    test_another_report_of_the_same_event_is_not_a_duplicate,
    test_different_events_are_different_stories,
    test_different_texts_are_not_duplicates,
    test_items_without_event_or_place_are_their_own_story,
    test_reprocessing_gives_the_same_answer,
    test_short_texts_are_never_duplicates,
    test_short_texts_keep_their_headline,
    test_the_same_event_in_three_languages_is_one_story,
)
from tests.support.story_race import race
from veille.settings import Settings

pytestmark = pytest.mark.integration



@pytest.fixture
def index(services: dict[str, str], namespace: str) -> Iterator[RedisStoryIndex]:
    with RedisStoryIndex(services["VEILLE_REDIS_URL"], namespace) as idx:
        yield idx


def test_copies_do_not_add_band_keys(index: RedisStoryIndex) -> None:
    for n in range(5):
        assert index.assign(f"copy:{n}", WIRE, "fr", DAY, **NONE)[0] == (None if n == 0 else "copy:0")
    client = index._redis
    buckets = list(client.scan_iter(match=f"{index.prefix}band:*"))
    assert len(buckets) == BANDS and all(client.zcard(b) == 1 for b in buckets)


def test_every_key_expires_with_the_window(index: RedisStoryIndex) -> None:
    index.assign("a", FR, "fr", **attack())
    index.assign("b", EN, "en", **attack())
    client = index._redis
    keys = [k for k in client.scan_iter(match=f"{index.prefix}*") if not k.endswith(b":seq")]
    assert keys
    for key in keys:
        ttl = client.ttl(key)
        assert 29 * 86400 < ttl <= 31 * 86400, (key, ttl)


def test_the_index_survives_a_restart_of_the_processor(services, namespace) -> None:
    url = services["VEILLE_REDIS_URL"]
    with RedisStoryIndex(url, namespace) as first:
        answer = first.assign("fr", FR, "fr", **attack())
    with RedisStoryIndex(url, namespace) as again:  # a new process on another host
        assert again.assign("fr", FR, "fr", **attack()) == answer
        assert again.assign("ar", AR, "ar", **attack())[1] == answer[1]


def test_the_factory_picks_redis_when_it_is_set(services, namespace, tmp_path: Path) -> None:
    shared = open_story_index(Settings(home=tmp_path, redis_url=services["VEILLE_REDIS_URL"],
                                       namespace=namespace))
    embedded = open_story_index(Settings(home=tmp_path, redis_url=""))
    try:
        assert isinstance(shared, RedisStoryIndex)
        assert isinstance(embedded, StoryIndex) and embedded.path == tmp_path / "stories.db"
    finally:
        shared.close()
        embedded.close()


def test_an_unreachable_redis_is_one_clear_error() -> None:
    with pytest.raises(RuntimeError, match=r"VEILLE_REDIS_URL=redis://u:\*\*\*@127\.0\.0\.1:1/0"):
        RedisStoryIndex("redis://u:secret@127.0.0.1:1/0", "t")


def _race(services, namespace, tmp_path, events: int, copies: str | None = None,
          slow: float = 0.0):
    ctx = multiprocessing.get_context("spawn")
    langs = ("fr", "en", "ar")
    barrier, out = ctx.Barrier(len(langs)), ctx.Queue()
    procs = []
    for lang in langs:
        home = tmp_path / f"home-{lang}"  # separate homes: as on separate hosts
        home.mkdir()
        env = {"VEILLE_HOME": str(home), "VEILLE_REDIS_URL": services["VEILLE_REDIS_URL"],
               "VEILLE_NAMESPACE": namespace}
        proc = ctx.Process(target=race, args=(env, lang, events, barrier, out, copies, slow))
        proc.start()
        procs.append(proc)
    results = [out.get(timeout=240) for _ in langs]
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    assert {r[3] for r in results} == {"RedisStoryIndex"}
    for lang in langs:
        assert not (Path(tmp_path / f"home-{lang}") / "stories.db").exists()
    answers = {item: answer for _, got, _, _ in results for item, answer in got.items()}
    return answers, sum(r[2] for r in results)


@pytest.mark.parametrize("slow", [0.0, 0.02])
def test_three_processors_racing_on_three_languages_give_one_story_per_event(
    services, namespace, tmp_path: Path, slow: float
) -> None:
    events = 60 if not slow else 25
    answers, conflicts = _race(services, namespace, tmp_path, events, slow=slow)
    for n in range(events):
        stories = {answers[f"{lang}-site:event-{n}"][1] for lang in ("fr", "en", "ar")}
        assert len(stories) == 1, f"event {n}: {stories} (conflicts retried: {conflicts})"
    assert len({answers[f"fr-site:event-{n}"][1] for n in range(events)}) == events
    if slow:  # the decisions overlapped: Redis refused the later writes, which were redone
        assert conflicts > 0


def test_three_processors_racing_on_copies_of_one_text_agree_on_the_original(
    services, namespace, tmp_path: Path
) -> None:
    events = 20
    answers, _ = _race(services, namespace, tmp_path, events, copies=WIRE)
    for n in range(events):
        copies = [answers[f"{lang}-site:copy-{n}"] for lang in ("fr", "en", "ar")]
        originals = [dup for dup, _ in copies if dup is not None]
        assert len(originals) >= 2 and len({s for _, s in copies}) == 1, copies
    # every copy of every edition is one text: all of them point at one original
    originals = {dup or item for item, (dup, _) in answers.items()}
    assert len(originals) == 1, originals
