"""The brief: one HTML document about the items of a time window, as a file and as a mail.

A team reads it in Gmail, Outlook or iOS Mail, or opens the file anywhere, offline: so the
layout is tables with inline styles (what mail clients keep), the two pictures are `cid:`
parts in the mail and data: URIs in the file, there is no script, font or CDN, and the only
URLs are the items' own links. Every text that comes
from an item is escaped (a title can hold `<script>`), titles and summaries carry
`dir="auto"` so Arabic reads right to left, and labels are wrapped in `<bdi>` so a mixed
line keeps its order.

Pure functions from item dicts (the store's `export()` shape: `EnrichedItem` dumped to
JSON) and a window to a `Brief`; reading the stores is `sinks.brief.produce`'s job.
"""

from __future__ import annotations

import base64
import html
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sinks.alerts.wording import Kind, label_name, label_names
from sinks.brief.stories import Story, rank_stories

WEEK_DAYS = 7
# The brief is written in English (it has no language setting): its headings, and the names of
# labels (sinks.alerts.wording, the one home of label names), are English.
LANGUAGE = "en"
SUMMARY_CHARS = 320

Item = Mapping[str, Any]


# -- the window ------------------------------------------------------------------------------
def parse_instant(text: str) -> datetime:
    """An ISO datetime (naive = UTC, like the schema) or a date, which means the end of that
    day: `--until 2024-03-12` covers all of the 12th."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date or datetime (e.g. 2024-03-12T18:00Z)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _as_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def item_time(item: Item) -> datetime | None:
    """When the item happened for the brief: its publication date, else when it was collected
    (some sources give no date; the collection time is then the best bound we have)."""
    return _as_datetime(item.get("published_at")) or _as_datetime(item.get("collected_at"))


def latest_time(items: Iterable[Item], now: datetime | None = None) -> datetime | None:
    """The end (next UTC midnight) of the day of the latest item not in the future; None
    without items. For `--until latest` on old data such as the demo's: the brief of the last
    day with news. Dates in the future are a source's mistake and would leave the window
    empty, so they are ignored."""
    now = now or datetime.now(UTC)
    times = [t for t in map(item_time, items) if t is not None and t <= now]
    if not times:
        return None
    day = max(times).astimezone(UTC).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)


def in_window(item: Item, start: datetime, end: datetime) -> bool:
    """start ≤ time < end: consecutive briefs (yesterday's end is today's start) never show an
    item twice, and a day's window (midnight to midnight) holds the items dated at midnight,
    as sources without a time give them."""
    t = item_time(item)
    return t is not None and start <= t < end


def week_days(end: datetime) -> list[date]:
    """The 7 calendar days (UTC) ending with the day holding the brief's last instant (the
    end itself is excluded: an end at midnight closes the day before)."""
    last = (end.astimezone(UTC) - timedelta(microseconds=1)).date()
    return [last - timedelta(days=n) for n in range(WEEK_DAYS - 1, -1, -1)]


def week_start(end: datetime) -> datetime:
    """Midnight (UTC) of the week chart's first day."""
    first = week_days(end)[0]
    return datetime(first.year, first.month, first.day, tzinfo=UTC)


def needed_since(end: datetime, since: timedelta) -> datetime:
    """The earliest instant `render_brief` reads: the start of the window before this one
    (the growing flag) or the week chart's, whichever is earlier; a reader can drop older
    items before building the page."""
    return min(end - 2 * since, week_start(end))


# -- what the page counts ----------------------------------------------------------------------
def _enrichment(item: Item) -> Mapping[str, Any]:
    return item.get("enrichment") or {}


def _labels(item: Item, family: str) -> list[str]:
    return [entry["label"] for entry in _enrichment(item).get(family) or [] if entry.get("label")]


def severity(item: Item) -> int:
    return int((_enrichment(item).get("severity") or {}).get("score") or 0)


def _is_country(place: Mapping[str, Any]) -> bool:
    from sinks.brief.charts import map_data

    return not place.get("admin1") and map_data()["countries"].get(place.get("country")) == place.get("name")


