"""Which Dramatiq broker the collection jobs go through.

Redis when `VEILLE_REDIS_URL` is set (distributed mode, `dramatiq crawlers.jobs` workers);
otherwise an in-process StubBroker whose worker runs inside `veille run` (embedded default).
The broker must be chosen before any actor module is imported.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker


def setup_broker() -> dramatiq.Broker:
    from veille.settings import get_settings

    url = get_settings().redis_url
    if url:
        from dramatiq.brokers.redis import RedisBroker

        broker: dramatiq.Broker = RedisBroker(url=url, namespace=f"{get_settings().namespace}.dramatiq")
    else:
        broker = StubBroker()
        broker.emit_after("process_boot")
    dramatiq.set_broker(broker)
    return broker


broker = setup_broker()
