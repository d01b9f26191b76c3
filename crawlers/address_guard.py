"""Which hosts a collector may connect to: never a private, loopback or link-local address.

A feed or a redirect can point anywhere; following `Location: http://10.1.2.3/admin` from a
public site would let any site make veille probe the operator's network (SSRF). The check
runs before every request, redirects included, and blocks without connecting.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from urllib.parse import urlsplit


class BlockedAddress(Exception):
    """The request was refused before any connection; the message says why."""


@lru_cache(maxsize=4096)
def _resolve(host: str) -> tuple[str, ...]:
    try:
        return tuple({info[4][0] for info in socket.getaddrinfo(host, None)})
    except OSError:
        return ()  # let the downloader report the DNS failure itself


def _is_public(address: str) -> bool:
    return ipaddress.ip_address(address.split("%")[0]).is_global


def check_url(url: str, mirror_ports: dict[str, int], allow_private: bool = False) -> None:
    """Raises BlockedAddress when `url` must not be fetched."""
    parts = urlsplit(url)
    if parts.scheme == "data":
        return  # an in-memory request (used to release held items): no connection
    if parts.scheme not in ("http", "https"):
        raise BlockedAddress(f"{url}: scheme {parts.scheme!r} is not fetched (http and https only)")
    host = (parts.hostname or "").lower()
    if not host:
        raise BlockedAddress(f"{url}: no host")
    if host == "127.0.0.1" and parts.port in set(mirror_ports.values()):
        return  # the offline mirror itself
    if host in mirror_ports:
        return
    if mirror_ports:
        raise BlockedAddress(f"{url}: host {host} is not in the offline mirror, not fetched")
    if allow_private:
        return
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        if not literal.is_global:
            raise BlockedAddress(f"{url}: {host} is a private or local address, not fetched")
        return
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise BlockedAddress(f"{url}: {host} is a local name, not fetched")
    private = [a for a in _resolve(host) if not _is_public(a)]
    if private:
        raise BlockedAddress(f"{url}: {host} resolves to private address {private[0]}, not fetched")
