"""Take one ship of another label image (the model's prediction) into the annotation, by clicking it."""

from __future__ import annotations

import numpy as np

from shipviewer.edits._core import (
    Point,
    as_points,
    check_label,
    check_labels,
    label_box,
    points_box,
    write_where,
)
from shipviewer.edits.undo import Atom

__all__ = ["ship_near", "take_ship"]


def ship_near(source: np.ndarray, point: Point, reach: int = 3) -> int:
    """The ship of ``source`` under ``point``, else the nearest one within ``reach`` pixels (a click on
    its outline, just outside it); 0 when there is none."""
    pts = as_points([point])
    ((x, y),) = pts.tolist()
    height, width = source.shape
    if 0 <= x < width and 0 <= y < height and source[y, x]:
        return int(source[y, x])
    box = points_box(pts, reach, source.shape)
    if box.empty:
        return 0
    region = source[box.slices]
    ys, xs = np.nonzero(region)
    if ys.size == 0:
        return 0
    d2 = (ys + box.y0 - y) ** 2 + (xs + box.x0 - x) ** 2
    best = int(d2.argmin())
    return int(region[ys[best], xs[best]]) if d2[best] <= reach * reach else 0


def take_ship(
    labels: np.ndarray, source: np.ndarray, point: Point, label: int, *, reach: int = 3
) -> Atom | None:
    """Add the ship of ``source`` at (or within ``reach`` px of) ``point`` to ``labels`` as ship ``label``.

    Only background pixels are taken: ships already in ``labels`` keep theirs. None when there is no
    ship of ``source`` there, or nothing of it is left to take.
    """
    check_labels(labels)
    label = check_label(label)
    if source.shape != labels.shape:
        raise ValueError(f"the source {source.shape} does not match the label image {labels.shape}")
    found = ship_near(source, point, reach)
    if not found:
        return None
    box = label_box(source, found)
    if box is None:
        return None
    region = labels[box.slices]
    target = (source[box.slices] == found) & (region == 0)
    if not target.any():
        return None
    return write_where(labels, box, target, label)
