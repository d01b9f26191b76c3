"""The daily brief's two pictures: the week's items per day, and a map of the places named.

Both are drawn with matplotlib's object API on the Agg canvas (no pyplot, so no global
figure state and no GUI backend is ever chosen: safe in a worker thread or a server) and
returned as PNG bytes, which `sinks.brief.page` embeds as data: URIs. Nothing is fetched: the
map's outline of Mali and its label points are data in `sinks/brief/data/mali_outline.yaml`, so a
brief can be drawn on a machine without internet and mailed as one file.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sinks.alerts.wording import label_name
from sinks.brief.labels import Label, Placed, place

OUTLINE_FILE = Path(__file__).with_name("data") / "mali_outline.yaml"
REGIONS_FILE = Path(__file__).with_name("data") / "mali_regions.geojson"
REGION_FILLS = ("#fbf7ec", "#f3ecd9")  # two shades: neighbouring regions told apart
NO_EVENT = "no event type"
OTHER = "other event types"
MAX_SERIES = 6  # more stacked colours than this cannot be told apart in a mailed picture
DPI = 100
# A qualitative palette (matplotlib's tab10, reordered so red goes to the most frequent type).
PALETTE = ("#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22")


@dataclass(frozen=True)
class MapPoint:
    """One place on the map: how many items of the window name it and their worst severity."""

    name: str
    country: str
    admin1: str
    lat: float
    lon: float
    items: int
    max_severity: int


@cache
def map_data() -> dict[str, Any]:
    """The outline, region label points, neighbour labels and frame, read once."""
    data = yaml.safe_load(OUTLINE_FILE.read_text(encoding="utf-8"))
    for key in ("extent", "outline", "regions", "neighbours", "countries"):
        if key not in data:
            raise ValueError(f"{OUTLINE_FILE}: missing {key!r}")
    return data


def in_frame(lat: float, lon: float) -> bool:
    """Whether a point falls inside the map frame (outside ones are listed under the map)."""
    lon_min, lon_max, lat_min, lat_max = map_data()["extent"]
    return lon_min <= lon <= lon_max and lat_min <= lat <= lat_max


def _png(fig: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buf = io.BytesIO()
    # No "Software"/date metadata: the same data gives the same bytes (reproducible briefs).
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def week_chart_png(
    days: Sequence[date],
    primary_types: Sequence[tuple[date, str | None]],
    topics: Sequence[tuple[date, Sequence[str]]],
    language: str = "en",
) -> bytes:
    """Items per day over `days`: stacked bars by each item's most likely event type (one item
    counts once, so a bar's height is the day's item count), and below, lines of the week's
    most frequent topics (an item counts for each of its topics).

    `primary_types` holds (day, event type or None) per item; `topics` (day, topic labels);
    the legends name labels in `language` (sinks.alerts.wording).
    """
    index = {d: i for i, d in enumerate(days)}
    type_totals = Counter(t or NO_EVENT for d, t in primary_types if d in index)
    named = [t for t, _ in type_totals.most_common() if t != NO_EVENT]
    keep = named[:MAX_SERIES] if len(named) <= MAX_SERIES else named[: MAX_SERIES - 1]
    series = [*keep, *([OTHER] if len(named) > len(keep) else []),
              *([NO_EVENT] if NO_EVENT in type_totals else [])]
    counts = {s: [0] * len(days) for s in series}
    for d, t in primary_types:
        if d not in index:
            continue
        key = t if t in keep else (OTHER if t else NO_EVENT)
        counts[key][index[d]] += 1

    topic_totals = Counter(t for d, labels in topics if d in index for t in set(labels))
    top_topics = [t for t, _ in topic_totals.most_common(5)]
    topic_counts = {t: [0] * len(days) for t in top_topics}
    for d, labels in topics:
        if d in index:
            for t in set(labels) & set(top_topics):
                topic_counts[t][index[d]] += 1

    fig = _figure(8.0, 5.4)
    bars, lines = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    x = list(range(len(days)))
    bottom = [0] * len(days)
    for i, name in enumerate(series):
        colour = "#bbbbbb" if name == NO_EVENT else "#777777" if name == OTHER else PALETTE[i % len(PALETTE)]
        bars.bar(x, counts[name], bottom=bottom, color=colour, label=label_name("event_types", name, language),
                 edgecolor="white", linewidth=0.5)
        bottom = [b + c for b, c in zip(bottom, counts[name], strict=True)]
    bars.set_ylabel("items")
    bars.set_title("Items per day, by most likely event type", fontsize=11, loc="left")
    if series:
        bars.legend(fontsize=8, loc="upper left", frameon=False, ncols=2)
    else:
        bars.text(0.5, 0.5, "no item this week", transform=bars.transAxes, ha="center",
                  va="center", color="#777777")
    bars.set_ylim(0, max([*bottom, 1]) * 1.35)
    for i, t in enumerate(top_topics):
        lines.plot(x, topic_counts[t], marker="o", markersize=3.5, linewidth=1.6,
                   color=PALETTE[(i + 1) % len(PALETTE)], label=label_name("topics", t, language))
    lines.set_ylabel("items")
    lines.set_title("Items per day mentioning each frequent topic", fontsize=11, loc="left")
    if top_topics:
        lines.legend(fontsize=8, loc="upper left", frameon=False, ncols=3)
        lines.set_ylim(0, max(max(v) for v in topic_counts.values()) * 1.5 + 0.5)
    lines.set_xticks(x, [d.strftime("%a %d %b") for d in days], fontsize=8)
    for ax in (bars, lines):
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


@cache
def regions() -> list[dict[str, Any]]:
    """The approximate admin1 regions (tools/build_regions.py): name, label point, rings."""
    data = json.loads(REGIONS_FILE.read_text(encoding="utf-8"))
    out = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        out.append({"name": feature["properties"]["name"], "label": feature["properties"]["label"],
                    "rings": [ring for polygon in polygons for ring in polygon]})
    return out


@dataclass
class MapDrawing:
    """The map's figure and the labels the non-overlap pass kept (boxes in pixels)."""

    figure: Any
    labels: list[Placed]
    texts: list[Any]


