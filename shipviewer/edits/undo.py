"""Undo and redo for label images, napari style: atoms of changed pixels grouped into items.

Ours because QUndoStack is Qt (the core must not import it) and generic undo libraries snapshot whole
objects; an atom holds only the changed pixels of a box, so memory follows what was painted.

An :class:`Atom` records one edit of a label image: the rectangle it changed and, for the pixels that
really changed in it, their old and new values. Memory grows with what was painted, never with the
image: a brush segment on a 4096×4096 image costs a few kilobytes. The atoms of one user action (all
segments of one brush stroke) form one :class:`UndoItem`; a :class:`History` keeps the items in capped
deques, capped by step count and by bytes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_STEPS", "Atom", "Box", "History", "UndoItem", "coalesce"]

DEFAULT_MAX_STEPS = 500
DEFAULT_MAX_BYTES = 256 * 1024 * 1024


class Box(NamedTuple):
    """A rectangle of pixels, half-open: rows ``y0 ≤ y < y1``, columns ``x0 ≤ x < x1``."""

    y0: int
    y1: int
    x0: int
    x1: int

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def area(self) -> int:
        return max(self.height, 0) * max(self.width, 0)

    @property
    def empty(self) -> bool:
        return self.y1 <= self.y0 or self.x1 <= self.x0

    def union(self, other: Box | None) -> Box:
        if other is None or other.empty:
            return self
        if self.empty:
            return other
        return Box(
            min(self.y0, other.y0), max(self.y1, other.y1), min(self.x0, other.x0), max(self.x1, other.x1)
        )

    def grow(self, pixels: int, shape: Sequence[int]) -> Box:
        """This box widened by ``pixels`` on every side, clipped to an image of ``shape``."""
        return Box(
            max(self.y0 - pixels, 0),
            min(self.y1 + pixels, int(shape[0])),
            max(self.x0 - pixels, 0),
            min(self.x1 + pixels, int(shape[1])),
        )

    def clip(self, shape: Sequence[int]) -> Box:
        return self.grow(0, shape)

    @classmethod
    def full(cls, shape: Sequence[int]) -> Box:
        return cls(0, int(shape[0]), 0, int(shape[1]))


def union_boxes(boxes: Iterable[Box | None]) -> Box | None:
    """The smallest box holding every given (non-empty) box; None when there is none."""
    result: Box | None = None
    for box in boxes:
        if box is None or box.empty:
            continue
        result = box if result is None else result.union(box)
    return result


@dataclass(frozen=True, eq=False)
class Atom:
    """One change of a label image: in ``box``, the pixels at flat (C-order, box-relative) ``index``
    went from ``old`` to ``new``. ``box`` is tight: it is exactly the rectangle that needs repainting.
    """

    box: Box
    index: np.ndarray
    old: np.ndarray
    new: np.ndarray

    @classmethod
    def from_regions(cls, box: Box, old: np.ndarray, new: np.ndarray) -> Atom | None:
        """The atom turning ``old`` into ``new`` (both the pixels of ``box``); None when equal."""
        changed = old != new
        rows = np.flatnonzero(changed.any(axis=1))
        if rows.size == 0:
            return None
        cols = np.flatnonzero(changed[rows[0] : rows[-1] + 1].any(axis=0))
        r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        tight = Box(box.y0 + r0, box.y0 + r1, box.x0 + c0, box.x0 + c1)
        sub = changed[r0:r1, c0:c1]
        index = np.flatnonzero(sub)
        index = index.astype(np.uint32 if tight.area > np.iinfo(np.uint16).max else np.uint16)
        return cls(
            tight,
            index,
            np.ascontiguousarray(old[r0:r1, c0:c1][sub], dtype=np.int32),
            np.ascontiguousarray(new[r0:r1, c0:c1][sub], dtype=np.int32),
        )

    def _positions(self) -> tuple[np.ndarray, np.ndarray]:
        rows, cols = np.divmod(self.index.astype(np.intp), self.box.width)
        return rows + self.box.y0, cols + self.box.x0

    def undo(self, labels: np.ndarray) -> None:
        labels[self._positions()] = self.old

    def redo(self, labels: np.ndarray) -> None:
        labels[self._positions()] = self.new

    @property
    def n_pixels(self) -> int:
        return int(self.index.size)

    @property
    def nbytes(self) -> int:
        return int(self.index.nbytes + self.old.nbytes + self.new.nbytes) + 64

    def touched_labels(self) -> set[int]:
        """Every nonzero label that lost or gained pixels."""
        values = np.union1d(self.old, self.new)
        return {int(v) for v in values[values != 0]}


def coalesce(atoms: Sequence[Atom], labels: np.ndarray) -> Atom | None:
    """One atom equal to applying ``atoms`` in order, given ``labels`` as they are after all of them.

    A brush stroke records one atom per segment, and consecutive segments overlap heavily; merging them
    when the stroke ends stores every changed pixel once.
    """
    box = union_boxes(a.box for a in atoms)
    if box is None:
        return None
    new = labels[box.slices].copy()
    old = new.copy()
    for atom in reversed(atoms):
        rows, cols = np.divmod(atom.index.astype(np.intp), atom.box.width)
        old[rows + atom.box.y0 - box.y0, cols + atom.box.x0 - box.x0] = atom.old
    return Atom.from_regions(box, old, new)


@dataclass(frozen=True)
class UndoItem:
    """One step of the history: a user action (``name``, e.g. "brush") and the atoms it made."""

    name: str
    atoms: tuple[Atom, ...]
    nbytes: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nbytes", sum(a.nbytes for a in self.atoms))

    @property
    def box(self) -> Box | None:
        return union_boxes(a.box for a in self.atoms)

    def touched_labels(self) -> set[int]:
        result: set[int] = set()
        for atom in self.atoms:
            result |= atom.touched_labels()
        return result

    def undo(self, labels: np.ndarray) -> None:
        for atom in reversed(self.atoms):
            atom.undo(labels)

    def redo(self, labels: np.ndarray) -> None:
        for atom in self.atoms:
            atom.redo(labels)


class History:
    """Undo and redo stacks of one image, capped by steps and by bytes (oldest steps dropped first).

    The latest step is always kept, even when it alone is over the byte cap. A new step clears redo.
    """

    def __init__(self, max_steps: int = DEFAULT_MAX_STEPS, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_steps < 1:
            raise ValueError(f"max_steps must be at least 1, got {max_steps}")
        self.max_steps = max_steps
        self.max_bytes = max_bytes
        self._undo: deque[UndoItem] = deque()
        self._redo: deque[UndoItem] = deque()
        self._bytes = 0

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def n_undo(self) -> int:
        return len(self._undo)

    @property
    def n_redo(self) -> int:
        return len(self._redo)

    @property
    def nbytes(self) -> int:
        """Bytes held by both stacks."""
        return self._bytes

    def push(self, item: UndoItem) -> None:
        self._bytes -= sum(i.nbytes for i in self._redo)
        self._redo.clear()
        self._undo.append(item)
        self._bytes += item.nbytes
        self._trim()

    def _trim(self) -> None:
        while len(self._undo) > 1 and (len(self._undo) > self.max_steps or self._bytes > self.max_bytes):
            self._bytes -= self._undo.popleft().nbytes

    def undo(self, labels: np.ndarray) -> UndoItem | None:
        """Revert the latest step on ``labels``; the step moves to the redo stack."""
        if not self._undo:
            return None
        item = self._undo.pop()
        item.undo(labels)
        self._redo.append(item)
        return item

    def redo(self, labels: np.ndarray) -> UndoItem | None:
        """Apply again the step undone last."""
        if not self._redo:
            return None
        item = self._redo.pop()
        item.redo(labels)
        self._undo.append(item)
        return item

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._bytes = 0
