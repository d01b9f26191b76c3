"""Which hosts a collector may connect to: never a private, loopback or link-local address.

A feed or a redirect can point anywhere; following `Location: http://10.1.2.3/admin` from a
public site would let any site make veille probe the operator's network (SSRF). Two checks:

* before every request, redirects included (`check_url`, from the downloader middleware): the
  host is normalised (trailing dot, IDNA full stops, decimal/octal/hex IPv4 spellings, IPv6
  forms embedding an IPv4 address: IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo), local
  names are refused, and names are resolved here and every answer checked. A name this
  machine cannot resolve is refused when an HTTP proxy would be asked to resolve it instead.
* at connect time (`GuardedResolver`, Scrapy's `TWISTED_DNS_RESOLVER`): the address the
  downloader is about to connect to is checked again. A name that answers a public address to
  the first check and 127.0.0.1 to the second (DNS rebinding) is refused there: the address
  that is checked is the address that is connected to.

Operators let one source reach a private host with `allow_private` in sources.yaml (hosts,
addresses or networks, with `allow_private_reason`); `VEILLE_ALLOW_PRIVATE_HOSTS` lets every
source through (tests and development only). Cloud metadata and other link-local addresses
are never allowed by a per-source list.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import unicodedata
import urllib.request
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from veille.sources import LINK_LOCAL  # metadata services live here

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan", ".intranet")
_NAT64_WKP = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215 local-use: never global
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


class BlockedAddress(Exception):
    """The request was refused before any connection; the message says why."""


# -- names and addresses ----------------------------------------------------------------
def normalise_host(host: str) -> str:
    """One spelling per host: NFKC, IDNA full stops as dots, lower case, no trailing dot,
    no brackets or IPv6 zone; IPv4 written in any inet_aton form becomes dotted decimal."""
    host = unicodedata.normalize("NFKC", host).translate(_DOTS).strip().lower()
    host = host.strip("[]").split("%")[0].rstrip(".")
    v4 = parse_ipv4(host)
    return str(v4) if v4 is not None else host


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """IPv4 in every spelling a resolver or URL parser accepts: `2130706433`, `0x7f.1`,
    `0177.0.0.1`, `127.1`. None when `host` is not a number-dotted form."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(parts):
        return None
    numbers = []
    for part in parts:
        try:
            if part.startswith(("0x", "0X")):
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            elif part.isdigit():
                numbers.append(int(part))
            else:
                return None
        except ValueError:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def looks_numeric(host: str) -> bool:
    """A host whose last label is a number is an IPv4 literal to URL parsers (WHATWG): one
    that `parse_ipv4` cannot read (`1.2.3.999`) is refused, never resolved as a name."""
    last = host.rsplit(".", 1)[-1]
    return bool(last) and (last.isdigit() or (last.startswith("0x") and all(c in "0123456789abcdef" for c in last[2:])))


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4, Teredo)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    packed = int(address)
    if address in _NAT64_WKP or (packed >> 32 == 0 and packed > 1):  # ::a.b.c.d (deprecated)
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    return None


def is_public(address: str | IPAddress) -> bool:
    """Global unicast, and so is any IPv4 address it embeds."""
    ip = ipaddress.ip_address(address.split("%")[0]) if isinstance(address, str) else address
    if ip in _NAT64_LOCAL:
        return False
    inner = embedded_ipv4(ip)
    if inner is not None and not inner.is_global:
        return False
    return ip.is_global


def is_link_local(address: IPAddress) -> bool:
    inner = embedded_ipv4(address) or address
    return any(inner in net for net in LINK_LOCAL if inner.version == net.version)


def is_local_name(host: str) -> bool:
    return host == "localhost" or host.endswith(LOCAL_SUFFIXES)


