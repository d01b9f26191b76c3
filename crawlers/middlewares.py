"""Downloader middleware shared by every spider: address guard, 429 handling, offline mirror."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from crawlers.address_guard import BlockedAddress, check_url
from crawlers.mirror import from_mirror, resolve_mirror, to_mirror
from veille.settings import get_settings

log = logging.getLogger(__name__)


class _MirrorPorts:
    """The host→port map in force; the `@mirror` contract can switch the mirror on late."""

    ports: dict[str, int] | None = None

    @classmethod
    def get(cls) -> dict[str, int]:
        if cls.ports is None:
            cls.ports = resolve_mirror(get_settings().mirror)
        return cls.ports

    @classmethod
    def enable_fixtures(cls) -> dict[str, int]:
        if not cls.get():
            cls.ports = resolve_mirror("fixtures")
        return cls.ports


class AddressGuardMiddleware:
    """Refuses requests to private addresses and, in offline mode, to unmirrored hosts."""

    def process_request(self, request: Request, spider=None):
        if request.meta.get("veille_mirror"):
            _MirrorPorts.enable_fixtures()
        try:
            check_url(request.url, _MirrorPorts.get(), get_settings().allow_private_hosts)
        except BlockedAddress as exc:
            raise IgnoreRequest(f"blocked: {exc}") from exc
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
