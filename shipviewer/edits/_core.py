"""What every edit tool shares: checks, rectangles around points and labels, and writing a region back.

Points are ``(x, y)`` = (column, row) in image pixels, as Qt and OpenCV give them; floats are rounded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shipviewer.edits.undo import Atom, Box

Point = tuple[float, float]

__all__ = [
    "Box",
    "EditError",
    "Point",
    "check_labels",
    "give_to_neighbours",
    "label_box",
    "label_boxes",
    "points_box",
    "write_region",
    "write_where",
]


class EditError(ValueError):
    """An edit that cannot be made as asked (an open outline, a line that cuts nothing, a bad label)."""


def check_labels(labels: np.ndarray) -> np.ndarray:
    """The label image edits work on: 2-D, int32, C-contiguous (views of it are written in place)."""
    if not isinstance(labels, np.ndarray) or labels.ndim != 2:
        raise TypeError("a label image must be a 2-D numpy array")
    if labels.dtype != np.int32 or not labels.flags.c_contiguous or not labels.flags.writeable:
        raise TypeError("a label image must be a writeable, C-contiguous int32 array")
    return labels


def check_label(label: int) -> int:
    label = int(label)
    if label < 1:
        raise EditError(f"a ship label must be 1 or more, got {label}")
    return label


def as_points(points: Sequence[Point] | np.ndarray) -> np.ndarray:
    """(n, 2) int32 array of (x, y) pixel positions, rounded."""
    array = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if array.size == 0:
        raise EditError("at least one point is needed")
    if not np.isfinite(array).all():
        raise EditError("points must be finite numbers")
    # Far-away points (a drag outside the window) are clamped so OpenCV's int32 maths cannot overflow.
    return np.round(np.clip(array, -(1 << 20), 1 << 20)).astype(np.int32)


def points_box(points: np.ndarray, margin: int, shape: Sequence[int]) -> Box:
    """The box around (x, y) ``points`` widened by ``margin``, clipped to the image (may be empty)."""
    xs, ys = points[:, 0], points[:, 1]
    return Box(
        int(ys.min()) - margin, int(ys.max()) + margin + 1, int(xs.min()) - margin, int(xs.max()) + margin + 1
    ).clip(shape)


def label_box(labels: np.ndarray, label: int, hint: Box | None = None) -> Box | None:
    """The tight box of the pixels of ``label`` (searched inside ``hint`` when given); None if absent."""
    search = hint if hint is not None else Box.full(labels.shape)
    region = labels[search.slices] == label
    rows = np.flatnonzero(region.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(region[rows[0] : rows[-1] + 1].any(axis=0))
    return Box(
        search.y0 + int(rows[0]),
        search.y0 + int(rows[-1]) + 1,
        search.x0 + int(cols[0]),
        search.x0 + int(cols[-1]) + 1,
    )


def label_boxes(labels: np.ndarray) -> dict[int, Box]:
    """The tight box of every nonzero label, in one pass over the frame (runs down the columns)."""
    height = labels.shape[0]
    column_major = np.ascontiguousarray(labels.T).reshape(-1)
    padded = np.concatenate(([0], column_major, [0]))
    change = np.flatnonzero(padded[1:] != padded[:-1])
    if change.size == 0:
        return {}
    values = padded[change + 1][:-1]
    starts = change[:-1]
    ends = change[1:] - 1  # last pixel of each run
    keep = values != 0
    values, starts, ends = values[keep], starts[keep], ends[keep]
    c_first, c_last = starts // height, ends // height
    r_first = np.where(c_first == c_last, starts % height, 0)
    r_last = np.where(c_first == c_last, ends % height, height - 1)
    order = np.argsort(values, kind="stable")
    values = values[order]
    bounds = np.concatenate(([0], np.flatnonzero(np.diff(values)) + 1))
    y0 = np.minimum.reduceat(r_first[order], bounds)
    y1 = np.maximum.reduceat(r_last[order], bounds) + 1
    x0 = np.minimum.reduceat(c_first[order], bounds)
    x1 = np.maximum.reduceat(c_last[order], bounds) + 1
    return {
        int(v): Box(int(a), int(b), int(c), int(d)) for v, a, b, c, d in zip(values[bounds], y0, y1, x0, x1)
    }


def write_region(labels: np.ndarray, box: Box, new: np.ndarray) -> Atom | None:
    """Write ``new`` into ``labels[box]`` and return the undo atom of what changed (None if nothing)."""
    if box.empty:
        return None
    view = labels[box.slices]
    atom = Atom.from_regions(box, view, new)
    if atom is not None:
        view[...] = new
    return atom


def write_where(labels: np.ndarray, box: Box, target: np.ndarray, value: int | np.ndarray) -> Atom | None:
    """Set ``value`` (a label, or one value per ``target`` pixel) where ``target`` (a bool mask of the
    box's shape) is True inside ``box``; return the undo atom of what changed (None if nothing)."""
    new = labels[box.slices].copy()
    new[target] = value
    return write_region(labels, box, new)


def next_free_label(labels: np.ndarray) -> int:
    """One more than the largest label in the image (a full-frame pass: use a document's counter)."""
    return int(labels.max(initial=0)) + 1


def give_to_neighbours(assigned: np.ndarray, ship: np.ndarray, fallback: int) -> None:
    """Give each ``ship`` pixel without a part (0 in ``assigned``) the label of a part it touches, one ring
    at a time, in place; pixels that touch no part at all (a crumb on its own) get ``fallback``."""
    import cv2

    values = assigned.astype(np.float32)  # cv2.dilate has no int32; exact below 2**24 labels
    todo = ship & (values == 0)
    square = np.ones((3, 3), np.uint8)
    while todo.any():
        reach = cv2.dilate(values, square)
        values[todo] = reach[todo]
        left = ship & (values == 0)
        if np.count_nonzero(left) == np.count_nonzero(todo):
            values[left] = fallback
            break
        todo = left
    assigned[...] = values.astype(np.int32)