# -- per-source allow-lists ---------------------------------------------------------------
class Allowance:
    """What one `allow_private` list lets through: host names, addresses and networks."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.names: set[str] = set()
        self.networks: list[Network] = []
        for entry in entries:
            host = normalise_host(entry)
            try:
                self.networks.append(ipaddress.ip_network(host, strict=False))
            except ValueError:
                self.names.add(host)

    def __bool__(self) -> bool:
        return bool(self.names or self.networks)

    def merge(self, other: Allowance) -> Allowance:
        out = Allowance()
        out.names = self.names | other.names
        out.networks = self.networks + other.networks
        return out

    def allows(self, host: str, address: IPAddress) -> bool:
        """True when this list lets `host` connect to the private `address`."""
        if is_link_local(address):
            return False  # cloud metadata: never through a per-source list
        if host in self.names:
            return True
        candidates = [address] + ([inner] if (inner := embedded_ipv4(address)) else [])
        return any(a in net for a in candidates for net in self.networks if a.version == net.version)


# -- resolution ------------------------------------------------------------------------------
def lookup(host: str) -> tuple[str, ...]:
    """Every address `host` resolves to here (IPv4 and IPv6); () when it does not resolve."""
    try:
        return tuple(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, None)))
    except (OSError, UnicodeError):
        return ()


@lru_cache(maxsize=4096)
def _resolve(host: str) -> tuple[str, ...]:
    # Cached for the round: this check is early and explains itself; the one that decides
    # is the connect-time check (GuardedResolver), which sees the address connected to.
    return lookup(host)


def proxied(url: str, meta_proxy: str | None = None) -> bool:
    """True when the request would go through an HTTP proxy (request meta or *_proxy env)."""
    if meta_proxy:
        return True
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    if parts.scheme not in proxies:
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")


def check_url(url: str, mirror_ports: dict[str, int], allow_private: bool = False,
              allowance: Allowance | None = None, via_proxy: bool | None = None) -> None:
    """Raises BlockedAddress when `url` must not be fetched.

    `allowance` is the requesting source's `allow_private` list; `via_proxy` says an HTTP
    proxy will resolve the name (None: read the *_proxy environment).
    """
    parts = urlsplit(url)
    if parts.scheme == "data":
        return  # an in-memory request (used to release held items): no connection
    if parts.scheme not in ("http", "https"):
        raise BlockedAddress(f"{url}: scheme {parts.scheme!r} is not fetched (http and https only)")
    try:
        port = parts.port
    except ValueError:
        raise BlockedAddress(f"{url}: invalid port") from None
    host = normalise_host(parts.hostname or "")
    if not host:
        raise BlockedAddress(f"{url}: no host")
    if host == "127.0.0.1" and port in set(mirror_ports.values()):
        return  # the offline mirror itself
    if host in mirror_ports:
        return
    if mirror_ports:
        raise BlockedAddress(f"{url}: host {host} is not in the offline mirror, not fetched")
    if allow_private:
        return
    allowance = allowance or Allowance()
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if not is_public(literal) and not allowance.allows(host, literal):
            raise BlockedAddress(f"{url}: {host} is a private or local address, not fetched "
                                 "(a source may list it in allow_private in sources.yaml)")
        return
    if looks_numeric(host):
        raise BlockedAddress(f"{url}: {host} is not a valid IPv4 address, not fetched")
    if is_local_name(host) and host not in allowance.names:
        raise BlockedAddress(f"{url}: {host} is a local name, not fetched")
    addresses = _resolve(host)
    if not addresses:
        if via_proxy if via_proxy is not None else proxied(url):
            raise BlockedAddress(f"{url}: {host} does not resolve here, so it is not passed to the "
                                 "HTTP proxy (check the name, or this machine's DNS)")
        return  # the downloader reports the DNS failure itself
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not is_public(ip) and not allowance.allows(host, ip):
            raise BlockedAddress(f"{url}: {host} resolves to private address {address}, not fetched "
                                 "(a source may list it in allow_private in sources.yaml)")


# -- the connect-time check ------------------------------------------------------------------
class ConnectGuard:
    """What the resolver lets through: set by the downloader middleware for the round."""

    allow_all: bool = False  # VEILLE_ALLOW_PRIVATE_HOSTS
    mirror: bool = False  # the offline mirror: only 127.0.0.1 is connected to
    allowance: Allowance = Allowance()  # every source's allow_private, merged
    trusted: set[str] = set()  # HTTP proxies' own names: they are meant to be private
    refused: dict[str, str] = {}  # host → why the last connection to it was refused

    @classmethod
    def configure(cls, *, allow_all: bool, mirror: bool, allowances: Sequence[Allowance] = ()) -> None:
        cls.allow_all, cls.mirror = allow_all, mirror
        merged = Allowance()
        for one in allowances:
            merged = merged.merge(one)
        cls.allowance = merged
        cls.trusted = {normalise_host(urlsplit(p).hostname or "") for p in urllib.request.getproxies().values()
                       if "://" in p}

    @classmethod
    def check(cls, host: str, address: str) -> str | None:
        """Why connecting to `address` for `host` is refused; None when it is allowed."""
        if cls.allow_all or host in cls.trusted:
            return None
        ip = ipaddress.ip_address(address.split("%")[0])
        if is_public(ip):
            return None
        if cls.mirror and ip.is_loopback:
            return None
        if cls.allowance.allows(host, ip):
            return None
        return f"{host} resolved to private address {address} at connect time, not connected"


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing non-global answers (TWISTED_DNS_RESOLVER).

    Every address the downloader connects to by name comes from here (HTTP, HTTPS, the HTTP
    proxy's own name), so the check sees exactly the address that is connected to. A refusal
    is a DNS failure to Twisted; `ConnectGuard.refused` keeps the reason, which the downloader
    middleware turns into a `blocked_address` error.
    """

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        host = normalise_host(name)
        literal = parse_ipv4(host)
        if literal is not None:
            found: defer.Deferred[Any] = defer.succeed(str(literal))
        else:
            found = super().getHostByName(name, timeout)

        def _check(address: str) -> str:
            reason = ConnectGuard.check(host, address)
            if reason:
                ConnectGuard.refused[host] = reason
                log.warning("blocked: %s", reason)
                raise DNSLookupError(f"blocked: {reason}")
            return address

        return found.addCallback(_check)
