"""Polygon add and polygon cut: a closed outline clicked point by point, filled in its box."""

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
    points_box,
    write_where,
)
from shipviewer.edits.undo import Atom, Box

__all__ = ["polygon_add", "polygon_cut", "polygon_mask"]


def polygon_mask(shape: Sequence[int], points: Sequence[Point] | np.ndarray) -> tuple[Box, np.ndarray] | None:
    """The pixels inside (and on the edge of) the polygon through ``points``, as a box and a bool mask.

    None when the polygon lies outside the image. Fewer than three points give the line or point.
    """
    pts = as_points(points)
    box = points_box(pts, 0, shape)
    if box.empty:
        return None
    scratch = np.zeros((box.height, box.width), dtype=np.uint8)
    local = (pts - np.array([box.x0, box.y0], dtype=np.int32)).reshape(-1, 1, 2)
    cv2.fillPoly(scratch, [local], 1, cv2.LINE_8)
    cv2.polylines(scratch, [local], True, 1, 1, cv2.LINE_8)
    return box, scratch.view(bool)


def _polygon_region(
    labels: np.ndarray, points: Sequence[Point] | np.ndarray
) -> tuple[Box, np.ndarray, np.ndarray] | None:
    """The polygon's box, its mask and the labels under it; None when it lies outside the image."""
    check_labels(labels)
    if len(as_points(points)) < 3:
        raise EditError("a polygon needs at least three points")
    found = polygon_mask(labels.shape, points)
    if found is None:
        return None
    box, mask = found
    return box, mask, labels[box.slices]


def polygon_add(
    labels: np.ndarray, points: Sequence[Point] | np.ndarray, label: int, *, overwrite: bool = False
) -> Atom | None:
    """Add the polygon's pixels to ship ``label`` (background only unless ``overwrite``)."""
    check_labels(labels)
    label = check_label(label)
    found = _polygon_region(labels, points)
    if found is None:
        return None
    box, mask, region = found
    target = mask if overwrite else mask & ((region == 0) | (region == label))
    return write_where(labels, box, target, label)


def polygon_cut(
    labels: np.ndarray, points: Sequence[Point] | np.ndarray, *, label: int | None = None
) -> Atom | None:
    """Remove the polygon's pixels from every ship, or from ship ``label`` only."""
    found = _polygon_region(labels, points)
    if found is None:
        return None
    box, mask, region = found
    target = mask & (region != 0) if label is None else mask & (region == check_label(label))
    return write_where(labels, box, target, 0)