def draw_map(points: Sequence[MapPoint], highlight: int = 8) -> MapDrawing:
    """Mali's regions (approximate boundaries, shaded) and one marker per place named in the
    window: area grows with the number of items naming it, colour with their worst severity.
    Labels (the `highlight` places named most often, then region names, then neighbouring
    countries) are placed by `sinks.brief.labels.place` so that none overlaps another."""
    from matplotlib.colors import Normalize

    data = map_data()
    lon_min, lon_max, lat_min, lat_max = data["extent"]
    fig = _figure(7.6, 6.6)
    ax = fig.subplots()
    ax.set_facecolor("#eef3f7")
    lons = [p[0] for p in data["outline"]]
    lats = [p[1] for p in data["outline"]]
    ax.fill(lons, lats, facecolor="#fbf7ec", edgecolor="none", zorder=1)
    for i, region in enumerate(regions()):
        for ring in region["rings"]:
            xs, ys = zip(*ring, strict=True)
            ax.fill(xs, ys, facecolor=REGION_FILLS[i % 2], edgecolor="#b3a27f", linewidth=0.6, zorder=1)
    ax.plot(lons, lats, color="#6b5b3e", linewidth=1.2, zorder=2)

    shown = [p for p in points if in_frame(p.lat, p.lon)]
    norm = Normalize(vmin=0, vmax=100)
    wanted: list[tuple[str, float, float, dict[str, Any], bool, float | None]] = []
    markers: list[tuple[float, float, float]] = []  # lon, lat, radius in points
    if shown:
        biggest = max(p.items for p in shown)
        sizes = [40 + 460 * (p.items / biggest) for p in shown]
        ordered = sorted(range(len(shown)), key=lambda i: -sizes[i])  # small markers on top
        sc = ax.scatter([shown[i].lon for i in ordered], [shown[i].lat for i in ordered],
                        s=[sizes[i] for i in ordered],
                        c=[shown[i].max_severity for i in ordered], cmap="YlOrRd", norm=norm,
                        edgecolors="#3b2a1a", linewidths=0.6, alpha=0.85, zorder=3)
        bar = fig.colorbar(sc, ax=ax, shrink=0.6, pad=0.01)
        bar.set_label("worst severity of the items naming the place", fontsize=8)
        bar.ax.tick_params(labelsize=7)
        radius = {id(p): (size ** 0.5) / 2 for p, size in zip(shown, sizes, strict=True)}
        markers = [(p.lon, p.lat, radius[id(p)]) for p in shown]
        for p in sorted(shown, key=lambda p: (-p.items, -p.max_severity, p.name))[:highlight]:
            wanted.append((f"{p.name} ({p.items})", p.lon, p.lat,
                           {"fontsize": 8, "fontweight": "bold", "color": "#222222"}, False,
                           radius[id(p)] * DPI / 72 + 2))
    else:
        ax.text(0.5, 0.06, "no place named in the window", transform=ax.transAxes,
                ha="center", color="#777777")
    for region in regions():
        wanted.append((region["name"].upper(), *region["label"],
                       {"fontsize": 7, "color": "#7d6f55"}, True, None))
    for name, (lon, lat) in data["neighbours"].items():
        wanted.append((name, lon, lat, {"fontsize": 8, "color": "#8a9aa8", "style": "italic"}, True, None))
    ax.set_xlim(lon_min, lon_max)
    ax.set_ylim(lat_min, lat_max)
    ax.set_aspect("equal")
    ax.tick_params(labelsize=7, colors="#777777")
    ax.set_title("Places named in the window (marker area: items)", fontsize=11, loc="left")
    placed, texts = _place_labels(fig, ax, wanted, markers)
    return MapDrawing(fig, placed, texts)


def _place_labels(fig: Any, ax: Any, wanted: list, markers: list[tuple[float, float, float]]
                  ) -> tuple[list[Placed], list[Any]]:
    """Measures each label, runs the non-overlap pass in pixels and writes the kept ones.
    The layout is drawn once and then frozen, so the pixels measured are the pixels saved."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    fig.set_layout_engine("none")
    renderer = canvas.get_renderer()
    labels = []
    styles = {}
    for key, lon, lat, style, centred, gap in wanted:
        probe = ax.text(0, 0, key, **style)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        x, y = ax.transData.transform((lon, lat))
        labels.append(Label(key, float(x), float(y), extent.width, extent.height, centred, gap))
        styles[key] = style
    obstacles = []
    for lon, lat, r in markers:
        x, y = ax.transData.transform((lon, lat))
        r = r * DPI / 72
        obstacles.append((float(x - r), float(y - r), float(x + r), float(y + r)))
    frame = tuple(ax.bbox.extents)
    placed = place(labels, frame, obstacles=obstacles)  # type: ignore[arg-type]
    to_data = ax.transData.inverted()
    texts = []
    for p in placed:
        x, y = to_data.transform((p.box[0], p.box[1]))
        texts.append(ax.text(x, y, p.key, ha="left", va="bottom", zorder=4, **styles[p.key]))
    return placed, texts


def map_png(points: Sequence[MapPoint], highlight: int = 8) -> bytes:
    """The map (`draw_map`) as PNG bytes."""
    return _png(draw_map(points, highlight).figure)
