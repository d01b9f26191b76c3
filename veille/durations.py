"""Durations: the one grammar every option and file uses, read and written.

A duration is one or more groups of a number and a unit, largest first or not:
`30s`, `90m`, `24h`, `7d`, `2w`, `1d 12h`, `1.5h`. Units: s(econds), m(inutes), h(ours),
d(ays), w(eeks), upper- or lower-case; spaces between number and unit, and between groups,
are allowed. A duration is positive. The same text works everywhere: a source's `schedule`,
`veille brief --since`, a rule's `throttle.window` and `digest`.

`format_duration` writes the form an operator reads (`2d 3h`, `5h 10m`, `12m`), which
`parse_duration` reads back.
"""

from __future__ import annotations

import re
from datetime import timedelta

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_GROUP = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])", re.I)
EXAMPLES = "30s, 90m, 24h, 7d, 2w or 1d 12h"


def parse_duration(text: str) -> timedelta:
    """`24h`, `7d`, `1d 12h` → timedelta; ValueError (saying what is allowed) otherwise."""
    if not isinstance(text, str):
        raise ValueError(f"expected a duration like {EXAMPLES}, got {text!r}")
    total = timedelta(0)
    position = 0
    for match in _GROUP.finditer(text):
        if match.start() != position:
            break
        total += timedelta(**{UNITS[match.group(2).lower()]: float(match.group(1))})
        position = match.end()
    if position == 0 or text[position:].strip():
        raise ValueError(f"{text!r} is not a duration: write a number and a unit s/m/h/d/w, "
                         f"e.g. {EXAMPLES}")
    if total <= timedelta(0):
        raise ValueError(f"{text!r}: a duration must be positive")
    return total


def format_duration(seconds: float | timedelta) -> str:
    """`2d 3h`, `5h 10m`, `12m`, `45s`: how long, at the precision an operator reads."""
    if isinstance(seconds, timedelta):
        seconds = seconds.total_seconds()
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes or not secs:
        return f"{minutes}m"
    return f"{secs}s"
