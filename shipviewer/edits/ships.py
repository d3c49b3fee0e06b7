"""Whole-ship edits: pick, delete, merge, remove the small ones, clear, and take ships from RLE strings
(accepting the model's prediction as the annotation)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from shipviewer.airbus import rle as rle_codec
from shipviewer.edits._core import (
    EditError,
    Point,
    as_points,
    check_label,
    check_labels,
    label_box,
    label_boxes,
    write_region,
)
from shipviewer.edits.undo import Atom, Box, union_boxes

__all__ = ["add_ships", "clear", "delete_ship", "label_at", "merge_ships", "remove_small", "set_ships"]


def label_at(labels: np.ndarray, point: Point) -> int:
    """The ship under ``point`` (x, y); 0 for background or outside the image."""
    ((x, y),) = as_points([point]).tolist()
    height, width = labels.shape
    return int(labels[y, x]) if 0 <= x < width and 0 <= y < height else 0


def delete_ship(labels: np.ndarray, label: int, *, hint: Box | None = None) -> Atom | None:
    """Remove ship ``label`` (its number is not reused by the others: see :mod:`shipviewer.edits`).

    ``hint``, a box known to hold the whole ship, saves a pass over the frame.
    """
    check_labels(labels)
    box = label_box(labels, check_label(label), hint)
    if box is None:
        return None
    region = labels[box.slices]
    return write_region(labels, box, np.where(region == label, 0, region))


def merge_ships(labels: np.ndarray, which: Iterable[int]) -> Atom | None:
    """Make the given ships one ship, under the lowest of their labels."""
    check_labels(labels)
    wanted = sorted({check_label(k) for k in which})
    if len(wanted) < 2:
        raise EditError("merging needs at least two ships")
    boxes = {k: label_box(labels, k) for k in wanted}
    present = [k for k, b in boxes.items() if b is not None]
    if len(present) < 2:
        raise EditError("merging needs at least two ships present in the image")
    box = union_boxes(boxes.values())
    assert box is not None
    region = labels[box.slices]
    return write_region(labels, box, np.where(np.isin(region, present[1:]), present[0], region))


def remove_small(labels: np.ndarray, min_size: int) -> Atom | None:
    """Remove every ship of fewer than ``min_size`` pixels."""
    check_labels(labels)
    counts = np.bincount(labels.reshape(-1).astype(np.intp, copy=False))
    small = np.flatnonzero((counts > 0) & (counts < int(min_size)))
    small = small[small != 0]
    if small.size == 0:
        return None
    boxes = label_boxes(labels)
    box = union_boxes(boxes[int(k)] for k in small)
    assert box is not None
    region = labels[box.slices]
    return write_region(labels, box, np.where(np.isin(region, small), 0, region))


def clear(labels: np.ndarray) -> Atom | None:
    """Remove every ship."""
    check_labels(labels)
    return write_region(labels, Box.full(labels.shape), np.zeros_like(labels))


def set_ships(labels: np.ndarray, rles: Sequence[str], *, first_label: int = 1) -> Atom | None:
    """Replace all ships by ``rles`` (ship i gets label ``first_label + i``): accept a prediction.

    Overlapping strings are resolved in favour of the earlier ship, as ships never overlap here.
    """
    check_labels(labels)
    new = labels_from_rles(rles, labels.shape, first_label=first_label)
    return write_region(labels, Box.full(labels.shape), new)


def add_ships(labels: np.ndarray, rles: Sequence[str], *, first_label: int) -> Atom | None:
    """Add ships from ``rles`` into the background (existing ships keep their pixels)."""
    check_labels(labels)
    extra = labels_from_rles(rles, labels.shape, first_label=first_label)
    return write_region(labels, Box.full(labels.shape), np.where(labels == 0, extra, labels))


def labels_from_rles(rles: Sequence[str], shape: Sequence[int], *, first_label: int = 1) -> np.ndarray:
    """A C-ordered int32 label image of ``rles`` numbered from ``first_label``; earlier ships win overlaps."""
    rles = list(rles)
    n = len(rles)
    if n == 0:
        return np.zeros(tuple(shape), dtype=np.int32)
    # label_image gives later ships the shared pixels, so feed it the list backwards and renumber.
    reversed_labels = rle_codec.label_image(rles[::-1], shape, allow_overlap=True)
    lut = np.zeros(n + 1, dtype=np.int32)
    lut[1:] = np.arange(first_label + n - 1, first_label - 1, -1, dtype=np.int32)
    return np.ascontiguousarray(lut[reversed_labels])


def labels_from_ships(ships: dict[int, str], shape: Sequence[int]) -> np.ndarray:
    """A C-ordered int32 label image where ship ``k`` of ``ships`` (label → RLE) has value ``k``."""
    if not ships:
        return np.zeros(tuple(shape), dtype=np.int32)
    top = max(ships)
    dense = [ships.get(k, "") for k in range(1, top + 1)]
    return np.ascontiguousarray(rle_codec.label_image(dense, shape, allow_overlap=True), dtype=np.int32)
