"""Split a ship along a drawn line.

The line is drawn 4-connected, so it separates 8-connected regions: what is left of the ship falls
apart into parts. The largest part keeps the ship's label (and so its place in the export order), the
others get new labels, largest first. The line's own pixels, and crumbs under ``min_part`` pixels,
then go to the part they touch, so no pixel of the ship is lost.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from shipviewer.edits._core import (
    EditError,
    Point,
    as_points,
    check_label,
    check_labels,
    give_to_neighbours,
    label_box,
    next_free_label,
    points_box,
    write_where,
)
from shipviewer.edits.undo import Atom, Box

__all__ = ["ship_under_line", "split_ship"]


def _draw_line(box: Box, points: np.ndarray, width: int) -> np.ndarray:
    scratch = np.zeros((box.height, box.width), dtype=np.uint8)
    local = (points - np.array([box.x0, box.y0], dtype=np.int32)).reshape(-1, 1, 2)
    cv2.polylines(scratch, [local], False, 1, max(int(width), 1), cv2.LINE_4)
    return scratch.view(bool)


def ship_under_line(labels: np.ndarray, points: Sequence[Point] | np.ndarray) -> int:
    """The ship most of the line runs over (0 when it crosses none): which ship a split line means."""
    pts = as_points(points)
    box = points_box(pts, 0, labels.shape)
    if box.empty:
        return 0
    values = labels[box.slices][_draw_line(box, pts, 1)]
    values = values[values != 0]
    if values.size == 0:
        return 0
    found, counts = np.unique(values, return_counts=True)
    return int(found[np.argmax(counts)])


def split_ship(
    labels: np.ndarray,
    label: int,
    points: Sequence[Point] | np.ndarray,
    *,
    new_label: int | None = None,
    width: int = 1,
    min_part: int = 4,
) -> Atom | None:
    """Cut ship ``label`` in two (or more) along the polyline through ``points``.

    New parts are numbered from ``new_label`` (default: one above the largest label in the image).
    Raises :class:`EditError` when the line does not cut the ship apart.
    """
    check_labels(labels)
    label = check_label(label)
    pts = as_points(points)
    if len(pts) < 2:
        raise EditError("a split line needs at least two points")
    box = label_box(labels, label)
    if box is None:
        raise EditError(f"there is no ship {label} to split")
    box = box.grow(1, labels.shape)
    region = labels[box.slices]
    ship = region == label
    cut = _draw_line(box, pts, width) & ship
    if not cut.any():
        raise EditError(f"the line does not cross ship {label}")
    _, parts, stats, _ = cv2.connectedComponentsWithStats((ship & ~cut).view(np.uint8), connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    big = [int(i) + 1 for i in np.argsort(-areas, kind="stable") if areas[i] >= min_part]
    if len(big) < 2:
        raise EditError(f"the line does not cut ship {label} in two")
    if new_label is None:
        new_label = next_free_label(labels)
    new_label = max(int(new_label), label + 1)
    assigned = np.zeros(region.shape, dtype=np.int32)
    for rank, part in enumerate(big):
        assigned[parts == part] = label if rank == 0 else new_label + rank - 1
    give_to_neighbours(assigned, ship, label)
    return write_where(labels, box, ship, assigned[ship])
