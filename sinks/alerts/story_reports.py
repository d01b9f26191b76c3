"""The story's other reports, for the alert message: looked up in the item store at delivery.

Why at delivery and not when the alert is raised: an alert fires on the first report of a
story that matches its rule, and the stage drops the story's later reports within the
throttle window (one alert per story). The reports the store holds by the time the message
goes out — earlier reports the rule did not match, other sources and languages indexed
meanwhile — are what a reader wants beside it ("who else says so?").

Why tolerant: a message without the other reports is still worth sending, a message not sent
is not. When the store cannot be read (Elasticsearch down, no `store.db` yet) the alert goes
out with what it carries (`Alert.reports`, empty unless its rule filled it), and the failure is
logged once per lookup. Elasticsearch is asked with a short timeout so a slow cluster delays a
delivery by seconds, not by the client's 30 s and retries.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sinks.alerts.model import Alert, Report
from sinks.store import ItemStore

log = logging.getLogger(__name__)

REPORTS_SHOWN = 10
LOOKUP_TIMEOUT = 5.0  # seconds, per Elasticsearch request

_lock = threading.Lock()
_stores: dict[tuple, ItemStore | None] = {}


def item_store(settings: Any = None) -> ItemStore | None:
    """The settings' item store, opened once per process and setting; None in the embedded
    default before anything was stored (no `store.db` to read)."""
    from veille.settings import get_settings

    s = settings or get_settings()
    ident = (s.es_url, s.namespace, str(s.home))
    with _lock:
        if ident in _stores and _stores[ident] is not None:
            return _stores[ident]
        store: ItemStore | None = None
        if s.es_url:
            from sinks.es_store import ElasticsearchStore

            store = ElasticsearchStore(s.es_url, s.namespace, connect=False, request_timeout=LOOKUP_TIMEOUT)
        elif (s.home / "store.db").exists():
            from sinks.sqlite_store import SqliteStore

            store = SqliteStore(s.home / "store.db")
        _stores[ident] = store
        return store


def _report(doc: dict[str, Any]) -> Report:
    enrichment = doc.get("enrichment") or {}
    language = (enrichment.get("language") or {}).get("code") or doc.get("lang") or "und"
    return Report(item_id=str(doc.get("id") or ""), title=str(doc.get("title") or ""),
                  url=str(doc.get("url") or ""), source=str(doc.get("source") or ""),
                  language=language, published_at=doc.get("published_at"))


def with_story_reports(alert: Alert, store: ItemStore | None = None, limit: int = REPORTS_SHOWN) -> Alert:
    """The alert with the story's other stored reports added to those it carries (its own
    item left out, at most `limit`). Digests and veille's own alerts have no story to look up."""
    if alert.story_id == "digest" or alert.story_id.startswith("source:") or alert.story_id == alert.item_id:
        return alert
    try:
        store = store or item_store()
        if store is None:
            return alert
        docs = store.story_items(alert.story_id, limit + len(alert.reports) + 1)
    except Exception as exc:  # noqa: BLE001 - the message goes out without them (module doc)
        log.warning("alert %s: the story's other reports not looked up (%s: %s); sent without them",
                    alert.id, type(exc).__name__, str(exc)[:200])
        return alert
    known = {r.item_id for r in alert.reports} | {alert.item_id}
    found = [_report(d) for d in docs if d.get("id") not in known]
    if not found:
        return alert
    return alert.model_copy(update={"reports": [*alert.reports, *found][:limit]})
