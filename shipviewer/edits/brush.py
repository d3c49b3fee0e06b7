"""The round brush and the eraser: one segment of a stroke, from the last mouse point to this one.

Everything happens in the segment's box (the line's bounding box widened by the brush radius), so a
segment costs the same on a 768×768 and a 16k×16k image.
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
    points_box,
    write_where,
)
from shipviewer.edits.undo import Atom, Box

__all__ = [
    "MAX_BRUSH",
    "MIN_BRUSH",
    "brush_footprint",
    "erase_segment",
    "next_brush_size",
    "paint_segment",
    "stroke_label",
]

MIN_BRUSH, MAX_BRUSH = 1, 512
# Brush diameters that `[` and `]` step through.
BRUSH_STEPS = (
    1,
    2,
    3,
    4,
    5,
    6,
    8,
    10,
    12,
    15,
    20,
    25,
    30,
    40,
    50,
    64,
    80,
    100,
    128,
    160,
    200,
    256,
    320,
    400,
    512,
)


def next_brush_size(size: int, step: int) -> int:
    """The brush diameter one notch bigger (``step=+1``, key ``]``) or smaller (``step=-1``, key ``[``)."""
    size = min(max(int(size), MIN_BRUSH), MAX_BRUSH)
    if step > 0:
        return next((s for s in BRUSH_STEPS if s > size), MAX_BRUSH)
    if step < 0:
        return next((s for s in reversed(BRUSH_STEPS) if s < size), MIN_BRUSH)
    return size


def _check_size(size: int) -> int:
    size = int(size)
    if not MIN_BRUSH <= size <= MAX_BRUSH:
        raise EditError(f"brush size must be {MIN_BRUSH}..{MAX_BRUSH} pixels, got {size}")
    return size


def brush_footprint(
    shape: Sequence[int], p0: Point, p1: Point | None, size: int
) -> tuple[Box, np.ndarray] | None:
    """The pixels a round brush of diameter ``size`` covers moving from ``p0`` to ``p1``.

    Returns the box and a bool mask of it (None when the segment is entirely outside the image).
    A single click is ``p1=None`` (or ``p1 == p0``).
    """
    size = _check_size(size)
    points = as_points([p0] if p1 is None else [p0, p1])
    radius = (size - 1) // 2
    box = points_box(points, radius + 1, shape)
    if box.empty:
        return None
    scratch = np.zeros((box.height, box.width), dtype=np.uint8)
    local = points - np.array([box.x0, box.y0], dtype=np.int32)
    a = (int(local[0, 0]), int(local[0, 1]))
    b = (int(local[-1, 0]), int(local[-1, 1]))
    if size <= 2:
        # A thin 8-connected line; size 2 widens it by one pixel right and down.
        cv2.line(scratch, a, b, 1, 1, cv2.LINE_8)
        if size == 2:
            grown = scratch.copy()
            grown[1:, :] |= scratch[:-1, :]
            grown[:, 1:] |= scratch[:, :-1]
            grown[1:, 1:] |= scratch[:-1, :-1]
            scratch = grown
    else:
        cv2.circle(scratch, a, radius, 1, -1, cv2.LINE_8)
        if a != b:
            cv2.circle(scratch, b, radius, 1, -1, cv2.LINE_8)
            cv2.line(scratch, a, b, 1, 2 * radius + 1, cv2.LINE_8)
    return box, scratch.view(bool)


def stroke_label(labels: np.ndarray, selected: int | None, point: Point, size: int) -> int | None:
    """The ship a brush stroke starting at ``point`` paints: the ``selected`` one where the brush
    (diameter ``size``) overlaps or touches it, else None (a new ship). Painted into the selected ship,
    a stroke away from it would make one ship of two blobs, and a row of an Airbus CSV is one."""
    check_labels(labels)
    if selected is None:
        return None
    dab = brush_footprint(labels.shape, point, None, size)
    if dab is None:
        return None
    box, mask = dab
    grown = box.grow(1, labels.shape)  # the dab and the pixels touching it (diagonals too)
    ring = np.zeros((grown.height, grown.width), np.uint8)
    ring[box.y0 - grown.y0 : box.y1 - grown.y0, box.x0 - grown.x0 : box.x1 - grown.x0] = mask
    near = cv2.dilate(ring, np.ones((3, 3), np.uint8)).view(bool)
    return selected if bool((labels[grown.slices][near] == check_label(selected)).any()) else None


def paint_segment(
    labels: np.ndarray,
    p0: Point,
    p1: Point | None,
    size: int,
    label: int,
    *,
    overwrite: bool = False,
) -> Atom | None:
    """Paint ship ``label`` with a round brush of diameter ``size`` from ``p0`` to ``p1``.

    Only background pixels (and the ship's own) are painted: other ships keep theirs unless
    ``overwrite``. Returns the undo atom, whose box is the rectangle to repaint; None if nothing changed.
    """
    check_labels(labels)
    label = check_label(label)
    footprint = brush_footprint(labels.shape, p0, p1, size)
    if footprint is None:
        return None
    box, mask = footprint
    region = labels[box.slices]
    target = mask if overwrite else mask & (region == 0)
    if not target.any():
        return None
    return write_where(labels, box, target, label)


def erase_segment(
    labels: np.ndarray, p0: Point, p1: Point | None, size: int, *, label: int | None = None
) -> Atom | None:
    """Erase with a round brush from ``p0`` to ``p1``: every ship's pixels, or only ship ``label``'s."""
    check_labels(labels)
    footprint = brush_footprint(labels.shape, p0, p1, size)
    if footprint is None:
        return None
    box, mask = footprint
    region = labels[box.slices]
    target = mask & (region != 0) if label is None else mask & (region == check_label(label))
    if not target.any():
        return None
    return write_where(labels, box, target, 0)
