"""Where the map's labels go so that no two overlap: a greedy pass over candidate positions.

Why: region names, neighbour names and the names of the places most reported fall close
together around Mopti and Gao; drawn at fixed offsets they overprint each other. The pass
takes labels in priority order (places reported most first, then regions, then neighbours)
and gives each the first of its candidate positions (right, left, above, below and the
diagonals of its anchor) whose box overlaps no box already placed and stays inside the frame;
a label with no free position is left out rather than drawn over another. The markers are
obstacles too, so a name never covers another place's marker. Pure geometry in
display pixels, so it is tested without drawing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 (pixels, y up)

# (dx, dy) of the box's reference corner per candidate, in units of the gap; the box is then
# aligned so that it sits on that side of the anchor.
SIDES = ("right", "left", "above", "below", "above-right", "below-right", "above-left", "below-left")


@dataclass(frozen=True)
class Label:
    """One label to place: its anchor point, measured size and whether it may move."""

    key: str
    x: float
    y: float
    width: float
    height: float
    centred: bool = False  # a region name sits on its label point first, then moves
    gap: float | None = None  # distance from the anchor (a marker's radius); default: place()'s


@dataclass(frozen=True)
class Placed:
    key: str
    box: Box
    side: str


def overlap(a: Box, b: Box) -> float:
    """Area shared by two boxes (0 when they only touch)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def candidates(label: Label, gap: float) -> list[tuple[str, Box]]:
    w, h, x, y = label.width, label.height, label.x, label.y
    boxes = {
        "right": (x + gap, y - h / 2), "left": (x - gap - w, y - h / 2),
        "above": (x - w / 2, y + gap), "below": (x - w / 2, y - gap - h),
        "above-right": (x + gap, y + gap), "below-right": (x + gap, y - gap - h),
        "above-left": (x - gap - w, y + gap), "below-left": (x - gap - w, y - gap - h),
    }
    out = [("centre", (x - w / 2, y - h / 2, x + w / 2, y + h / 2))] if label.centred else []
    out += [(side, (bx, by, bx + w, by + h)) for side, (bx, by) in
            ((s, boxes[s]) for s in SIDES)]
    return out


def place(labels: Sequence[Label], frame: Box, gap: float = 4.0,
          obstacles: Sequence[Box] = ()) -> list[Placed]:
    """The labels that fit, each at its first free position; `labels` in priority order."""
    taken: list[Box] = list(obstacles)
    placed: list[Placed] = []
    for label in labels:
        for side, box in candidates(label, label.gap if label.gap is not None else gap):
            inside = (box[0] >= frame[0] and box[1] >= frame[1]
                      and box[2] <= frame[2] and box[3] <= frame[3])
            if inside and all(overlap(box, other) == 0 for other in taken):
                taken.append(box)
                placed.append(Placed(label.key, box, side))
                break
    return placed
