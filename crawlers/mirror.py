"""Serves the recorded offline copies of the sources' sites on localhost.

`veille demo` and the tests use it so nothing reaches the internet. Each real host gets its
own localhost port, so root-relative links resolve as they would online; collectors rewrite
`https://news.un.org/x` to `http://127.0.0.1:<port>/x` on the way out and back on the way in
(see `crawlers.middlewares`). The folder format is described in tests/fixtures/sites/README.md.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

import yaml

from veille.settings import REPO_ROOT, ConfigError

log = logging.getLogger(__name__)

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "sites"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".rdf": "application/rdf+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
}


@dataclass
class Route:
    path: str
    query: dict[str, str]
    source_dir: Path
    file: str | None = None
    status: int = 200
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    generate: dict[str, Any] | None = None
    delay: float = 0.0


@dataclass
class HostSite:
    host: str
    roots: list[Path] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    hits: list[tuple[float, str, int]] = field(default_factory=list)  # (time, path, status)

    def find_route(self, path: str, query: dict[str, str]) -> Route | None:
        best: Route | None = None
        for route in self.routes:
            if route.path != path or any(query.get(k) != v for k, v in route.query.items()):
                continue
            if best is None or len(route.query) > len(best.query):
                best = route
        return best

    def find_file(self, path: str) -> Path | None:
        rel = unquote(path).lstrip("/")
        for root in self.roots:
            base = (root / self.host).resolve()
            candidate = (base / rel).resolve()
            if base != candidate and base not in candidate.parents:
                continue  # a path escaping the mirror
            if candidate.is_dir() or path.endswith("/"):
                candidate = candidate / "index.html"
            if candidate.is_file():
                return candidate
        return None


def load_sites(root: Path = FIXTURES) -> dict[str, HostSite]:
    """Reads every source folder under root into per-host sites."""
    sites: dict[str, HostSite] = {}
    for source_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for host_dir in sorted(p for p in source_dir.iterdir() if p.is_dir() and "." in p.name):
            sites.setdefault(host_dir.name, HostSite(host_dir.name)).roots.append(source_dir)
        spec_file = source_dir / "site.yaml"
        if not spec_file.exists():
            continue
        spec = yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}
        for n, entry in enumerate(spec.get("routes") or []):
            if "url" not in entry:
                raise ConfigError(f"{spec_file}: route #{n + 1} has no 'url'")
            parts = urlsplit(entry["url"])
            host = (parts.hostname or "").lower()
            route = Route(
                path=parts.path or "/",
                query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                source_dir=source_dir,
                file=entry.get("file"),
                status=int(entry.get("status", 200)),
                content_type=entry.get("content_type"),
                headers={k: str(v) for k, v in (entry.get("headers") or {}).items()},
                generate=entry.get("generate"),
                delay=float(entry.get("delay", 0)),
            )
            if route.file and not (source_dir / route.file).is_file():
                raise ConfigError(f"{spec_file}: route {entry['url']} names missing file {route.file}")
            sites.setdefault(host, HostSite(host)).routes.append(route)
    return sites


class _Handler(BaseHTTPRequestHandler):
    site: HostSite  # set per server
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet; the collectors log
        log.debug("mirror %s: " + fmt, self.site.host, *args)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        route = self.site.find_route(parts.path or "/", query)
        headers: dict[str, str] = {}
        status = 200
        body: bytes | None = None
        content_type: str | None = None
        if route is not None:
            if route.delay:
                time.sleep(route.delay)
            status, headers, content_type = route.status, dict(route.headers), route.content_type
            if route.generate:
                return self._generated(route, head)
            if route.file:
                path = route.source_dir / route.file
                body = path.read_bytes()
                content_type = content_type or _TYPES.get(path.suffix.lower())
        else:
            path = self.site.find_file(parts.path or "/")
            if path is None:
                status, body, content_type = 404, b"<html><body>Not found</body></html>", "text/html; charset=utf-8"
            else:
                body = path.read_bytes()
                content_type = _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
                content_type = content_type or "text/html; charset=utf-8"
        body = body if body is not None else b""
        if status == 200 and body:
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            headers.setdefault("ETag", etag)
            if self.headers.get("If-None-Match") == headers["ETag"]:
                status, body = 304, b""
        self.site.hits.append((time.time(), self.path, status))
        self.send_response(status)
        if content_type and status != 304:
            self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _generated(self, route: Route, head: bool) -> None:
        """A very large page streamed without holding it in memory (size-limit tests)."""
        size = int(route.generate.get("bytes", 1_000_000))
        self.site.hits.append((time.time(), self.path, route.status))
        self.send_response(route.status)
        self.send_header("Content-Type", route.generate.get("content_type", "text/html"))
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if head:
            return
        chunk = b"<p>" + b"x" * 1017 + b"</p>\n"
        sent = 0
        try:
            while sent < size:
                piece = chunk[: size - sent]
                self.wfile.write(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up at its size limit, as it should


class _Server(ThreadingHTTPServer):
    """The mirror's server: a collector closing a connection early (a cancelled download, a
    size limit) is normal, and is logged instead of printed. The default prints a traceback on
    stderr, which lands in whatever a command running beside the mirror is writing (a
    `--json` listing in the demo or a test)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("mirror: request from %s ended early", client_address, exc_info=True)


