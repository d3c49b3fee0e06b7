"""Grow and shrink ships by N pixels (round structuring element), in the ships' boxes only; and how deep
each pixel of a mask lies (:func:`depth`), which the click tools and the watershed split measure."""

from __future__ import annotations

import functools

import cv2
import numpy as np

from shipviewer.edits._core import (
    EditError,
    check_label,
    check_labels,
    label_box,
    label_boxes,
    write_region,
    write_where,
)
from shipviewer.edits.undo import Atom, Box, union_boxes

__all__ = ["MAX_MORPHOLOGY", "depth", "grow", "shrink"]

MAX_MORPHOLOGY = 256
_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
_SQUARE = np.ones((3, 3), np.uint8)


def depth(mask: np.ndarray, mask_size: int = 3) -> np.ndarray:
    """Each pixel's L2 distance to the nearest pixel off ``mask`` (bool), the frame's edge counting as
    off it (``cv2.distanceTransform``, ``mask_size`` 3 or 5), float32."""
    return cv2.distanceTransform(np.pad(mask, 1).view(np.uint8), cv2.DIST_L2, mask_size)[1:-1, 1:-1]


@functools.lru_cache(maxsize=64)
def _disk(pixels: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * pixels + 1, 2 * pixels + 1))


def _check_pixels(pixels: int) -> int:
    pixels = int(pixels)
    if not 0 <= pixels <= MAX_MORPHOLOGY:
        raise EditError(f"grow and shrink take 0..{MAX_MORPHOLOGY} pixels, got {pixels}")
    return pixels


def grow(
    labels: np.ndarray, pixels: int, label: int | None = None, *, overwrite: bool = False
) -> Atom | None:
    """Grow ship ``label`` (every ship when None) by ``pixels`` into the background.

    One ship grows with a disk; other ships keep their pixels unless ``overwrite``. Every ship at once
    grows one pixel at a time (alternating 4- and 8-neighbours, close to a disk), so where two ships
    meet each gets the pixels nearer to it; at a tie the higher label wins.
    """
    check_labels(labels)
    pixels = _check_pixels(pixels)
    if pixels == 0:
        return None
    if label is not None:
        label = check_label(label)
        found = label_box(labels, label)
        if found is None:
            return None
        box = found.grow(pixels, labels.shape)
        region = labels[box.slices]
        grown = cv2.dilate((region == label).view(np.uint8), _disk(pixels)).view(bool)
        target = grown if overwrite else grown & (region == 0)
        return write_where(labels, box, target, label)
    found_all = union_boxes(label_boxes(labels).values())
    if found_all is None:
        return None
    box = found_all.grow(pixels, labels.shape)
    current = labels[box.slices].astype(np.float32)  # cv2.dilate has no int32; exact below 2**24 labels
    for step in range(pixels):
        reach = cv2.dilate(current, _CROSS if step % 2 == 0 else _SQUARE)
        empty = current == 0
        current[empty] = reach[empty]
    return write_region(labels, box, current.astype(np.int32))


def shrink(labels: np.ndarray, pixels: int, label: int | None = None) -> Atom | None:
    """Shrink ship ``label`` (every ship when None) by ``pixels`` from its edges with anything else.

    The image border does not count as an edge: a ship cut by the frame keeps its pixels there.
    """
    check_labels(labels)
    pixels = _check_pixels(pixels)
    if pixels == 0:
        return None
    if label is not None:
        label = check_label(label)
        box = label_box(labels, label)
        if box is None:
            return None
        box = box.grow(1, labels.shape)
        region = labels[box.slices]
        mask = (region == label).view(np.uint8)
        kept = cv2.erode(mask, _disk(pixels)).view(bool)
        return write_where(labels, box, mask.view(bool) & ~kept, 0)
    found = union_boxes(label_boxes(labels).values())
    if found is None:
        return None
    return _shrink_all(labels, found.grow(1, labels.shape), pixels)


def _shrink_all(labels: np.ndarray, box: Box, pixels: int) -> Atom | None:
    region = labels[box.slices]
    values = region.astype(np.float32)
    disk = _disk(pixels)
    # A pixel stays when every pixel within the disk carries its own label (outside the image ignored).
    keep = (cv2.erode(values, disk) == values) & (cv2.dilate(values, disk) == values)
    new = np.where(keep, region, 0).astype(np.int32)
    return write_region(labels, box, new)