def region_of(place: Mapping[str, Any]) -> str:
    """A place's row in the region table: its Mali admin1 region, "Mali (national)" for the
    country itself, else the foreign country's name (or code)."""
    if place.get("admin1"):
        return place["admin1"]
    country = place.get("country") or "?"
    name = _country_name(country)
    return f"{name} (national)" if country == "ML" else name


def _country_name(code: str) -> str:
    from sinks.brief.charts import map_data

    return map_data()["countries"].get(code, code)


@dataclass(frozen=True)
class Row:
    """One line of a count table: how many items, and the worst severity among them."""

    key: str
    items: int
    max_severity: int


def count_by(items: Sequence[Item], keys_of: Any) -> list[Row]:
    """Items per key (an item counts once per key however often it names it), most first."""
    counts: Counter[str] = Counter()
    worst: dict[str, int] = defaultdict(int)
    for item in items:
        for key in set(keys_of(item)):
            counts[key] += 1
            worst[key] = max(worst[key], severity(item))
    return [Row(k, n, worst[k]) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def event_type_rows(items: Sequence[Item]) -> list[Row]:
    rows = count_by(items, lambda i: _labels(i, "event_types"))
    none = sum(1 for i in items if not _labels(i, "event_types"))
    return rows + ([Row("(no event type)", none, 0)] if none else [])


def topic_rows(items: Sequence[Item]) -> list[Row]:
    return count_by(items, lambda i: _labels(i, "topics"))


def region_rows(items: Sequence[Item]) -> list[Row]:
    """Mali's admin1 regions first (the brief's subject), then national and foreign mentions."""
    rows = count_by(items, lambda i: [region_of(p) for p in _enrichment(i).get("places") or []])
    from sinks.brief.charts import map_data

    regions = map_data()["regions"]
    return [r for r in rows if r.key in regions] + [r for r in rows if r.key not in regions]


def map_points(items: Sequence[Item]) -> list[Any]:
    """One point per named place (country-level names excluded: a dot at a country's centre
    would read as a town there)."""
    from sinks.brief.charts import MapPoint

    found: dict[tuple, list[int]] = {}
    for item in items:
        seen = set()
        for place in _enrichment(item).get("places") or []:
            if _is_country(place) or place.get("lat") is None or place.get("lon") is None:
                continue
            key = (place.get("name", "?"), place.get("country", ""), place.get("admin1", ""),
                   float(place["lat"]), float(place["lon"]))
            if key in seen:
                continue
            seen.add(key)
            found.setdefault(key, []).append(severity(item))
    return [MapPoint(name, country, admin1, lat, lon, len(sev), max(sev))
            for (name, country, admin1, lat, lon), sev in sorted(found.items())]


# -- HTML --------------------------------------------------------------------------------------
# Mail clients keep only inline styles and tables (Gmail drops <style> in many views, Outlook
# ignores flex and most of CSS, iOS Mail drops data: images): so the page is tables with
# `style` attributes, one column 680 px wide, and its two pictures are `cid:` parts in a mail
# and data: URIs in the file. Nothing else differs between the two.
WIDTH = 680
FONT = "font-family:Arial,'Segoe UI','Noto Sans','Noto Naskh Arabic',sans-serif"
S = {
    "body": f"margin:0;padding:0;background:#f4f5f7;{FONT};color:#1d232a",
    "main": "background:#ffffff;border-collapse:collapse",
    "cell": "padding:16px 20px",
    "h1": f"{FONT};font-size:24px;line-height:30px;margin:0 0 4px 0;color:#1d232a",
    "h2": f"{FONT};font-size:18px;line-height:24px;margin:22px 0 8px 0;padding-bottom:3px;border-bottom:2px solid #d9dde3;color:#1d232a",
    "h3": f"{FONT};font-size:15px;line-height:20px;margin:0 0 2px 0",
    "p": f"{FONT};font-size:14px;line-height:20px;margin:4px 0",
    "meta": f"{FONT};font-size:12px;line-height:17px;color:#5a6570;margin:0",
    "a": "color:#0b4f8a;text-decoration:underline",
    "table": "border-collapse:collapse;width:100%",
    "th": f"{FONT};font-size:12px;text-align:left;padding:3px 6px;border-bottom:1px solid #c9ced5;color:#5a6570",
    "td": f"{FONT};font-size:13px;padding:3px 6px;border-bottom:1px solid #e6e9ed;vertical-align:top",
    "num": f"{FONT};font-size:13px;padding:3px 6px;border-bottom:1px solid #e6e9ed;text-align:right",
    "key": f"{FONT};font-size:12px;color:#5a6570;background:#f0f3f6;padding:8px 10px;text-align:center",
    "img": "display:block;width:100%;max-width:640px;height:auto;border:0",
    "chip": f"{FONT};font-size:11px;line-height:18px;padding:1px 7px;white-space:nowrap",
    "flag_new": f"{FONT};font-size:11px;font-weight:bold;color:#ffffff;background:#1f6f43;padding:1px 6px",
    "flag_up": f"{FONT};font-size:11px;font-weight:bold;color:#ffffff;background:#b3261e;padding:1px 6px",
}
CHIP_COLOURS = {"ev": "#fde2e1", "tp": "#e3edf9", "pl": "#e5f4e3", "org": "#efe6f7"}
SEV_COLOURS = {"high": "#b3261e", "mid": "#b8661a", "low": "#6b7785"}
MAX_ALERTS = 15


def _e(value: Any) -> str:
    """Escapes a text for HTML text and attribute values (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def _fmt_time(t: datetime | None) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if t else "undated"


def _sev_class(score: int) -> str:
    return "high" if score >= 70 else "mid" if score >= 40 else "low"


def _sev(score: int) -> str:
    return (f'<span class="sev {_sev_class(score)}" title="severity" style="{FONT};font-size:12px;'
            f'font-weight:bold;color:#ffffff;background:{SEV_COLOURS[_sev_class(score)]};'
            f'padding:1px 6px">{score}</span>')


def _safe_link(url: Any) -> str | None:
    """Only http(s) links are written: a `javascript:` or `data:` URL from a source must not
    become clickable in a page people trust."""
    text = str(url or "").strip()
    return text if re.match(r"^https?://", text, re.I) else None


def _link(url: Any, text: str, title: str | None = None) -> str:
    link = _safe_link(url)
    extra = f' title="{_e(title)}"' if title else ""
    return f'<a href="{_e(link)}" style="{S["a"]}"{extra}>{text}</a>' if link else text


def png_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _h2(text: str, anchor: str) -> str:
    return f'<h2 id="{anchor}" style="{S["h2"]}">{_e(text)}</h2>'


def _table(table_id: str, heading: str, rows: Sequence[Row], empty: str,
           kind: Kind | None = None) -> str:
    """A count table; the keys of a label `kind` are shown by their names, not their ids."""
    if not rows:
        return f'{_h2(heading, table_id + "-h")}<p class="meta" id="{table_id}" style="{S["meta"]}">{_e(empty)}</p>'
    body = "".join(
        f'<tr><td style="{S["td"]}"><bdi>{_e(label_name(kind, r.key, LANGUAGE) if kind else r.key)}</bdi></td><td class="n" style="{S["num"]}">{r.items}</td>'
        f'<td class="n" style="{S["num"]}">{r.max_severity}</td></tr>'
        for r in rows
    )
    return (f'{_h2(heading, table_id + "-h")}<table class="counts" id="{table_id}" role="presentation" '
            f'cellpadding="0" cellspacing="0" style="{S["table"]}">'
            f'<thead><tr><th style="{S["th"]}">{_e(heading.split(" by ")[-1])}</th>'
            f'<th style="{S["th"]};text-align:right">items</th><th style="{S["th"]};text-align:right">worst severity</th></tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _chips(values: Iterable[str], css: str) -> str:
    return "".join(f'<span class="chip {css}" style="{S["chip"]};background:{CHIP_COLOURS[css]}"><bdi>{_e(v)}</bdi></span> '
                   for v in values)


def _flags(story: Story) -> str:
    out = []
    if story.new:
        out.append(f'<span class="flag new" style="{S["flag_new"]}">NEW</span>')
    if story.growing:
        out.append(f'<span class="flag growing" title="reports in the window before: {story.previous}" '
                   f'style="{S["flag_up"]}">GROWING {story.previous}&#8594;{story.reports}</span>')
    return " ".join(out)


_LABEL_REASON = re.compile(r"^([a-z_]+) \(([0-9.e+-]+)\)$")


def _reason(reason: str) -> str:
    """Severity names the event label by its id ("armed_clash (0.85)"); an analyst reads
    "Armed clash (0.85)". Casualty reasons ("12 killed") are already words and stay."""
    m = _LABEL_REASON.match(reason)
    if not m or m.group(1) not in label_names("event_types"):
        return reason
    return f"{label_name('event_types', m.group(1), LANGUAGE)} ({m.group(2)})"


def _story_html(story: Story) -> str:
    item, others = story.lead, story.items[1:]
    enr = _enrichment(item)
    title = item.get("title") or "(untitled)"
    lang = (enr.get("language") or {}).get("code") or item.get("lang") or "?"
    # The detected language is the body's: a UN document's title can be English over an
    # Arabic text, so only the summary gets `lang` (fonts, hyphenation); both get dir="auto".
    lang_attr = f' lang="{_e(lang)}"' if lang not in ("?", "und") else ""
    summary = (item.get("summary") or item.get("body") or "").strip()
    if summary.startswith(title):  # many bodies repeat the title as their first line
        summary = summary[len(title):].strip()
    if len(summary) > SUMMARY_CHARS:
        summary = summary[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
    places = []
    for p in enr.get("places") or []:
        where = p.get("admin1") if p.get("admin1") and p.get("admin1") != p.get("name") else ""
        places.append(f"{p.get('name')} ({where})" if where else str(p.get("name")))
    chips = (_chips((label_name("event_types", x, LANGUAGE) for x in _labels(item, "event_types")), "ev")
             + _chips((label_name("topics", x, LANGUAGE) for x in _labels(item, "topics")), "tp")
             + _chips(places, "pl")
             + _chips((o.get("name") or o.get("id") for o in enr.get("orgs") or []), "org"))
    reasons = [_reason(r) for r in (enr.get("severity") or {}).get("reasons") or []]
    also = ""
    if others:
        refs = [_link(o.get("url"), _e(o.get("source") or "?"), o.get("title")) for o in others[:6]]
        more = f" and {len(others) - 6} more" if len(others) > 6 else ""
        also = f'<p class="also" style="{S["meta"]}">Same story also reported by: {", ".join(refs)}{more}</p>'
    reach = (f"{len(story.sources)} source{'s' if len(story.sources) != 1 else ''}, "
             f"{len(story.languages)} language{'s' if len(story.languages) != 1 else ''} "
             f"({', '.join(story.languages)}), {story.reports} report{'s' if story.reports != 1 else ''}")
    return (
        f'<li style="margin:0 0 16px 0"><div class="item" data-id="{_e(item.get("id"))}" data-story="{_e(story.key)}">'
        f'<h3 dir="auto" style="{S["h3"]}">{_link(item.get("url"), _e(title))}</h3>'
        f'<p class="meta" style="{S["meta"]}">{_sev(story.severity)} {_flags(story)} <span class="reach">{_e(reach)}</span></p>'
        f'<p class="meta" style="{S["meta"]}">{_e(item.get("source"))} · {_e(lang)} · {_e(_fmt_time(item_time(item)))}</p>'
        + (f'<p class="summary" dir="auto"{lang_attr} style="{S["p"]}">{_e(summary)}</p>' if summary else "")
        + (f'<p class="chips" style="margin:4px 0">{chips}</p>' if chips else "")
        + (f'<p class="reasons" style="{S["meta"]}">Severity: {_e("; ".join(reasons))}</p>' if reasons else "")
        + also + "</div></li>"
    )


def _alerts_html(alerts: Sequence[Any]) -> str:
    """The period's alerts, most severe first, at most MAX_ALERTS lines (the rest counted:
    `veille alerts list` has them all)."""
    if not alerts:
        return f'<p class="meta" id="alerts" style="{S["meta"]}">No alert in the window.</p>'
    ordered = sorted(alerts, key=lambda a: (-int(a.severity), a.created_at, a.rule, a.id))
    rows = "".join(
        f'<tr><td style="{S["td"]}">{_e(_fmt_time(a.created_at))}</td><td style="{S["td"]}"><bdi>{_e(a.rule)}</bdi></td>'
        f'<td style="{S["td"]}" dir="auto">{_link(a.url, _e(a.title or a.item_id))}</td>'
        f'<td style="{S["num"]}">{_sev(int(a.severity))}</td></tr>'
        for a in ordered[:MAX_ALERTS])
    more = (f'<p class="meta" style="{S["meta"]}">and {len(ordered) - MAX_ALERTS} more alerts of lower '
            f"severity (veille alerts list).</p>" if len(ordered) > MAX_ALERTS else "")
    return (f'<table id="alerts" role="presentation" cellpadding="0" cellspacing="0" style="{S["table"]}">'
            f'<thead><tr><th style="{S["th"]}">raised</th><th style="{S["th"]}">rule</th><th style="{S["th"]}">item</th>'
            f'<th style="{S["th"]};text-align:right">severity</th></tr></thead><tbody>{rows}</tbody></table>{more}')


def _health_html(health: Sequence[Mapping[str, Any]]) -> str:
    bad = [h for h in health if h.get("status") in ("broken", "degraded")]
    if not bad:
        checked = f"{len(health)} sources checked, none broken or degraded." if health else "No source health recorded yet (`veille sources status`)."
        return f'<p class="meta" id="source-health" style="{S["meta"]}">{_e(checked)}</p>'
    bad.sort(key=lambda h: (h.get("status") != "broken", str(h.get("source"))))
    rows = "".join(
        f'<tr><td style="{S["td"]}"><bdi>{_e(h.get("name") or h.get("source"))}</bdi></td>'
        f'<td style="{S["td"]};font-weight:bold;color:{"#b3261e" if h.get("status") == "broken" else "#b8661a"}">{_e(h.get("status"))}</td>'
        f'<td style="{S["td"]}">{_e(str(h.get("since") or "")[:16].replace("T", " "))}</td>'
        f'<td style="{S["td"]}">{_e("; ".join(h.get("reasons") or []))}</td></tr>'
        for h in bad)
    return (f'<table id="source-health" role="presentation" cellpadding="0" cellspacing="0" style="{S["table"]}">'
            f'<thead><tr><th style="{S["th"]}">source</th><th style="{S["th"]}">status</th><th style="{S["th"]}">since (UTC)</th>'
            f'<th style="{S["th"]}">why</th></tr></thead><tbody>{rows}</tbody></table>')


@dataclass
class Brief:
    """A rendered brief: the page (pictures as data: URIs), the mail body (the same HTML with
    `cid:` pictures), the pictures by Content-ID, a plain-text part and what it holds."""

    page: str
    mail_html: str
    images: dict[str, bytes]
    text: str
    title: str
    items: int
    start: datetime
    end: datetime


def render_brief(
    items: Iterable[Item],
    end: datetime,
    since: timedelta,
    top: int = 10,
    title: str | None = None,
    generated_at: datetime | None = None,
    alerts: Sequence[Any] = (),
    health: Sequence[Mapping[str, Any]] = (),
    seen_before: frozenset[str] | set[str] = frozenset(),
) -> Brief:
    """The brief of the items of [end - since, end). `items` may hold more: the week chart
    reads the 7 days ending at `end` and the growing flag the window before this one (both
    within `needed_since`). `seen_before` holds the stories reported before that (not new);
    `alerts` are `Alert`s, `health` the sources' health documents."""
    from sinks.brief.charts import in_frame, map_png, week_chart_png

    end = end.astimezone(UTC)
    start = end - since
    everything = list(items)
    days = week_days(end)
    window = sorted((i for i in everything if in_window(i, start, end)), key=lambda i: str(i.get("id")))
    previous = [i for i in everything if in_window(i, start - since, start)]
    week = [i for i in everything if in_window(i, week_start(end), end)]
    generated_at = generated_at or datetime.now(UTC)
    title = title or f"Mali / Sahel brief — {days[-1]:%d %B %Y}"

    chart = week_chart_png(
        days,
        [(item_time(i).astimezone(UTC).date(), (_labels(i, "event_types") or [None])[0]) for i in week],
        [(item_time(i).astimezone(UTC).date(), _labels(i, "topics")) for i in week],
        language=LANGUAGE,
    )
    points = map_points(window)
    images = {"week-chart": chart, "map": map_png(points)}
    outside = [p for p in points if not in_frame(p.lat, p.lon)]

    sources = Counter(str(i.get("source")) for i in window)
    langs = Counter((_enrichment(i).get("language") or {}).get("code") or i.get("lang") or "?" for i in window)
    stories = rank_stories(window, previous, seen_before)
    shown = stories[:top]
    new_count = sum(1 for s in stories if s.new)
    growing = sum(1 for s in stories if s.growing)
    high = sum(1 for i in window if severity(i) >= 70)
    in_period = [a for a in alerts if start <= a.created_at.astimezone(UTC) < end
                 or any(a.item_id == i.get("id") for i in window)]

    outside_note = ""
    if outside:
        listed = ", ".join(f"{_e(p.name)} ({_e(_country_name(p.country))}, {p.items})"
                           for p in sorted(outside, key=lambda p: (-p.items, p.name)))
        outside_note = f" Outside the frame: {listed}."
    figures = (("items", len(window)), ("new stories", new_count), ("growing", growing),
               ("sources", len(sources)), ("languages", ", ".join(f"{k} {n}" for k, n in langs.most_common()) or "—"),
               ("severity ≥ 70", high), ("alerts", len(in_period)))
    key_figures = "".join(
        f'<td class="figure" data-key="{_e(k)}" style="{S["key"]}"><b style="display:block;font-size:18px;color:#1d232a">{_e(v)}</b>{_e(k)}</td>'
        for k, v in figures)
    stories_html = ("".join(_story_html(s) for s in shown)
                    or f'<li style="{S["meta"]}">No item in the window.</li>')
    first, last = days[0], days[-1]

    def body(src: Mapping[str, str]) -> str:
        return f"""<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;background:#f4f5f7"><tr><td align="center" style="padding:0">
<table role="presentation" width="{WIDTH}" cellpadding="0" cellspacing="0" style="{S["main"]};width:{WIDTH}px;max-width:100%"><tr><td style="{S["cell"]}">
<h1 dir="auto" style="{S["h1"]}">{_e(title)}</h1>
<p class="window" id="window" style="{S["meta"]}">Items published from <time datetime="{start.isoformat()}">{_e(_fmt_time(start))}</time>
to <time datetime="{end.isoformat()}">{_e(_fmt_time(end))}</time> ({_e(_span(since))}).</p>
<table id="key-figures" role="presentation" cellpadding="0" cellspacing="4" style="border-collapse:separate;width:100%;margin:10px 0 0 0"><tr>{key_figures}</tr></table>
{_h2(f"Stories by reach: {len(shown)} of {len(stories)}", "stories")}
<p style="{S["meta"]}">Ranked by how many sources and languages report them. NEW: first reported in this window. GROWING: reported in the {_e(_span(since))} before, and now at least twice as often and two reports more.</p>
<ol class="items" id="top-items" style="padding-left:22px;margin:8px 0">{stories_html}</ol>
{_h2("Alerts of the period", "alerts-h")}
{_alerts_html(in_period)}
{_h2("Sources that broke", "source-health-h")}
{_health_html(health)}
{_h2("Map", "map-h")}
<img id="map" src="{src["map"]}" width="{WIDTH - 40}" alt="Map of Mali with its regions and the {len(points)} places named in the window" style="{S["img"]}">
<p style="{S["meta"]}">{len(points)} places named by the window's items (marker area: number of items; colour: worst severity). Country-level mentions are counted in the region table only. Region boundaries are approximate (derived from OCHA's settlements, CC BY-IGO).{outside_note}</p>
{_h2("The week", "week-h")}
<img id="week-chart" src="{src["week-chart"]}" width="{WIDTH - 40}" alt="Items per day from {first:%d %b} to {last:%d %b %Y}, by event type and topic" style="{S["img"]}">
<p style="{S["meta"]}">{first:%d %b} – {last:%d %b %Y} (UTC days; the 7 days ending with this brief). An item counts once in the bars, under its most likely event type.</p>
{_table("counts-event-types", "Items by event type", event_type_rows(window), "No item in the window.", "event_types")}
{_table("counts-regions", "Items by region", region_rows(window), "No place named in the window.")}
{_table("counts-topics", "Items by topic", topic_rows(window), "No topic in the window.", "topics")}
<p style="{S["meta"]};margin-top:24px;color:#8a939c">Generated by veille on {_e(_fmt_time(generated_at))} from {len(window)} items. Labels, places and severity are computed automatically from the texts: check the source before acting.</p>
</td></tr></table>
</td></tr></table>"""

    def document(src: Mapping[str, str]) -> str:
        return f"""<!DOCTYPE html>
<html lang="{LANGUAGE}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="veille brief">
<title>{_e(title)}</title>
</head>
<body style="{S["body"]}">
{body(src)}
</body>
</html>
"""

    page = document({k: png_uri(v) for k, v in images.items()})
    mail_html = document({k: f"cid:{k}@veille.brief" for k in images})
    text = _text(title, start, end, stories[:top], in_period, health, len(window))
    return Brief(page, mail_html, images, text, title, len(window), start, end)