class Mirror:
    """One localhost server per mirrored host, in daemon threads."""

    def __init__(self, root: Path = FIXTURES) -> None:
        self.root = root
        self.sites = load_sites(root)
        self.servers: dict[str, ThreadingHTTPServer] = {}

    def start(self) -> dict[str, int]:
        for host, site in self.sites.items():
            handler = type(f"Handler_{host}", (_Handler,), {"site": site})
            server = _Server(("127.0.0.1", 0), handler)
            threading.Thread(target=server.serve_forever, name=f"mirror-{host}", daemon=True).start()
            self.servers[host] = server
        return self.port_map()

    def port_map(self) -> dict[str, int]:
        return {host: server.server_address[1] for host, server in self.servers.items()}

    def env_value(self) -> str:
        return format_map(self.port_map())

    def stop(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
        self.servers.clear()

    def __enter__(self) -> Mirror:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def format_map(ports: dict[str, int]) -> str:
    return ",".join(f"{host}={port}" for host, port in sorted(ports.items()))


def parse_map(value: str) -> dict[str, int]:
    """Reads VEILLE_MIRROR's `host=port,…` form."""
    out: dict[str, int] = {}
    for pair in filter(None, (p.strip() for p in value.split(","))):
        host, sep, port = pair.partition("=")
        if not sep or not port.isdigit():
            raise ConfigError(f"VEILLE_MIRROR: {pair!r} is not host=port")
        out[host.lower()] = int(port)
    return out


_auto_mirror: Mirror | None = None
_auto_lock = threading.Lock()


def resolve_mirror(value: str) -> dict[str, int]:
    """The host→port map VEILLE_MIRROR asks for; 'fixtures' starts the mirror in-process."""
    global _auto_mirror
    if not value:
        return {}
    if value == "fixtures":
        with _auto_lock:
            if _auto_mirror is None:
                _auto_mirror = Mirror()
                _auto_mirror.start()
            return _auto_mirror.port_map()
    return parse_map(value)


def to_mirror(url: str, ports: dict[str, int]) -> str | None:
    """The localhost URL serving `url`, or None when its host is not mirrored."""
    parts = urlsplit(url)
    port = ports.get((parts.hostname or "").lower())
    if port is None:
        return None
    return urlunsplit(("http", f"127.0.0.1:{port}", parts.path, parts.query, parts.fragment))


def from_mirror(url: str, ports: dict[str, int]) -> str:
    """Maps a localhost mirror URL back to the real site's https URL."""
    parts = urlsplit(url)
    if parts.hostname != "127.0.0.1":
        return url
    for host, port in ports.items():
        if parts.port == port:
            return urlunsplit(("https", host, parts.path, parts.query, parts.fragment))
    return url
