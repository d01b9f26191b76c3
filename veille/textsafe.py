"""Text from scraped pages made safe to show: no terminal control, bounded length.

A title is whatever a page or feed said, so it may hold ESC sequences (colours, cursor moves,
clear-screen, OSC 8 links, window titles), bare C0/C1 control characters or a megabyte of text.
`clean` removes every control sequence and character except newline and tab, and caps the
length with an ellipsis; `veille.cli.common.safe` adds rich-markup escaping on top for the
terminal. Collection caps titles (`TITLE_MAX`, in `veille.schema.Item`) and keeps the full title
in the body; item URLs are limited to `SAFE_SCHEMES`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

ELLIPSIS = "…"
TITLE_MAX = 500
SAFE_SCHEMES = ("http", "https")

# Control strings first (OSC, DCS, SOS, PM, APC: up to BEL or ST, or to the end when
# unterminated), then CSI sequences, then two-character escapes, then single controls.
_STRINGS = re.compile(r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?")
_CSI = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?")
_ESC2 = re.compile(r"\x1b[ -/]*[0-~]?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def strip_controls(text: str, *, one_line: bool = False) -> str:
    """`text` without escape sequences or control characters (newline and tab kept unless
    `one_line`, where every run of them becomes one space)."""
    if not text:
        return ""
    text = _ESC2.sub("", _CSI.sub("", _STRINGS.sub("", text)))
    if one_line:
        return _CONTROLS_ONE_LINE.sub(" ", text)
    return _CONTROLS.sub("", text)


def truncate(text: str, limit: int | None) -> str:
    """At most `limit` characters, the last one an ellipsis when something was cut."""
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def clean(text: object, limit: int | None = None, *, one_line: bool = False) -> str:
    """Control-free text of at most `limit` characters. The cut is made before stripping too
    (with room to spare), so a megabyte of text costs no more than a few kilobytes."""
    value = "" if text is None else str(text)
    if limit is not None and len(value) > 4 * limit + 64:
        value = value[: 4 * limit + 64]
    return truncate(strip_controls(value, one_line=one_line), limit)


def is_safe_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host: never `javascript:`, `data:`, `file:`…"""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in SAFE_SCHEMES and bool(parts.netloc)