def build_brief(items: Iterable[Item], end: datetime, since: timedelta, top: int = 10,
                title: str | None = None, generated_at: datetime | None = None, **more: Any) -> str:
    """The page's HTML (`render_brief(...).page`)."""
    return render_brief(items, end, since, top, title, generated_at, **more).page


def _text(title: str, start: datetime, end: datetime, stories: Sequence[Story],
          alerts: Sequence[Any], health: Sequence[Mapping[str, Any]], count: int) -> str:
    """The plain-text part of the mail, for clients that show no HTML."""
    lines = [title, f"{_fmt_time(start)} – {_fmt_time(end)}: {count} items", ""]
    for s in stories:
        flags = " ".join(f for f, on in (("[NEW]", s.new), ("[GROWING]", s.growing)) if on)
        lines += [f"- {s.lead.get('title') or '(untitled)'} {flags}".rstrip(),
                  f"  {len(s.sources)} sources, {', '.join(s.languages)}; {s.lead.get('url') or ''}".rstrip()]
    if alerts:
        lines += ["", "Alerts:"] + [f"- {a.rule}: {a.title or a.item_id}" for a in alerts]
    bad = [h for h in health if h.get("status") in ("broken", "degraded")]
    if bad:
        lines += ["", "Sources that broke:"] + [f"- {h.get('source')}: {h.get('status')}" for h in bad]
    return "\n".join(lines) + "\n"


def _span(since: timedelta) -> str:
    hours = since.total_seconds() / 3600
    if hours < 48:
        return f"{hours:g} hours"
    return f"{hours / 24:g} days"
