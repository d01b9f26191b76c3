"""Many `veille crawl` processes, one scheduler: the leader lease on the real Redis."""

from __future__ import annotations

import time

import pytest

from crawlers.scheduler import LeaderLease

pytestmark = pytest.mark.integration


def test_one_leader_at_a_time_and_a_successor_when_it_goes(distributed):
    url, ns = distributed.env["VEILLE_REDIS_URL"], distributed.namespace
    first, second = LeaderLease(url, ns, ttl=1.0), LeaderLease(url, ns, ttl=1.0)
    try:
        assert first.hold() and not second.hold()
        assert first.hold(), "the holder renews its lease"
        first.release()
        assert second.hold(), "a released lease is taken at once"
        time.sleep(1.3)  # the holder died without releasing: the key expires
        assert first.hold() and not second.hold()
    finally:
        first.release()
        second.release()
