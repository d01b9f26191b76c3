"""Builds sinks/brief/data/mali_regions.geojson: approximate admin1 boundaries for the brief's map.

Why derived, not downloaded: the map must be drawn offline from open data shipped in the repo,
and no boundary file can be fetched here. OCHA's settlements of Mali (tools/data/
mali-settlements.csv.gz, HDX "mali-settlements", CC BY-IGO, attribute "OCHA (Mali settlements,
HDX)") give 18,769 places with their region; a region is approximated by the places nearest to
its settlements: the Voronoi cells of the settlements, dissolved by region and clipped to the
country outline the map already draws (sinks/brief/data/mali_outline.yaml, after Natural
Earth, public domain). Regions are assigned as tools/build_settlements.py does (Ménaka carved
from Gao's cercle of Ménaka, Taoudénit from Tombouctou north of 18.3°N and the commune of
Salam), so the borders are approximate by construction: good for a drawing, never for a
boundary reference. Boundaries are simplified as one coverage (shared edges stay shared) to
about 3 km, and each region keeps a label point (the pole of inaccessibility of its largest
part) for the map.

Needs shapely (a build-time tool only: `pip install shapely`; the brief reads the GeoJSON
without it).

    python tools/build_regions.py            # writes sinks/brief/data/mali_regions.geojson
    python tools/build_regions.py --check    # exits 1 if the shipped file is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_settlements as settlements  # noqa: E402 - the same region assignment, one home

ROOT = Path(__file__).resolve().parent.parent
OUTLINE = ROOT / "sinks" / "brief" / "data" / "mali_outline.yaml"
OUTPUT = ROOT / "sinks" / "brief" / "data" / "mali_regions.geojson"
TOLERANCE = 0.03  # degrees (~3 km): finer than a pixel of the mailed map (about 2.5 km)
DIGITS = 3


def region_points() -> dict[str, list[tuple[float, float]]]:
    """(lon, lat) of every settlement, by BRIEF's admin1 name (duplicates removed)."""
    curated = settlements.read_curated()
    out: dict[str, set[tuple[float, float]]] = defaultdict(set)
    for row in settlements.read_source():
        admin1, _ = settlements.admin_of(row, curated, f"{settlements.SOURCE.name}: {row['pcode']}")
        out[admin1].add((round(float(row["lon"]), 4), round(float(row["lat"]), 4)))
    return {k: sorted(v) for k, v in sorted(out.items())}


def build() -> dict:
    import shapely
    from shapely.geometry import MultiPoint, Polygon, mapping
    from shapely.ops import polylabel

    outline = Polygon(yaml.safe_load(OUTLINE.read_text(encoding="utf-8"))["outline"]).buffer(0)
    by_region = region_points()
    owner: dict[tuple[float, float], str] = {}
    for region, points in by_region.items():
        for p in points:
            owner.setdefault(p, region)  # a point filed under two regions: the first
    owner = drop_strays(owner)
    points = sorted(owner)
    cells = shapely.voronoi_polygons(MultiPoint(points), extend_to=outline.buffer(2), ordered=True)
    parts: dict[str, list] = defaultdict(list)
    for p, cell in zip(points, shapely.get_parts(cells), strict=True):
        parts[owner[p]].append(cell)
    names = sorted(parts)
    shapes = {name: shapely.union_all(parts[name]).intersection(outline) for name in names}
    shapes = merge_islands(shapes)
    simple = shapely.coverage_simplify([shapes[n] for n in names], TOLERANCE)
    features = []
    for name, geom in zip(names, simple, strict=True):
        geom = shapely.set_precision(geom, 10 ** -DIGITS)
        largest = max(shapely.get_parts(geom), key=lambda g: g.area)
        label = polylabel(largest, tolerance=0.01)
        features.append({
            "type": "Feature",
            "properties": {"name": name, "label": [round(label.x, 2), round(label.y, 2)],
                           "settlements": len(by_region[name])},
            "geometry": mapping(geom),
        })
    return {
        "type": "FeatureCollection",
        "attribution": f"Derived from {settlements.ATTRIBUTION}, {settlements.LICENCE}, by "
                       "tools/build_regions.py; outline after Natural Earth (public domain)",
        "note": "Approximate admin1 regions of Mali (Voronoi cells of OCHA's settlements "
                "dissolved by region): a drawing aid, not a boundary reference.",
        "features": features,
    }


def drop_strays(owner: dict[tuple[float, float], str], k: int = 6) -> dict[tuple[float, float], str]:
    """Leaves out a settlement none of whose `k` nearest settlements is of its region: a
    mistyped coordinate (a Ségou village placed in the Sahara) would otherwise claim hundreds
    of square kilometres of empty desert for its region."""
    import numpy as np

    points = sorted(owner)
    xy = np.array(points)
    labels = np.array([owner[p] for p in points])
    keep = {}
    for start in range(0, len(points), 500):
        chunk = xy[start:start + 500]
        d = ((chunk[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
        nearest = np.argpartition(d, k + 1, axis=1)[:, : k + 1]
        for row, idx in enumerate(nearest):
            i = start + row
            if (labels[[j for j in idx if j != i]] == labels[i]).any():
                keep[points[i]] = owner[points[i]]
    return keep


def merge_islands(shapes: dict) -> dict:
    """Gives each part of a region but its largest (villages filed under the next region, a
    sliver of the Niger delta, desert claimed by a lone village) to the region it shares the
    longest border with: Mali's regions are each in one piece."""
    import shapely

    shapes = dict(shapes)
    for name in sorted(shapes):
        parts = sorted(shapely.get_parts(shapes[name]), key=lambda g: -g.area)
        for part in parts[1:]:  # the largest part stays, however small (Bamako)
            border = {other: part.boundary.intersection(shape.boundary).length
                      for other, shape in shapes.items() if other != name}
            best = max(border, key=lambda k: border[k])
            if border[best] <= 0:
                continue
            shapes[name] = shapes[name].difference(part.buffer(1e-9))
            shapes[best] = shapely.union_all([shapes[best], part.buffer(1e-9)])
    return {k: shapely.set_precision(v, 1e-6) for k, v in shapes.items()}


def render(collection: dict) -> str:
    def rounded(value):
        if isinstance(value, float):
            return round(value, DIGITS)
        if isinstance(value, (list, tuple)):
            return [rounded(v) for v in value]
        if isinstance(value, dict):
            return {k: rounded(v) for k, v in value.items()}
        return value

    return json.dumps(rounded(collection), ensure_ascii=False, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the shipped file is stale")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        same = OUTPUT.exists() and OUTPUT.read_text(encoding="utf-8") == text
        print(f"{OUTPUT.relative_to(ROOT)}: {'up to date' if same else 'stale: run tools/build_regions.py'}")
        return 0 if same else 1
    OUTPUT.write_text(text, encoding="utf-8")
    collection = json.loads(text)
    print(f"{OUTPUT.relative_to(ROOT)}: {len(collection['features'])} regions, {len(text) // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
