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

__all__ = ["MIN_MEAN_WIDTH", "check_outline", "polygon_add", "polygon_cut", "polygon_mask"]

# An outline whose area over half its perimeter (its mean width) is under this encloses a line, not an
# area: a straight drag would otherwise make a 1-px-wide "ship".
MIN_MEAN_WIDTH = 1.5


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


def check_outline(points: Sequence[Point] | np.ndarray, mask: np.ndarray) -> None:
    """Raise :class:`EditError` for a degenerate outline: fewer than three corners, or one that encloses
    (almost) no area — its pixels ``mask`` are fewer than ``MIN_MEAN_WIDTH`` × half its perimeter."""
    pts = as_points(points)
    if len(np.unique(pts, axis=0)) < 3:
        raise EditError("a polygon needs at least three corners")
    contour = pts.reshape(-1, 1, 2).astype(np.float32)
    perimeter = cv2.arcLength(contour, True)
    area = int(np.count_nonzero(mask))
    # Both the pixels inside the image and the outline's geometric area (which still counts the parts off
    # the image, and is smaller for an outline that crosses itself) must say "a line".
    if max(area, abs(cv2.contourArea(contour))) < MIN_MEAN_WIDTH * perimeter / 2:
        raise EditError(
            f"the outline encloses no area ({area} px along a {perimeter:.0f} px outline): "
            "draw around the ship, not along a line"
        )


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
    check_outline(points, mask)
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
