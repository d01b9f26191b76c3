"""The daily brief: one self-contained HTML page about the items of a time window.

A team mails the page around and opens it anywhere, offline, in a mail client that blocks
remote content: so everything is inside the file (CSS inline, pictures as PNG data: URIs,
no script, no font or CDN) and the only URLs are the items' own links. Every text that comes
from an item is escaped (a title can hold `<script>`), titles and summaries carry
`dir="auto"` so Arabic reads right to left, and labels are wrapped in `<bdi>` so a mixed
line keeps its order.

Pure functions from item dicts (the store's `export()` shape: `EnrichedItem` dumped to
JSON) and a window to a string; reading the store is `veille/cli/brief.py`'s job.
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

WEEK_DAYS = 7
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
    """The earliest instant `build_brief` reads: the window's start or the week chart's,
    whichever is earlier; a reader can drop older items before building the page."""
    return min(end - since, week_start(end))


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


def top_items(items: Sequence[Item], n: int) -> list[tuple[Item, list[Item]]]:
    """The `n` most severe stories: one item per story (its most severe report, the latest on
    ties) with the other reports of the same story, so five wires on one attack take one
    slot and the list shows n different events."""
    ordered = sorted(items, key=lambda i: (-severity(i), -(item_time(i) or datetime.min.replace(tzinfo=UTC)).timestamp(), str(i.get("id"))))
    stories: dict[str, tuple[Item, list[Item]]] = {}
    out: list[tuple[Item, list[Item]]] = []
    for item in ordered:
        story = _enrichment(item).get("story_id") or f"item:{item.get('id')}"
        if story in stories:
            stories[story][1].append(item)
            continue
        entry: tuple[Item, list[Item]] = (item, [])
        stories[story] = entry
        if len(out) < n:
            out.append(entry)
    return out


# -- HTML --------------------------------------------------------------------------------------
CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Naskh Arabic",Arial,sans-serif;
 color:#1d232a;background:#f4f5f7;margin:0;line-height:1.45}
main{max-width:960px;margin:0 auto;padding:20px 24px 40px;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.2em;border-bottom:2px solid #d9dde3;padding-bottom:.2em;margin-top:1.6em}
.window{color:#5a6570;margin:0}.key{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0 0}
.key div{background:#f0f3f6;border-radius:6px;padding:8px 14px}.key b{display:block;font-size:1.4em}
.tables{display:flex;flex-wrap:wrap;gap:24px}.tables section{flex:1 1 260px}
table.counts{border-collapse:collapse;width:100%;font-size:.92em}
table.counts th,table.counts td{padding:3px 8px;border-bottom:1px solid #e6e9ed;text-align:left}
table.counts td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:10px 0}figure img{max-width:100%;height:auto;border:1px solid #e6e9ed}
figcaption{color:#5a6570;font-size:.88em}
ol.items{padding-left:1.4em}ol.items li{margin:0 0 18px}
ol.items h3{font-size:1.05em;margin:0 0 2px}ol.items a{color:#0b4f8a}
.meta{color:#5a6570;font-size:.88em;margin:0}.summary{margin:4px 0}
.sev{display:inline-block;min-width:2.2em;text-align:center;border-radius:4px;font-weight:bold;color:#fff}
.sev.high{background:#b3261e}.sev.mid{background:#d9822b}.sev.low{background:#7b8794}
.chips{margin:4px 0;font-size:.85em}.chip{display:inline-block;border-radius:10px;padding:0 8px;margin:2px 3px 2px 0}
.ev{background:#fde2e1}.tp{background:#e3edf9}.pl{background:#e5f4e3}.org{background:#efe6f7}
.reasons{color:#5a6570;font-size:.82em;margin:0}.also{font-size:.85em;color:#5a6570;margin:2px 0}
footer{color:#8a939c;font-size:.8em;margin-top:2em}
"""


