"""Where alerts are kept for operators and dashboards: the local store or `<ns>-alerts`.

Why insert-if-absent: the alert stage replays a batch after a crash and computes the same
alert again (same id, a later `created_at`, status "pending"); keeping the first write means
the replay neither moves the alert in time nor undoes what happened to it since (held for a
digest, digested). Status changes are explicit (`set_status`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sinks.alerts.model import Alert, AlertStatus
from veille.sqlite_db import SqliteDatabase


class AlertStore(ABC):
    @abstractmethod
    def add(self, alerts: Sequence[Alert]) -> set[str]:
        """Writes the alerts not stored yet; returns the ids that were new. Raises when the
        store is unavailable, so the stage does not commit its input."""

    @abstractmethod
    def set_status(self, ids: Sequence[str], status: AlertStatus, digest_id: str | None = None) -> None: ...

    @abstractmethod
    def held(self, rule: str) -> list[Alert]:
        """Alerts of the rule waiting for a digest (digest mode or quiet hours), oldest first."""

    @abstractmethod
    def recent(self, limit: int = 20, rule: str | None = None) -> list[Alert]: ...

    @abstractmethod
    def count(self) -> int: ...

    def refresh(self) -> None:  # noqa: B027 - optional hook (Elasticsearch)
        pass

    def close(self) -> None:  # noqa: B027 - optional hook
        pass


class SqliteAlertStore(SqliteDatabase, AlertStore):
    schema = """
    CREATE TABLE IF NOT EXISTS alerts (
        id TEXT PRIMARY KEY, rule TEXT NOT NULL, story_id TEXT NOT NULL, item_id TEXT NOT NULL,
        created_at TEXT NOT NULL, status TEXT NOT NULL, digest_id TEXT, doc TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS alerts_rule_status ON alerts(rule, status);
    CREATE INDEX IF NOT EXISTS alerts_created ON alerts(created_at);
    """

    def add(self, alerts: Sequence[Alert]) -> set[str]:
        new: set[str] = set()
        with self.transaction() as conn:
            for a in alerts:
                cur = conn.execute(
                    "INSERT OR IGNORE INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (a.id, a.rule, a.story_id, a.item_id, a.created_at.isoformat(), a.status,
                     a.digest_id, a.model_dump_json()),
                )
                if cur.rowcount:
                    new.add(a.id)
        return new

    def set_status(self, ids: Sequence[str], status: AlertStatus, digest_id: str | None = None) -> None:
        with self.transaction() as conn:
            for aid in ids:
                row = conn.execute("SELECT doc FROM alerts WHERE id=?", (aid,)).fetchone()
                if not row:
                    continue
                alert = Alert.model_validate_json(row[0]).model_copy(
                    update={"status": status, "digest_id": digest_id})
                conn.execute("UPDATE alerts SET status=?, digest_id=?, doc=? WHERE id=?",
                             (status, digest_id, alert.model_dump_json(), aid))

    def _select(self, sql: str, args: tuple) -> list[Alert]:
        cur = self._conn().execute(sql, args)
        try:
            return [Alert.model_validate_json(row[0]) for row in cur.fetchall()]
        finally:
            cur.close()

    def held(self, rule: str) -> list[Alert]:
        return self._select("SELECT doc FROM alerts WHERE rule=? AND status='digest' ORDER BY created_at",
                            (rule,))

    def recent(self, limit: int = 20, rule: str | None = None) -> list[Alert]:
        if rule:
            return self._select("SELECT doc FROM alerts WHERE rule=? ORDER BY created_at DESC LIMIT ?",
                                (rule, limit))
        return self._select("SELECT doc FROM alerts ORDER BY created_at DESC LIMIT ?", (limit,))

    def count(self) -> int:
        row = self.one("SELECT count(*) FROM alerts")
        return int(row[0]) if row else 0


class ElasticsearchAlertStore(AlertStore):
    """Monthly indices `<ns>-alerts-YYYY.MM` behind the alias `<ns>-alerts` (templates from
    `sinks.es_templates`, installed by `ElasticsearchStore.ensure_templates`)."""

    def __init__(self, url: str, namespace: str = "veille", client: Any = None) -> None:
        from sinks.es_store import ElasticsearchStore

        self.items = ElasticsearchStore(url, namespace, client=client)
        self.client = self.items.client
        self.alias = self.items.alerts_alias
        self.namespace = namespace

    def add(self, alerts: Sequence[Alert]) -> set[str]:
        from elasticsearch import helpers

        from sinks.es_templates import alert_index

        # No refresh first (it cost 50–400 ms per batch with alerts on a busy node, on the
        # way to every delivery): what a crashed run wrote over a refresh interval (1 s) ago
        # is found by the search, anywhere under the alias; what it wrote since is in the
        # index of the same month, where `create` answers 409. Only a replay within 1 s
        # across a month boundary could store an alert twice (in two months' indices).
        found = self.items.locate([a.id for a in alerts], self.alias)
        actions = [
            {"_op_type": "create", "_index": alert_index(self.namespace, a.created_at), "_id": a.id,
             "_source": a.model_dump(mode="json")}
            for a in alerts if a.id not in found
        ]
        new: set[str] = set()
        for ok, info in helpers.streaming_bulk(self.client, actions, raise_on_error=False,
                                               raise_on_exception=True):
            result = info.get("create", {})
            if ok:
                new.add(result["_id"])
            elif result.get("status") != 409:  # 409: written meanwhile, which is fine
                raise RuntimeError(f"alert {result.get('_id')} not stored: {result.get('error')}")
        return new

    def set_status(self, ids: Sequence[str], status: AlertStatus, digest_id: str | None = None) -> None:
        from elasticsearch import helpers

        self.refresh()
        found = self.items.locate(ids, self.alias)
        actions = [{"_op_type": "update", "_index": index, "_id": aid,
                    "doc": {"status": status, "digest_id": digest_id}}
                   for aid, indices in found.items() for index in indices]
        helpers.bulk(self.client, actions)

    def _search(self, query: dict, size: int, order: str) -> list[Alert]:
        res = self.client.search(index=self.alias, query=query, size=size,
                                 sort=[{"created_at": order}], ignore_unavailable=True,
                                 allow_no_indices=True)
        return [Alert.model_validate(h["_source"]) for h in res["hits"]["hits"]]

    def held(self, rule: str) -> list[Alert]:
        self.refresh()
        return self._search({"bool": {"filter": [{"term": {"rule": rule}},
                                                 {"term": {"status": "digest"}}]}}, 1000, "asc")

    def recent(self, limit: int = 20, rule: str | None = None) -> list[Alert]:
        query = {"term": {"rule": rule}} if rule else {"match_all": {}}
        return self._search(query, limit, "desc")

    def count(self) -> int:
        self.refresh()
        return int(self.client.count(index=self.alias, ignore_unavailable=True,
                                     allow_no_indices=True)["count"])

    def refresh(self) -> None:
        self.client.indices.refresh(index=self.alias, ignore_unavailable=True, allow_no_indices=True)

    def close(self) -> None:
        self.items.close()


def open_alert_store(settings: Any = None) -> AlertStore:
    from veille.settings import get_settings

    settings = settings or get_settings()
    if settings.es_url:
        return ElasticsearchAlertStore(settings.es_url, settings.namespace)
    return SqliteAlertStore(Path(settings.home) / "alerts.db")

