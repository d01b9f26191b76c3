"""Making a brief from the stores: its window, what it reads, where it goes, and the rule
that an empty brief never silently replaces a good one.

Why a module of its own: `veille brief` (a file or a mail now) and the schedule inside
`veille run` (`sinks.brief.schedule`) make the same brief the same way; the command stays
thin and the schedule needs no CLI.

The default window (no --since): since the last brief of the same kind (page or mail; the end
of each is recorded in `$VEILLE_HOME/brief/last.json` when the brief ends now), if that is at
most 7 days ago; else the last 24 hours if the store has an item in them; else the last
7 days (`DEFAULT_SPAN`, `FALLBACK_SPAN`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sinks.brief.page import Brief, item_time, needed_since, render_brief
from sinks.brief.stories import story_of

DEFAULT_SPAN = timedelta(hours=24)
FALLBACK_SPAN = timedelta(days=7)
ALERTS_READ = 2000  # the latest alerts read for "alerts of the period"


class BriefRefused(Exception):
    """The brief was not written or sent; the message says why and what to do (one line)."""


@dataclass(frozen=True)
class Window:
    end: datetime
    span: timedelta
    why: str  # how the window was chosen, for the command's summary line


def _marker_file(home: Path) -> Path:
    return Path(home) / "brief" / "last.json"


def last_brief(home: Path, kind: str) -> datetime | None:
    """The end of the last brief of this kind ("page" or "mail") that ended now."""
    try:
        value = json.loads(_marker_file(home).read_text(encoding="utf-8")).get(kind)
    except (OSError, ValueError):
        return None
    return datetime.fromisoformat(value) if value else None


def record_brief(home: Path, kind: str, end: datetime) -> None:
    path = _marker_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data[kind] = end.astimezone(UTC).isoformat()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    tmp.replace(path)


def default_window(end: datetime, last: datetime | None, newest: datetime | None,
                   first: timedelta | None = None) -> Window:
    """The window when none is given (see the module doc). `last`: the previous brief's end
    (None if unknown or not wanted); `newest`: the newest item time not after `end`; `first`:
    a scheduled brief's span when there is no recent last brief (its schedule's period)."""
    if last is not None and timedelta(0) < end - last <= FALLBACK_SPAN:
        return Window(end, end - last, "since the last brief")
    if first is not None:
        return Window(end, min(first, FALLBACK_SPAN), "first brief")
    if newest is not None and end - newest <= DEFAULT_SPAN:
        return Window(end, DEFAULT_SPAN, "the last 24 hours")
    return Window(end, FALLBACK_SPAN, "the last 7 days (nothing in the last 24 hours)")


class WindowOptionError(ValueError):
    """A --since or --until the brief cannot read; `option` names which."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


def choose_window(export: Any, home: Path, kind: str, since: str | None, until: str,
                  now: datetime) -> tuple[Window, bool]:
    """The window `veille brief --since/--until` asks for: `until` is now, latest (the newest
    item's date: for old data such as the demo's), an ISO datetime or a date; without `since`,
    from the last brief of this kind that ended now (`default_window`). Also whether the window
    ends now: only such a brief is recorded as the next default's start. WindowOptionError
    names the option it cannot read."""
    from sinks.brief.page import latest_time, parse_instant
    from veille.durations import parse_duration

    mode = until.strip().lower()
    if mode == "now":
        end = now
    elif mode == "latest":
        end = latest_time(export(), now) or now
    else:
        try:
            end = parse_instant(until)
        except ValueError as exc:
            raise WindowOptionError("--until", str(exc)) from None
    if since:
        try:
            return Window(end, parse_duration(since), "--since"), mode == "now"
        except ValueError as exc:
            raise WindowOptionError("--since", str(exc)) from None
    last = last_brief(home, kind) if mode == "now" else None
    return default_window(end, last, newest_time(export(), end)), mode == "now"


def newest_time(items: Iterable[dict[str, Any]], end: datetime) -> datetime | None:
    times = [t for t in map(item_time, items) if t is not None and t < end]
    return max(times) if times else None


@dataclass
class Material:
    """What one pass over the store keeps for a brief."""

    items: list[dict[str, Any]]
    seen_before: set[str]


def read_material(items: Iterator[dict[str, Any]], end: datetime, span: timedelta) -> Material:
    """Keeps the items `render_brief` reads and, of older ones, only their story ids (a story
    reported before is not new), so a large store is not held in memory."""
    first = needed_since(end, span)
    kept, seen = [], set()
    for item in items:
        t = item_time(item)
        if t is None or t >= end:
            continue
        if t >= first:
            kept.append(item)
        elif t < end - span:
            seen.add(story_of(item))
    return Material(kept, seen)


def make_brief(export: Any, window: Window, *, top: int = 10, title: str | None = None,
               alerts: Sequence[Any] = (), health: Sequence[dict[str, Any]] = (),
               now: datetime | None = None) -> Brief:
    """`export`: a callable giving an iterator over the store's items (read once here)."""
    material = read_material(export(), window.end, window.span)
    start = window.end - window.span
    older = {story_of(i) for i in material.items if (t := item_time(i)) is not None and t < start - window.span}
    return render_brief(material.items, window.end, window.span, top=top, title=title,
                        generated_at=now, alerts=alerts, health=health,
                        seen_before=material.seen_before | older)


def write_page(brief: Brief, out: Path, force: bool = False) -> None:
    """Writes the page; an empty brief does not replace an existing file unless forced."""
    if not brief.items and out.exists() and not force:
        raise BriefRefused(f"{out}: not overwritten with an empty brief (no item from "
                           f"{brief.start:%Y-%m-%d %H:%M} to {brief.end:%Y-%m-%d %H:%M} UTC); "
                           "use --force to replace it, or a longer --since")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(brief.page, encoding="utf-8")
    tmp.replace(out)


def mail_brief(brief: Brief, to: Sequence[str], rules_path: Path, channel: str | None = None,
               force: bool = False) -> str:
    """Mails the brief; an empty one is not sent unless forced (what the server answered)."""
    from sinks.brief.mail import send_brief

    if not brief.items and not force:
        raise BriefRefused(f"brief not mailed: no item from {brief.start:%Y-%m-%d %H:%M} to "
                           f"{brief.end:%Y-%m-%d %H:%M} UTC; use --force to send it anyway")
    return send_brief(brief, to, rules_path, channel)


# -- reading the stores (the composition of what a brief shows) -------------------------------
def store_export(settings: Any) -> Any:
    """A callable iterating over every stored item (either store's `export()`)."""
    def export() -> Iterator[dict[str, Any]]:
        from sinks.store import open_store

        store = open_store(settings)
        try:
            yield from store.export()
        finally:
            store.close()

    return export


def period_alerts(settings: Any) -> list[Any]:
    """The latest alerts (render_brief keeps those of the window); none if unreadable."""
    from sinks.alerts.store import open_alert_store

    store = open_alert_store(settings)
    try:
        return store.recent(limit=ALERTS_READ)
    finally:
        store.close()