def _e(value: Any) -> str:
    """Escapes a text for HTML text and attribute values (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def _display(label: str) -> str:
    return label.replace("_", " ")


def _fmt_time(t: datetime | None) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if t else "undated"


def _sev_class(score: int) -> str:
    return "high" if score >= 70 else "mid" if score >= 40 else "low"


def _safe_link(url: Any) -> str | None:
    """Only http(s) links are written: a `javascript:` or `data:` URL from a source must not
    become clickable in a page people trust."""
    text = str(url or "").strip()
    return text if re.match(r"^https?://", text, re.I) else None


def _png_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _table(table_id: str, heading: str, rows: Sequence[Row], empty: str) -> str:
    if not rows:
        return f'<section><h2>{_e(heading)}</h2><p class="meta" id="{table_id}">{_e(empty)}</p></section>'
    body = "".join(
        f"<tr><td><bdi>{_e(_display(r.key))}</bdi></td><td class=\"n\">{r.items}</td>"
        f"<td class=\"n\">{r.max_severity}</td></tr>"
        for r in rows
    )
    return (f'<section><h2>{_e(heading)}</h2><table class="counts" id="{table_id}">'
            f"<thead><tr><th>{_e(heading.split(' by ')[-1])}</th><th>items</th><th>worst severity</th></tr></thead>"
            f"<tbody>{body}</tbody></table></section>")


def _chips(values: Iterable[str], css: str) -> str:
    return "".join(f'<span class="chip {css}"><bdi>{_e(v)}</bdi></span>' for v in values)


def _item_html(item: Item, others: Sequence[Item]) -> str:
    enr = _enrichment(item)
    score = severity(item)
    title = item.get("title") or "(untitled)"
    link = _safe_link(item.get("url"))
    heading = f'<a href="{_e(link)}">{_e(title)}</a>' if link else _e(title)
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
    chips = (_chips((_display(x) for x in _labels(item, "event_types")), "ev")
             + _chips((_display(x) for x in _labels(item, "topics")), "tp")
             + _chips(places, "pl")
             + _chips((o.get("name") or o.get("id") for o in enr.get("orgs") or []), "org"))
    reasons = (enr.get("severity") or {}).get("reasons") or []
    also = ""
    if others:
        refs = []
        for o in others[:6]:
            o_link = _safe_link(o.get("url"))
            label = _e(o.get("source") or "?")
            refs.append(f'<a href="{_e(o_link)}" title="{_e(o.get("title"))}">{label}</a>' if o_link else label)
        more = f" and {len(others) - 6} more" if len(others) > 6 else ""
        also = f'<p class="also">Same story also reported by: {", ".join(refs)}{more}</p>'
    return (
        f'<li><article class="item" data-id="{_e(item.get("id"))}">'
        f'<h3 dir="auto">{heading}</h3>'
        f'<p class="meta"><span class="sev {_sev_class(score)}" title="severity">{score}</span> '
        f"{_e(item.get('source'))} · {_e(lang)} · {_e(_fmt_time(item_time(item)))}</p>"
        + (f'<p class="summary" dir="auto"{lang_attr}>{_e(summary)}</p>' if summary else "")
        + (f'<p class="chips">{chips}</p>' if chips else "")
        + (f'<p class="reasons">Severity: {_e("; ".join(reasons))}</p>' if reasons else "")
        + also + "</article></li>"
    )


def build_brief(
    items: Iterable[Item],
    end: datetime,
    since: timedelta,
    top: int = 10,
    title: str | None = None,
    generated_at: datetime | None = None,
) -> str:
    """The brief's HTML for the items of [end - since, end); `items` may hold more (the week
    chart reads the 7 days ending at `end`, which can reach further back than the window)."""
    from sinks.brief.charts import in_frame, map_png, week_chart_png

    end = end.astimezone(UTC)
    start = end - since
    everything = list(items)
    days = week_days(end)
    window = sorted((i for i in everything if in_window(i, start, end)), key=lambda i: str(i.get("id")))
    week = [i for i in everything if in_window(i, week_start(end), end)]
    generated_at = generated_at or datetime.now(UTC)
    title = title or f"Mali / Sahel brief — {days[-1]:%d %B %Y}"

    chart = week_chart_png(
        days,
        [(item_time(i).astimezone(UTC).date(), (_labels(i, "event_types") or [None])[0]) for i in week],
        [(item_time(i).astimezone(UTC).date(), _labels(i, "topics")) for i in week],
    )
    points = map_points(window)
    map_image = map_png(points)
    outside = [p for p in points if not in_frame(p.lat, p.lon)]

    sources = Counter(str(i.get("source")) for i in window)
    langs = Counter((_enrichment(i).get("language") or {}).get("code") or i.get("lang") or "?" for i in window)
    story_count = len({_enrichment(i).get("story_id") or i.get("id") for i in window})
    high = sum(1 for i in window if severity(i) >= 70)
    stories = top_items(window, top)

    outside_note = ""
    if outside:
        listed = ", ".join(f"{_e(p.name)} ({_e(_country_name(p.country))}, {p.items})"
                           for p in sorted(outside, key=lambda p: (-p.items, p.name)))
        outside_note = f" Outside the frame: {listed}."
    key_figures = "".join(
        f"<div><b>{_e(v)}</b>{_e(k)}</div>"
        for k, v in (("items", len(window)),
                     ("languages", ", ".join(f"{k} {n}" for k, n in langs.most_common()) or "—"),
                     ("stories", story_count), ("sources", len(sources)),
                     ("severity ≥ 70", high))
    )
    items_html = ("".join(_item_html(i, others) for i, others in stories)
                  or '<p class="meta">No item in the window.</p>')
    first, last = days[0], days[-1]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="veille brief">
<title>{_e(title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header>
<h1 dir="auto">{_e(title)}</h1>
<p class="window" id="window">Items published from <time datetime="{start.isoformat()}">{_e(_fmt_time(start))}</time>
to <time datetime="{end.isoformat()}">{_e(_fmt_time(end))}</time> ({_e(_span(since))}).</p>
<div class="key" id="key-figures">{key_figures}</div>
</header>
<div class="tables">
{_table("counts-event-types", "Items by event type", event_type_rows(window), "No item in the window.")}
{_table("counts-regions", "Items by region", region_rows(window), "No place named in the window.")}
{_table("counts-topics", "Items by topic", topic_rows(window), "No topic in the window.")}
</div>
<h2>The week</h2>
<figure><img id="week-chart" src="{_png_uri(chart)}" alt="Items per day from {first:%d %b} to {last:%d %b %Y}, by event type and topic">
<figcaption>{first:%d %b} – {last:%d %b %Y} (UTC days; the 7 days ending with this brief). An item counts once in the bars, under its most likely event type.</figcaption></figure>
<h2>Map</h2>
<figure><img id="map" src="{_png_uri(map_image)}" alt="Map of Mali with the {len(points)} places named in the window">
<figcaption>{len(points)} places named by the window's items (marker area: number of items; colour: worst severity). Country-level mentions are counted in the region table only.{outside_note}</figcaption></figure>
<h2>Top {len(stories)} {"story" if len(stories) == 1 else "stories"} by severity</h2>
<ol class="items" id="top-items">{items_html}</ol>
<footer>Generated by veille on {_e(_fmt_time(generated_at))} from {len(window)} items. Labels, places and severity are computed automatically from the texts (docs/classifiers.md): check the source before acting.</footer>
</main>
</body>
</html>
"""


def _span(since: timedelta) -> str:
    hours = since.total_seconds() / 3600
    if hours < 48:
        return f"{hours:g} hours"
    return f"{hours / 24:g} days"
