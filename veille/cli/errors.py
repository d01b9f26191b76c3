"""Server failures as one line a person can act on: which server, the setting that names it,
its value (a URL's password redacted) and what to do. `veille.cli.main` prints it instead of a
traceback (exit 1); `veille doctor` uses the same words."""

from __future__ import annotations

from veille.settings import get_settings, redact

# (module prefix, exception class name) along an exception's MRO → (server, setting field)
_SERVERS = (
    ("elastic_transport", "ConnectionError", "Elasticsearch", "es_url"),
    ("elastic_transport", "ConnectionTimeout", "Elasticsearch", "es_url"),
    ("kafka", "KafkaTimeoutError", "Kafka", "kafka_bootstrap"),
    ("kafka", "NoBrokersAvailable", "Kafka", "kafka_bootstrap"),
    ("kafka", "KafkaConnectionError", "Kafka", "kafka_bootstrap"),
    ("redis", "ConnectionError", "Redis", "redis_url"),
    ("redis", "TimeoutError", "Redis", "redis_url"),
)


def server_of(exc: BaseException) -> tuple[str, str] | None:
    """(server, setting field) when `exc` means a server could not be reached."""
    for cls in type(exc).__mro__:
        for module, name, server, field in _SERVERS:
            if cls.__name__ == name and cls.__module__.split(".")[0] == module:
                return server, field
    return None


def unreachable(server: str, field: str, reason: str) -> str:
    """The one line for a server that could not be reached."""
    try:
        value = getattr(get_settings(), field)
    except Exception:  # noqa: BLE001 - the settings themselves are wrong: the value is unknown
        value = "?"
    setting = f"VEILLE_{field.upper()}"
    reason = " ".join(reason.split())[:200]
    return (f"cannot reach {server} at {setting}={redact(value)!r} ({reason}); start it "
            f"(deploy/local/services up) or correct {setting}; `veille doctor` checks every server")


def _reason(exc: BaseException) -> str:
    text = str(exc)
    for hint in ("Connection refused", "Name or service not known", "timed out",
                 "Temporary failure in name resolution", "No route to host",
                 "Unable to bootstrap", "Network is unreachable"):
        if hint.lower() in text.lower():
            return hint.lower()
    return text or type(exc).__name__


def server_failure(exc: BaseException) -> str | None:
    """The one line for `exc` when it is a server that could not be reached, else None."""
    found = server_of(exc)
    if found is None and exc.__cause__ is not None:
        found = server_of(exc.__cause__)
    if found is None:
        return None
    return unreachable(*found, _reason(exc))


class ServerUnreachable(Exception):
    """A server a command needs does not answer; the message is the one line to print."""


# What each stage talks to, by setting (a setting left empty is the embedded engine: no server).
STAGE_SERVERS = {
    "collector": ("kafka_bootstrap", "redis_url"),
    "processor": ("kafka_bootstrap",),
    "indexer": ("kafka_bootstrap", "es_url"),
    "alerter": ("kafka_bootstrap", "es_url", "redis_url"),
}
SERVER_NAMES = {"kafka_bootstrap": "Kafka", "es_url": "Elasticsearch", "redis_url": "Redis"}
EMBEDDED = {"kafka_bootstrap": "SQLite bus", "es_url": "SQLite store", "redis_url": "in-process broker"}


def endpoints(field: str, value: str) -> list[tuple[str, int]]:
    """(host, port) pairs a setting's value names."""
    from urllib.parse import urlsplit

    if not value:
        return []
    if field == "kafka_bootstrap":
        pairs = []
        for part in value.split(","):
            host, _, port = part.strip().rpartition(":")
            pairs.append((host.strip("[]"), int(port)))
        return pairs
    parts = urlsplit(value)
    if parts.scheme == "unix":
        return []
    default = {"http": 80, "https": 443, "redis": 6379, "rediss": 6379}.get(parts.scheme, 0)
    return [(parts.hostname or "localhost", parts.port or default)]


def probe(field: str, timeout: float = 5.0) -> str | None:
    """None when every host:port the setting names accepts a TCP connection, else the reason."""
    import socket

    value = getattr(get_settings(), field)
    for host, port in endpoints(field, value):
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            return None  # one bootstrap server answering is enough
        except OSError as exc:
            reason = exc.strerror or str(exc) or type(exc).__name__
    return reason.lower() if endpoints(field, value) else None


def preflight(stages: tuple[str, ...] | list[str], timeout: float = 5.0) -> None:
    """Raises ServerUnreachable (one line) for the first configured server `stages` need that
    does not accept a connection: a stage fails at start, not in a client's retry loop."""
    fields = dict.fromkeys(f for s in stages for f in STAGE_SERVERS.get(s, ()))
    for field in fields:
        reason = probe(field, timeout)
        if reason is not None:
            raise ServerUnreachable(unreachable(SERVER_NAMES[field], field, reason))


def server_checks() -> list[tuple[str, bool | None, str]]:
    """(server, answers, detail) for each server setting (`veille doctor`); answers is None
    when the setting is empty and the embedded engine stands in."""
    settings = get_settings()
    rows: list[tuple[str, bool | None, str]] = []
    for field, server in SERVER_NAMES.items():
        value = getattr(settings, field)
        if not value:
            rows.append((server, None, f"VEILLE_{field.upper()} not set: embedded ({EMBEDDED[field]})"))
            continue
        reason = probe(field)
        rows.append((server, reason is None, unreachable(server, field, reason) if reason
                     else f"VEILLE_{field.upper()}={redact(value)} answers"))
    return rows
