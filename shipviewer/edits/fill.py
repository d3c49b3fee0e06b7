"""Bucket fill of a closed outline, and filling the holes of ships."""

from __future__ import annotations

import cv2
import numpy as np

from shipviewer.edits._core import (
    EditError,
    Point,
    as_points,
    check_label,
    check_labels,
    label_box,
    label_boxes,
    write_region,
    write_where,
)
from shipviewer.edits.undo import Atom, Box, coalesce

__all__ = ["DEFAULT_MAX_FILL_FRACTION", "bucket_fill", "fill_holes"]

# A fill larger than this share of the image means the click was outside any closed outline.
DEFAULT_MAX_FILL_FRACTION = 0.25


def bucket_fill(
    labels: np.ndarray,
    point: Point,
    label: int,
    *,
    max_fraction: float = DEFAULT_MAX_FILL_FRACTION,
) -> Atom | None:
    """Give ship ``label`` the background region around ``point`` (4-connected, bounded by any ship).

    The way to fill a ship drawn as an outline. Clicking on a ship does nothing (None). A region over
    ``max_fraction`` of the image raises :class:`EditError`: the outline is not closed.
    """
    check_labels(labels)
    label = check_label(label)
    ((x, y),) = as_points([point]).tolist()
    height, width = labels.shape
    if not (0 <= x < width and 0 <= y < height) or labels[y, x] != 0:
        return None
    image = (labels != 0).view(np.uint8).copy()
    area, _, _, (rx, ry, rw, rh) = cv2.floodFill(image, None, (x, y), 2, 0, 0, 4)
    if area > max_fraction * labels.size:
        raise EditError(
            f"the outline around ({x}, {y}) is not closed: the fill would cover {area} pixels, "
            f"{area / labels.size:.0%} of the image"
        )
    box = Box(ry, ry + rh, rx, rx + rw)
    new = labels[box.slices].copy()
    new[image[box.slices] == 2] = label
    return write_region(labels, box, new)


def _holes(mask: np.ndarray) -> np.ndarray:
    """Pixels not in ``mask`` and not 4-connected to the outside of its box."""
    padded = np.pad((~mask).view(np.uint8), 1, constant_values=1)
    cv2.floodFill(padded, None, (0, 0), 2, 0, 0, 4)
    return padded[1:-1, 1:-1] == 1


def _fill_one(labels: np.ndarray, label: int, box: Box, overwrite: bool) -> Atom | None:
    region = labels[box.slices]
    holes = _holes(region == label)
    target = holes if overwrite else holes & (region == 0)
    if not target.any():
        return None
    return write_where(labels, box, target, label)


def fill_holes(labels: np.ndarray, label: int | None = None, *, overwrite: bool = False) -> Atom | None:
    """Fill the holes of ship ``label`` (of every ship when None) with that ship.

    A hole is background enclosed by the ship (4-connected); pixels of other ships inside it stay
    theirs unless ``overwrite``.
    """
    check_labels(labels)
    if label is not None:
        label = check_label(label)
        box = label_box(labels, label)
        return None if box is None else _fill_one(labels, label, box, overwrite)
    atoms = [
        a for k, box in label_boxes(labels).items() if (a := _fill_one(labels, k, box, overwrite)) is not None
    ]
    return coalesce(atoms, labels) if atoms else None


def holes_of(labels: np.ndarray, label: int) -> np.ndarray:
    """A full-frame bool mask of the holes of ship ``label`` (for previews and tests)."""
    out = np.zeros(labels.shape, dtype=bool)
    box = label_box(labels, label)
    if box is not None:
        out[box.slices] = _holes(labels[box.slices] == label)
    return out
