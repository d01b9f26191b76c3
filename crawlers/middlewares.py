"""Downloader middleware shared by every spider: address guard, 429 handling, offline mirror."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import Request, Response
from twisted.internet.error import DNSLookupError

from crawlers.address_guard import (
    Allowance,
    BlockedAddress,
    ConnectGuard,
    check_url,
    normalise_host,
    proxied,
)
from crawlers.config import crawler_settings
from crawlers.mirror import from_mirror, resolve_mirror, to_mirror
from veille.settings import ConfigError
from veille.sources import configured_registry

log = logging.getLogger(__name__)


class _MirrorPorts:
    """The host→port map in force; the `@mirror` contract can switch the mirror on late."""

    ports: dict[str, int] | None = None

    @classmethod
    def get(cls) -> dict[str, int]:
        if cls.ports is None:
            cls.ports = resolve_mirror(crawler_settings().mirror)
        return cls.ports

    @classmethod
    def enable_fixtures(cls) -> dict[str, int]:
        if not cls.get():
            cls.ports = resolve_mirror("fixtures")
        return cls.ports


class AddressGuardMiddleware:
    """Refuses requests to private addresses and, in offline mode, to unmirrored hosts.

    Each request is checked against its source's `allow_private` list (sources.yaml); a
    request without a source (robots.txt) against every source's. The same lists, merged,
    are what the connect-time resolver (`crawlers.address_guard.GuardedResolver`) accepts.
    """

    def __init__(self, crawler=None) -> None:
        self.crawler = crawler
        self._allowances: dict[str | None, Allowance] | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def allowances(self) -> dict[str | None, Allowance]:
        if self._allowances is None:
            registry = getattr(getattr(self.crawler, "spider", None), "registry", None)
            if registry is None:
                try:
                    registry = configured_registry()
                except ConfigError:
                    registry = None
            sources = registry.sources if registry is not None else []
            self._allowances = {s.key: Allowance(s.allow_private) for s in sources}
            merged = Allowance()
            for one in self._allowances.values():
                merged = merged.merge(one)
            self._allowances[None] = merged
            ConnectGuard.configure(allow_all=crawler_settings().allow_private_hosts, mirror=bool(_MirrorPorts.get()),
                                   allowances=[merged])
        return self._allowances

    def process_request(self, request: Request, spider=None):
        if request.meta.get("veille_mirror"):
            _MirrorPorts.enable_fixtures()
        allowances = self.allowances()
        ports = _MirrorPorts.get()
        ConnectGuard.mirror = bool(ports)
        allowance = allowances.get(request.meta.get("source"), allowances[None])
        try:
            check_url(request.url, ports, crawler_settings().allow_private_hosts, allowance,
                      via_proxy=proxied(request.url, request.meta.get("proxy")))
        except BlockedAddress as exc:
            raise IgnoreRequest(f"blocked: {exc}") from exc
        return None


class ConnectRefusalMiddleware:
    """Reports a connection the resolver refused (a private answer at connect time: DNS
    rebinding) as `blocked_address`, not as an unreachable host, and does not retry it.
    Sits nearer the downloader than RetryMiddleware (550) so it sees the failure first."""

    def process_exception(self, request: Request, exception: Exception, spider=None):
        if not isinstance(exception, CannotResolveHostError | DNSLookupError):
            return None
        host = normalise_host(urlsplit(request.url).hostname or "")
        reason = ConnectGuard.refused.get(host)
        if reason:
            raise IgnoreRequest(f"blocked: {request.url}: {reason}") from exception
        return None


def retry_after_seconds(value: bytes | str | None, default: float = 30.0) -> float:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return default
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return default
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class RetryAfterMiddleware:
    """Honours 429 Too Many Requests: waits what Retry-After asks, then tries again.

    Waits longer than `MAX_WAIT` are not spent inside a round: the request fails with a clear
    error and the next scheduled round tries again.
    """

    MAX_TRIES = 3
    MAX_WAIT = 120.0

    async def process_response(self, request: Request, response: Response, spider=None):
        if response.status != 429:
            return response
        tries = request.meta.get("retry_after_tries", 0)
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if tries >= self.MAX_TRIES or wait > self.MAX_WAIT:
            log.warning("429 from %s: giving up after %d tries (Retry-After %.0fs)", response.url, tries, wait)
            return response
        log.info("429 from %s: waiting %.1fs as Retry-After asks", response.url, wait)
        await asyncio.sleep(wait)
        retry = request.replace(dont_filter=True)
        retry.meta["retry_after_tries"] = tries + 1
        return retry


class MirrorMiddleware:
    """Sends requests for mirrored hosts to the local mirror and hands spiders real URLs."""

    def process_request(self, request: Request, spider=None):
        ports = _MirrorPorts.get()
        if not ports:
            return None
        local = to_mirror(request.url, ports)
        if local is None:
            return None
        # Errors are reported against the real URL, not the mirror's.
        return request.replace(url=local, dont_filter=True, meta={"veille_url": request.url, **request.meta})

    def process_response(self, request: Request, response: Response, spider=None):
        ports = _MirrorPorts.get()
        if ports and "127.0.0.1" in response.url:
            return response.replace(url=from_mirror(response.url, ports))
        return response
