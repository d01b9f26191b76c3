"""Stable item ids: the same statement always gets the same id, whichever URL it was read at.

Re-collecting, re-processing and re-indexing rely on this to never make duplicates. Ids are
made by the collectors alone (spiders and the item pipeline), so they live here; the one
spelling the processors share, a UN document symbol's, is `veille.ids.normalise_symbol`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from veille.ids import normalise_symbol

__all__ = ["canonical_url", "document_id", "normalise_symbol", "owned_id", "press_id", "same_site"]

# Query parameters that only say how a reader arrived (campaigns, click ids, AT Internet).
_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|ocid|at_.*|xtor|ref|cmp|s_cid)$", re.I)


def canonical_url(url: str) -> str:
    """Lower-cases scheme and host, drops fragments, default ports and tracking parameters.

    The path is kept as the site writes it (trailing slash included): sites differ on whether
    `/a` and `/a/` are the same page, and the site's own canonical link is preferred anyway.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "https"
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    # One spelling per path: non-ASCII and reserved characters percent-encoded, unreserved not.
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~")
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def document_id(symbol: str, lang: str) -> str:
    """Id of one language version of a UN document, e.g. `un-doc:S/2020/476:ar`."""
    return f"un-doc:{normalise_symbol(symbol)}:{lang.lower()}"


def press_id(code: str, lang: str) -> str:
    """Id of one language version of a UN press release, e.g. `un-press:SC/15577:en`.

    English `SC/…` and French `CS/…` codes of the same meeting share the number; the id
    uses the English series so both versions can name each other in `translations`.
    """
    return f"un-press:{code.upper()}:{lang.lower()}"


def same_site(a: str, b: str) -> bool:
    """True when two URLs are on the same site, ignoring a leading `www.`."""
    return _site(a) == _site(b)


def _site(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def is_url_id(item_id: str) -> bool:
    return item_id.startswith(("http://", "https://"))


def host_owned(url: str, owned_hosts: set[str] | frozenset[str]) -> bool:
    """True when `url`'s host is one of `owned_hosts` or under one (`www.` ignored)."""
    host = _site(url).rstrip(".")
    return bool(host) and any(host == own or host.endswith("." + own) for own in owned_hosts)


def owned_id(item_id: str, source: str, owned_hosts: set[str] | frozenset[str]) -> str:
    """The id `source` may publish for `item_id`: a URL on one of its own hosts stays as it is;
    a URL on anyone else's is namespaced, `<source>:<url>`, so that no source can publish an
    id that another source's site owns. Ids that are not URLs (`un-doc:…`, `<source>:…`) are
    made by the spider's code and kept; who published one first owns it (see the pipeline)."""
    if is_url_id(item_id) and not host_owned(item_id, owned_hosts):
        return f"{source}:{item_id}"
    return item_id
